#!/usr/bin/env bash
# The per-statement cost of "one statement, one model state" (DESIGN.md, the model cache):
# the first use of a model in each statement checks the caller's rights and the referenced
# version on the statement's snapshot, once per model and statement, never per row. Measured
# with pgbench (one client, BENCH_SECONDS each, default 10) on the running server, as the
# mean latency of three one-row statements:
#
#   floor        SELECT a FROM applications a WHERE id = :id
#   fin_version  SELECT fin_version('statement_bench')            (the check, nothing else)
#   fin_predict  SELECT fin_predict('statement_bench', a) ... WHERE id = :id
#
# and reports each against the floor (ratios: this machine is shared and noisy). Needs the
# release build installed and a running server (make bench does both).
set -euo pipefail
cd "$(dirname "$0")"
DB=${BENCH_DB:-finml_bench_statement}
SECONDS_EACH=${BENCH_SECONDS:-10}
if [ "$(id -u)" = 0 ]; then AS_PG=(sudo -u postgres); else AS_PG=(); fi
psql_db() { "${AS_PG[@]}" psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml"
psql_db -f ../examples/credit/load.sql < ../examples/credit/credit_data.csv
psql_db -c "SELECT version FROM fin_train('statement_bench', 'applications', 'status', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"]}')" >/dev/null
WORK=$(mktemp -d /tmp/finml-statement.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
printf '\\set id random(1, 4454)\nSELECT a FROM applications a WHERE id = :id;\n' > "$WORK/floor.sql"
printf "SELECT fin_version('statement_bench');\n" > "$WORK/version.sql"
printf "\\\\set id random(1, 4454)\nSELECT fin_predict('statement_bench', a) FROM applications a WHERE id = :id;\n" > "$WORK/predict.sql"
chmod 644 "$WORK"/*.sql
latency_ms() { # script: the mean latency pgbench reports, in ms
    "${AS_PG[@]}" pgbench -n -c 1 -T "$SECONDS_EACH" -f "$1" "$DB" 2>/dev/null \
        | sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p'
}
floor=$(latency_ms "$WORK/floor.sql")
version=$(latency_ms "$WORK/version.sql")
predict=$(latency_ms "$WORK/predict.sql")
awk -v f="$floor" -v v="$version" -v p="$predict" 'BEGIN {
    printf "| statement (one client, one row) | mean latency | against the floor |\n| --- | --- | --- |\n"
    printf "| floor: SELECT a FROM applications a WHERE id = :id | %.1f µs | 1.00 |\n", f * 1000
    printf "| SELECT fin_version(model): the per-statement check | %.1f µs | %.2f |\n", v * 1000, v / f
    printf "| SELECT fin_predict(model, a) ... WHERE id = :id | %.1f µs | %.2f |\n", p * 1000, p / f
}'
"${AS_PG[@]}" psql -X -q -c "DROP DATABASE IF EXISTS $DB"

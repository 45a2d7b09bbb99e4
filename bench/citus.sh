#!/usr/bin/env bash
# Scoring and training on a 3-node Citus cluster on this machine (coordinator + 2 workers,
# 32 shards) against one node, on the same rows of bench/applicants.sql (BENCH_CITUS_ROWS,
# default 1,000,000). Run after `make install` (release build) with Citus installed. Prints
# the median of BENCH_RUNS runs (default 3) of each side and their ratio, cluster / one node.
# On one machine with 2 cores the workers share the cores of the one node: expect overhead,
# not speed-up (bench/README.md, "Citus", has the cost model for N machines).
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_USER=${PG_USER:-postgres}
PORT=${BENCH_CITUS_PORT:-54600}
ROWS=${BENCH_CITUS_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
BINDIR=$("$PG_CONFIG" --bindir)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
    echo "SKIPPED: Citus is not installed (see tests/citus.sh)"
    exit 0
fi
WORK=$(mktemp -d /tmp/finml-bench-citus.XXXXXX)
chmod 755 "$WORK"
as_pg() { if [ "$(id -un)" = "$PG_USER" ]; then "$@"; else sudo -u "$PG_USER" -- "$@"; fi; }
# shellcheck source=tests/citus_cluster.sh
. "$ROOT/tests/citus_cluster.sh"
trap 'stop_citus_cluster; rm -rf "$WORK"' EXIT
chown "$PG_USER" "$WORK"
sql() { on "$PORT" "$@"; }

# Seconds of one statement, measured by the server (psql's \timing, last line).
seconds() { sql -c '\timing on' -c "$1" | grep -o 'Time: [0-9.]*' | tail -1 | awk '{print $2 / 1000}'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# compare ITEM A_SQL B_SQL [TARGET]: medians of both sides and their ratio, then the target
# the ratio must meet, when there is one.
compare() {
    local item=$1 cluster_sql=$2 node_sql=$3 target=${4:-} c=() n=()
    for _ in $(seq "$RUNS"); do
        c+=("$(seconds "$cluster_sql")")
        n+=("$(seconds "$node_sql")")
    done
    local cm nm
    cm=$(printf '%s\n' "${c[@]}" | median)
    nm=$(printf '%s\n' "${n[@]}" | median)
    local ratio
    ratio=$(echo "$cm $nm" | awk '{print $1 / $2}')
    if [ -z "$target" ]; then
        printf '| %s | %.3f s | %.3f s | %.2f |\n' "$item" "$cm" "$nm" "$ratio"
    else
        printf '| %s | %.3f s | %.3f s | %.2f | ≤ %s: %s |\n' "$item" "$cm" "$nm" "$ratio" "$target" \
            "$(echo "$ratio $target" | awk '{print ($1 <= $2) ? "met" : "missed"}')"
    fi
}

start_citus_cluster
sql -c "CREATE EXTENSION finml"
(cd "$ROOT/bench" && as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -q -d postgres \
    -v tbl=applicants -v nrows="$ROWS" -c "SET client_min_messages = warning" -f - <applicants.sql >/dev/null)
sql -c "CREATE TABLE applicants_dist (LIKE applicants INCLUDING ALL)" \
    -c "SELECT create_distributed_table('applicants_dist', 'id')" \
    -c "INSERT INTO applicants_dist SELECT * FROM applicants" \
    -c "ANALYZE applicants_dist" -c "ANALYZE applicants" >/dev/null
OPTIONS="'{\"exclude\": [\"id\"], \"seed\": 42}'"
sql -c "SELECT version FROM fin_train('m', 'applicants', 'defaulted', options => $OPTIONS)" >/dev/null
SERIAL="SET max_parallel_workers_per_gather = 0;"
PARALLEL="SET max_parallel_workers_per_gather = 2;"

echo "One node: PostgreSQL's parallel workers (2) against none, $ROWS rows (the catalog not yet distributed)"
echo
echo "| item | 2 workers | none | ratio |"
echo "| --- | --- | --- | --- |"
compare "fin_psi (the aggregate fin_drift_counts, combined across workers)" \
    "$PARALLEL SELECT count(*) FROM fin_psi('m', 'applicants')" "$SERIAL SELECT count(*) FROM fin_psi('m', 'applicants')"
compare "sum(fin_predict) over the table" \
    "$PARALLEL SELECT sum(fin_predict('m', a)) FROM applicants a" "$SERIAL SELECT sum(fin_predict('m', a)) FROM applicants a"
SUMMED="'{\"exclude\": [\"id\"], \"test_size\": 0, \"aggregate\": true}'"
IN_MEMORY="'{\"exclude\": [\"id\"], \"test_size\": 0, \"aggregate\": false}'"
compare "fin_train logistic from sums, test_size 0 (every pass an aggregate)" \
    "$PARALLEL SELECT version FROM fin_train('m_sum2', 'applicants', 'defaulted', options => $SUMMED)" \
    "$SERIAL SELECT version FROM fin_train('m_sum0', 'applicants', 'defaulted', options => $SUMMED)"
echo
echo "One node, $ROWS rows: fin_train from sums (2 parallel workers) against reading the rows into memory"
echo
echo "| item | from sums | rows in memory | ratio | target |"
echo "| --- | --- | --- | --- | --- |"
compare "fin_train logistic, test_size 0" \
    "$PARALLEL SELECT version FROM fin_train('m_sum', 'applicants', 'defaulted', options => $SUMMED)" \
    "$PARALLEL SELECT version FROM fin_train('m_mem', 'applicants', 'defaulted', options => $IN_MEMORY)" 2.0
compare "fin_train scorecard, test_size 0" \
    "$PARALLEL SELECT version FROM fin_train('c_sum', 'applicants', 'defaulted', 'scorecard', options => $SUMMED)" \
    "$PARALLEL SELECT version FROM fin_train('c_mem', 'applicants', 'defaulted', 'scorecard', options => $IN_MEMORY)" 2.0
echo
sql -c "SELECT count(*) FROM fin_distribute_catalog()" >/dev/null

echo "finml on Citus: $ROWS rows, 32 shards on 2 workers, all on this machine ($(nproc) cores);"
echo "one node is the coordinator's local copy, where finml's catalog readers are parallel restricted"
echo
echo "| item | cluster | one node | ratio |"
echo "| --- | --- | --- | --- |"
compare "count(*): Citus's own per-query floor" \
    "SELECT count(*) FROM applicants_dist" "SELECT count(*) FROM applicants"
compare "sum(fin_predict) over the table (pushed down, 32 tasks)" \
    "SELECT sum(fin_predict('m', a)) FROM applicants_dist a" "SELECT sum(fin_predict('m', a)) FROM applicants a"
compare "fin_psi (a partial aggregate in each task; the counts come back)" \
    "SELECT count(*) FROM fin_psi('m', 'applicants_dist')" "SELECT count(*) FROM fin_psi('m', 'applicants')"
compare "fin_predict of one row by key (one shard; the statement's catalog check)" \
    "SELECT fin_predict('m', a) FROM applicants_dist a WHERE id = 4242" "SELECT fin_predict('m', a) FROM applicants a WHERE id = 4242"
compare "fin_train logistic (the coordinator reads the rows through Citus)" \
    "SELECT version FROM fin_train('m_cluster', 'applicants_dist', 'defaulted', options => $OPTIONS)" \
    "SELECT version FROM fin_train('m_node', 'applicants', 'defaulted', options => $OPTIONS)"
compare "fin_train logistic, test_size 0 (cluster: passes summed on the workers; one node: rows in memory)" \
    "SELECT version FROM fin_train('m_cluster_sum', 'applicants_dist', 'defaulted', options => '{\"exclude\": [\"id\"], \"test_size\": 0}')" \
    "SELECT version FROM fin_train('m_node_mem', 'applicants', 'defaulted', options => $IN_MEMORY)"
compare "fin_train scorecard, test_size 0 (cluster: atoms by GROUP BY and passes on the workers; one node: rows in memory)" \
    "SELECT version FROM fin_train('c_cluster_sum', 'applicants_dist', 'defaulted', 'scorecard', options => '{\"exclude\": [\"id\"], \"test_size\": 0}')" \
    "SELECT version FROM fin_train('c_node_mem', 'applicants', 'defaulted', 'scorecard', options => $IN_MEMORY)"
echo
echo "scorecard bins or points that differ, summed on the cluster against one node in memory: $(sql -c "
    SELECT count(*) FROM (SELECT feature, bin, count, points FROM fin_scorecard('c_cluster_sum')
                          EXCEPT SELECT feature, bin, count, points FROM fin_scorecard('c_node_mem')) x")"
echo "largest relative coefficient gap, summed on the cluster against one node in memory: $(sql -c "
    SELECT max(abs(c.estimate - l.estimate) / greatest(abs(l.estimate), 1e-300))
      FROM fin_coefficients('m_cluster_sum') c JOIN fin_coefficients('m_node_mem') l USING (term)")"
echo "largest relative coefficient gap, cluster against one node: $(sql -c "
    SELECT max(abs(c.estimate - l.estimate) / greatest(abs(l.estimate), 1e-300))
      FROM fin_coefficients('m_cluster') c JOIN fin_coefficients('m_node') l USING (term)")"
echo "fin_psi values that differ, cluster against one node: $(sql -c "
    SELECT count(*) FROM fin_psi('m', 'applicants_dist') c JOIN fin_psi('m', 'applicants') l USING (feature)
     WHERE c.psi <> l.psi")"
echo "predictions that differ: $(sql -c "
    SELECT count(*) FROM (SELECT id, fin_predict('m', a) FROM applicants_dist a
                          EXCEPT SELECT id, fin_predict('m', a) FROM applicants a) x")"

#!/usr/bin/env bash
# One statement, one model state, under concurrent deploys (tests/deploys.py): a real
# multi-threaded client (psycopg) against a throwaway cluster, directly and through pgbouncer
# in transaction pooling, counting statements whose finml functions disagree with the catalog
# their snapshot shows. The extension must be installed into the PostgreSQL of $PG_CONFIG;
# PYTHON is a Python with psycopg (make test-deps makes tests/.venv).
#
# Prints "deploys: N passed, N failed"; exits non-zero when a check fails.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_USER=${PG_USER:-postgres}
PORT=${FINML_DEPLOYS_PORT:-54349}
BOUNCER_PORT=${FINML_BOUNCER_PORT:-54350}
STATEMENTS=${FINML_DEPLOY_STATEMENTS:-100000}
BINDIR=$("$PG_CONFIG" --bindir)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/tests/.venv/bin/python}
WORK=$(mktemp -d /tmp/finml-deploys.XXXXXX)
chmod 755 "$WORK"
PASSED=0
FAILED=0

as_pg() { if [ "$(id -un)" = "$PG_USER" ]; then "$@"; else sudo -u "$PG_USER" -- "$@"; fi; }
sql() { as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -d deploys "$@"; }
cleanup() {
    [ -f "$WORK/pgbouncer.pid" ] && kill "$(cat "$WORK/pgbouncer.pid")" 2>/dev/null || true
    as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cp "$ROOT/examples/credit/credit_data.csv" "$ROOT/tests/pg_regress/data/load_credit.sql" \
    "$ROOT/tests/deploys.py" "$WORK/"
chown -R "$PG_USER" "$WORK"
as_pg "$BINDIR/initdb" -D "$WORK/data" -A trust -U "$PG_USER" --no-sync >/dev/null
as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start -o \
    "-p $PORT -k $WORK -c listen_addresses='' -c max_connections=60 -c shared_preload_libraries=finml" >/dev/null
as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/createdb" deploys
sql -c "CREATE EXTENSION finml"
as_pg env PGHOST="$WORK" PGPORT="$PORT" FINML_CREDIT_CSV="$WORK/credit_data.csv" \
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d deploys -f "$WORK/load_credit.sql" >/dev/null
# Three versions that predict differently.
for features in "'seniority', 'income', 'amount'" "'seniority', 'records', 'job'" "'age', 'debt', 'price'"; do
    sql -c "SELECT version FROM fin_train('live', 'applications', 'status', features => ARRAY[$features],
                                         options => '{\"positive\": \"bad\"}')" >/dev/null
done
sql -c "CREATE ROLE reader LOGIN" -c "GRANT SELECT ON applications TO reader" \
    -c "SELECT fin_grant('live', 'reader')" >/dev/null

run_client() { # label, dsn
    local status=0
    env PYTHONUNBUFFERED=1 "$PYTHON" "$WORK/deploys.py" "$2" "$STATEMENTS" "$1" || status=$?
    if [ $status -eq 0 ]; then
        echo "ok: $1: no statement disagreed, one version per long statement"
        PASSED=$((PASSED + 1))
    else
        echo "FAILED: $1: statements disagreed (see the counts above)"
        FAILED=$((FAILED + 1))
    fi
}
run_client direct "host=$WORK port=$PORT dbname=deploys user=$PG_USER"

# pgbouncer in transaction pooling: a client's statements run on whichever server connection
# is free, so a backend's cache serves many clients.
cat > "$WORK/pgbouncer.ini" <<INI
[databases]
deploys = host=$WORK port=$PORT dbname=deploys
[pgbouncer]
listen_addr =
unix_socket_dir = $WORK
listen_port = $BOUNCER_PORT
auth_type = trust
auth_file = $WORK/users.txt
pool_mode = transaction
max_client_conn = 100
default_pool_size = 8
pidfile = $WORK/pgbouncer.pid
logfile = $WORK/pgbouncer.log
INI
printf '"%s" ""\n"reader" ""\n' "$PG_USER" > "$WORK/users.txt"
chown "$PG_USER" "$WORK/pgbouncer.ini" "$WORK/users.txt"
as_pg pgbouncer -d "$WORK/pgbouncer.ini"
for _ in $(seq 1 50); do [ -S "$WORK/.s.PGSQL.$BOUNCER_PORT" ] && break; sleep 0.1; done
run_client pgbouncer "host=$WORK port=$BOUNCER_PORT dbname=deploys user=$PG_USER"

crashes=$(grep -c "terminated by signal" "$WORK/server.log" || true)
if [ "$crashes" = 0 ]; then
    echo "ok: no backend terminated by a signal"
    PASSED=$((PASSED + 1))
else
    echo "FAILED: $crashes backends terminated by a signal"
    FAILED=$((FAILED + 1))
fi
echo "deploys: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

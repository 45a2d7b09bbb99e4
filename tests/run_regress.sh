#!/usr/bin/env bash
# Runs the SQL regression suite (tests/pg_regress/sql + expected) with pg_regress against a
# real, throwaway PostgreSQL cluster. The extension must already be installed into the
# PostgreSQL of $PG_CONFIG (make install-debug does it). PostgreSQL refuses to run as root,
# so the cluster and the clients run as $PG_USER (default: postgres).
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_USER=${PG_USER:-postgres}
PORT=${FINML_TEST_PORT:-54329}
BINDIR=$("$PG_CONFIG" --bindir)
PGXS=$(dirname "$("$PG_CONFIG" --pgxs)")
REGRESS="$PGXS/../test/regress/pg_regress"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/finml-regress.XXXXXX)
chmod 755 "$WORK"

as_pg() { if [ "$(id -un)" = "$PG_USER" ]; then "$@"; else sudo -u "$PG_USER" -- "$@"; fi; }

cleanup() {
    as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The suite and its data, readable by the cluster's user.
cp -r "$ROOT/tests/pg_regress" "$WORK/suite"
cp "$ROOT/examples/credit/credit_data.csv" "$WORK/credit_data.csv"
cp -r "$ROOT/models/tests/golden" "$WORK/golden"
chown -R "$PG_USER" "$WORK"

as_pg "$BINDIR/initdb" -D "$WORK/data" -A trust -U "$PG_USER" --no-sync >/dev/null
# pg_cron (Debian package postgresql-15-cron) runs the scheduled-retraining test's jobs: it must
# be preloaded, and connects to the suite's database through the cluster's socket directory.
cat >> "$WORK/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = 'finml_regress'
cron.host = '$WORK'
CONF
as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start -o \
    "-p $PORT -k $WORK -c listen_addresses='' -c fsync=off -c max_prepared_transactions=0" >/dev/null

# Each test file is listed in schedule; they run in order, sharing one database. ONLY=<file>
# runs that file after setup (which loads the credit example every file reads).
SCHEDULE=schedule
if [ -n "${ONLY:-}" ]; then
    SCHEDULE=only_schedule
    { echo "test: setup"; [ "$ONLY" = setup ] || echo "test: $ONLY"; } > "$WORK/suite/$SCHEDULE"
fi
status=0
(cd "$WORK/suite" && as_pg env FINML_CREDIT_CSV="$WORK/credit_data.csv" FINML_WORK="$WORK" \
    FINML_SUITE="$WORK/suite" \
    PGHOST="$WORK" PGPORT="$PORT" PATH="$BINDIR:$PATH" \
    "$REGRESS" --host="$WORK" --port="$PORT" --user="$PG_USER" \
    --bindir="$BINDIR" --inputdir=. --outputdir=. --dbname=finml_regress \
    --schedule="$SCHEDULE") || status=$?

if [ $status -ne 0 ]; then
    echo "---- regression.diffs ----"
    cat "$WORK/suite/regression.diffs" 2>/dev/null || true
    # Keep the results where a developer can look at them.
    rm -rf "$ROOT/tests/pg_regress/results"
    cp -r "$WORK/suite/results" "$ROOT/tests/pg_regress/results" 2>/dev/null || true
    echo "---- server log (tail) ----"
    tail -30 "$WORK/server.log" || true
fi
exit $status

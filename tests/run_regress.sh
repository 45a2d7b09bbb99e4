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
# ADDRESS_SPACE_KB=<n> caps the postmaster's address space (and so every backend's), as
# vm.overcommit_memory = 2 or a cgroup limit does on a production server: an allocation that
# fails there must be an ERROR, never a backend killed by a signal (checked below).
pg_ctl_as_pg() {
    if [ -n "${ADDRESS_SPACE_KB:-}" ]; then
        as_pg bash -c 'ulimit -v "$0" && exec "$@"' "$ADDRESS_SPACE_KB" "$BINDIR/pg_ctl" "$@"
    else
        as_pg "$BINDIR/pg_ctl" "$@"
    fi
}

cleanup() {
    as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The suite and its data, readable by the cluster's user.
cp -r "$ROOT/tests/pg_regress" "$WORK/suite"
cp "$ROOT/examples/credit/credit_data.csv" "$WORK/credit_data.csv"
cp -r "$ROOT/models/tests/golden" "$WORK/golden"
# Generated card-transaction memos (models/tests/reference/memos.py) for the text features.
cp "$ROOT/models/tests/reference/memos.csv" "$WORK/suite/data/memos.csv"
# A 7-grade rating target of the credit applicants (models/tests/reference/credit_grades.py).
cp "$ROOT/models/tests/reference/credit_grades.csv" "$WORK/suite/data/credit_grades.csv"
cp "$ROOT/models/tests/reference/rossi.csv" "$WORK/suite/data/rossi.csv"
chown -R "$PG_USER" "$WORK"

as_pg "$BINDIR/initdb" -D "$WORK/data" -A trust -U "$PG_USER" --no-sync >/dev/null
# pg_cron (Debian package postgresql-15-cron) runs the scheduled-retraining test's jobs: it must
# be preloaded, and connects to the suite's database through the cluster's socket directory.
# finml is preloaded as README asks of a server: its training slots live in shared memory.
cat >> "$WORK/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_cron,finml'
cron.database_name = 'finml_regress'
cron.host = '$WORK'
CONF
pg_ctl_as_pg -D "$WORK/data" -l "$WORK/server.log" -w start -o \
    "-p $PORT -k $WORK -c listen_addresses='' -c fsync=off -c max_prepared_transactions=0" >/dev/null

# Every file stands alone: it loads what it uses (include/*.sql) and leaves the database and
# the cluster's roles as it found them. The suite runs twice: the schedule in one database
# (files in order, as users' sessions follow each other), then each file alone on a fresh
# database (pg_regress recreates it), which proves that no file depends on another.
# ONLY=<file> runs that one file alone.
regress() { # schedule file, then pg_regress options
    local schedule=$1
    shift
    (cd "$WORK/suite" && as_pg env FINML_CREDIT_CSV="$WORK/credit_data.csv" FINML_WORK="$WORK" \
        FINML_SUITE="$WORK/suite" \
        PGHOST="$WORK" PGPORT="$PORT" PATH="$BINDIR:$PATH" \
        "$REGRESS" --host="$WORK" --port="$PORT" --user="$PG_USER" \
        --bindir="$BINDIR" --inputdir=. --outputdir=. --dbname=finml_regress \
        --schedule="$schedule" "$@")
}
alone() { # test name
    echo "test: $1" > "$WORK/suite/alone_schedule"
    echo "== $1 alone"
    # A fresh database on a restarted server: FORCE ends pg_cron's launcher session in the old
    # database (it stays connected to cron.database_name, and would make the drop fail), and
    # the restart lets the launcher find the new one at once.
    as_pg "$BINDIR/psql" -X -q -h "$WORK" -p "$PORT" -d postgres \
        -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS finml_regress WITH (FORCE)" -c "CREATE DATABASE finml_regress"
    pg_ctl_as_pg -D "$WORK/data" -l "$WORK/server.log" -w -m fast restart >/dev/null
    regress alone_schedule --use-existing
}
status=0
if [ -n "${ONLY:-}" ]; then
    alone "$ONLY" || status=$?
else
    regress schedule || status=$?
    if [ $status -eq 0 ]; then
        for test in $(sed -n 's/^test: *//p' "$WORK/suite/schedule"); do
            alone "$test" || { status=$?; break; }
        done
    fi
fi

# A backend that died by a signal (an abort on a failed allocation, a segfault) restarts every
# session of the server: whatever the diffs say, the run fails.
crashes=$(grep -c "terminated by signal" "$WORK/server.log" || true)
echo "backends terminated by a signal: $crashes${ADDRESS_SPACE_KB:+ (address space capped at $ADDRESS_SPACE_KB kB)}"
if [ "$crashes" != 0 ]; then
    grep -B2 "terminated by signal" "$WORK/server.log" | head -20
    [ $status -ne 0 ] || status=1
fi

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

#!/usr/bin/env bash
# Faults and concurrency against a real, throwaway PostgreSQL cluster (the extension must be
# installed into the PostgreSQL of $PG_CONFIG; make install-debug does it):
#
# 1. predictors under pgbench while another session deploys, rolls back and retrains the same
#    model: no unexpected error, and every prediction equals the prediction of a version that
#    was committed (pgbench fails a transaction otherwise);
# 2. pg_cancel_backend and pg_terminate_backend stop a training within seconds, leaving no
#    version; kill -9 of a backend in the middle of a training and in the middle of an import:
#    the cluster recovers, the catalog is identical to what it was before, and finml predicts
#    the same numbers.
#
# Prints "N passed, N failed" at the end; exits non-zero when a check fails.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_USER=${PG_USER:-postgres}
PORT=${FINML_FAULTS_PORT:-54339}
BINDIR=$("$PG_CONFIG" --bindir)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/finml-faults.XXXXXX)
chmod 755 "$WORK"
# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"

as_pg() { if [ "$(id -un)" = "$PG_USER" ]; then "$@"; else sudo -u "$PG_USER" -- "$@"; fi; }
sql() { as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -d faults "$@"; }
cleanup() {
    as_pg "$BINDIR/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cp "$ROOT/examples/credit/credit_data.csv" "$ROOT/tests/pg_regress/data/load_credit.sql" "$WORK/"
chown -R "$PG_USER" "$WORK"
as_pg "$BINDIR/initdb" -D "$WORK/data" -A trust -U "$PG_USER" --no-sync >/dev/null
# restart_after_crash is on by default: kill -9 of a backend makes the postmaster reset every
# backend and replay the WAL, as on a production server.
# RUST_BACKTRACE=1 in the server's environment, as a DBA debugging something might leave it:
# no Rust backtrace may reach a client (checked below).
as_pg env RUST_BACKTRACE=1 "$BINDIR/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start -o \
    "-p $PORT -k $WORK -c listen_addresses='' -c max_connections=40 -c shared_preload_libraries=finml" >/dev/null
as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/createdb" faults
sql -c "CREATE EXTENSION finml"
as_pg env PGHOST="$WORK" PGPORT="$PORT" FINML_CREDIT_CSV="$WORK/credit_data.csv" \
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d faults -f "$WORK/load_credit.sql" >/dev/null
sql -c "SELECT fin_train('live', 'applications', 'status', features => ARRAY['seniority', 'income', 'amount'],
                         options => '{\"positive\": \"bad\"}')" >/dev/null
sql -c "SELECT fin_train('live', 'applications', 'status', features => ARRAY['seniority', 'records', 'job'],
                         options => '{\"positive\": \"bad\"}')" >/dev/null

refused=$(sql -v VERBOSITY=verbose -c "SELECT fin_predict('no_such_model', ARRAY[1.0]::float8[])" 2>&1 || true)
check "an error carries no Rust backtrace to the client, with RUST_BACKTRACE=1 on the server" "0|1" \
    "$(grep -c '^DETAIL\|backtrace' <<<"$refused" || true)|$(grep -c '^ERROR:  42704' <<<"$refused" || true)"

# 1. Predictors under pgbench against a writer. Each transaction predicts with the deployed
#    version, then checks that the number is the prediction of one of the model's committed
#    versions (a division by zero fails the transaction otherwise; random() keeps the planner
#    from folding it into an error at plan time).
cat > "$WORK/predict.sql" <<'SQL'
\set id random(1, 4454)
SELECT fin_predict('live', a) AS p FROM applications a WHERE id = :id \gset
SELECT CASE WHEN :p = ANY (ARRAY(SELECT fin_predict('live@' || m.version, a)
                                   FROM finml.models m, applications a
                                  WHERE m.name = 'live' AND a.id = :id))
            THEN 1 ELSE 1 / (random() * 0)::int END AS from_a_committed_version;
SQL
chown "$PG_USER" "$WORK/predict.sql"
writer() {
    local deadline=$((SECONDS + 20)) changes=0
    while [ $SECONDS -lt $deadline ]; do
        sql -c "SELECT version FROM fin_deploy('live', 1)" \
            -c "SELECT version FROM fin_deploy('live', 2)" \
            -c "SELECT version FROM fin_rollback('live')" \
            -c "SELECT version FROM fin_retrain('live', '{\"deploy\": \"always\"}')" >/dev/null
        changes=$((changes + 4))
    done
    echo "$changes" > "$WORK/writer_changes"
}
writer &
WRITER=$!
pgbench_status=0
as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/pgbench" -n -c 6 -j 2 -T 20 -f "$WORK/predict.sql" faults \
    > "$WORK/pgbench.log" 2>&1 || pgbench_status=$?
wait $WRITER
grep -E "number of (transactions actually processed|failed transactions)|tps|aborted|ERROR" "$WORK/pgbench.log" | head -20 || true
echo "catalog changes committed by the writer meanwhile: $(cat "$WORK/writer_changes"), versions now: $(sql -c "SELECT count(*) FROM finml.models WHERE name = 'live'")"
check "pgbench predictors under deploy/rollback/retrain: exit status" 0 "$pgbench_status"
check "pgbench: no client aborted" 0 "$(grep -c 'aborted' "$WORK/pgbench.log" || true)"

# 2. pg_cancel_backend and pg_terminate_backend (finml.progress shows the training while it
#    runs, and not after), then kill -9 in the middle of a training and
#    of an import; the catalog after recovery equals
#    the catalog before (every table of schema finml, as text, in a stable order).
fingerprint() {
    sql -c "SELECT md5(string_agg(t, E'\\n' ORDER BY t)) FROM (
              SELECT 'v' || row(name, version, md5(model), metrics)::text AS t FROM finml.model_versions
              UNION ALL SELECT 'd' || row(name, version)::text FROM finml.deployments
              UNION ALL SELECT 'o' || row(name, owner, last_version)::text FROM finml.model_owners
              UNION ALL SELECT 'g' || row(name, grantee)::text FROM finml.model_grants
              UNION ALL SELECT 'e' || count(*)::text FROM finml.events) f"
}
predictions() {
    sql -c "SELECT md5(string_agg(fin_predict('live', a)::text, ',' ORDER BY id)) FROM applications a"
}
wait_until_up() {
    for _ in $(seq 1 60); do
        if as_pg "$BINDIR/pg_isready" -h "$WORK" -p "$PORT" -d faults -q; then
            sql -c "SELECT 1" >/dev/null 2>&1 && return 0
        fi
        sleep 0.5
    done
    return 1
}
backend_running() { # the pid of the backend whose query carries the comment $1
    local marker=$1 pid=""
    for _ in $(seq 1 100); do
        pid=$(sql -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%$marker%' AND pid <> pg_backend_pid() LIMIT 1")
        [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] || { echo "no backend running $marker" >&2; return 1; }
    echo "$pid"
}
kill_backend_of() {
    local pid
    pid=$(backend_running "$1")
    sleep 1
    kill -9 "$pid"
}

# pg_cancel_backend and pg_terminate_backend from another session stop a training (an MLP of
# 1,000 epochs, a minute or more) within a few seconds, and leave no version.
for how in cancel terminate; do
    (sql -c "SELECT /* stop_by_$how */ fin_train('stopped_$how', 'applications', 'status', 'mlp',
                 options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"epochs\": 1000}')" \
        >/dev/null 2>&1 || true) &
    trainer=$!
    pid=$(backend_running "stop_by_$how")
    sleep 1
    progress_row=$(sql -c "SELECT phase, model, algorithm, epoch > 0, epochs, loss > 0, rows_read, elapsed_seconds > 0
                             FROM finml.progress WHERE pid = $pid")
    check "finml.progress shows the MLP fitting, epoch k of 1000" "fitting|stopped_$how|mlp|t|1000|t|4454|t" "$progress_row"
    sent=$(date +%s.%N)
    sql -c "SELECT pg_${how}_backend($pid)" >/dev/null
    wait $trainer || true
    stopped=$(awk -v a="$sent" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    echo "pg_${how}_backend stopped the training after $stopped s"
    check "pg_${how}_backend stops an MLP training within 3 s" 1 "$(awk -v s="$stopped" 'BEGIN { print (s < 3) }')"
    check "no version after pg_${how}_backend" 0 "$(sql -c "SELECT count(*) FROM finml.model_versions WHERE name = 'stopped_$how'")"
    check "finml.progress is empty after pg_${how}_backend" 0 "$(sql -c "SELECT count(*) FROM finml.progress")"
done

# 3. For DBAs: finml.progress from a second session (snapshots of an MLP training), who sees
#    what in it, finml.max_concurrent_trainings with finml.training_wait_timeout, and the LOG
#    line of each finished training.
sql -c "CREATE ROLE watcher LOGIN" -c "CREATE ROLE stats_reader LOGIN IN ROLE pg_read_all_stats" \
    -c "ALTER SYSTEM SET finml.max_concurrent_trainings = 1" -c "SELECT pg_reload_conf()" >/dev/null
(sql -c "SELECT /* slot_holder */ fin_train('holder', 'applications', 'status', 'mlp',
             options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"epochs\": 1000}')" \
    >/dev/null 2>&1 || true) &
holder_job=$!
holder=$(backend_running slot_holder)
echo "finml.progress from a second session while an MLP trains (pid $holder):"
for _ in 1 2 3; do
    sleep 1
    as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -d faults -c \
        "SELECT pid, role, model, algorithm, phase, rows_read, rows_estimated, epoch, epochs, round(loss::numeric, 4) AS loss,
                round(elapsed_seconds::numeric, 1) AS elapsed_s, round(seconds_left::numeric, 1) AS left_s FROM finml.progress" \
        | sed -n 1,3p
done
as_watcher() { as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -q -At -U "$1" -d faults -c "$2"; }
check "another role sees only the pid of a training" "$holder|faults|||" \
    "$(as_watcher watcher "SELECT pid, database, role, model, phase FROM finml.progress")"
check "a member of pg_read_all_stats sees the training" "postgres|holder|fitting" \
    "$(as_watcher stats_reader "SELECT role, model, phase FROM finml.progress")"
refused=$(sql -v VERBOSITY=verbose -c "SET finml.training_wait_timeout = '1s'" \
    -c "SELECT fin_train('refused', 'applications', 'status', options => '{\"positive\": \"bad\"}')" 2>&1 || true)
echo "$refused" | sed -n 1,4p
check "a training beyond finml.max_concurrent_trainings fails with 53400 after the wait" 1 \
    "$(grep -c '^ERROR:  53400: finml.max_concurrent_trainings (1) trainings are running' <<<"$refused")"
check "its hint names the settings and the view" 1 \
    "$(grep -c '^HINT:  .*finml.max_concurrent_trainings or finml.training_wait_timeout .*finml.progress' <<<"$refused")"
check "the refused training wrote nothing" 0 "$(sql -c "SELECT count(*) FROM finml.model_versions WHERE name = 'refused'")"
# A training with patience waits in finml.progress, and starts when the slot frees.
(sql -c "SET finml.training_wait_timeout = '60s'" \
     -c "SELECT /* patient */ fin_train('patient', 'applications', 'status', options => '{\"positive\": \"bad\"}')" \
    > "$WORK/patient.log" 2>&1 || true) &
patient_job=$!
waiting=""
for _ in $(seq 1 50); do
    waiting=$(sql -c "SELECT phase FROM finml.progress WHERE model = 'patient'")
    [ -n "$waiting" ] && break
    sleep 0.1
done
check "a training over the limit waits in finml.progress" "waiting for a training slot" "$waiting"
wait_event=""
for _ in $(seq 1 20); do # sampled between two polls of its latch, it may be checking the slots
    wait_event=$(sql -c "SELECT wait_event_type FROM pg_stat_activity WHERE query LIKE '%/* patient */%' AND pid <> pg_backend_pid()")
    [ "$wait_event" = Extension ] && break
    sleep 0.05
done
check "the waiting training shows wait event type Extension in pg_stat_activity" "Extension" "$wait_event"
sql -c "SELECT pg_cancel_backend($holder)" >/dev/null
wait $holder_job || true
wait $patient_job || true
check "the waiting training ran once the slot was free" 1 "$(sql -c "SELECT count(*) FROM finml.model_versions WHERE name = 'patient'")"
check "finml.progress is empty when nothing trains" 0 "$(sql -c "SELECT count(*) FROM finml.progress")"
sql -c "ALTER SYSTEM RESET finml.max_concurrent_trainings" -c "SELECT pg_reload_conf()" \
    -c "DROP ROLE watcher" -c "DROP ROLE stats_reader" >/dev/null
grep -o 'LOG:  finml: training finished: .*model="patient".*' "$WORK/server.log" | head -1
check "one LOG line per finished training, key=value" 1 \
    "$(grep -cE 'LOG:  finml: training finished: action=train model="patient" version=1 algorithm=logistic rows=[0-9]+ seconds=[0-9.]+ auc=0\.[0-9]{4} deployed=true$' "$WORK/server.log")"
check "retrains have theirs" 1 \
    "$(grep -cE 'LOG:  finml: training finished: action=retrain model="live" version=[0-9]+ algorithm=logistic .* deployed=(true|false)$' "$WORK/server.log" | awk '{ print ($1 > 0) }')"

# 4. finml.max_trainings_per_role: a role that holds its slot (a training on a view that
#    sleeps, at 0% CPU) makes only its own trainings wait; another role trains at once, and a
#    role's waiting trainings are bounded by finml.max_waiting_trainings_per_role (53400 at
#    once past it, and past the wait when its own trainings hold it).
sql -c "CREATE ROLE greedy LOGIN" -c "GRANT SELECT ON applications TO greedy" \
    -c "ALTER ROLE greedy SET finml.max_waiting_trainings_per_role = 1" \
    -c "ALTER ROLE greedy SET finml.training_wait_timeout = '60s'" >/dev/null
as_greedy() { as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -q -At -U greedy -d faults "$@"; }
greedy_training() { # $1: the model, and the marker in its query
    as_greedy -c "CREATE TEMP VIEW slow AS SELECT a.* FROM applications a WHERE pg_sleep(0.005 * (a.id > 0)::int) IS NOT NULL" \
        -c "SELECT /* $1 */ fin_train('$1', 'slow', 'status', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"]}')"
}
(greedy_training greedy_holder >"$WORK/greedy_holder.log" 2>&1 || true) &
greedy_holder_job=$!
backend_running greedy_holder >/dev/null || { cat "$WORK/greedy_holder.log"; exit 1; }
(greedy_training greedy_patient >/dev/null 2>&1 || true) &
greedy_patient_job=$!
waiting=""
for _ in $(seq 1 50); do
    waiting=$(sql -c "SELECT phase FROM finml.progress WHERE model = 'greedy_patient'")
    [ -n "$waiting" ] && break
    sleep 0.1
done
check "a role's second training waits for its first (finml.max_trainings_per_role = 1)" "waiting for a training slot" "$waiting"
third=$(greedy_training greedy_third 2>&1 || true)
echo "$third" | grep ERROR || true
check "a role's training past finml.max_waiting_trainings_per_role fails at once with 53400" 1 \
    "$(grep -c 'role "greedy" already has 1 trainings waiting for a slot (finml.max_waiting_trainings_per_role = 1)' <<<"$third")"
started=$(date +%s.%N)
sql -c "SELECT version FROM fin_train('unstarved', 'applications', 'status', options => '{\"positive\": \"bad\"}')" >/dev/null
took=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "another role trained in $took s while greedy held its slot and queued another"
check "another role trains at once while a role holds its slot" "1|2" \
    "$(sql -c "SELECT (SELECT count(*) FROM finml.model_versions WHERE name = 'unstarved'), (SELECT count(*) FROM finml.progress WHERE role = 'greedy')")"
sql -c "ALTER ROLE greedy SET finml.max_waiting_trainings_per_role = 2" \
    -c "ALTER ROLE greedy SET finml.training_wait_timeout = '1s'" >/dev/null
refused=$(greedy_training greedy_refused 2>&1 || true)
echo "$refused" | grep ERROR || true
check "a role's training held by its own limit fails with 53400 after the wait" 1 \
    "$(grep -c 'finml.max_trainings_per_role (1) trainings of role "greedy" are running (1 now), and none finished within finml.training_wait_timeout (1 s)' <<<"$refused")"
sql -c "SELECT pg_cancel_backend(pid) FROM finml.progress WHERE role = 'greedy'" >/dev/null
wait $greedy_holder_job || true
wait $greedy_patient_job || true
check "finml.progress is empty once the role's trainings are cancelled" 0 "$(sql -c "SELECT count(*) FROM finml.progress")"
sql -c "DROP OWNED BY greedy" -c "DROP ROLE greedy" >/dev/null

before=$(fingerprint)
predicted=$(predictions)
# A long MLP training (1,000 epochs), killed while it fits.
(sql -c "SELECT /* killed_training */ fin_train('live', 'applications', 'status', 'mlp',
                 options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"epochs\": 1000}')" \
    > "$WORK/killed_training.log" 2>&1 || true) &
kill_backend_of killed_training
wait || true
check "cluster recovers after kill -9 during training" 0 "$(wait_until_up; echo $?)"
check "catalog unchanged after kill -9 during training" "$before" "$(fingerprint)"
check "predictions unchanged after kill -9 during training" "$predicted" "$(predictions)"

# An import in flight (not committed) when its backend is killed.
sql -c "SELECT fin_export('live')" > "$WORK/export.json"
chown "$PG_USER" "$WORK/export.json"
cat > "$WORK/import.sql" <<SQL
\\set doc \`cat $WORK/export.json\`
BEGIN;
SELECT /* killed_import */ fin_import('live', :'doc'::jsonb), fin_import('imported_copy', :'doc'::jsonb),
       pg_sleep(30);
COMMIT;
SQL
chown "$PG_USER" "$WORK/import.sql"
(sql -f "$WORK/import.sql" > "$WORK/killed_import.log" 2>&1 || true) &
kill_backend_of killed_import
wait || true
check "cluster recovers after kill -9 during import" 0 "$(wait_until_up; echo $?)"
check "catalog unchanged after kill -9 during import" "$before" "$(fingerprint)"
check "predictions unchanged after kill -9 during import" "$predicted" "$(predictions)"
# And finml still works: a new version after recovery continues the numbering.
check "training after recovery" "t" "$(sql -c "SELECT version > 2 FROM fin_retrain('live', '{\"deploy\": \"never\"}')")"

checks_summary faults

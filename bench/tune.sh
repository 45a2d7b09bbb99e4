#!/usr/bin/env bash
# fin_tune against scikit-learn's GridSearchCV (issue 35): logistic regression over the l2
# values of BENCH_TUNE_L2 (default 5 values) with 5-fold stratified cross-validation of the
# training split (stratified 70/30, seed 42) of BENCH_TUNE_ROWS rows of applicants.sql (default
# 1,000,000), best refitted on the whole training split. Both sides read the table themselves:
#   finml          the fin_tune statement's wall-clock time from psql (read, 25 fits, refit,
#                  test metrics, storing the version and its trials)
#   scikit-learn   pandas.read_sql + GridSearchCV(pipeline of finml's preprocessing and
#                  LogisticRegression, StratifiedKFold(5, shuffle=True, random_state=42),
#                  n_jobs = BENCH_THREADS) + the refit's test AUC (peers.py tune_logistic)
# The folds are the same rows (models/tests/cross_validation.rs checks finml's folds against
# scikit-learn's). Printed: seconds, the chosen l2, the test AUC and each candidate's mean
# AUC on each side, and the time ratio. BENCH_TUNE_RUNS runs (default 2).
# The default l2 values are spaced so that neighbours' mean AUCs differ by more than the
# solvers' tolerance: at a million rows, l2 = 1 and l2 = 100 differ by 2e-6, which either
# side's stopping rule can reverse (measured 2026-12-06), so the grid starts at 100.
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${BENCH_TUNE_ROWS:-1000000}
RUNS=${BENCH_TUNE_RUNS:-2}
THREADS=${BENCH_THREADS:-2}
L2=${BENCH_TUNE_L2:-100,10000,30000,100000,1000000}
DB=${BENCH_DB:-finml_tune}
PY=${BENCH_PYTHON:-$PWD/.venv/bin/python}
# shellcheck source=bench/common.sh
. ./common.sh

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml" -c "ALTER DATABASE $DB SET finml.threads = $THREADS" \
        -c "DO \$\$ BEGIN CREATE ROLE finml_bench_client LOGIN PASSWORD 'finml_bench'; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
echo "== $ROWS rows: building applicants"
"${AS_PG[@]}" psql -X -q -d "$DB" -v tbl=applicants -v nrows="$ROWS" -c "SET client_min_messages = warning" -f - < applicants.sql >/dev/null
psql_db -c "GRANT SELECT ON applicants TO finml_bench_client"
SEARCH="{\"l2\": [$L2], \"folds\": 5}"
OPTIONS='{"exclude": ["id"], "test_size": 0.3}'

echo
echo "fin_tune logistic over l2 in [$L2], 5 stratified folds of the 70% training split, $ROWS rows, $THREADS threads"
echo
echo "| run | side | seconds | chosen l2 | test AUC | mean AUC per l2 |"
echo "| --- | --- | --- | --- | --- | --- |"
for RUN in $(seq 1 "$RUNS"); do
    start=$(now)
    psql_db -c "SET client_min_messages = warning" -c "SET max_parallel_workers_per_gather = 0" \
            -c "SELECT count(*) FROM fin_tune('bench_tuned', 'applicants', 'defaulted', 'logistic', '$SEARCH', options => '$OPTIONS')" >/dev/null
    finml=$(elapsed "$start")
    version=$(psql_db -c "SELECT max(version) FROM finml.models WHERE name = 'bench_tuned'")
    chosen=$(psql_db -c "SELECT options->>'l2' FROM finml.trials WHERE model = 'bench_tuned' AND version = $version AND chosen")
    auc=$(psql_db -c "SELECT round((metrics->>'auc')::numeric, 6) FROM finml.models WHERE name = 'bench_tuned' AND version = $version")
    means=$(psql_db -c "SELECT string_agg(round(mean::numeric, 6)::text, ',' ORDER BY trial) FROM finml.trials WHERE model = 'bench_tuned' AND version = $version")
    echo "| $RUN | finml fin_tune | $finml | $chosen | $auc | $means |"
    if [ -x "$PY" ]; then
        set -- $(env PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" \
                     THREADS="$THREADS" L2="$L2" "$PY" peers.py tune_logistic)
        echo "| $RUN | scikit-learn GridSearchCV | $1 | $2 | $3 | $4 |"
        awk -v f="$finml" -v s="$1" 'BEGIN { printf "| %s | finml / scikit-learn | %.3f | | | |\n", "'"$RUN"'", f / s }'
    fi
done

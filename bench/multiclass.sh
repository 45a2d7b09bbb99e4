#!/usr/bin/env bash
# Multi-class targets (issue 35), on BENCH_MULTI_ROWS rows of applicants.sql (default
# 1,000,000) with a graded target: each applicant's true default log-odds (applicants_truth)
# plus standard logistic noise (setseed 0.5), cut at its quintiles into grades A to E (and at
# its terciles into low, mid, high). Both sides read the table themselves:
# 1. multinomial logistic regression on the 5 grades: fin_train (the statement's wall-clock
#    time; stratified 70/30 split, seed 42) against scikit-learn's LogisticRegression(C=1) at
#    its defaults after pandas.read_sql (peers.py multinomial), with the test log loss of each
#    and the largest gap between finml's standardized coefficients and scikit-learn's exact
#    optimum (tol 1e-10);
# 2. per-row prediction over the table: fin_predict_proba and fin_predict_class of the
#    3-grade model against fin_predict of a two-class model on the same features (the
#    defaulted flag), count(*) over each, parallel query off.
# BENCH_MULTI_RUNS runs (default 2).
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${BENCH_MULTI_ROWS:-1000000}
RUNS=${BENCH_MULTI_RUNS:-2}
THREADS=${BENCH_THREADS:-2}
DB=${BENCH_DB:-finml_multiclass}
PY=${BENCH_PYTHON:-$PWD/.venv/bin/python}
# shellcheck source=bench/common.sh
. ./common.sh

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml" -c "ALTER DATABASE $DB SET finml.threads = $THREADS" \
        -c "DO \$\$ BEGIN CREATE ROLE finml_bench_client LOGIN PASSWORD 'finml_bench'; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
echo "== $ROWS rows: building applicants and their grades"
"${AS_PG[@]}" psql -X -q -d "$DB" -v tbl=applicants -v nrows="$ROWS" -c "SET client_min_messages = warning" -f - < applicants.sql >/dev/null
psql_db <<'SQL'
SELECT setseed(0.5);
CREATE TABLE scores AS
  SELECT id, ln(p_true / (1 - p_true)) + ln(u / (1 - u)) AS z
    FROM applicants_truth, LATERAL (SELECT greatest(random(), 1e-12) AS u) r;
CREATE TABLE grades AS
  SELECT a.*, (ARRAY['A','B','C','D','E'])[width_bucket(s.z, q.c5)  + 1] AS grade,
         (ARRAY['low','mid','high'])[width_bucket(s.z, q.c3) + 1] AS grade3
    FROM applicants a JOIN scores s USING (id),
         (SELECT array[percentile_cont(0.2) WITHIN GROUP (ORDER BY z), percentile_cont(0.4) WITHIN GROUP (ORDER BY z),
                       percentile_cont(0.6) WITHIN GROUP (ORDER BY z), percentile_cont(0.8) WITHIN GROUP (ORDER BY z)] AS c5,
                 array[percentile_cont(1 / 3.0) WITHIN GROUP (ORDER BY z), percentile_cont(2 / 3.0) WITHIN GROUP (ORDER BY z)] AS c3
            FROM scores) q;
ALTER TABLE grades ADD PRIMARY KEY (id);
VACUUM ANALYZE grades;
GRANT SELECT ON grades TO finml_bench_client;
SQL
OPTIONS='{"exclude": ["id", "defaulted", "grade3"], "test_size": 0.3}'
echo
echo "Multinomial logistic regression, 5 grades, $ROWS rows, $THREADS threads"
echo
echo "| run | side | seconds | test log loss | largest coefficient gap |"
echo "| --- | --- | --- | --- | --- |"
for RUN in $(seq 1 "$RUNS"); do
    finml=$(seconds -c "SELECT fin_train('bench_multinomial', 'grades', 'grade', 'logistic', options => '$OPTIONS') IS NOT NULL")
    loss=$(psql_db -c "SELECT round((metrics->>'log_loss')::numeric, 6) FROM finml.models WHERE name = 'bench_multinomial' AND deployed")
    # The peer reads the coefficients as the client role.
    psql_db -c "SELECT fin_grant('bench_multinomial', 'finml_bench_client')" >/dev/null
    if [ -x "$PY" ]; then
        set -- $(env PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" "$PY" peers.py multinomial)
        echo "| $RUN | finml fin_train | $finml | $loss | $3 |"
        echo "| $RUN | scikit-learn read_sql + LogisticRegression | $1 | $2 | |"
        awk -v f="$finml" -v s="$1" -v r="$RUN" 'BEGIN { printf "| %s | finml / scikit-learn | %.3f | | |\n", r, f / s }'
    else
        echo "| $RUN | finml fin_train | $finml | $loss | |"
    fi
done

psql_db -c "SET client_min_messages = warning" \
        -c "SELECT fin_train('bench_grade3', 'grades', 'grade3', 'logistic', options => '{\"exclude\": [\"id\", \"defaulted\", \"grade\"], \"test_size\": 0.3}') IS NOT NULL" \
        -c "SELECT fin_train('bench_binary', 'grades', 'defaulted', 'logistic', options => '{\"exclude\": [\"id\", \"grade\", \"grade3\"], \"test_size\": 0.3}') IS NOT NULL" >/dev/null
echo
echo "Per-row prediction over $ROWS rows (count(*) of each), parallel query off"
echo
echo "| run | fin_predict, two classes (s) | fin_predict_proba, 3 classes (s) | ratio | fin_predict_class, 3 classes (s) | ratio |"
echo "| --- | --- | --- | --- | --- | --- |"
for RUN in $(seq 1 "$RUNS"); do
    binary=$(seconds -c "SELECT count(fin_predict('bench_binary', g)) FROM grades g")
    proba=$(seconds -c "SELECT count(fin_predict_proba('bench_grade3', g)) FROM grades g")
    class=$(seconds -c "SELECT count(fin_predict_class('bench_grade3', g)) FROM grades g")
    awk -v b="$binary" -v p="$proba" -v c="$class" -v r="$RUN" \
        'BEGIN { printf "| %s | %s | %s | %.3f | %s | %.3f |\n", r, b, p, p / b, c, c / b }'
done

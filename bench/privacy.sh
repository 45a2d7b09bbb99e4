#!/usr/bin/env bash
# Private training (issue 39): what DP-SGD costs in test AUC and in time, at ε = 1, 3 and 8
# (δ = 1e-5, C = 1), next to the same model trained without privacy.
# 1. The credit example (examples/credit/load.sql: 4,454 applications), split as trees.sh
#    splits it (rows with (id - 1) % 10 >= 7 are the test rows: 3,119 training rows).
#    Logistic regression (exact: Newton; private: 10 epochs of DP-SGD in batches of 256 at
#    learning rate 2, the defaults) and the MLP (the recipe's 50 → 50 network, 10 epochs, in
#    batches of 64 at learning rate 0.005, the same options with and without privacy).
# 2. BENCH_PRIVACY_ROWS rows of applicants.sql (default 1,000,000; the last 30% by id are the
#    test rows), the same two models (the MLP in batches of 256).
# A private training's sampling and noise change from run to run: each private line is
# BENCH_PRIVACY_RUNS runs on the credit example (default 3) and BENCH_PRIVACY_LARGE_RUNS on the
# applicants (default 1), AUC as median (min–max); times are medians of
# metrics.train_seconds (the read, the fit and the test metrics) and their ratio to the
# model without privacy. Needs the release build installed (make install).
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${BENCH_PRIVACY_ROWS:-1000000}
RUNS=${BENCH_PRIVACY_RUNS:-3}
LARGE_RUNS=${BENCH_PRIVACY_LARGE_RUNS:-1}
THREADS=${BENCH_THREADS:-2}
DB=${BENCH_DB:-finml_privacy}
RESULTS=${BENCH_RESULTS:-$(mktemp /tmp/finml-bench-privacy.XXXXXX.tsv)}
PY=${BENCH_PYTHON:-$PWD/.venv/bin/python}
# shellcheck source=bench/common.sh
. ./common.sh

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml" -c "ALTER DATABASE $DB SET finml.threads = $THREADS" \
        -c "ALTER DATABASE $DB SET finml.max_training_memory = '4GB'"
psql_db -c "CREATE TABLE runs (data text, model text, epsilon float8, auc float8, seconds float8)"

# train DATA RELATION TARGET ALGORITHM OPTIONS EPSILON: one training, its test AUC and
# seconds recorded.
train() {
    local data=$1 relation=$2 target=$3 algorithm=$4 options=$5 epsilon=$6 privacy=
    [ "$epsilon" = none ] || privacy=", \"privacy\": {\"epsilon\": $epsilon, \"delta\": 1e-5, \"max_grad_norm\": 1.0}"
    psql_db -c "SET client_min_messages = warning" \
            -c "SELECT fin_train('m', '$relation', '$target', '$algorithm', options => '{$options$privacy}') IS NOT NULL" >/dev/null
    psql_db -c "INSERT INTO runs SELECT '$data', '$algorithm', NULLIF('$epsilon', 'none')::float8,
                       (metrics->>'auc')::float8, (metrics->>'train_seconds')::float8
                  FROM finml.models WHERE name = 'm' ORDER BY version DESC LIMIT 1"
}

# bench RUNS DATA RELATION TARGET ALGORITHM OPTIONS: the model without privacy once, then
# RUNS private runs at each ε.
bench() {
    local runs=$1
    shift
    train "$1" "$2" "$3" "$4" "$5" none
    for epsilon in 8 3 1; do
        for _ in $(seq "$runs"); do train "$1" "$2" "$3" "$4" "$5" "$epsilon"; done
    done
}

table() {
    echo
    echo "| data | model | ε | test AUC | fit (s) | time / without privacy |"
    echo "| --- | --- | --- | --- | --- | --- |"
    psql_db -F ' | ' -c "
      WITH s AS (SELECT data, model, epsilon,
                        percentile_disc(0.5) WITHIN GROUP (ORDER BY auc) AS auc,
                        min(auc) AS lo, max(auc) AS hi,
                        percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) AS seconds
                   FROM runs GROUP BY data, model, epsilon)
      SELECT '| ' || s.data, s.model, coalesce(s.epsilon::text, 'none'),
             round(s.auc::numeric, 4) || CASE WHEN s.lo < s.hi
                 THEN ' (' || round(s.lo::numeric, 4) || '–' || round(s.hi::numeric, 4) || ')' ELSE '' END,
             round(s.seconds::numeric, 2),
             round((s.seconds / p.seconds)::numeric, 2) || ' |'
        FROM s JOIN s p ON p.data = s.data AND p.model = s.model AND p.epsilon IS NULL
       ORDER BY s.data, s.model, s.epsilon IS NOT NULL, s.epsilon DESC"
    echo
}

# 1. The credit example.
psql_db -f ../examples/credit/load.sql < ../examples/credit/credit_data.csv >/dev/null
psql_db -c "ALTER TABLE applications ADD COLUMN fold int GENERATED ALWAYS AS ((id - 1) % 10) STORED"
CREDIT='"positive": "bad", "exclude": ["id"], "split": {"column": "fold", "test_from": "7"}, "seed": 42'
echo "== credit example"
bench "$RUNS" credit applications status logistic "$CREDIT"
bench "$RUNS" credit applications status mlp "$CREDIT, \"batch_size\": 64, \"learning_rate\": 0.005"

# 2. The synthetic applicants.
echo "== $ROWS rows: building applicants"
"${AS_PG[@]}" psql -X -q -d "$DB" -v tbl=applicants -v nrows="$ROWS" -c "SET client_min_messages = warning" -f - < applicants.sql >/dev/null
psql_db -c "ANALYZE applicants"
SPLIT="\"exclude\": [\"id\"], \"split\": {\"column\": \"id\", \"test_from\": \"$((ROWS * 7 / 10 + 1))\"}"
bench "$LARGE_RUNS" "$ROWS applicants" applicants defaulted logistic "$SPLIT"
bench "$LARGE_RUNS" "$ROWS applicants" applicants defaulted mlp "$SPLIT, \"batch_size\": 256, \"learning_rate\": 0.005"
table | tee "$RESULTS"
echo "results: $RESULTS"

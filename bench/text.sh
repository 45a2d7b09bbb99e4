#!/usr/bin/env bash
# Logistic regression on hashed TF-IDF against scikit-learn (issue 38). At each size of
# BENCH_TEXT_SIZES (default 100,000 and 1,000,000 memos of memos.sql: 2 to 6 words of 460)
# and each width of BENCH_TEXT_WIDTHS (default 1,024, 4,096 and 65,536 hashed columns, words
# and pairs), fin_train logistic (test_size 0.3, l2 1) against peers.py text WIDTH: COPY csv +
# pandas + HashingVectorizer + TfidfTransformer + LogisticRegression(C=1) on the same
# stratified split (seed 42). Both times are end to end (read, features, fit, test AUC;
# finml's also stores the model). The note gives both test AUCs and whether finml's fit
# reached its tolerance (metrics.solver is stored only when it did not). BENCH_TEXT_RUNS runs
# (default 3 up to a million memos, 1 above), summarized by summarize.py.
set -euo pipefail
cd "$(dirname "$0")"
SIZES=${BENCH_TEXT_SIZES:-"100000 1000000"}
WIDTHS=${BENCH_TEXT_WIDTHS:-"1024 4096 65536"}
RUNS=${BENCH_TEXT_RUNS:-3}
DB=${BENCH_DB:-finml_text}
PY=${BENCH_PYTHON:-$PWD/.venv/bin/python}
RESULTS=${BENCH_RESULTS:-$(mktemp /tmp/finml-bench-text.XXXXXX.tsv)}
# shellcheck source=bench/common.sh
. ./common.sh
peer() { PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" "$PY" peers.py "$@"; }

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml" \
        -c "DO \$\$ BEGIN CREATE ROLE finml_bench_client LOGIN PASSWORD 'finml_bench'; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
for ROWS in $SIZES; do
    runs=$RUNS
    [ "$ROWS" -gt 1000000 ] && runs=1
    echo "== $ROWS memos"
    "${AS_PG[@]}" psql -X -q -d "$DB" -v nrows="$ROWS" -f - < memos.sql >/dev/null
    for WIDTH in $WIDTHS; do
        for run in $(seq 1 "$runs"); do
            options="{\"exclude\": [\"id\"], \"test_size\": 0.3, \"text\": {\"memo\": {\"max_features\": $WIDTH, \"ngram\": [1, 2]}}}"
            took=$(seconds -c "SELECT fin_train('bench_text', 'bench_memos', 'fraud', options => '$options')")
            set -- $(psql_db -F " " -c "SELECT round((metrics->>'auc')::numeric, 4), NOT metrics ? 'solver'
                                   FROM finml.models WHERE name = 'bench_text' AND deployed")
            auc=$1 converged=$2
            if have_peers; then
                set -- $(peer text "$WIDTH")
                record "$ROWS" "$run" "fin_train logistic, text $WIDTH | COPY csv + sklearn hashing TF-IDF + LogisticRegression" \
                    "$took" "$1" "test AUC finml $auc, sklearn $2; converged $converged"
            else
                record "$ROWS" "$run" "fin_train logistic, text $WIDTH | (no peer)" "$took" "" "test AUC finml $auc; converged $converged"
            fi
            psql_db -c "SELECT fin_drop_model('bench_text')" >/dev/null
        done
    done
    psql_db -c "DROP TABLE bench_memos"
done
python3 summarize.py "$RESULTS"
echo "results: $RESULTS"

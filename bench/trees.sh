#!/usr/bin/env bash
# finml's tree models against LightGBM, on the same rows, the same split, the same parameters
# and the same threads (finml.threads = LightGBM's num_threads = BENCH_THREADS, default 2).
# Needs the release build installed and a running server (make bench does both) and LightGBM
# in the bench's virtual environment (make bench-trees-peers). A build without the tree models
# (no fin_tree_rules) runs the LightGBM side and finml's other algorithms only.
#
# 1. The credit example (examples/credit/load.sql: 4,454 applications), split as
#    models/tests/trees.rs splits it: rows with (id - 1) % 10 >= 7 are the test rows, finml's
#    {"split": {"column": "fold", "test_from": "7"}} on a generated column fold = (id - 1) % 10.
#    Test AUC, KS and fit seconds of finml's logistic, scorecard, mlp, random_forest, gbdt and
#    tree (stored metrics), of LightGBM (peers.py trees_credit) on finml's one-hot of the
#    categorical columns and with LightGBM's native categorical splits, and of scikit-learn's
#    forest and tree with finml's defaults. Printed as a table.
# 2. BENCH_TREES_ROWS rows of applicants.sql (default 1,000,000; the test split is the last
#    30% by id: {"split": {"column": "id", "test_from": ...}}): finml gbdt {"n_trees": 100,
#    "learning_rate": 0.1, "num_leaves": 31} (20 rows a leaf, 255 bins by default) against
#    LightGBM with the same (peers.py lightgbm): test AUC, the 100 rounds, the whole fit, the
#    end-to-end time, peak memory, and fin_predict of the 100 trees against the logistic SQL
#    floor as run.sh measures it. BENCH_TREES_RUNS runs (default 3: about 4 minutes on
#    2 cores), summarized by summarize.py as run.sh's items are.
#
# What each side's times cover:
#   finml boosting    finml.training_log's seconds at the last round (the rounds only)
#   finml fit         metrics.train_seconds: the read, the binning, the rounds, the test metrics
#   fin_train         the statement's wall-clock time from psql, storing the model included
#   LightGBM rounds   lgb.train on a constructed Dataset
#   LightGBM fit      lgb.Dataset(...).construct() (the binning) + lgb.train
#   LightGBM path     pandas.read_sql + finml's one-hot + fit + test predictions and AUC
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${BENCH_TREES_ROWS:-1000000}
RUNS=${BENCH_TREES_RUNS:-3}
THREADS=${BENCH_THREADS:-2}
DB=${BENCH_DB:-finml_trees}
PY=${BENCH_PYTHON:-$PWD/.venv/bin/python}
RESULTS=${BENCH_RESULTS:-$(mktemp /tmp/finml-bench-trees.XXXXXX.tsv)}
# shellcheck source=bench/common.sh
. ./common.sh
# As run.sh: the statements in one session, parallel query off unless they say otherwise.
have_lightgbm() { [ -x "$PY" ] && "$PY" -c "import psycopg, pandas, sklearn, lightgbm" 2>/dev/null; }
# peer [VAR=value ...] MODE: peers.py MODE as the benchmark's client role over TCP.
peer() {
    local vars=()
    while [[ $1 == *=* ]]; do vars+=("$1"); shift; done
    env PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" \
        THREADS="$THREADS" TEST_FROM="${TEST_FROM:-}" "${vars[@]}" "$PY" peers.py "$@"
}
# How LightGBM's OpenMP threads wait decides its time on this shared machine. The 100 rounds
# on 700,000 rows, 2 threads (s):
#                                  libgomp's default   GOMP_SPINCOUNT=10000   OMP_WAIT_POLICY=passive
#   the 2 cores free                     3.2-3.4              3.4-3.5                 4.2-4.6
#   another busy process                  22.5                 10.8                    7.0
#   (the credit example's 3,119 rows, cores free: 0.06, 0.06 and 0.9 s)
# So the applicants peer runs with both bounded waits and keeps the faster (LightGBM's best
# of the two, never a handicap of ours), and the credit peer spins briefly.
SPIN=GOMP_SPINCOUNT=10000
PASSIVE=OMP_WAIT_POLICY=passive
metric() { psql_db -c "SELECT round((metrics->>'$2')::numeric, 4) FROM finml.models WHERE name = '$1' AND deployed"; }

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml" -c "ALTER DATABASE $DB SET finml.threads = $THREADS" \
        -c "DO \$\$ BEGIN CREATE ROLE finml_bench_client LOGIN PASSWORD 'finml_bench'; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
TREES=$(psql_db -c "SELECT count(*) FROM pg_proc WHERE proname = 'fin_tree_rules'")
[ "$TREES" = 1 ] || echo "finml $(psql_db -c "SELECT extversion FROM pg_extension WHERE extname = 'finml'") has no tree models: LightGBM's side only"
have_lightgbm || echo "no LightGBM in $PY (make bench-peers): finml's side only"
echo "results: $RESULTS"

# 1. The credit example.
psql_db -f ../examples/credit/load.sql < ../examples/credit/credit_data.csv
psql_db -c "ALTER TABLE applications ADD COLUMN fold int GENERATED ALWAYS AS ((id - 1) % 10) STORED" \
        -c "GRANT SELECT ON applications TO finml_bench_client"
CREDIT='"positive": "bad", "exclude": ["id"], "split": {"column": "fold", "test_from": "7"}, "seed": 42'
GBDT='"n_trees": 100, "learning_rate": 0.1, "num_leaves": 31'
echo
echo "Credit example: test AUC and KS on the rows with (id - 1) % 10 >= 7 (1,335 of 4,454), $THREADS threads"
echo
echo "| model | categorical features | test AUC | KS | fit (s) |"
echo "| --- | --- | --- | --- | --- |"
for algorithm in logistic scorecard mlp random_forest gbdt tree; do
    case $algorithm in
        gbdt) options="{$CREDIT, $GBDT}" ;;
        *) options="{$CREDIT}" ;;
    esac
    case $algorithm in
        scorecard) how="WoE bins of levels" ;;
        *) how="finml's one-hot" ;;
    esac
    if [ "$TREES" != 1 ] && [[ $algorithm =~ ^(random_forest|gbdt|tree)$ ]]; then
        echo "| finml $algorithm | $how | - | - | - |"
        continue
    fi
    psql_db -c "SET client_min_messages = warning" \
            -c "SELECT fin_train('credit_$algorithm', 'applications', 'status', '$algorithm', options => '$options') IS NOT NULL" >/dev/null
    echo "| finml $algorithm | $how | $(metric "credit_$algorithm" auc) | $(metric "credit_$algorithm" ks)" \
         "| $(metric "credit_$algorithm" train_seconds) |"
done
if have_lightgbm; then
    peer "$SPIN" trees_credit | while read -r name auc ks fit; do
        case $name in
            lightgbm_one_hot) what="LightGBM, 100 trees | finml's one-hot" ;;
            lightgbm_native) what="LightGBM, 100 trees | native categorical splits" ;;
            sklearn_random_forest) what="scikit-learn RandomForestClassifier, finml's defaults | finml's one-hot" ;;
            sklearn_tree) what="scikit-learn DecisionTreeClassifier, finml's defaults | finml's one-hot" ;;
        esac
        printf '| %s | %.4f | %.4f | %s |\n' "$what" "$auc" "$ks" "$fit"
    done
fi
echo

# 2. The synthetic applicants.
echo "== $ROWS rows: building applicants"
"${AS_PG[@]}" psql -X -q -d "$DB" -v tbl=applicants -v nrows="$ROWS" -c "SET client_min_messages = warning" -f - < applicants.sql >/dev/null
psql_db -c "GRANT SELECT ON applicants TO finml_bench_client"
COLUMNS="x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,region,employment,defaulted"
TEST_FROM=$((ROWS * 7 / 10 + 1))
GBDT_OPTIONS="{\"exclude\": [\"id\"], \"split\": {\"column\": \"id\", \"test_from\": \"$TEST_FROM\"}, $GBDT}"
# The logistic model whose SQL expression is the scoring floor, trained as run.sh trains it.
TRAIN_OPTIONS='{"exclude": ["id"], "test_size": 0.3}'

# A linear model as plain SQL, as run.sh writes it: coalesce(x, 0) * w per numeric term, one
# CASE per categorical feature over its levels.
linear_sql() {
    psql_db -c "
      WITH t AS (SELECT term, estimate, split_part(term, '=', 1) AS feature,
                        split_part(term, '=', 2) AS level, strpos(term, '=') > 0 AS indicator
                   FROM fin_coefficients('$1'))
      SELECT (SELECT estimate::text FROM t WHERE term = '(intercept)')
          || coalesce((SELECT ' + ' || string_agg(format('coalesce(%I, 0) * %s', term, estimate), ' + ')
                         FROM t WHERE NOT indicator AND term <> '(intercept)'), '')
          || coalesce((SELECT ' + ' || string_agg(c, ' + ')
                         FROM (SELECT format('CASE %I %s ELSE 0 END', feature,
                                             string_agg(format('WHEN %L THEN %s', level, estimate), ' ')) AS c
                                 FROM t WHERE indicator GROUP BY feature) per_feature), '')"
}
workers_planned() {
    psql_db -c "SET max_parallel_workers_per_gather = 2" -c "EXPLAIN $1" \
        | sed -n 's/.*Workers Planned: \([0-9]*\).*/\1/p' | head -1
}
# run.sh's scoring items: without parallel workers against the floor, then with 2 against
# without.
scoring() {
    local alone parallel
    alone=$(seconds -c "$4")
    record "$ROWS" "$RUN" "$1 | $2" "$alone" "$3" "${5:-}"
    parallel=$(seconds -c "SET max_parallel_workers_per_gather = 2" -c "$4")
    record "$ROWS" "$RUN" "$1, 2 workers | 0 workers" "$parallel" "$alone" "workers planned: $(workers_planned "$4")"
}
# Runs a training in a fresh session and prints the backend's VmHWM and its private part (kB:
# VmHWM less the shared buffers and mapped files resident at the end), as run.sh's peak_kb.
train_peak_kb() {
    psql_db -c "SET client_min_messages = warning" -c "SET max_parallel_workers_per_gather = 0" -c "$1" \
        -c "SELECT hwm || ' ' || (hwm - shmem - file) FROM (SELECT
              substring(s from 'VmHWM:\s+(\d+)')::bigint AS hwm,
              substring(s from 'RssShmem:\s+(\d+)')::bigint AS shmem,
              substring(s from 'RssFile:\s+(\d+)')::bigint AS file
              FROM pg_read_file('/proc/self/status') s) m" | tail -1
}

for RUN in $(seq 1 "$RUNS"); do
    echo "-- $ROWS rows, run $RUN of $RUNS"
    read_floor=$(seconds -c "COPY (SELECT $COLUMNS FROM applicants ORDER BY id) TO '/dev/null' (FORMAT binary)")
    record "$ROWS" "$RUN" read_floor "$read_floor" "$read_floor"
    if [ "$TREES" = 1 ]; then
        start=$(now)
        set -- $(train_peak_kb "SELECT fin_train('bench_gbdt', 'applicants', 'defaulted', 'gbdt', options => '$GBDT_OPTIONS') IS NOT NULL")
        train=$(elapsed "$start")
        hwm=$1 private=$2
        fit=$(psql_db -c "SELECT metrics->>'train_seconds' FROM finml.models WHERE name = 'bench_gbdt' AND deployed")
        rounds=$(psql_db -c "SELECT max(seconds) FROM finml.training_log WHERE model = 'bench_gbdt' AND version = fin_version('bench_gbdt')")
        auc=$(psql_db -c "SELECT metrics->>'auc' FROM finml.models WHERE name = 'bench_gbdt' AND deployed")
        record "$ROWS" "$RUN" "fin_train gbdt | read floor" "$train" "$read_floor"
    fi
    if have_lightgbm; then
        # end-to-end, read, construct, rounds, AUC, KS, fit growth, peak private, native AUC;
        # the faster of the two waits (by the rounds' seconds), and which it was
        spin=$(peer "$SPIN" lightgbm)
        passive=$(peer "$PASSIVE" lightgbm)
        if awk -v a="$(cut -d' ' -f4 <<<"$spin")" -v b="$(cut -d' ' -f4 <<<"$passive")" 'BEGIN { exit !(a <= b) }'; then
            wait_used="$SPIN (passive: rounds $(cut -d' ' -f4 <<<"$passive") s)"
            set -- $spin
        else
            wait_used="$PASSIVE (spinning: rounds $(cut -d' ' -f4 <<<"$spin") s)"
            set -- $passive
        fi
        lgb_path=$1 lgb_construct=$3 lgb_rounds=$4 lgb_auc=$5 lgb_ks=$6 lgb_growth=$7 lgb_private=$8 lgb_native=$9
        record "$ROWS" "$RUN" "LightGBM: pandas.read_sql | read floor" "$2" "$read_floor"
        if [ "$TREES" = 1 ]; then
            record "$ROWS" "$RUN" "gbdt 100 rounds | LightGBM 100 rounds" "$rounds" "$lgb_rounds" "LightGBM $wait_used"
            record "$ROWS" "$RUN" "gbdt train_seconds | lgb.Dataset + lgb.train" "$fit" \
                "$(awk -v a="$lgb_construct" -v b="$lgb_rounds" 'BEGIN { print a + b }')" \
                "finml's includes its read; LightGBM's construct $lgb_construct s"
            record "$ROWS" "$RUN" "fin_train gbdt | pandas.read_sql + LightGBM" "$train" "$lgb_path"
            record "$ROWS" "$RUN" "test AUC gbdt | LightGBM one-hot" "$auc" "$lgb_auc" \
                "LightGBM KS $lgb_ks; LightGBM native categorical AUC $lgb_native"
            record "$ROWS" "$RUN" "peak private RSS gbdt | LightGBM process (kB)" "$private" "$lgb_private" \
                "backend VmHWM $hwm kB; LightGBM's growth in construct, rounds and test predictions $lgb_growth kB"
        else
            record "$ROWS" "$RUN" "LightGBM test AUC one-hot | native" "$lgb_auc" "$lgb_native" "KS $lgb_ks"
            record "$ROWS" "$RUN" "LightGBM: path | construct + rounds" "$lgb_path" \
                "$(awk -v a="$lgb_construct" -v b="$lgb_rounds" 'BEGIN { print a + b }')" \
                "rounds $lgb_rounds s; construct $lgb_construct s; $wait_used"
            record "$ROWS" "$RUN" "LightGBM: peak private RSS | growth in fit (kB)" "$lgb_private" "$lgb_growth"
        fi
    fi
    if [ "$TREES" = 1 ]; then
        # fin_predict of the 100 trees, row form, as run.sh's MLP item: against the logistic SQL floor.
        seconds -c "SELECT fin_train('bench', 'applicants', 'defaulted', options => '$TRAIN_OPTIONS') IS NOT NULL" >/dev/null
        expr=$(linear_sql bench)
        floor=$(seconds -c "SELECT sum(1 / (1 + exp(-($expr)))) FROM applicants")
        record "$ROWS" "$RUN" "SQL floor, logistic with CASE" "$floor" "$floor"
        scoring "fin_predict gbdt row" "logistic SQL floor" "$floor" "SELECT sum(fin_predict('bench_gbdt', a)) FROM applicants a"
    fi
done

python3 summarize.py "$RESULTS"

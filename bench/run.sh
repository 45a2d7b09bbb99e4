#!/usr/bin/env bash
# finml benchmarks: every time is reported as a ratio against a floor or a peer measured in
# the same run on the same data (this machine is shared and noisy; absolute times are not
# comparable between runs). Each size is measured BENCH_RUNS times (default 3; 1 above a
# million rows) and the table shows the median of each ratio. Needs the release build
# installed and a running server (make bench does both); the client-side peers run from the
# bench's own virtual environment (bench/.venv, made by make bench-peers) when it exists.
#
#   BENCH_SIZES     table sizes, default "100000 1000000 5000000"
#   BENCH_RUNS      runs per size up to a million rows (default 3)
#   BENCH_PEER_ROWS largest size at which the Python peers run (default 1000000)
#
# Floors and peers (see README.md):
#   read floor    COPY (SELECT <training columns> ORDER BY id) TO '/dev/null' (FORMAT binary)
#   SQL floor     the trained model written as a plain SQL expression (a CASE per categorical
#                 feature), summed over the table
#   peers         psycopg + pandas.read_sql (or COPY csv) + scikit-learn / optbinning / PyTorch
set -euo pipefail
cd "$(dirname "$0")"
SIZES=${BENCH_SIZES:-"100000 1000000 5000000"}
RUNS=${BENCH_RUNS:-3}
PEER_ROWS=${BENCH_PEER_ROWS:-1000000}
DB=${BENCH_DB:-finml_bench}
PY=${BENCH_PYTHON:-$PWD/.venv/bin/python}
RESULTS=${BENCH_RESULTS:-$(mktemp /tmp/finml-bench.XXXXXX.tsv)}
# shellcheck source=bench/common.sh
. ./common.sh
peer() { # peer SCRIPT-ARGS...: runs bench/peers.py as the benchmark's client role over TCP
    PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" \
        THREADS="$THREADS" FEATURES="$MLP_FEATURES" "$PY" peers.py "$@"
}
# The session's private memory before the statement (finml loaded): peak_kb's third figure.
PRIVATE_NOW="SELECT rss - shmem - file FROM (SELECT
              substring(s from 'VmRSS:\s+(\d+)')::bigint AS rss,
              substring(s from 'RssShmem:\s+(\d+)')::bigint AS shmem,
              substring(s from 'RssFile:\s+(\d+)')::bigint AS file
              FROM pg_read_file('/proc/self/status') s) m"
# The backend's peak resident memory after a statement, in its own session, in kB: VmHWM,
# "VmHWM private" (VmHWM less the shared buffers and mapped files resident at the end: the
# peak comes after the read, when the shared buffers it touched are all resident), and the
# private memory before the statement.
peak_kb() {
    psql_db -c "SET client_min_messages = warning" -c "LOAD 'finml'" -c "$PRIVATE_NOW" -c "$1" \
        -c "SELECT hwm || ' ' || (hwm - shmem - file) FROM (SELECT
              substring(s from 'VmHWM:\s+(\d+)')::bigint AS hwm,
              substring(s from 'RssShmem:\s+(\d+)')::bigint AS shmem,
              substring(s from 'RssFile:\s+(\d+)')::bigint AS file
              FROM pg_read_file('/proc/self/status') s) m" | awk 'NR == 1 { before = $1 } END { print $1, $2, before }'
}

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
# 5M rows need 1.1 GB (logistic) to 2.1 GB (isolation forest) by finml.max_training_memory's
# count, over its 1 GB default.
psql_db -c "ALTER DATABASE $DB SET finml.max_training_memory = '4GB'"
psql_db -c "CREATE EXTENSION finml" \
        -c "DO \$\$ BEGIN CREATE ROLE finml_bench_client LOGIN PASSWORD 'finml_bench'; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
THREADS=$(psql_db -c "LOAD 'finml'" -c "SHOW finml.threads")
COLUMNS="x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,region,employment,defaulted"
MLP_FEATURES="x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20"
TRAIN_OPTIONS='{"exclude": ["id"], "test_size": 0.3}'
echo "results: $RESULTS"

# A linear model as plain SQL: coalesce(x, 0) * w per numeric term, one CASE per
# categorical feature over its levels (NULLs as 0: a floor for cost, not a twin).
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

# The scorecard as plain SQL, a CASE per characteristic over its bins: what a bank deploys
# when its scoring engine is the database itself. Unseen levels score as NULL, as in finml.
scorecard_sql() {
    psql_db -c "
      WITH bins AS (
        SELECT feature, bin, points, row_number() OVER () AS ord,
               CASE WHEN bin = '(missing)' THEN NULL
                    WHEN lower IS NOT NULL THEN format('WHEN %I < %L::float8 THEN %s', feature, upper, points)
                    ELSE format('WHEN %I IN (%s) THEN %s', feature,
                                (SELECT string_agg(quote_literal(l), ', ') FROM unnest(string_to_array(bin, ', ')) l),
                                points) END AS arm
          FROM fin_scorecard('bench_card'))
      SELECT string_agg(expr, ' + ')
        FROM (SELECT format('CASE WHEN %I IS NULL THEN %s %s ELSE %s END', feature,
                            max(points) FILTER (WHERE bin = '(missing)'),
                            string_agg(arm, ' ' ORDER BY ord),
                            max(points) FILTER (WHERE bin = '(missing)')) AS expr
                FROM bins GROUP BY feature) per_feature"
}

# Workers the planner gives a statement with max_parallel_workers_per_gather = 2.
workers_planned() {
    psql_db -c "SET max_parallel_workers_per_gather = 2" -c "EXPLAIN $1" \
        | sed -n 's/.*Workers Planned: \([0-9]*\).*/\1/p' | head -1
}

# scoring ITEM FLOOR_NAME FLOOR_SECONDS STATEMENT [NOTE]: records the statement without
# parallel workers against its floor, then with 2 against itself without; prints the
# seconds without.
scoring() {
    local alone parallel
    alone=$(seconds -c "$4")
    record "$ROWS" "$RUN" "$1 | $2" "$alone" "$3" "${5:-}"
    parallel=$(seconds -c "SET max_parallel_workers_per_gather = 2" -c "$4")
    record "$ROWS" "$RUN" "$1, 2 workers | 0 workers" "$parallel" "$alone" "workers planned: $(workers_planned "$4")"
    echo "$alone"
}

for ROWS in $SIZES; do
    echo "== $ROWS rows: building applicants"
    "${AS_PG[@]}" psql -X -q -d "$DB" -v tbl=applicants -v nrows="$ROWS" -c "SET client_min_messages = warning" -f - < applicants.sql >/dev/null
    psql_db -c "GRANT SELECT ON applicants TO finml_bench_client" \
            -c "DROP TABLE IF EXISTS applicant_features" \
            -c "CREATE TABLE applicant_features AS SELECT id, ARRAY[$MLP_FEATURES] AS features FROM applicants" \
            -c "VACUUM (FREEZE, ANALYZE) applicant_features"
    runs=$RUNS
    [ "$ROWS" -gt 1000000 ] && runs=1
    for RUN in $(seq 1 "$runs"); do
        echo "-- $ROWS rows, run $RUN of $runs"
        read_floor=$(seconds -c "COPY (SELECT $COLUMNS FROM applicants ORDER BY id) TO '/dev/null' (FORMAT binary)")
        record "$ROWS" "$RUN" read_floor "$read_floor" "$read_floor"

        # Training: logistic (with the read's own time from finml's DEBUG1 line), scorecard, MLP.
        start=$(now)
        read_line=$(psql_db -c "SET client_min_messages = debug1" \
            -c "SELECT fin_train('bench', 'applicants', 'defaulted', options => '$TRAIN_OPTIONS') IS NOT NULL" 2>&1 \
            | sed -n 's/.*finml: read [0-9]* rows in \([0-9.]*\) s.*/\1/p')
        train=$(elapsed "$start")
        record "$ROWS" "$RUN" "fin_train logistic | read floor" "$train" "$read_floor"
        record "$ROWS" "$RUN" "training read | read floor" "$read_line" "$read_floor"
        sc_train=$(seconds -c "SELECT fin_train('bench_card', 'applicants', 'defaulted', 'scorecard', options => '$TRAIN_OPTIONS')")
        record "$ROWS" "$RUN" "fin_train scorecard | read floor" "$sc_train" "$read_floor"
        mlp=$(seconds -c "SET client_min_messages = warning" -c "SELECT fin_train('bench_mlp', 'applicants', 'defaulted', 'mlp', features => string_to_array('$MLP_FEATURES', ','))")
        record "$ROWS" "$RUN" "fin_train mlp | read floor" "$mlp" "$read_floor"
        seconds -c "SELECT fin_train('bench_num', 'applicants', 'defaulted', features => string_to_array('$MLP_FEATURES', ','), options => '{\"test_size\": 0.3}')" >/dev/null
        # Unsupervised: k-means (k = 8, 3 inits) and an isolation forest (100 trees of 256 rows)
        # on the 20 numeric features, target NULL.
        kmeans=$(seconds -c "SELECT fin_train('bench_km', 'applicants', NULL, 'kmeans', string_to_array('$MLP_FEATURES', ','), '{\"k\": 8, \"n_init\": 3}')")
        record "$ROWS" "$RUN" "fin_train kmeans | read floor" "$kmeans" "$read_floor"
        forest=$(seconds -c "SELECT fin_train('bench_if', 'applicants', NULL, 'isolation_forest', string_to_array('$MLP_FEATURES', ','), '{\"contamination\": 0.005}')")
        record "$ROWS" "$RUN" "fin_train isolation_forest | read floor" "$forest" "$read_floor"

        # Scoring over the whole table, each against its plain-SQL floor.
        expr=$(linear_sql bench)
        floor=$(seconds -c "SELECT sum(1 / (1 + exp(-($expr)))) FROM applicants")
        record "$ROWS" "$RUN" "SQL floor, logistic with CASE" "$floor" "$floor"
        predict=$(scoring "fin_predict row" "SQL floor" "$floor" "SELECT sum(fin_predict('bench', a)) FROM applicants a")
        # The array form over stored feature vectors (a float8[] column), against the same
        # model as SQL over the same arrays; and over ARRAY[...] built from the columns, which
        # the caller's executor pays for (a third of a microsecond a row here).
        num_expr=$(linear_sql bench_num)
        array_expr=$(echo "$num_expr" | sed -E 's/coalesce\(x([0-9]+), 0\)/coalesce(features[\1], 0)/g')
        array_floor=$(seconds -c "SELECT sum(1 / (1 + exp(-($array_expr)))) FROM applicant_features")
        scoring "fin_predict array" "SQL floor over the arrays" "$array_floor" "SELECT sum(fin_predict('bench_num', features)) FROM applicant_features" >/dev/null
        num_floor=$(seconds -c "SELECT sum(1 / (1 + exp(-($num_expr)))) FROM applicants")
        t=$(seconds -c "SELECT sum(fin_predict('bench_num', ARRAY[$MLP_FEATURES])) FROM applicants")
        record "$ROWS" "$RUN" "fin_predict ARRAY[columns] | SQL floor (columns)" "$t" "$num_floor"
        # The harder floor: the numeric model's row form against its plain SQL expression;
        # count(a) is the whole-row record alone, which every row-form call pays for.
        t=$(seconds -c "SELECT sum(fin_predict('bench_num', a)) FROM applicants a")
        record "$ROWS" "$RUN" "fin_predict row, numeric model | SQL floor (columns)" "$t" "$num_floor"
        t=$(seconds -c "SELECT count(a) FROM applicants a")
        record "$ROWS" "$RUN" "count(a), the whole-row record alone | SQL floor (columns)" "$t" "$num_floor"
        scoring "fin_predict MLP row" "logistic SQL floor" "$floor" "SELECT sum(fin_predict('bench_mlp', a)) FROM applicants a" >/dev/null
        sc_expr=$(scorecard_sql)
        sc_floor=$(seconds -c "SELECT sum($sc_expr) FROM applicants")
        mismatches=$(psql_db -c "SELECT count(*) FROM applicants a WHERE fin_score('bench_card', a) <> ($sc_expr)")
        scoring "fin_score row" "SQL CASE floor" "$sc_floor" "SELECT sum(fin_score('bench_card', a)) FROM applicants a" "$mismatches rows differ from the CASE" >/dev/null

        # Batch scoring with provenance, against the same model as fin_model_sql's expression
        # inserted by plain SQL with the same provenance columns (the issue 16 target: 1.3x).
        version=$(psql_db -c "SELECT fin_version('bench')")
        lr_expr=$(psql_db -c "SELECT fin_model_sql('bench')")
        insert_floor=$(seconds -c "DROP TABLE IF EXISTS scored_sql" \
            -c "CREATE TABLE scored_sql (id bigint, probability float8, model text, version int, scored_at timestamptz)" \
            -c "INSERT INTO scored_sql SELECT id, $lr_expr, 'bench', $version, now() FROM applicants")
        t=$(seconds -c "DROP TABLE IF EXISTS scored_finml" -c "SELECT fin_score_table('bench', 'applicants', 'scored_finml')")
        differ=$(psql_db -c "SELECT count(*) FROM scored_sql s JOIN scored_finml f USING (id) WHERE abs(s.probability - f.probability) > 1e-15")
        record "$ROWS" "$RUN" "fin_score_table logistic | INSERT SELECT fin_model_sql" "$t" "$insert_floor" "$differ rows differ by more than 1e-15"
        version=$(psql_db -c "SELECT fin_version('bench_card')")
        card_p=$(psql_db -c "SELECT fin_model_sql('bench_card')")
        card_s=$(psql_db -c "SELECT fin_model_sql('bench_card', 'score')")
        insert_floor=$(seconds -c "DROP TABLE IF EXISTS scored_card_sql" \
            -c "CREATE TABLE scored_card_sql (id bigint, probability float8, score int, model text, version int, scored_at timestamptz)" \
            -c "INSERT INTO scored_card_sql SELECT id, $card_p, $card_s, 'bench_card', $version, now() FROM applicants")
        t=$(seconds -c "DROP TABLE IF EXISTS scored_card" -c "SELECT fin_score_table('bench_card', 'applicants', 'scored_card', '{\"reasons\": 0}')")
        differ=$(psql_db -c "SELECT count(*) FROM scored_card_sql s JOIN scored_card f USING (id) WHERE s.score <> f.score")
        record "$ROWS" "$RUN" "fin_score_table scorecard | INSERT SELECT fin_model_sql" "$t" "$insert_floor" "$differ scores differ"
        t=$(seconds -c "DROP TABLE IF EXISTS scored_card" -c "SELECT fin_score_table('bench_card', 'applicants', 'scored_card')")
        record "$ROWS" "$RUN" "fin_score_table scorecard + 4 reasons | same floor (no reasons)" "$t" "$insert_floor"
        psql_db -c "DROP TABLE scored_sql, scored_finml, scored_card_sql, scored_card"

        # Monitoring and explanation ($predict: fin_predict over the table, measured above).
        evaluate=$(seconds -c "SELECT * FROM fin_evaluate('bench', 'applicants')")
        record "$ROWS" "$RUN" "fin_evaluate | fin_predict over the table" "$evaluate" "$predict"
        t=$(seconds -c "SELECT * FROM fin_calibration('bench', 'applicants')")
        record "$ROWS" "$RUN" "fin_calibration | fin_predict over the table" "$t" "$predict"
        t=$(seconds -c "SELECT * FROM fin_psi('bench_card', 'applicants')")
        record "$ROWS" "$RUN" "fin_psi | read floor" "$t" "$read_floor"
        t=$(seconds -c "SELECT count(*) FROM (SELECT * FROM applicants ORDER BY id LIMIT 100000) a, fin_explain('bench', a) e")
        p=$(seconds -c "SELECT sum(fin_predict('bench', a)) FROM (SELECT * FROM applicants ORDER BY id LIMIT 100000) a")
        record "$ROWS" "$RUN" "fin_explain, 100k rows | fin_predict, same rows" "$t" "$p"
        t=$(seconds -c "SELECT count(*) FROM (SELECT * FROM applicants ORDER BY id LIMIT 100000) a, fin_reason_codes('bench_card', a) r")
        record "$ROWS" "$RUN" "fin_reason_codes, 100k rows | fin_predict, same rows" "$t" "$p"
        # PostgreSQL's own floor for 7 rows out per row in: no model, no text, no tuple built.
        t=$(seconds -c "SELECT count(*) FROM (SELECT * FROM applicants ORDER BY id LIMIT 100000) a, generate_series(1, 7 + (a.id % 1)::int) g")
        record "$ROWS" "$RUN" "generate_series 7 rows a row, 100k rows | fin_predict, same rows" "$t" "$p"

        # The client-side peers (their time over finml's: above 1, finml is faster).
        if [ "$ROWS" -le "$PEER_ROWS" ] && have_peers; then
            psql_db -c "SELECT fin_grant('bench', 'finml_bench_client')" >/dev/null
            set -- $(peer logistic)
            record "$ROWS" "$RUN" "fin_train logistic | pandas.read_sql + sklearn" "$train" "$1" "sklearn test AUC $2; largest coefficient gap $3 (standardized)"
            set -- $(peer logistic_csv)
            record "$ROWS" "$RUN" "fin_train logistic | COPY csv + pandas + sklearn" "$train" "$1" "sklearn test AUC $2"
            if "$PY" -c "import optbinning" 2>/dev/null; then
                set -- $(peer scorecard)
                record "$ROWS" "$RUN" "fin_train scorecard | pandas + optbinning" "$sc_train" "$1" "optbinning test AUC $2"
            fi
            if "$PY" -c "import torch" 2>/dev/null; then
                set -- $(peer mlp)
                record "$ROWS" "$RUN" "fin_train mlp | pandas + PyTorch CPU" "$mlp" "$1" "PyTorch test AUC $2"
            fi
            set -- $(peer metrics)
            record "$ROWS" "$RUN" "fin_evaluate | pandas + sklearn.metrics" "$evaluate" "$1"
            inertia=$(psql_db -c "SELECT metrics->>'inertia' FROM finml.models WHERE name = 'bench_km' AND deployed")
            set -- $(peer kmeans)
            record "$ROWS" "$RUN" "fin_train kmeans k=8 n_init=3 | COPY csv + pandas + sklearn KMeans" "$kmeans" "$1" \
                "inertia finml / sklearn $(awk -v a="$inertia" -v b="$2" 'BEGIN { printf "%.4f", a / b }')"
            set -- $(peer isolation_forest)
            record "$ROWS" "$RUN" "fin_train isolation_forest | COPY csv + pandas + sklearn IsolationForest" "$forest" "$1"
        fi
        for m in bench bench_card bench_mlp bench_num; do
            auc=$(psql_db -c "SELECT round((metrics->>'auc')::numeric, 4) FROM finml.models WHERE name = '$m' AND deployed")
            record "$ROWS" "$RUN" "test AUC $m" "$auc" 1
        done
    done

    # Time series: fin_ts_view's default view (24 features and targets) written out, against a
    # plain window query of the same 24 columns (issue 38: the comparison computes what the
    # view computes): lags and rolling statistics with built-in window functions, fin_ema
    # where an exponential average is needed (PostgreSQL has none), and the view's values
    # after a series' first 60 rows (its RSI's and MACD signal's NULL handling); no other
    # guard (a short history's NULLs, a repeated day's check). fin_ema against the built-in
    # running average (both advance one row at a time).
    "${AS_PG[@]}" psql -X -q -d "$DB" -v nrows="$ROWS" -f - < timeseries.sql >/dev/null
    plain="SELECT symbol, day, close, volume, high, low, ret_1, ret_5, ret_20,
        ret_std_5, ret_min_5, ret_max_5, ret_std_20, ret_min_20, ret_max_20, ema_ratio_12, ema_ratio_26,
        100 - 100 / (1 + gain / nullif(loss, 0)) AS rsi_14, macd, fin_ema(CASE WHEN n >= 26 THEN macd END, 9) OVER w AS macd_signal,
        bollinger_z_20, volume_z_20, range, day_of_week, month, target_direction, target_return_5,
        target_volatility_5
      FROM (SELECT symbol, day, close, volume, high, low, n, ret_1, ret_5, ret_20,
              stddev_samp(ret_1) OVER w5 AS ret_std_5, min(ret_1) OVER w5 AS ret_min_5,
              max(ret_1) OVER w5 AS ret_max_5, stddev_samp(ret_1) OVER w20 AS ret_std_20,
              min(ret_1) OVER w20 AS ret_min_20, max(ret_1) OVER w20 AS ret_max_20,
              close / fin_ema(close, 12) OVER w - 1 AS ema_ratio_12,
              close / fin_ema(close, 26) OVER w - 1 AS ema_ratio_26,
              fin_ema(CASE WHEN change > 0 THEN change WHEN change <= 0 THEN 0 END, 27) OVER w AS gain,
              fin_ema(CASE WHEN change < 0 THEN -change WHEN change >= 0 THEN 0 END, 27) OVER w AS loss,
              fin_ema(close, 12) OVER w - fin_ema(close, 26) OVER w AS macd,
              (close - avg(close) OVER w20) / nullif(stddev_pop(close) OVER w20, 0) AS bollinger_z_20,
              (volume - avg(volume) OVER w20) / nullif(stddev_pop(volume) OVER w20, 0) AS volume_z_20,
              (high - low) / close AS range, extract(isodow FROM day)::int AS day_of_week,
              extract(month FROM day)::int AS month,
              CASE WHEN lead(close) OVER w > close THEN 1 ELSE 0 END AS target_direction,
              ln(lead(close, 5) OVER w / close) AS target_return_5,
              sqrt(sum(ret_1 * ret_1) OVER (w ROWS BETWEEN 1 FOLLOWING AND 5 FOLLOWING)) AS target_volatility_5
            FROM (SELECT symbol, day, close, volume, high, low, row_number() OVER w AS n,
                    close - lag(close) OVER w AS change,
                    ln(close / lag(close) OVER w) AS ret_1, ln(close / lag(close, 5) OVER w) AS ret_5,
                    ln(close / lag(close, 20) OVER w) AS ret_20
                  FROM ts_prices WINDOW w AS (PARTITION BY symbol ORDER BY day)) a
            WINDOW w AS (PARTITION BY symbol ORDER BY day), w5 AS (w ROWS BETWEEN 4 PRECEDING AND CURRENT ROW),
                   w20 AS (w ROWS BETWEEN 19 PRECEDING AND CURRENT ROW)) b
      WINDOW w AS (PARTITION BY symbol ORDER BY day)"
    view=$(seconds -c "COPY (SELECT * FROM ts_features) TO '/dev/null'")
    floor=$(seconds -c "COPY ($plain) TO '/dev/null'")
    record "$ROWS" 1 "fin_ts_view, 24 columns | plain window query, same 24 columns" "$view" "$floor"
    ema=$(seconds -c "SELECT sum(e) FROM (SELECT fin_ema(close, 12) OVER (PARTITION BY symbol ORDER BY day) AS e FROM ts_prices) x")
    avg=$(seconds -c "SELECT sum(e) FROM (SELECT avg(close) OVER (PARTITION BY symbol ORDER BY day) AS e FROM ts_prices) x")
    record "$ROWS" 1 "fin_ema window | avg() running window" "$ema" "$avg"
    psql_db -c "DROP TABLE ts_prices CASCADE"

    # Peak backend memory, each training in a fresh session (the bench database's 4 GB
    # finml.max_training_memory): against the float64 design matrix of the training rows, and
    # against what finml.max_training_memory said the training holds (metrics.memory_mb),
    # the session's private memory before the training left out.
    terms=$(psql_db -c "SELECT count(*) FROM fin_coefficients('bench')")
    design_kb=$(awk -v n="$ROWS" -v p="$terms" 'BEGIN { printf "%d", n * 0.7 * p * 8 / 1024 }')
    unsupervised="options => '{\"exclude\": [\"id\", \"defaulted\"]}'"
    for what in logistic scorecard mlp kmeans isolation_forest; do
        case $what in
            logistic) model=bench; statement="SELECT fin_train('bench', 'applicants', 'defaulted', options => '$TRAIN_OPTIONS') IS NOT NULL" ;;
            scorecard) model=bench_card; statement="SELECT fin_train('bench_card', 'applicants', 'defaulted', 'scorecard', options => '$TRAIN_OPTIONS') IS NOT NULL" ;;
            mlp) model=bench_mlp; statement="SELECT fin_train('bench_mlp', 'applicants', 'defaulted', 'mlp', features => string_to_array('$MLP_FEATURES', ',')) IS NOT NULL" ;;
            kmeans) model=bench_kmeans; statement="SELECT fin_train('bench_kmeans', 'applicants', NULL, 'kmeans', $unsupervised) IS NOT NULL" ;;
            isolation_forest) model=bench_forest; statement="SELECT fin_train('bench_forest', 'applicants', NULL, 'isolation_forest', $unsupervised) IS NOT NULL" ;;
        esac
        set -- $(peak_kb "$statement")
        claim_kb=$(psql_db -c "SELECT round((metrics->>'memory_mb')::numeric * 1024) FROM finml.model_versions WHERE name = '$model' ORDER BY version DESC LIMIT 1")
        if [ "$what" != kmeans ] && [ "$what" != isolation_forest ]; then
            record "$ROWS" 1 "peak private RSS $what | f64 design (kB)" "$2" "$design_kb" "VmHWM $1 kB, shared buffers and files included"
        fi
        record "$ROWS" 1 "peak private RSS less the session's, $what | finml.max_training_memory's claim (kB)" "$(($2 - $3))" "$claim_kb" "target: within 10%"
    done
done

python3 summarize.py "$RESULTS"

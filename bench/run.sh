#!/usr/bin/env bash
# finml benchmarks: each time is reported as a ratio against a floor or a peer measured in
# the same run on the same data (this machine is shared and noisy; absolute times are not
# comparable between runs). Needs the release build installed (make bench does it) and a
# running server; BENCH_ROWS (default 1000000) sets the table size.
#
# Floors and peers:
#   read floor    COPY (SELECT <training columns> ORDER BY id) TO '/dev/null' (FORMAT binary)
#   predict floor the trained model written as a plain SQL expression, summed over the table
#   peer          client-side Python: pandas.read_sql + scikit-learn LogisticRegression
#                 (skipped when psycopg/pandas/scikit-learn are not importable)
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${BENCH_ROWS:-1000000}
DB=${BENCH_DB:-finml_bench}
if [ "$(id -u)" = 0 ]; then AS_PG=(sudo -u postgres); else AS_PG=(); fi
psql_db() { "${AS_PG[@]}" psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
seconds() { # runs one SQL statement, prints its wall-clock seconds
    local start end
    start=$(date +%s.%N)
    psql_db -c "$1" >/dev/null
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
per_row_us() { awk -v t="$1" -v n="$ROWS" 'BEGIN { printf "%.3f", t * 1000000 / n }'; }

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
echo "== building applicants ($ROWS rows)"
"${AS_PG[@]}" psql -X -q -d "$DB" -v tbl=applicants -v nrows="$ROWS" -c "SET client_min_messages = warning" -f - < applicants.sql >/dev/null
psql_db -c "CREATE EXTENSION finml" -c "VACUUM ANALYZE applicants"

COLUMNS="x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,region,employment,defaulted"
read_floor=$(seconds "COPY (SELECT $COLUMNS FROM applicants ORDER BY id) TO '/dev/null' (FORMAT binary)")
train=$(seconds "SELECT fin_train('bench', 'applicants', 'defaulted', options => '{\"exclude\": [\"id\"], \"test_size\": 0.3}')")
auc=$(psql_db -c "SELECT round((metrics->>'auc')::numeric, 4) FROM finml.models WHERE name = 'bench' AND deployed")

# The same model as a plain SQL expression (NULLs as 0: a floor for cost, not a twin).
expr=$(psql_db -c "
  SELECT string_agg(CASE WHEN term = '(intercept)' THEN format('%s', estimate)
                         WHEN strpos(term, '=') > 0 THEN format('(%I = %L)::int * %s', split_part(term, '=', 1), split_part(term, '=', 2), estimate)
                         ELSE format('coalesce(%I, 0) * %s', term, estimate) END, ' + ')
    FROM fin_coefficients('bench')")
predict_floor=$(seconds "SELECT sum(1 / (1 + exp(-($expr)))) FROM applicants")
predict=$(seconds "SELECT sum(fin_predict('bench', a)) FROM applicants a")
predict_array=$(seconds "SELECT count(*) FROM applicants a WHERE fin_predict('bench', a) > 0.5")

echo
echo "rows                          $ROWS"
printf "read floor (COPY binary)      %8.2f s\n" "$read_floor"
printf "fin_train                     %8.2f s   %sx the read floor   (test AUC %s)\n" "$train" "$(ratio "$train" "$read_floor")" "$auc"
printf "SQL expression floor          %8.2f s   %s us/row\n" "$predict_floor" "$(per_row_us "$predict_floor")"
printf "fin_predict (row form)        %8.2f s   %sx the SQL floor   %s us/row\n" "$predict" "$(ratio "$predict" "$predict_floor")" "$(per_row_us "$predict")"
printf "fin_predict in a WHERE clause %8.2f s   %sx the SQL floor\n" "$predict_array" "$(ratio "$predict_array" "$predict_floor")"

if python3 -c "import psycopg, pandas, sklearn" 2>/dev/null; then
    # The peer is a client: it runs as the invoking user and connects over TCP with a local,
    # benchmark-only role.
    psql_db -c "DO \$\$ BEGIN CREATE ROLE finml_bench_client LOGIN PASSWORD 'finml_bench'; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" \
            -c "GRANT SELECT ON applicants TO finml_bench_client"
    peer=$(PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" python3 - <<'PY'
import os, time, warnings, numpy as np, pandas as pd, psycopg
warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy")
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
start = time.time()
with psycopg.connect(dbname=os.environ["DB"]) as conn:
    df = pd.read_sql("SELECT * FROM applicants ORDER BY id", conn)
y = df.pop("defaulted").to_numpy()
df = df.drop(columns=["id"])
num = [c for c in df.columns if c.startswith("x")]
pre = make_column_transformer(
    (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
    (OneHotEncoder(handle_unknown="ignore"), ["region", "employment"]))
Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.3, stratify=y, random_state=42)
model = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(Xtr, ytr)
auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
print(f"{time.time() - start:.3f} {auc:.4f}")
PY
)
    set -- $peer
    printf "peer: pandas + scikit-learn   %8.2f s   peer/fin_train time %s (above 1: finml is faster)   (test AUC %s)\n" "$1" "$(ratio "$1" "$train")" "$2"
else
    echo "peer: pandas + scikit-learn   skipped (pip install psycopg[binary] pandas scikit-learn)"
fi

echo
echo "== scorecard"
sc_train=$(seconds "SELECT fin_train('bench_card', 'applicants', 'defaulted', 'scorecard', options => '{\"exclude\": [\"id\"], \"test_size\": 0.3}')")
sc_auc=$(psql_db -c "SELECT round((metrics->>'auc')::numeric, 4) FROM finml.models WHERE name = 'bench_card' AND deployed")
# The scorecard written as plain SQL, a CASE per characteristic over its bins: what a bank
# deploys when its scoring engine is the database itself. Unseen levels score as NULL, as in finml.
sc_expr=$(psql_db -c "
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
            FROM bins GROUP BY feature) per_feature")
score_floor=$(seconds "SELECT sum($sc_expr) FROM applicants")
score=$(seconds "SELECT sum(fin_score('bench_card', a)) FROM applicants a")
mismatches=$(psql_db -c "SELECT count(*) FROM applicants a WHERE fin_score('bench_card', a) <> ($sc_expr)")
reasons=$(seconds "SELECT count(*) FROM (SELECT * FROM applicants ORDER BY id LIMIT 100000) a, fin_reason_codes('bench_card', a) r")
psi=$(seconds "SELECT * FROM fin_psi('bench_card', 'applicants')")
printf "fin_train scorecard           %8.2f s   %sx the read floor   (test AUC %s)\n" "$sc_train" "$(ratio "$sc_train" "$read_floor")" "$sc_auc"
printf "SQL CASE scorecard floor      %8.2f s   %s us/row\n" "$score_floor" "$(per_row_us "$score_floor")"
printf "fin_score (row form)          %8.2f s   %sx the SQL floor   %s us/row   (%s rows differ from the CASE)\n" "$score" "$(ratio "$score" "$score_floor")" "$(per_row_us "$score")" "$mismatches"
printf "fin_reason_codes, 100k rows   %8.2f s   %s us/applicant\n" "$reasons" "$(awk -v t="$reasons" 'BEGIN { printf "%.3f", t * 10 }')"
printf "fin_psi over the table        %8.2f s   %sx the read floor\n" "$psi" "$(ratio "$psi" "$read_floor")"

if python3 -c "import psycopg, pandas, sklearn, optbinning" 2>/dev/null; then
    peer=$(PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" python3 - <<'PY'
import os, time, warnings, numpy as np, pandas as pd, psycopg
warnings.filterwarnings("ignore")
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
start = time.time()
with psycopg.connect(dbname=os.environ["DB"]) as conn:
    df = pd.read_sql("SELECT * FROM applicants ORDER BY id", conn)
y = df.pop("defaulted").to_numpy()
df = df.drop(columns=["id"])
Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.3, stratify=y, random_state=42)
params = {c: {"monotonic_trend": "auto_asc_desc", "max_n_bins": 8} for c in df.columns if c.startswith("x")}
# The same screening as finml's default min_iv.
process = BinningProcess(list(df.columns), categorical_variables=["region", "employment"],
                         binning_fit_params=params, selection_criteria={"iv": {"min": 0.02}})
card = Scorecard(binning_process=process, estimator=LogisticRegression(),
                 scaling_method="pdo_odds",
                 scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
                 rounding=True).fit(Xtr, ytr)
auc = roc_auc_score(yte, card.predict_proba(Xte)[:, 1])
print(f"{time.time() - start:.3f} {auc:.4f}")
PY
)
    set -- $peer
    printf "peer: pandas + optbinning     %8.2f s   peer/fin_train time %s (above 1: finml is faster)   (test AUC %s)\n" "$1" "$(ratio "$1" "$sc_train")" "$2"
else
    echo "peer: pandas + optbinning     skipped (pip install psycopg[binary] pandas scikit-learn optbinning)"
fi

echo
echo "== evaluation and explanation"
# fin_evaluate predicts every row and measures; its floor is predicting every row.
evaluate=$(seconds "SELECT * FROM fin_evaluate('bench', 'applicants')")
calibration=$(seconds "SELECT * FROM fin_calibration('bench', 'applicants')")
explain=$(seconds "SELECT count(*) FROM (SELECT * FROM applicants ORDER BY id LIMIT 100000) a, fin_explain('bench', a) e")
predict_100k=$(seconds "SELECT sum(fin_predict('bench', a)) FROM (SELECT * FROM applicants ORDER BY id LIMIT 100000) a")
report=$(seconds "SELECT length(fin_report('bench'))")
printf "fin_evaluate over the table   %8.2f s   %sx fin_predict over the table   %sx the read floor\n" "$evaluate" "$(ratio "$evaluate" "$predict")" "$(ratio "$evaluate" "$read_floor")"
printf "fin_calibration               %8.2f s   %sx fin_predict over the table\n" "$calibration" "$(ratio "$calibration" "$predict")"
printf "fin_explain, 100k rows        %8.2f s   %sx fin_predict on the same rows   %s us/row\n" "$explain" "$(ratio "$explain" "$predict_100k")" "$(awk -v t="$explain" 'BEGIN { printf "%.3f", t * 10 }')"
printf "fin_report                    %8.2f s\n" "$report"

if python3 -c "import psycopg, pandas, sklearn" 2>/dev/null; then
    # The client-side peer: pull the same model's predictions and the labels, then
    # scikit-learn's metrics (what an analyst does today to evaluate a model in a notebook).
    psql_db -c "SELECT fin_grant('bench', 'finml_bench_client')" >/dev/null
    peer=$(PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" python3 - <<'PY'
import os, time, warnings, pandas as pd, psycopg
warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy")
from sklearn import metrics
start = time.time()
with psycopg.connect(dbname=os.environ["DB"]) as conn:
    df = pd.read_sql("SELECT fin_predict('bench', a) AS p, defaulted AS y FROM applicants a", conn)
p, y = df["p"].to_numpy(), df["y"].to_numpy()
hard = p >= 0.5
auc = metrics.roc_auc_score(y, p)
fpr, tpr, _ = metrics.roc_curve(y, p)
values = [auc, (tpr - fpr).max(), metrics.accuracy_score(y, hard), metrics.precision_score(y, hard),
          metrics.recall_score(y, hard), metrics.f1_score(y, hard), metrics.log_loss(y, p),
          metrics.brier_score_loss(y, p)]
print(f"{time.time() - start:.3f} {auc:.6f}")
PY
)
    set -- $peer
    finml_auc=$(psql_db -c "SELECT round(value::numeric, 6) FROM fin_evaluate('bench', 'applicants') WHERE metric = 'auc'")
    printf "peer: pandas + sklearn.metrics %7.2f s   peer/fin_evaluate time %s (above 1: finml is faster)   (AUC %s, finml %s)\n" "$1" "$(ratio "$1" "$evaluate")" "$2" "$finml_auc"
else
    echo "peer: pandas + sklearn.metrics skipped (pip install psycopg[binary] pandas scikit-learn)"
fi

echo
echo "== MLP (the recipe: 20 -> 50 -> 50 -> 1 ReLU, dropout 0.2, Adam 0.001, 10 epochs, batch 32, 80/20 stratified, seed 42)"
MLP_FEATURES="x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20"
THREADS=$(psql_db -c "LOAD 'finml'" -c "SHOW finml.threads")
mlp=$(seconds "SET client_min_messages = warning; SELECT fin_train('bench_mlp', 'applicants', 'defaulted', 'mlp', features => string_to_array('$MLP_FEATURES', ','))")
mlp_auc=$(psql_db -c "SELECT round((metrics->>'auc')::numeric, 4) FROM finml.models WHERE name = 'bench_mlp' AND deployed")
printf "fin_train mlp (%s threads)     %8.2f s   %sx the read floor   (test AUC %s)\n" "$THREADS" "$mlp" "$(ratio "$mlp" "$read_floor")" "$mlp_auc"
if python3 -c "import psycopg, pandas, sklearn, torch" 2>/dev/null; then
    # The client-side peer with the same data, preprocessing, split, architecture, optimizer,
    # epochs, batch size and thread count: pandas.read_sql, then a PyTorch training loop.
    peer=$(PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench DB="$DB" \
           FEATURES="$MLP_FEATURES" THREADS="$THREADS" python3 - <<'PY'
import os, time, warnings, numpy as np, pandas as pd, psycopg, torch
warnings.filterwarnings("ignore")
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
torch.set_num_threads(int(os.environ["THREADS"]))
torch.manual_seed(42)
start = time.time()
with psycopg.connect(dbname=os.environ["DB"]) as conn:
    df = pd.read_sql(f"SELECT {os.environ['FEATURES']}, defaulted FROM applicants ORDER BY id", conn)
y = df.pop("defaulted").to_numpy().astype(np.float32)
Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.2, stratify=y, random_state=42)
pre = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(Xtr)
Xtr = torch.tensor(pre.transform(Xtr), dtype=torch.float32)
Xte = torch.tensor(pre.transform(Xte), dtype=torch.float32)
Ytr = torch.tensor(ytr).unsqueeze(1)
model = torch.nn.Sequential(torch.nn.Linear(20, 50), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                            torch.nn.Linear(50, 50), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                            torch.nn.Linear(50, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.BCEWithLogitsLoss()
n = len(Xtr)
for epoch in range(10):
    perm = torch.randperm(n)
    Xs, Ys = Xtr[perm], Ytr[perm]
    for s in range(0, n, 32):
        opt.zero_grad()
        loss = loss_fn(model(Xs[s:s + 32]), Ys[s:s + 32])
        loss.backward()
        opt.step()
model.eval()
with torch.no_grad():
    auc = roc_auc_score(yte, model(Xte).squeeze(1).numpy())
print(f"{time.time() - start:.3f} {auc:.4f}")
PY
)
    set -- $peer
    printf "peer: pandas + PyTorch CPU    %8.2f s   peer/fin_train time %s (above 1: finml is faster)   (test AUC %s)\n" "$1" "$(ratio "$1" "$mlp")" "$2"
else
    echo "peer: pandas + PyTorch CPU    skipped (pip install psycopg[binary] pandas scikit-learn torch)"
fi

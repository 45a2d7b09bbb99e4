"""Reference values for the scorecard tests in models/tests/credit.rs, from optbinning 1.0.0
(scikit-learn 1.9.1) on the same data and split.

Split: scikit-learn train_test_split(test_size=0.3, random_state=42, stratify=Status == "bad"),
which finml's stratified split reproduces row for row.
Binning: optbinning's defaults (CART pre-binning into at most 20 pre-bins of >= 5% of the rows,
then the optimal merge maximizing IV) with a monotonic event rate, ascending or descending,
whichever is better ("auto_asc_desc"), as finml's monotonic "auto" does; no cap on the bins
(finml: max_bins 20).
Scorecard: LogisticRegression() on the WoE values, pdo 20, 600 points at odds 50:1.
Run: python3 credit_scorecard.py ../../../examples/credit/credit_data.csv
"""
import sys
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from optbinning import BinningProcess, Scorecard

df = pd.read_csv(sys.argv[1])
y = (df.pop("Status") == "bad").astype(int).to_numpy()
train, test = train_test_split(np.arange(len(df)), test_size=0.3, random_state=42, stratify=y)
categorical = ["Home", "Marital", "Records", "Job"]
params = {c: {"monotonic_trend": "auto_asc_desc"} for c in df.columns if c not in categorical}
process = BinningProcess(list(df.columns), categorical_variables=categorical,
                         binning_fit_params=params)
card = Scorecard(binning_process=process, estimator=LogisticRegression(),
                 scaling_method="pdo_odds",
                 scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
                 rounding=True)
card.fit(df.iloc[train], y[train])
p = card.predict_proba(df.iloc[test])[:, 1]
auc = roc_auc_score(y[test], p)
fpr, tpr, _ = roc_curve(y[test], p)
print("test auc", auc, "ks", max(tpr - fpr), "gini", 2 * auc - 1)
for feature in ["Income", "Seniority"]:
    table = card.binning_process_.get_binned_variable(feature).binning_table.build()
    print(feature, "splits", list(card.binning_process_.get_binned_variable(feature).splits))
    print(table[["Bin", "Count", "Event", "WoE", "IV"]].to_string())

"""Reference values for models/tests/credit.rs's self-training test, from scikit-learn on the
same data and split as credit_logistic.py (row i is a test row when i % 10 >= 7).

Unlabelled rows: the training rows with i % 5 != 0 have their outcome removed (80% of the
training split); every test row keeps its label. Preprocessing as credit_logistic.py, fitted
on the labelled training rows. Model: SelfTrainingClassifier(LogisticRegression(C=1.0),
threshold=0.9, max_iter=10), criterion "threshold".
Run: python3 credit_self_training.py ../../../examples/credit/credit_data.csv
"""
import sys
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.semi_supervised import SelfTrainingClassifier
from sklearn.metrics import roc_auc_score

df = pd.read_csv(sys.argv[1])
y = (df.pop("Status") == "bad").to_numpy()
i = np.arange(len(df))
test = (i % 10) >= 7
labelled = test | (i % 5 == 0)
fit_rows = ~test & labelled
numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
columns = []
for c in df.columns:
    if c in numeric:
        x = df[c].astype(float)
        filled = x.fillna(x[fit_rows].median())
        mean, std = filled[fit_rows].mean(), filled[fit_rows].std(ddof=0)
        columns.append(((filled - mean) / std).rename(c))
    else:
        x = df[c].fillna("(missing)")
        counts = x[fit_rows].value_counts()
        order = sorted(counts.index, key=lambda l: (-counts[l], l))
        for level in sorted(order[1:]):
            columns.append((x == level).astype(float).rename(f"{c}={level}"))
X = pd.concat(columns, axis=1).to_numpy()
y_semi = np.where(labelled, y.astype(int), -1)
st = SelfTrainingClassifier(LogisticRegression(C=1.0, tol=1e-10, max_iter=10000), threshold=0.9, max_iter=10)
st.fit(X[~test], y_semi[~test])
p = st.predict_proba(X[test])[:, 1]
added = [int((st.labeled_iter_ == k).sum()) for k in range(1, st.n_iter_ + 1)]
print("rounds", st.n_iter_, "added per round", added, "termination", st.termination_condition_)
print("self-training test auc", repr(roc_auc_score(y[test], p)))
base = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X[fit_rows], y[fit_rows])
print("labelled-only test auc", repr(roc_auc_score(y[test], base.predict_proba(X[test])[:, 1])))

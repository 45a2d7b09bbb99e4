"""Reference values for models/tests/credit.rs, from scikit-learn on the same data and split.

Split: row i (0-based, file order) is a test row when i % 10 >= 7 (30% test).
Preprocessing as finml does it, fitted on the training rows:
  numeric: median imputation, then standardization with the population standard deviation;
  categorical: one-hot, the most frequent level (ties by name) dropped as reference, NULL as
  its own level "(missing)".
Model: LogisticRegression(C=1.0) (the objective of finml's default l2 = 1), tol 1e-10.
Run: python3 credit_logistic.py ../../../examples/credit/credit_data.csv
"""
import sys
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, log_loss

df = pd.read_csv(sys.argv[1])
y = (df.pop("Status") == "bad").to_numpy()
test = (np.arange(len(df)) % 10) >= 7
numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
categorical = ["Home", "Marital", "Records", "Job"]
columns = []
for c in df.columns:
    if c in numeric:
        x = df[c].astype(float)
        filled = x.fillna(x[~test].median())
        mean, std = filled[~test].mean(), filled[~test].std(ddof=0)
        columns.append(((filled - mean) / std).rename(c))
    else:
        x = df[c].fillna("(missing)")
        counts = x[~test].value_counts()
        order = sorted(counts.index, key=lambda l: (-counts[l], l))
        for level in sorted(order[1:]):
            columns.append((x == level).astype(float).rename(f"{c}={level}"))
X = pd.concat(columns, axis=1)
m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X[~test], y[~test])
p = m.predict_proba(X[test])[:, 1]
print("terms", list(X.columns))
print("intercept", repr(m.intercept_[0]))
print("coef", [round(v, 6) for v in m.coef_[0]])
print("test auc", repr(roc_auc_score(y[test], p)), "log_loss", repr(log_loss(y[test], p)))
print("first test probabilities", [round(v, 6) for v in p[:5]])

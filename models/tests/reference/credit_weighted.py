"""Reference values for models/tests/credit.rs's weighted fit, from scikit-learn on the same
data, split and preprocessing as credit_logistic.py (row i is a test row when i % 10 >= 7).

Weights: class_weight="balanced" times a sample weight of 2 for applications with Amount above
1500 and 1 otherwise. With sample weights, scikit-learn balances the classes' weighted sums:
class weight = Σw / (2 · Σw over the class), checked below against the weights written out.
Model: LogisticRegression(C=1.0, class_weight="balanced"), fit with sample_weight, tol 1e-10.
Run: python3 credit_weighted.py ../../../examples/credit/credit_data.csv
"""
import sys
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

df = pd.read_csv(sys.argv[1])
y = (df.pop("Status") == "bad").to_numpy()
test = (np.arange(len(df)) % 10) >= 7
sample_weight = np.where(df["Amount"] > 1500, 2.0, 1.0)
numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
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
m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000, class_weight="balanced")
m.fit(X[~test], y[~test], sample_weight=sample_weight[~test])
# The same weights written out: balanced from the classes' weighted sums.
w, yt = sample_weight[~test], y[~test]
total, bad = w.sum(), w[yt].sum()
manual = w * np.where(yt, total / (2 * bad), total / (2 * (total - bad)))
m2 = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X[~test], yt, sample_weight=manual)
print("balanced on weighted sums:", np.abs(m.coef_ - m2.coef_).max() < 1e-8)
print("terms", list(X.columns))
print("intercept", repr(m.intercept_[0]))
print("coef", [round(v, 6) for v in m.coef_[0]])

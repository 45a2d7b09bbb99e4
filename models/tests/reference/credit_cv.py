"""Reference values for models/tests/cross_validation.rs: 5-fold cross-validation of logistic
regression on the credit data in scikit-learn (scikit-learn 1.9.1, numpy 2.4.6).

Folds: StratifiedKFold(n_splits=5, shuffle=True, random_state=42) on every row in file order,
y = (Status == "bad"). In each fold the preprocessing is fitted on the fold's training rows,
as finml does it (numeric: median imputation, then standardization with the population
standard deviation; categorical: one-hot, the most frequent level (ties by name) dropped as
reference, NULL as its own level "(missing)"), and LogisticRegression(C=1.0, tol=1e-10)
(finml's default l2 = 1) is measured on the fold's test rows.

Writes credit_cv.json next to this script: each row's fold, and per fold the AUC and log loss.
Run: python3 credit_cv.py ../../../examples/credit/credit_data.csv
"""
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

df = pd.read_csv(sys.argv[1])
y = (df.pop("Status") == "bad").to_numpy()
numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]


def design(train):
    columns = []
    for c in df.columns:
        if c in numeric:
            x = df[c].astype(float)
            filled = x.fillna(x[train].median())
            mean, std = filled[train].mean(), filled[train].std(ddof=0)
            columns.append(((filled - mean) / std).rename(c))
        else:
            x = df[c].fillna("(missing)")
            counts = x[train].value_counts()
            order = sorted(counts.index, key=lambda l: (-counts[l], l))
            for level in sorted(order[1:]):
                columns.append((x == level).astype(float).rename(f"{c}={level}"))
    return pd.concat(columns, axis=1)


fold_of = [-1] * len(df)
folds = []
splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
for f, (train_idx, test_idx) in enumerate(splitter.split(np.zeros((len(df), 1)), y)):
    for row in test_idx:
        fold_of[int(row)] = f
    train = np.zeros(len(df), dtype=bool)
    train[train_idx] = True
    X = design(train)
    m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X[train], y[train])
    p = m.predict_proba(X[~train])[:, 1]
    folds.append({"auc": roc_auc_score(y[~train], p), "log_loss": log_loss(y[~train], p),
                  "test_rows": int((~train).sum())})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "credit_cv.json"), "w") as out:
    json.dump({"fold_of": fold_of, "folds": folds}, out)
    out.write("\n")
print(json.dumps(folds, indent=1))

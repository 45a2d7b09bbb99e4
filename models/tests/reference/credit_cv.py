"""Reference values for models/tests/cross_validation.rs: 5-fold cross-validation of logistic
regression on the credit data in scikit-learn (scikit-learn 1.9.1, numpy 2.4.6).

Folds: StratifiedKFold(n_splits=5, shuffle=True, random_state=42) on every row in file order,
y = (Status == "bad"). In each fold the preprocessing is fitted on the fold's training rows,
as finml does it (numeric: median imputation, then standardization with the population
standard deviation; categorical: one-hot, the most frequent level (ties by name) dropped as
reference, NULL as its own level "(missing)"), and LogisticRegression(C=1.0, tol=1e-10)
(finml's default l2 = 1) is measured on the fold's test rows.

Tuning: the training split of train_test_split(test_size=0.2, stratify=y, random_state=42)
(finml's default split), its rows in file order, cut by the same StratifiedKFold; for each C in
(100, 1, 0.01) (finml's l2 = 0.01, 1, 100) the mean and population standard deviation of the
fold AUCs, as GridSearchCV's mean_test_score and std_test_score with preprocessing per fold.

Writes credit_cv.json next to this script: each row's fold, per fold the AUC and log loss, and
the tuning scores.
Run: python3 credit_cv.py ../../../examples/credit/credit_data.csv
"""
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

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

train_rows, _ = train_test_split(np.arange(len(df)), test_size=0.2, stratify=y, random_state=42)
train_rows = np.sort(train_rows)
tuning = []
for C in [100.0, 1.0, 0.01]:
    aucs = []
    for inner_train, inner_test in splitter.split(np.zeros((len(train_rows), 1)), y[train_rows]):
        train = np.zeros(len(df), dtype=bool)
        train[train_rows[inner_train]] = True
        X = design(train)
        m = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X[train], y[train])
        test = train_rows[inner_test]
        aucs.append(roc_auc_score(y[test], m.predict_proba(X.iloc[test])[:, 1]))
    tuning.append({"l2": 1.0 / C, "mean_auc": float(np.mean(aucs)), "std_auc": float(np.std(aucs))})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "credit_cv.json"), "w") as out:
    json.dump({"fold_of": fold_of, "folds": folds, "tuning": tuning}, out)
    out.write("\n")
print(json.dumps(folds, indent=1), json.dumps(tuning, indent=1))

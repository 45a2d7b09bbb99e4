"""LightGBM's multiclass boosting on the 7-grade target of credit_grades.py: the reference of
models/tests/multiclass.rs's gbdt test (LightGBM 4.7.0, scikit-learn 1.9.1).

Split: row i (0-based, file order) is a test row when i % 10 >= 7. Design as finml's tree
models read it (credit_trees.py): numbers as they are, NULL kept as NaN; categories one-hot,
the most frequent training level (ties by name) dropped, NULL its own level "(missing)".
LightGBM: objective multiclass (7 classes), 100 rounds, learning_rate 0.1, num_leaves 31,
min_data_in_leaf 20, max_bin 255, min_sum_hessian_in_leaf 1e-3, lambda_l2 0, 2 threads,
seed 42. Prints the test log loss and one-vs-rest macro AUC.
Run: python3 credit_grades_gbdt.py ../../../examples/credit/credit_data.csv
"""
import os
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score

here = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(sys.argv[1])
df.pop("Status")
grades = pd.read_csv(os.path.join(here, "credit_grades.csv"))["grade"]
classes = sorted(grades.unique())
y = grades.map({g: k for k, g in enumerate(classes)}).to_numpy()
test = (np.arange(len(df)) % 10) >= 7
numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
columns = []
for c in df.columns:
    if c in numeric:
        columns.append(df[c].astype(float).rename(c))
    else:
        x = df[c].fillna("(missing)")
        counts = x[~test].value_counts()
        reference = sorted(counts.index, key=lambda level: (-counts[level], level))[0]
        for level in sorted(counts.index):
            if level != reference:
                columns.append((x == level).astype(float).rename(f"{c}={level}"))
X = pd.concat(columns, axis=1).to_numpy()
params = dict(objective="multiclass", num_class=len(classes), num_leaves=31, learning_rate=0.1,
              min_data_in_leaf=20, max_bin=255, min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0,
              num_threads=2, seed=42, verbose=-1)
booster = lgb.train(params, lgb.Dataset(X[~test], y[~test]), num_boost_round=100)
p = booster.predict(X[test])
print("lightgbm_multiclass_log_loss", log_loss(y[test], p))
print("lightgbm_multiclass_auc", roc_auc_score(y[test], p, multi_class="ovr"))

"""Reference values for models/tests/trees.rs: LightGBM and scikit-learn on the credit data
(examples/credit/credit_data.csv) with finml's split and design.

Split: row i (0-based, file order) is a test row when i % 10 >= 7 (30% test).
Design as finml's tree models read it: numbers as they are, NULL kept as NaN (each split
learns where it goes); categories one-hot, the most frequent training level (ties by name)
dropped, NULL its own level "(missing)" when present in training.
Models (2 threads, seed 42):
  LightGBM 4.7.0: 100 trees, learning_rate 0.1, num_leaves 31, min_data_in_leaf 20,
    max_bin 255, min_sum_hessian_in_leaf 1e-3, lambda_l2 0, on the one-hot design and on
    native categorical features (LightGBM's own categorical splits);
  scikit-learn 1.9.1: RandomForestClassifier(100 trees, max_features="sqrt", max_depth 12),
    DecisionTreeClassifier(max_depth 5, min_samples_leaf 20) (NaN support of 1.3+).
Prints the test AUC of each.
Run: python3 credit_trees.py ../../../examples/credit/credit_data.csv
"""
import sys
import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.metrics import roc_auc_score

df = pd.read_csv(sys.argv[1])
y = (df.pop("Status") == "bad").to_numpy()
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
params = dict(objective="binary", num_leaves=31, learning_rate=0.1, min_data_in_leaf=20,
              max_bin=255, min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, num_threads=2,
              seed=42, verbose=-1)
booster = lgb.train(params, lgb.Dataset(X[~test], y[~test]), num_boost_round=100)
print("lightgbm_onehot_auc", roc_auc_score(y[test], booster.predict(X[test])))
native = df.copy()
for c in native.columns:
    if c not in numeric:
        native[c] = native[c].astype("category")
booster = lgb.train(params, lgb.Dataset(native[~test], y[~test]), num_boost_round=100)
print("lightgbm_native_auc", roc_auc_score(y[test], booster.predict(native[test])))
forest = RandomForestClassifier(n_estimators=100, max_features="sqrt", max_depth=12,
                                random_state=42, n_jobs=2).fit(X[~test], y[~test])
print("sklearn_forest_auc", roc_auc_score(y[test], forest.predict_proba(X[test])[:, 1]))
tree = DecisionTreeClassifier(max_depth=5, min_samples_leaf=20, random_state=42).fit(X[~test], y[~test])
print("sklearn_tree_auc", roc_auc_score(y[test], tree.predict_proba(X[test])[:, 1]))

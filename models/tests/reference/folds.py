"""Reference folds for models/tests/cross_validation.rs: scikit-learn 1.9.1's
StratifiedKFold(n_splits, shuffle=True, random_state=seed) and KFold(n_splits, shuffle=True,
random_state=seed), as each row's test fold (0-based), rows in the order given.

Writes folds.json next to this script. Cases:
  stratified_binary   103 rows, a 0/1 class drawn with rate 0.23 (seed 1) whose first row is
                      a 1 (so scikit-learn numbers the classes 1, 0), 5 folds, seed 42.
  stratified_3        250 rows of classes "a", "b", "c" drawn with shares 0.6/0.3/0.1
                      (seed 2), 4 folds, seed 7.
  stratified_tight    12 rows, 3 positives, 3 folds (every fold one positive), seed 0.
  kfold_103           KFold on 103 rows, 5 folds, seed 42.
  kfold_10            KFold on 10 rows, 3 folds, seed 123.
"""
import json
import os

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold


def fold_of(splitter, n, y=None):
    folds = [-1] * n
    for f, (_, test) in enumerate(splitter.split(np.zeros((n, 1)), y)):
        for row in test:
            folds[int(row)] = f
    assert -1 not in folds
    return folds


cases = []
rng = np.random.RandomState(1)
y = (rng.rand(103) < 0.23).astype(int)
y[0] = 1
cases.append({"name": "stratified_binary", "folds": 5, "seed": 42, "classes": y.tolist(),
              "fold_of": fold_of(StratifiedKFold(5, shuffle=True, random_state=42), 103, y)})
rng = np.random.RandomState(2)
y3 = rng.choice(["a", "b", "c"], size=250, p=[0.6, 0.3, 0.1])
codes = {"a": 0, "b": 1, "c": 2}
cases.append({"name": "stratified_3", "folds": 4, "seed": 7,
              "classes": [codes[c] for c in y3],
              "fold_of": fold_of(StratifiedKFold(4, shuffle=True, random_state=7), 250, y3)})
yt = np.array([0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
cases.append({"name": "stratified_tight", "folds": 3, "seed": 0, "classes": yt.tolist(),
              "fold_of": fold_of(StratifiedKFold(3, shuffle=True, random_state=0), 12, yt)})
for n, k, seed in [(103, 5, 42), (10, 3, 123)]:
    cases.append({"name": f"kfold_{n}", "folds": k, "seed": seed, "rows": n,
                  "fold_of": fold_of(KFold(k, shuffle=True, random_state=seed), n)})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "folds.json"), "w") as f:
    json.dump({"cases": cases}, f)
    f.write("\n")

"""Writes anomalies.csv for models/tests/unsupervised.rs's isolation-forest test and prints
scikit-learn's IsolationForest(n_estimators=100, max_samples=256, random_state=0) AUC
against the labels. The data: 3,000 rows of four features; 2,970 normal rows from two
Gaussian clusters, 30 anomalies (1%) drawn uniformly from a box four standard deviations
wide around the data, so that some fall inside the normal clouds. Each row carries
scikit-learn's anomaly score (-score_samples) in column sk_score.
Run: python3 anomalies.py  (writes anomalies.csv next to this script)
"""
import os
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(20261130)
normal_a = rng.normal([0, 0, 0, 0], [1, 1, 0.5, 2], size=(1985, 4))
normal_b = rng.normal([4, 3, 1, -2], [0.7, 1.2, 0.5, 1], size=(985, 4))
anomalies = rng.uniform([-4, -4, -2, -8], [8, 8, 3, 6], size=(30, 4))
X = np.vstack([normal_a, normal_b, anomalies])
y = np.r_[np.zeros(2970), np.ones(30)].astype(int)
order = rng.permutation(len(X))
X, y = X[order], y[order]
# finml standardizes (population std): isolation trees are invariant to it, but the same
# design keeps the comparison exact in spirit.
forest = IsolationForest(n_estimators=100, max_samples=256, random_state=0).fit(X)
score = -forest.score_samples(X)
print("sklearn_auc", repr(roc_auc_score(y, score)))
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "anomalies.csv")
with open(path, "w") as f:
    f.write("x1,x2,x3,x4,anomaly,sk_score\n")
    for row, label, s in zip(X, y, score):
        f.write(",".join(f"{v:.6f}" for v in row) + f",{label},{s:.6f}\n")

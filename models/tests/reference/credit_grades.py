"""A 7-grade rating target on the credit data, and scikit-learn's multinomial logistic
regression on it: the reference of models/tests/multiclass.rs (scikit-learn 1.9.1, numpy 2.4.6).

The grade: an ordinal logit, as rating grades are built. A latent score of each applicant,
1.6·records(yes) − 1.2·z(Seniority) − 1.0·z(ln(1 + Income)) + 1.4·z(Amount / Price)
+ 0.8·z(Debt) − 0.6·z(Age) (z: standardized over every row, missing Income as its median)
plus logistic noise from numpy RandomState(7), cut at −3.0, −1.8, −0.8, 0.2, 1.2, 2.4 into
grades A (best) to G. Written to credit_grades.csv (one grade per row, file order).

Split: row i (0-based, file order) is a test row when i % 10 >= 7 (30%), as credit.rs's.
Preprocessing as finml does it, fitted on the training rows: numeric median imputation and
standardization with the population standard deviation; one-hot categoricals without the
most frequent level (ties by name), NULL as its own level "(missing)".
Model: LogisticRegression(C=1.0, tol=1e-10, max_iter=10000) (multinomial on 7 classes,
finml's default l2 = 1); its intercepts centered to sum to zero (the objective does not change).

Writes credit_grades.json: the terms, per class the intercept and standardized weights, the
test metrics (accuracy, F1 macro and weighted, log loss, one-vs-rest AUC macro and weighted),
the test confusion matrix, and the first test rows' probabilities.
Run: python3 credit_grades.py ../../../examples/credit/credit_data.csv
"""
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, log_loss, roc_auc_score

here = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(sys.argv[1])
df.pop("Status")


def z(x):
    x = x.fillna(x.median())
    return (x - x.mean()) / x.std(ddof=0)


latent = (1.6 * (df["Records"] == "yes") - 1.2 * z(df["Seniority"].astype(float))
          - 1.0 * z(np.log1p(df["Income"])) + 1.4 * z(df["Amount"] / df["Price"])
          + 0.8 * z(df["Debt"].astype(float)) - 0.6 * z(df["Age"].astype(float)))
u = np.random.RandomState(7).uniform(size=len(df))
latent = latent + np.log(u / (1 - u))
cuts = [-3.0, -1.8, -0.8, 0.2, 1.2, 2.4]
grade = np.array(list("ABCDEFG"))[np.searchsorted(cuts, latent.to_numpy())]
pd.DataFrame({"grade": grade}).to_csv(os.path.join(here, "credit_grades.csv"), index=False)

y = grade
test = (np.arange(len(df)) % 10) >= 7
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
m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X[~test], y[~test])
intercepts = m.intercept_ - m.intercept_.mean()
p = m.predict_proba(X[test])
predicted = m.classes_[p.argmax(1)]
out = {
    "classes": list(m.classes_),
    "terms": list(X.columns),
    "intercepts": intercepts.tolist(),
    "weights": m.coef_.tolist(),
    "metrics": {
        "accuracy": accuracy_score(y[test], predicted),
        "f1_macro": f1_score(y[test], predicted, average="macro"),
        "f1_weighted": f1_score(y[test], predicted, average="weighted"),
        "log_loss": log_loss(y[test], p, labels=m.classes_),
        "auc": roc_auc_score(y[test], p, multi_class="ovr", labels=m.classes_),
        "auc_weighted": roc_auc_score(y[test], p, multi_class="ovr", average="weighted",
                                      labels=m.classes_),
    },
    "confusion": confusion_matrix(y[test], predicted, labels=m.classes_).tolist(),
    "first_test_probabilities": p[:3].tolist(),
    "grade_counts": {g: int((grade == g).sum()) for g in m.classes_},
}
with open(os.path.join(here, "credit_grades.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
print(json.dumps(out["metrics"], indent=1), out["grade_counts"])
print(np.array(out["confusion"]))

"""Reference values for models/tests/text_features.rs: logistic regressions on wider hashed
TF-IDF designs of the memos in memos.csv (written by memos.py), from scikit-learn.

Writes memos_wide.csv next to this script: for each setting, the intercept (column -1) and
every non-zero weight of LogisticRegression(C=1.0) fitted by newton-cg to tol 1e-12 on all
1,500 memos (the weight of a column no memo sets is 0 at the optimum):
  wide4096:  HashingVectorizer(n_features=4096, ngram_range=(1, 2)) + TfidfTransformer()
  wide65536: HashingVectorizer(n_features=65536, ngram_range=(1, 2)) + TfidfTransformer()
  raw1024:   HashingVectorizer(n_features=1024, ngram_range=(1, 2))
             + TfidfTransformer(norm=None)   (unnormalized rows: an ill-conditioned fit)
(HashingVectorizer with alternate_sign=False, norm=None in all three.) The script also fits
each setting by lbfgs (tol 1e-12) and prints the largest weight difference between the two
solvers: the reference's own precision.
Run: python models/tests/reference/memos_wide.py   (scikit-learn 1.9.1)
"""
import csv
import os
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "memos.csv"), newline="") as f:
    rows = list(csv.DictReader(f))
docs = [r["memo"] for r in rows]
y = np.array([r["fraud"] == "true" for r in rows])
settings = {
    "wide4096": (4096, dict()),
    "wide65536": (65536, dict()),
    "raw1024": (1024, dict(norm=None)),
}
with open(os.path.join(here, "memos_wide.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["setting", "column", "weight"])
    for name, (width, tfidf) in settings.items():
        counts = HashingVectorizer(n_features=width, ngram_range=(1, 2), alternate_sign=False,
                                   norm=None).transform(docs)
        x = TfidfTransformer(**tfidf).fit_transform(counts).tocsr()
        fits = [LogisticRegression(C=1.0, solver=s, tol=1e-12, max_iter=100000).fit(x, y)
                for s in ("newton-cg", "lbfgs")]
        gap = max(abs(fits[0].intercept_[0] - fits[1].intercept_[0]),
                  np.abs(fits[0].coef_ - fits[1].coef_).max())
        m = fits[0]
        w.writerow([name, -1, repr(float(m.intercept_[0]))])
        nonzero = 0
        for c, v in enumerate(m.coef_[0]):
            if v != 0.0:
                nonzero += 1
                w.writerow([name, c, repr(float(v))])
        print(name, "non-zero weights", nonzero, "newton-cg vs lbfgs", gap)

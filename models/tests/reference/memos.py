"""Reference values for models/tests/text_features.rs: hashed TF-IDF features of transaction
memos and a logistic regression on them, from scikit-learn on the same memos.

Writes, next to this script:
- memos.csv: 1,500 generated card-transaction memos (seed 7) and a fraud flag drawn from a
  logistic model of their words (an empty memo field is SQL NULL; scikit-learn gets "");
- memos_tfidf.csv: the non-zero TF-IDF values (row, column, value) of the first 300 memos under
  two settings, the IDF fitted on all 1,500:
    a: HashingVectorizer(n_features=1024, ngram_range=(1, 2), alternate_sign=False, norm=None)
       + TfidfTransformer()                                   (norm="l2", smooth_idf=True)
    b: HashingVectorizer(n_features=64, ngram_range=(1, 3), alternate_sign=False, norm=None)
       + TfidfTransformer(norm=None, sublinear_tf=True)        (64 columns: many collisions)
- memos_logistic.csv: LogisticRegression(C=1.0, tol=1e-10, max_iter=10000) on setting a's
  features of all 1,500 memos: the intercept (column -1), then each column's weight.
Run: bench/.venv/bin/python models/tests/reference/memos.py   (scikit-learn 1.9.1)
"""
import csv
import os
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(7)
merchants = ["Grocery Mart", "FUEL-STATION 24", "Café de Flore", "ÉPICERIE Zürich", "online store",
             "Netflix subscription", "city utility", "rent payment", "ATM withdrawal",
             "salary ACME corp", "refund amazon", "gift card shop", "crypto exchange",
             "casino royale", "wire transfer international", "pharmacy", "book store", "taxi"]
extras = ["late fee", "overdue", "ref 12345", "card ending 4421", "a", "x y", "contactless",
          "foreign currency", "declined retry", "pos 07/11", "urgent", "new device", ""]
risky = {"crypto": 2.0, "casino": 1.5, "international": 1.2, "gift": 1.0, "urgent": 1.0,
         "device": 0.8, "declined": 0.7, "overdue": 0.4}
rows = []
for i in range(1500):
    if i % 97 == 13:
        memo = None
    elif i % 89 == 5:
        memo = ""
    else:
        parts = [merchants[rng.randint(len(merchants))]]
        for _ in range(rng.randint(3)):
            parts.append(extras[rng.randint(len(extras))])
        memo = " ".join(p for p in parts if p)
        if rng.rand() < 0.1:
            memo = memo.upper()
    words = (memo or "").lower().split()
    eta = -2.0 + sum(risky.get(w, 0.0) for w in words)
    fraud = rng.rand() < 1 / (1 + np.exp(-eta))
    rows.append((i + 1, memo, fraud))

with open(os.path.join(here, "memos.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "memo", "fraud"])
    for i, memo, fraud in rows:
        w.writerow([i, "" if memo is None else memo, "true" if fraud else "false"])

docs = [m or "" for _, m, _ in rows]
settings = {
    "a": (dict(n_features=1024, ngram_range=(1, 2)), dict()),
    "b": (dict(n_features=64, ngram_range=(1, 3)), dict(norm=None, sublinear_tf=True)),
}
features = {}
with open(os.path.join(here, "memos_tfidf.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["setting", "row", "column", "value"])
    for name, (hashing, tfidf) in settings.items():
        counts = HashingVectorizer(alternate_sign=False, norm=None, **hashing).transform(docs)
        x = TfidfTransformer(**tfidf).fit_transform(counts).tocsr()
        features[name] = x
        for r in range(300):
            row = x.getrow(r)
            for c, v in sorted(zip(row.indices, row.data)):
                w.writerow([name, r, c, repr(float(v))])

y = np.array([fraud for _, _, fraud in rows])
m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(features["a"], y)
with open(os.path.join(here, "memos_logistic.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["column", "weight"])
    w.writerow([-1, repr(float(m.intercept_[0]))])
    for c, v in enumerate(m.coef_[0]):
        w.writerow([c, repr(float(v))])
print("fraud rate", y.mean(), "non-zero columns (a)", len(set(features["a"].indices)))

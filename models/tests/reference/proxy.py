"""Reference values for models/tests/proxy.rs: the proxy screen's associations (models/src/
proxy.rs) on the credit data, each by the library an analyst would use.

- Cramer's V: scipy.stats.contingency.association(method="cramer") on the crosstab of the
  rows where both columns are present (no continuity correction);
- AUC: sklearn.metrics.roc_auc_score of the feature predicting the second group (by sorted
  name), the larger of AUC and 1 - AUC;
- correlation ratio: sqrt(sum n_g (mean_g - mean)^2 / sum (y - mean)^2), with numpy;
- |Pearson r|: numpy.corrcoef.

Protected: Marital (its values), Age in the bands <25, [25,35), [35,50), [50,65), >=65, Age
in two bands (<40, >=40), and Age as a number. Candidates: Home, Records, Job (categorical);
Seniority, Time, Expenses, Income, Amount (numeric). A missing value leaves the row out of
the pair.

Run: python3 proxy.py ../../../examples/credit/credit_data.csv > proxy.json
"""
import json
import sys
import numpy as np
import pandas as pd
from scipy.stats.contingency import association
from sklearn.metrics import roc_auc_score

df = pd.read_csv(sys.argv[1])
CATEGORICAL = ["Home", "Records", "Job"]
NUMERIC = ["Seniority", "Time", "Expenses", "Income", "Amount"]


def banded(x, edges):
    return pd.Series(np.where(x.isna(), np.nan, np.searchsorted(edges, x, side="right")), index=x.index)


def correlation_ratio(groups, y):
    y = y.astype(float)
    mean = y.mean()
    between = sum(len(v) * (v.mean() - mean) ** 2 for _, v in y.groupby(groups))
    return float(np.sqrt(between / ((y - mean) ** 2).sum()))


def measure(candidate, protected, protected_numeric):
    both = df[candidate].notna() & protected.notna()
    x, p = df[candidate][both], protected[both]
    if candidate in CATEGORICAL and not protected_numeric:
        return ["cramers_v", float(association(pd.crosstab(x, p).to_numpy(), method="cramer"))]
    if candidate in CATEGORICAL:
        return ["correlation_ratio", correlation_ratio(x, p)]
    if protected_numeric:
        return ["abs_pearson", float(abs(np.corrcoef(x.astype(float), p.astype(float))[0, 1]))]
    groups = sorted(p.unique())
    if len(groups) == 2:
        auc = roc_auc_score(p == groups[1], x)
        return ["auc", float(max(auc, 1 - auc))]
    return ["correlation_ratio", correlation_ratio(p, x)]


out = {}
for name, protected, numeric in [("marital", df.Marital, False),
                                 ("age_bands", banded(df.Age, [25, 35, 50, 65]), False),
                                 ("age_two", banded(df.Age, [40]), False),
                                 ("age", df.Age, True)]:
    out[name] = {c: measure(c, protected, numeric) for c in CATEGORICAL + NUMERIC}
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()

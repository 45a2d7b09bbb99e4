"""Reference values for models/tests/fairness.rs: fairlearn 0.15 (MetricFrame and its
demographic_parity_* and equalized_odds_* functions) on the credit data, and the
standardized mean difference by its formula.

The scores: either a fixed integer formula of the credit data, the same in the Rust test to
the last bit (one correctly rounded division), ties and all, or, with --scores rows.csv
(columns score,status,age,marital), a model's predictions exported from the database
(fin_predict), for fin_fairness's closing-note comparison.

  points = 300 + 250 [Records = yes] + Amount // 4 - 2 Income (0 when missing)
           + 100 [Job = partime] - 10 Seniority;   score = clip(points, 1, 1999) / 2000

The decision: approved when score < cutoff (0.2), the model's event being Status = bad; the
favourable outcome is Status = good. So y_pred = approved, y_true = good, as fairlearn's
selection rate, true and false positive rates of the approval.

Groups: Age in the bands <25, [25,35), [35,50), [50,65), >=65; Marital as it is, its one
missing value a group of its own ("null" here, NULL in finml).

Undefined rates: sklearn's confusion matrix turns a rate over no rows into 0 (nan_to_num),
and fairlearn counts that 0. finml returns NULL for such a group's rate and leaves it out of
the attribute's spread, so equalized_odds_* are called on the groups where both rates are
defined (marital's one-row missing group has no bad applicant). demographic_parity_* is over
every group.

Run: python3 fairness.py ../../../examples/credit/credit_data.csv > fairness.json
     python3 fairness.py --scores rows.csv [CUTOFF]
"""
import json
import sys
import numpy as np
import pandas as pd
from fairlearn.metrics import (MetricFrame, count, selection_rate, true_positive_rate,
                               false_positive_rate, demographic_parity_difference,
                               demographic_parity_ratio, equalized_odds_difference,
                               equalized_odds_ratio)
from sklearn.metrics import roc_auc_score

CUTOFF = 0.2
EDGES = [25, 35, 50, 65]

if sys.argv[1] == "--scores":
    df = pd.read_csv(sys.argv[2])
    CUTOFF = float(sys.argv[3]) if len(sys.argv) > 3 else CUTOFF
    score, bad = df["score"].to_numpy(), (df["status"] == "bad").to_numpy()
    age, marital = df["age"], df["marital"]
else:
    df = pd.read_csv(sys.argv[1])
    points = (300 + 250 * (df.Records == "yes") + df.Amount // 4 - 2 * df.Income.fillna(0).astype(int)
              + 100 * (df.Job == "partime") - 10 * df.Seniority)
    score = (np.clip(points, 1, 1999) / 2000).to_numpy()
    bad = (df.Status == "bad").to_numpy()
    age, marital = df.Age, df.Marital


def band(x):
    i = int(np.searchsorted(EDGES, x, side="right"))
    if i == 0:
        return f"<{EDGES[0]}"
    if i == len(EDGES):
        return f">={EDGES[-1]}"
    return f"[{EDGES[i - 1]},{EDGES[i]})"


good = ~bad
approved = score < CUTOFF
out = {}
for name, groups in [("age", age.map(band)), ("marital", marital.fillna("null"))]:
    groups = groups.to_numpy()
    frame = MetricFrame(metrics={"rows": count, "approval_rate": selection_rate,
                                 "tpr": true_positive_rate, "fpr": false_positive_rate},
                        y_true=good, y_pred=approved, sensitive_features=groups)
    by_score = MetricFrame(metrics={"mean_predicted": lambda y, p: float(np.mean(p)),
                                    "observed_rate": lambda y, p: float(np.mean(y))},
                           y_true=bad, y_pred=score, sensitive_features=groups)
    by_group = {}
    for g in frame.by_group.index:
        rows = groups == g
        row = {k: float(v) for k, v in frame.by_group.loc[g].items()}
        row.update({k: float(v) for k, v in by_score.by_group.loc[g].items()})
        row["events"] = int(bad[rows].sum())
        row["auc"] = (float(roc_auc_score(bad[rows], score[rows]))
                      if 0 < bad[rows].sum() < rows.sum() else None)
        if row["events"] == 0:
            row["fpr"] = None
        if row["events"] == rows.sum():
            row["tpr"] = None
        by_group[g] = row
    reference = max(by_group, key=lambda g: by_group[g]["approval_rate"])
    ref = by_group[reference]
    for g, row in by_group.items():
        rows, ref_rows = groups == g, groups == reference
        row["adverse_impact_ratio"] = row["approval_rate"] / ref["approval_rate"]
        row["parity_difference"] = row["approval_rate"] - ref["approval_rate"]
        tpr_diff = None if row["tpr"] is None or ref["tpr"] is None else row["tpr"] - ref["tpr"]
        fpr_diff = None if row["fpr"] is None or ref["fpr"] is None else row["fpr"] - ref["fpr"]
        row["equal_opportunity_difference"] = tpr_diff
        row["average_odds_difference"] = None if tpr_diff is None or fpr_diff is None else (tpr_diff + fpr_diff) / 2
        a, b = score[rows], score[ref_rows]
        dof = len(a) + len(b) - 2
        pooled = np.sqrt((((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / dof) if dof > 0 else 0
        row["smd"] = float((a.mean() - b.mean()) / pooled) if pooled > 0 else None
    defined = np.isin(groups, [g for g, r in by_group.items() if r["tpr"] is not None and r["fpr"] is not None])
    out[name] = {
        "reference": reference,
        "groups": by_group,
        "demographic_parity_difference": float(demographic_parity_difference(good, approved, sensitive_features=groups)),
        "demographic_parity_ratio": float(demographic_parity_ratio(good, approved, sensitive_features=groups)),
        "equalized_odds_difference": float(equalized_odds_difference(good[defined], approved[defined], sensitive_features=groups[defined])),
        "equalized_odds_ratio": float(equalized_odds_ratio(good[defined], approved[defined], sensitive_features=groups[defined])),
    }
json.dump(out, sys.stdout, indent=1)
print()

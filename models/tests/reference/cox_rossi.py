"""lifelines' CoxPHFitter on the Rossi recidivism data that lifelines ships: the reference of
models/tests/survival.rs (lifelines 0.30.3).

Writes rossi.csv (lifelines.datasets.load_rossi(), 432 rows: week = weeks to arrest or to the
end of the year, arrest = 1 when arrested, 7 covariates; a column `entry` is added for the left
truncation case: row i enters at week (i % 5) · 2, before its exit) and cox_rossi.json:
- "plain": CoxPHFitter() (Efron ties): coefficients, standard errors, log partial likelihood,
  concordance on the training rows, and the baseline cumulative hazard at every distinct week
  (lifelines' baseline is at the covariates' means), and the first 3 rows' survival at weeks
  12 and 52 (predict_survival_function);
- "ridge": CoxPHFitter(penalizer=0.1) (lifelines' penalty, n · 0.1 / 2 · Σ β², on covariates
  standardized with the sample standard deviation): coefficients, standard errors, baseline;
- "entry": CoxPHFitter().fit(entry_col="entry"): coefficients and standard errors.
Run: python3 cox_rossi.py   (writes beside itself)
"""
import json
import os

import numpy as np
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

HERE = os.path.dirname(os.path.abspath(__file__))

rossi = load_rossi()
rossi["entry"] = [min((i % 5) * 2, w - 1) for i, w in enumerate(rossi["week"])]
rossi.to_csv(os.path.join(HERE, "rossi.csv"), index=False)
covariates = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def fitted(cph, baseline=True):
    out = {
        "coefficients": [float(cph.params_[c]) for c in covariates],
        "standard_errors": [float(cph.standard_errors_[c]) for c in covariates],
    }
    if baseline:
        h0 = cph.baseline_cumulative_hazard_.iloc[:, 0]
        out["baseline_times"] = [float(t) for t in h0.index]
        out["baseline_cumulative_hazard"] = [float(v) for v in h0.values]
        out["log_likelihood"] = float(cph.log_likelihood_)
        out["concordance"] = float(cph.concordance_index_)
        sf = cph.predict_survival_function(rossi[covariates].iloc[:3], times=[12, 52])
        out["survival_first_rows_at_12_52"] = [[float(v) for v in sf[c].values] for c in sf.columns]
    return out


plain = CoxPHFitter().fit(rossi[covariates + ["week", "arrest"]], "week", "arrest")
ridge = CoxPHFitter(penalizer=0.1).fit(rossi[covariates + ["week", "arrest"]], "week", "arrest")
entry = CoxPHFitter().fit(rossi, "week", "arrest", entry_col="entry")
out = {
    "covariates": covariates,
    "plain": fitted(plain),
    "ridge": fitted(ridge),
    "entry": fitted(entry, baseline=False),
}
with open(os.path.join(HERE, "cox_rossi.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps({k: v["coefficients"] for k, v in out.items() if k != "covariates"}, indent=1))
print("concordance", out["plain"]["concordance"], "ll", out["plain"]["log_likelihood"])

"""The analyst's path for bench/ecl.sh: the rows read with COPY into pandas, lifelines'
CoxPHFitter, and the ECL in numpy from its baseline cumulative hazard. Prints the seconds.

  python ecl_peer.py fit DB   # CoxPHFitter on loan_history (entry_col), as fin_train('cox')
  python ecl_peer.py ecl DB   # fit, then the three-scenario ECL of book_big by stage
"""
import io
import sys
import time

import numpy as np
import pandas as pd
import psycopg
from lifelines import CoxPHFitter

FEATURES = ["score", "dti", "ltv", "term", "unemployment"]
SCENARIOS = [(0.6, 0.0), (0.3, 2.0), (0.1, -1.0)]  # weight, unemployment shift


def read(conn, query):
    buffer = io.BytesIO()
    with conn.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy:
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    return pd.read_csv(buffer)


def fit(conn):
    history = read(conn, "SELECT score, dti, ltv, term, unemployment, months_on_book, entry_months, defaulted::int AS defaulted FROM loan_history")
    return CoxPHFitter().fit(history, "months_on_book", "defaulted", entry_col="entry_months")


def ecl(conn, cph):
    book = read(conn, "SELECT score, dti, ltv, term, unemployment, balance, lgd, remaining_months, days_past_due, in_default::int AS in_default, pd_at_origination FROM book_big")
    h0 = cph.baseline_cumulative_hazard_.iloc[:, 0]
    months = np.arange(1, 61)
    baseline = np.array([h0[h0.index <= t].iloc[-1] if (h0.index <= t).any() else 0.0 for t in months])
    discount = (1.07) ** (-months / 12.0)
    totals = np.zeros(3)
    for start in range(0, len(book), 100_000):
        b = book.iloc[start:start + 100_000]
        term = b["remaining_months"].to_numpy().clip(1, 60).astype(int)
        alive = months[None, :] <= term[:, None]
        ecl12 = np.zeros(len(b))
        ecl_life = np.zeros(len(b))
        pd_life = np.zeros(len(b))
        for weight, shift in SCENARIOS:
            x = b[FEATURES].copy()
            x["unemployment"] += shift
            relative = cph.predict_partial_hazard(x).to_numpy()
            survival = np.exp(-baseline[None, :] * relative[:, None])
            before = np.hstack([np.ones((len(b), 1)), survival[:, :-1]])
            losses = (before - survival) * alive * discount[None, :] * (b["lgd"].to_numpy() * b["balance"].to_numpy())[:, None]
            ecl12 += weight * losses[:, :12].sum(axis=1)
            ecl_life += weight * losses.sum(axis=1)
            pd_life += weight * (1 - survival[np.arange(len(b)), term - 1])
        dpd = b["days_past_due"].to_numpy()
        stage3 = (b["in_default"].to_numpy() == 1) | (dpd >= 90)
        stage2 = ~stage3 & ((dpd >= 30) | (pd_life > 2 * b["pd_at_origination"].to_numpy()))
        loss = np.where(stage3, b["lgd"] * b["balance"], np.where(stage2, ecl_life, ecl12))
        for k, mask in enumerate([~stage2 & ~stage3, stage2, stage3]):
            totals[k] += loss[mask].sum()
    return totals


def main():
    mode, db = sys.argv[1], sys.argv[2]
    with psycopg.connect(dbname=db) as conn:
        started = time.perf_counter()
        cph = fit(conn)
        fitted = time.perf_counter()
        if mode == "fit":
            print(f"{fitted - started:.3f}")
            return
        totals = ecl(conn, cph)
        print(f"{time.perf_counter() - fitted:.3f}")
        # The ECL by stage, to set beside fin_ecl_summary's (on stderr: stdout is the time).
        print("peer ECL by stage: " + " ".join(f"{t:.0f}" for t in totals), file=sys.stderr)


if __name__ == "__main__":
    main()

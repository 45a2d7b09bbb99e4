"""Prints the benchmark's table from run.sh's results (size, run, item, finml, comparison,
note): per size and item, the median of each side over the runs and the median of the
per-run ratios, with the target issue 15 or 16 set. Standard library only.

usage: python3 summarize.py RESULTS.tsv
"""
import math
import statistics
import sys
from collections import OrderedDict

# item -> (how the ratio reads, target): "x" is finml / comparison (lower is better, target a
# ceiling); "speedup" is comparison / finml (higher is better, target a floor); "diff" is
# finml - comparison (target: its size at most).
TARGETS = {
    "fin_train logistic | read floor": ("x", 2.0),
    "training read | read floor": ("x", 1.3),
    "fin_train logistic | pandas.read_sql + sklearn": ("speedup", 4.0),
    "fin_train logistic | COPY csv + pandas + sklearn": ("speedup", 1.5),
    "fin_train scorecard | pandas + optbinning": ("speedup", None),
    "fin_train mlp | pandas + PyTorch CPU": ("speedup", 1.0),
    "fin_evaluate | pandas + sklearn.metrics": ("speedup", None),
    "fin_predict row | SQL floor": ("x", 1.5),
    "fin_predict array | SQL floor over the arrays": ("x", 1.2),
    "fin_predict ARRAY[columns] | SQL floor (columns)": ("x", None),
    "fin_score row | SQL CASE floor": ("x", 1.5),
    "fin_predict MLP row | logistic SQL floor": ("x", 3.0),
    # Issue 38: the harder floor, a model over the 20 numeric columns against their SQL.
    "fin_predict row, numeric model | SQL floor (columns)": ("x", 2.0),
    "fin_predict row, 2 workers | 0 workers": ("x", 1.0),
    "fin_predict array, 2 workers | 0 workers": ("x", 1.0),
    "fin_predict MLP row, 2 workers | 0 workers": ("x", 1.0),
    "fin_score row, 2 workers | 0 workers": ("x", 1.0),
    # Issue 16 (batch scoring with provenance), at a million rows.
    "fin_score_table logistic | INSERT SELECT fin_model_sql": ("x", 1.3),
    # Issue 15 sets it at a million rows.
    "peak private RSS logistic | f64 design (kB)": ("x", 1.5),
    "peak private RSS scorecard | f64 design (kB)": ("x", 1.5),
    "peak private RSS mlp | f64 design (kB)": ("x", 1.5),
    # The tree models against LightGBM (trees.sh).
    "fin_train gbdt | pandas.read_sql + LightGBM": ("speedup", None),
    "test AUC gbdt | LightGBM one-hot": ("diff", 0.005),
    # Issue 38: explanations at scoring speed (not reachable as set-returning functions: the
    # generate_series line is PostgreSQL's floor for the same number of rows, bench/README.md).
    "fin_explain, 100k rows | fin_predict, same rows": ("x", 1.5),
    "fin_reason_codes, 100k rows | fin_predict, same rows": ("x", 1.5),
    "fin_score_table scorecard + 4 reasons | same floor (no reasons)": ("x", 2.0),
    # Issue 38: the time-series view against the plain window query of its columns.
    "fin_ts_view, 24 columns | plain window query, same 24 columns": ("x", 1.5),
    # Issue 38: hashed TF-IDF logistic regression no slower than scikit-learn (text.sh).
    "fin_train logistic, text 1024 | COPY csv + sklearn hashing TF-IDF + LogisticRegression": ("speedup", 1.0),
    "fin_train logistic, text 4096 | COPY csv + sklearn hashing TF-IDF + LogisticRegression": ("speedup", 1.0),
    "fin_train logistic, text 65536 | COPY csv + sklearn hashing TF-IDF + LogisticRegression": ("speedup", 1.0),
}


def main(path):
    table = OrderedDict()
    for line in open(path):
        size, run, item, finml, comparison, note = (line.rstrip("\n").split("\t") + [""])[:6]
        entry = table.setdefault((int(size), item), {"finml": [], "comparison": [], "notes": []})
        try:
            entry["finml"].append(float(finml))
            entry["comparison"].append(float(comparison))
        except ValueError:
            entry["notes"].append(f"run {run}: no value ({finml!r}, {comparison!r})")
        if note:
            entry["notes"].append(note)
    size_now = None
    for (size, item), entry in table.items():
        if size != size_now:
            size_now = size
            print(f"\n{size:,} rows ({len(entry['finml'])} run(s); medians)")
            print(f"  {'item | comparison':58} {'finml':>10} {'comparison':>11} {'ratio':>9}  target")
        if not entry["finml"]:
            print(f"  {item:58} {'-':>10} {'-':>11} {'-':>9}  {'; '.join(entry['notes'])}")
            continue
        kind, target = TARGETS.get(item, ("x", None))
        if kind == "diff":
            finml = statistics.median(entry["finml"])
            comparison = statistics.median(entry["comparison"])
            gap = statistics.median(f - c for f, c in zip(entry["finml"], entry["comparison"]))
            met = "met" if abs(gap) <= target else "MISSED"
            note = f"  ({entry['notes'][-1]})" if entry["notes"] else ""
            print(f"  {item:58} {finml:10.4f} {comparison:11.4f} {gap:+9.4f}  |diff| <= {target:g}  {met}{note}")
            continue
        ratios = [(c / f if kind == "speedup" else f / c) if (f and c) else float("nan")
                  for f, c in zip(entry["finml"], entry["comparison"])]
        ratio = statistics.median(ratios)
        finml = statistics.median(entry["finml"])
        comparison = statistics.median(entry["comparison"])
        if item.startswith("test AUC"):
            print(f"  {item:58} {finml:10.4f}")
            continue
        mark = ""
        if target is not None:
            met = ratio >= target if kind == "speedup" else ratio <= target
            sign = ">=" if kind == "speedup" else "<="
            mark = f"{sign} {target:g}  {'met' if met else 'MISSED'}"
        unit = "x faster" if kind == "speedup" else "x"
        note = f"  ({entry['notes'][-1]})" if entry["notes"] else ""
        print(f"  {item:58} {finml:10.3f} {comparison:11.3f} {ratio:7.2f}{unit[:1]:<2} {mark}{note}")
    scaling(table)


def scaling(table):
    """Training time against table size: microseconds per row, and the exponent of the growth
    between consecutive sizes (1 is linear; above 1, worse than linear)."""
    sizes = sorted({size for size, _ in table})
    if len(sizes) < 2:
        return
    print("\nscaling (median seconds; µs per row; growth exponent from the size before)")
    for item in ("read_floor", "fin_train logistic | read floor", "fin_train scorecard | read floor",
                 "fin_train mlp | read floor"):
        cells, before = [], None
        for size in sizes:
            values = table.get((size, item), {}).get("finml", [])
            if not values:
                continue
            t = statistics.median(values)
            growth = ""
            if before:
                growth = f", x^{math.log(t / before[1]) / math.log(size / before[0]):.2f}"
            cells.append(f"{size:,}: {t:.2f} s ({t * 1e6 / size:.2f} µs/row{growth})")
            before = (size, t)
        print(f"  {item.split(' |')[0]:20} " + "; ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1])

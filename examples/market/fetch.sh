#!/usr/bin/env bash
# Fetches the market example's data: Google (GOOG) daily open, high, low, close and volume,
# 2004-08-19 to 2013-03-01 (2,148 trading days), as shipped in the PyPI package backtesting
# 0.6.6 (backtesting/test/GOOG.csv; the package is AGPL-3.0, kernc/backtesting.py; the prices
# are Yahoo Finance's historical quotes). Nothing is vendored: pip downloads the wheel from
# PyPI and the CSV is taken out of it. Prints the CSV's path.
set -euo pipefail
dir=${1:-/tmp/finml-market}
mkdir -p "$dir"
if [ ! -s "$dir/GOOG.csv" ]; then
    # pip from the system's Python, or from a virtual environment when it has none.
    pip=(python3 -m pip)
    if ! python3 -m pip --version >/dev/null 2>&1; then
        python3 -m venv "$dir/venv" >&2
        pip=("$dir/venv/bin/pip")
    fi
    "${pip[@]}" download --quiet --no-deps --dest "$dir" backtesting==0.6.6 >&2
    python3 - "$dir" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(glob.glob(f"{d}/backtesting-0.6.6-*.whl")[0]) as wheel:
    data = wheel.read("backtesting/test/GOOG.csv")
open(f"{d}/GOOG.csv", "wb").write(data)
PY
fi
chmod 644 "$dir/GOOG.csv"
echo "$dir/GOOG.csv"

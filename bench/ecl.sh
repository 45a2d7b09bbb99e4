#!/usr/bin/env bash
# Survival models and expected credit loss (issue 40), on the IFRS 9 example's loan book
# (examples/ecl: 30,000 generated loans, their performance history and the Q4 2024 book).
# 1. The Cox fit: fin_train('cox') on the history (26,691 loans, 6,691 left-truncated) against
#    lifelines' CoxPHFitter (entry_col) on the same rows read with COPY into pandas.
# 2. fin_ecl over BENCH_ECL_LOANS loans (default 1,000,000: the Q4 book's 18,564 loans repeated
#    with new keys), three scenarios, 60-month terms at most: fin_ecl_summary (every loan staged
#    and provisioned, summed by stage), and fin_ecl written to a table; against the same ECL in
#    numpy from lifelines' fitted model (the survival matrix from its baseline cumulative
#    hazard, in blocks of 100,000 loans), the loans read with COPY into pandas.
# Each item runs BENCH_RUNS times (default 3); the medians are printed. Needs the release
# build installed (make install) and the peers (make bench-peers, with lifelines).
set -euo pipefail
cd "$(dirname "$0")"
LOANS=${BENCH_ECL_LOANS:-1000000}
RUNS=${BENCH_RUNS:-3}
DB=${BENCH_DB:-finml_ecl}
RESULTS=${BENCH_RESULTS:-$(mktemp /tmp/finml-bench-ecl.XXXXXX.tsv)}
PY=${BENCH_PYTHON:-$PWD/.venv/bin/python}
# shellcheck source=bench/common.sh
. ./common.sh

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml" -f ../examples/ecl/generate.sql >/dev/null
psql_db -f ../examples/ecl/demo.sql >/dev/null
psql_db -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS book_big" \
        -c "CREATE TABLE book_big AS SELECT row_number() OVER () AS loan_id, b.score, b.dti, b.ltv, b.term, b.unemployment, b.balance, b.lgd, b.remaining_months, b.days_past_due, b.in_default, b.pd_at_origination FROM generate_series(1, ceil($LOANS / 18564.0)::int) g, book_q4 b LIMIT $LOANS" \
        -c "ALTER TABLE book_big ADD PRIMARY KEY (loan_id)" -c "VACUUM ANALYZE book_big"
psql_db -c "DO \$\$ BEGIN CREATE ROLE finml_bench_client LOGIN PASSWORD 'finml_bench'; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" \
        -c "GRANT SELECT ON loan_history, book_big TO finml_bench_client"
OPTIONS='{"ead": "balance", "lgd": "lgd", "eir": 0.07, "remaining_term": "remaining_months", "origination_pd": "pd_at_origination", "days_past_due": "days_past_due", "in_default": "in_default", "periods_per_year": 12, "scenarios": [{"name": "base", "weight": 0.6}, {"name": "adverse", "weight": 0.3, "shift": {"unemployment": 2}}, {"name": "upside", "weight": 0.1, "shift": {"unemployment": -1}}]}'

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The peer reads as the benchmark's client role over TCP, as bench/run.sh's do.
peer() {
    [ -x "$PY" ] && "$PY" -c "import lifelines" 2>/dev/null &&
        PGHOST=127.0.0.1 PGUSER=finml_bench_client PGPASSWORD=finml_bench "$PY" ecl_peer.py "$@"
}

for run in $(seq "$RUNS"); do
    record history "$run" cox_fit "$(seconds -c "SELECT fin_train('bench_cox', 'loan_history', 'defaulted', 'cox', features => ARRAY['score', 'dti', 'ltv', 'term', 'unemployment'], options => '{\"duration\": \"months_on_book\", \"entry\": \"entry_months\", \"test_size\": 0}')")" \
        "$(peer fit "$DB" || echo NaN)"
    record "$LOANS" "$run" ecl_summary "$(seconds -c "SELECT count(*) FROM fin_ecl_summary('lifetime_pd', 'book_big', '$OPTIONS')")" \
        "$(peer ecl "$DB" || echo NaN)"
    record "$LOANS" "$run" ecl_table "$(seconds -c "DROP TABLE IF EXISTS ecl_big" -c "CREATE TABLE ecl_big AS SELECT * FROM fin_ecl('lifetime_pd', 'book_big', '$OPTIONS')")" NaN
done
printf 'item\tloans\tfinml median s\tpeer median s\n'
for item in cox_fit ecl_summary ecl_table; do
    finml=$(awk -F'\t' -v i="$item" '$3 == i { print $4 }' "$RESULTS" | median)
    peer_s=$(awk -F'\t' -v i="$item" '$3 == i { print $5 }' "$RESULTS" | median)
    size=$(awk -F'\t' -v i="$item" '$3 == i { print $1; exit }' "$RESULTS")
    printf '%s\t%s\t%s\t%s\n' "$item" "$size" "$finml" "$peer_s"
done
psql_db -c "SELECT coalesce(stage::text, 'all'), loans, round(ecl) FROM fin_ecl_summary('lifetime_pd', 'book_big', '$OPTIONS')"

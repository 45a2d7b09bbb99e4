# Helpers shared by the benchmark scripts (sourced after DB, RESULTS and PY are set).
# shellcheck shell=bash
if [ "$(id -u)" = 0 ]; then AS_PG=(sudo -u postgres); else AS_PG=(); fi
psql_db() { "${AS_PG[@]}" psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# Runs statements (the last one is timed with the ones before it, in one session, with
# parallel query off unless the statements say otherwise) and prints the wall-clock seconds.
seconds() {
    local start
    start=$(now)
    psql_db -c "SET max_parallel_workers_per_gather = 0" -c "SET client_min_messages = warning" "$@" >/dev/null
    elapsed "$start"
}
# record SIZE RUN ITEM FINML_SECONDS COMPARISON_SECONDS [NOTE]
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >> "$RESULTS"; }
have_peers() { [ -x "$PY" ] && "$PY" -c "import psycopg, pandas, sklearn" 2>/dev/null; }

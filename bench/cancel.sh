#!/usr/bin/env bash
# How fast a cancel stops each kind of training, and how the scorecard's time grows with its
# width. Wide random tables (3,000 rows × 300/600/1,200 real columns, as in the trust issue's
# report); for each algorithm and width: the training's own time (capped at 30 s), and the
# time a 1 s statement_timeout takes to stop it (the latency is that time minus 1 s).
# Needs the release build installed and a running server (make bench does both).
set -euo pipefail
cd "$(dirname "$0")"
DB=${BENCH_DB:-finml_cancel}
if [ "$(id -u)" = 0 ]; then AS_PG=(sudo -u postgres); else AS_PG=(); fi
psql_db() { "${AS_PG[@]}" psql -X -q -At -d "$DB" "$@"; }
seconds() { # runs statements, prints their wall-clock seconds (errors are expected: cancels)
    local start end
    start=$(date +%s.%N)
    psql_db -c "SET client_min_messages = warning" "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

bash ../examples/start_server.sh 15
"${AS_PG[@]}" psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -c "CREATE EXTENSION finml"
for w in 300 600 1200; do
    psql_db -c "DO \$\$ BEGIN EXECUTE (SELECT format('CREATE TABLE wide_%s AS SELECT i AS id, (random() < 0.3)::int AS y, %s FROM generate_series(1, 3000) i', $w, string_agg(format('random()::real AS x%s', k), ', ')) FROM generate_series(1, $w) k); END \$\$"
done

options() {
    case $1 in
        logistic) echo '{"exclude": ["id"], "l2": 0, "max_iter": 1000}' ;;
        scorecard) echo '{"exclude": ["id"], "min_iv": 0}' ;;
        mlp) echo '{"exclude": ["id"], "epochs": 1000}' ;;
    esac
}
train_sql() { echo "SELECT fin_train('m_$1_$2', 'wide_$2', 'y', '$1', options => '$(options "$1")')"; }

printf "%-10s %6s %16s %22s\n" algorithm width "alone (s, cap 30)" "with 1 s timeout (s)"
for a in logistic scorecard mlp; do
    for w in 300 600 1200; do
        alone=$(seconds -c "SET statement_timeout = '30s'" -c "$(train_sql "$a" "$w")")
        cancelled=$(seconds -c "SET statement_timeout = '1s'" -c "$(train_sql "$a" "$w")")
        printf "%-10s %6s %16s %22s\n" "$a" "$w" "$alone" "$cancelled"
    done
done

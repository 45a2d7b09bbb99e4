#!/usr/bin/env bash
# Starts the local Debian PostgreSQL cluster of the given major version if none is running
# (creating it if the package left none), and waits until it accepts connections. As root, it
# also puts finml in the cluster's shared_preload_libraries (ALTER SYSTEM, then a restart), as
# README "Install on a server without Rust" asks a DBA to: finml.progress and
# finml.max_concurrent_trainings live in shared memory.
set -euo pipefail
major=${1:-15}

wait_ready() {
    for _ in $(seq 1 30); do
        pg_isready -q && return 0
        sleep 1
    done
    echo "PostgreSQL $major did not start; see /var/log/postgresql/postgresql-$major-main.log" >&2
    exit 1
}

if ! pg_isready -q 2>/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "no PostgreSQL server answers; start yours (pg_isready) and run make demo again" >&2
        exit 1
    fi
    if ! pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main"' | grep -q .; then
        pg_createcluster "$major" main
    fi
    pg_ctlcluster "$major" main start || true
    wait_ready
fi

if [ "$(id -u)" = 0 ] && pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    preloaded=$(su postgres -c "psql -X -At -c 'SHOW shared_preload_libraries'")
    if ! tr ', ' '\n\n' <<<"$preloaded" | grep -qx finml; then
        libraries=${preloaded:+$preloaded,}finml
        su postgres -c "psql -X -q -c \"ALTER SYSTEM SET shared_preload_libraries = '$libraries'\""
        pg_ctlcluster "$major" main restart
        wait_ready
    fi
fi

#!/usr/bin/env bash
# Starts the local Debian PostgreSQL cluster of the given major version if none is running
# (creating it if the package left none), and waits until it accepts connections.
set -euo pipefail
major=${1:-15}
if pg_isready -q 2>/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "no PostgreSQL server answers; start yours (pg_isready) and run make demo again" >&2
    exit 1
fi
if ! pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$major" main
fi
pg_ctlcluster "$major" main start || true
for _ in $(seq 1 30); do
    pg_isready -q && exit 0
    sleep 1
done
echo "PostgreSQL $major did not start; see /var/log/postgresql/postgresql-$major-main.log" >&2
exit 1

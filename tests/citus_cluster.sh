# Sourced by tests/citus.sh and bench/citus.sh: a throwaway Citus cluster on this machine, a
# coordinator on $PORT and workers on $PORT+1 and $PORT+2, data and sockets under $WORK.
# Needs BINDIR, PG_USER, WORK, PORT and the function as_pg (run a command as $PG_USER).

NODES="$PORT $((PORT + 1)) $((PORT + 2))"
W1=$((PORT + 1))
W2=$((PORT + 2))

# psql on a node as the superuser (extra arguments: -U role, -c ..., -f ...).
on() {
    local port=$1
    shift
    as_pg env PGHOST="$WORK" PGPORT="$port" "$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"
}
node_ctl() { as_pg "$BINDIR/pg_ctl" -D "$WORK/n$1" -l "$WORK/n$1.log" -w "${@:2}" >/dev/null; }
stop_citus_cluster() {
    for p in $NODES; do as_pg "$BINDIR/pg_ctl" -D "$WORK/n$p" -m immediate stop >/dev/null 2>&1 || true; done
}
start_citus_cluster() {
    for p in $NODES; do
        as_pg "$BINDIR/initdb" -D "$WORK/n$p" -A trust -U "$PG_USER" --no-sync >/dev/null
        printf "shared_preload_libraries = 'citus,finml'\nport = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\nmax_worker_processes = 16\nfsync = off\n" \
            "$p" "$WORK" >>"$WORK/n$p/postgresql.conf"
        node_ctl "$p" start
        on "$p" -c "CREATE EXTENSION citus"
    done
    on "$PORT" -c "SELECT citus_set_coordinator_host('127.0.0.1', $PORT)" >/dev/null
    on "$PORT" -c "SELECT citus_add_node('127.0.0.1', $W1)" -c "SELECT citus_add_node('127.0.0.1', $W2)" >/dev/null
}

"""One statement, one model state (issue "Trust, second round", item 13), with a real
multi-threaded client: psycopg, 12 reader threads, each statement its own transaction, while
one writer thread deploys versions 1, 2, 3 (and rolls back) every 50 ms and another revokes
and grants the readers' right to use the model.

Each reader statement reads, in one SELECT: fin_version('live'), fin_predict('live', a), the
deployed version as plain SQL sees it (finml.deployments through finml.models), and whether
the row's prediction is the prediction of the version fin_version names. A statement
disagrees when fin_version differs from the plain SQL's version (a deploy committed before
the statement started and not seen, or one committed while it ran half-seen), or when the
prediction is not the named version's. The rights readers (role `reader`) run
`... WHERE finml.can_use('live')`: a statement for which SQL says the right is there must not
be refused by fin_predict (42501), and one for which it is not returns no row.

A long statement (every row of the credit data 40 times, with parallel workers) must use one
version: count(DISTINCT fin_version) = 1 and every row's prediction is that version's.

At the end, the ledger of finml.event_log (the events of both writers, half the revokes and
grants in REPEATABLE READ transactions whose snapshot predates the deploy before them) must be
intact: fin_verify_log() NULL and seq 1..n.

Every connection sends its statements unprepared (pgbouncer's transaction pooling moves a
client between server connections, where psycopg's prepared statements would not be).

Usage: python3 deploys.py DSN [STATEMENTS] [LABEL]; prints the counts and exits 1 on any
disagreement. STATEMENTS counts the short statements: nine tenths version checks, one tenth
rights checks.
"""

import sys
import threading
import time

import psycopg

READERS = 12
PAUSE = 0.05

CHECK = """
SELECT fin_version('live') AS used,
       (SELECT m.version FROM finml.models m WHERE m.name = 'live' AND m.deployed) AS committed,
       fin_predict('live', a) = fin_predict('live@' || fin_version('live'), a) AS same_prediction
  FROM applications a WHERE a.id = %s
"""
RIGHTS = """
SELECT fin_predict('live', a) FROM applications a WHERE a.id = %s AND finml.can_use('live')
"""
LONG = """
SELECT count(DISTINCT fin_version('live')) AS versions,
       count(*) FILTER (WHERE fin_predict('live', a) <> fin_predict('live@' || fin_version('live'), a)) AS differ,
       count(*) AS rows
  FROM applications a, generate_series(1, 40) g
"""


def failing_is_counted(work):
    """A background thread's failure fails the run (an exception would only end the thread)."""
    def run(dsn, stop, counts):
        try:
            work(dsn, stop, counts)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            counts["errors"].append(f"{work.__name__}: {e}")
            stop.set()
    return run


@failing_is_counted
def writer(dsn, stop, counts):
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        steps = ["SELECT fin_deploy('live', 1)", "SELECT fin_deploy('live', 2)",
                 "SELECT fin_rollback('live')", "SELECT fin_deploy('live', 3)"]
        k = 0
        while not stop.is_set():
            conn.execute(steps[k % len(steps)])
            counts["deploys"] += 1
            k += 1
            time.sleep(PAUSE)


@failing_is_counted
def revoker(dsn, stop, counts):
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        k = 0
        while not stop.is_set():
            verb = "fin_revoke" if k % 2 == 0 else "fin_grant"
            if k % 4 >= 2:
                # REPEATABLE READ, its snapshot taken before the writer's next deploy: the
                # ledger's seal at commit must still chain after that deploy's event.
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                conn.execute("SELECT count(*) FROM finml.events")
                time.sleep(PAUSE)
                conn.execute(f"SELECT {verb}('live', 'reader')")
                conn.execute("COMMIT")
            else:
                conn.execute(f"SELECT {verb}('live', 'reader')")
            counts["revokes"] += 1
            k += 1
            time.sleep(PAUSE)


def reader(dsn, quota, results, lock):
    local = {"statements": 0, "disagree": 0, "stale": 0, "mixed": 0, "versions": set()}
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        for i in range(quota):
            used, committed, same = conn.execute(CHECK, (1 + i % 4454,)).fetchone()
            local["statements"] += 1
            local["versions"].add(used)
            if used != committed:
                local["disagree"] += 1
                local["stale"] += 1
            elif not same:
                local["disagree"] += 1
                local["mixed"] += 1
    with lock:
        for key in ("statements", "disagree", "stale", "mixed"):
            results[key] += local[key]
        results["versions"] |= local["versions"]


def rights_reader(dsn, quota, results, lock):
    local = {"allowed": 0, "refused_by_sql": 0, "refused_by_finml": 0}
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        for i in range(quota):
            try:
                rows = conn.execute(RIGHTS, (1 + i % 4454,)).fetchall()
                local["allowed" if rows else "refused_by_sql"] += 1
            except psycopg.errors.InsufficientPrivilege:
                local["refused_by_finml"] += 1
    with lock:
        for key, value in local.items():
            results[key] += value


def main():
    dsn = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    label = sys.argv[3] if len(sys.argv) > 3 else "direct"
    reader_dsn = dsn + " user=reader"
    stop = threading.Event()
    counts = {"deploys": 0, "revokes": 0, "errors": []}
    results = {"statements": 0, "disagree": 0, "stale": 0, "mixed": 0, "versions": set(),
               "allowed": 0, "refused_by_sql": 0, "refused_by_finml": 0}
    lock = threading.Lock()
    background = [threading.Thread(target=writer, args=(dsn, stop, counts)),
                  threading.Thread(target=revoker, args=(dsn, stop, counts))]
    for t in background:
        t.start()
    started = time.monotonic()
    rights_quota = total // 10
    threads = [threading.Thread(target=reader, args=(dsn, (total - rights_quota) // READERS, results, lock))
               for _ in range(READERS)]
    threads += [threading.Thread(target=rights_reader, args=(reader_dsn, rights_quota // 2, results, lock))
                for _ in range(2)]
    for t in threads:
        t.start()
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        long_runs = []
        while any(t.is_alive() for t in threads) or not long_runs:
            # SET LOCAL in the statement's transaction: through pgbouncer in transaction
            # pooling, a session's settings do not follow it from one transaction to the next.
            with conn.transaction():
                for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                                "min_parallel_table_scan_size = 0", "max_parallel_workers_per_gather = 2"):
                    conn.execute(f"SET LOCAL {setting}")
                long_runs.append(conn.execute(LONG).fetchone())
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    stop.set()
    for t in background:
        t.join()
    long_bad = sum(1 for versions, differ, _ in long_runs if versions != 1 or differ != 0)
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        ledger_break, events, consecutive = conn.execute(
            "SELECT fin_verify_log(), count(*), count(*) = max(seq) AND min(seq) = 1 FROM finml.events").fetchone()
    print(f"{label}: {results['statements']} statements by {READERS} threads in {seconds:.1f} s "
          f"while {counts['deploys']} deploys and rollbacks committed: {results['disagree']} disagreed "
          f"({results['stale']} used another version than their snapshot's, {results['mixed']} mixed "
          f"versions); versions used {sorted(results['versions'])}")
    print(f"{label}: rights under {counts['revokes']} revokes and grants: {results['allowed']} allowed, "
          f"{results['refused_by_sql']} refused by the statement's SQL, {results['refused_by_finml']} "
          f"refused by fin_predict where SQL allowed")
    print(f"{label}: {len(long_runs)} long statements of {long_runs[0][2]} rows with parallel workers: "
          f"{long_bad} used more than one version or mixed predictions")
    print(f"{label}: the ledger after {events} events written by concurrent sessions (half the grants and "
          f"revokes in REPEATABLE READ): first break {ledger_break}, seq consecutive: {consecutive}")
    for error in counts["errors"]:
        print(f"{label}: a background writer failed: {error}")
    failed = (results["disagree"] or results["refused_by_finml"] or long_bad or counts["errors"]
              or ledger_break is not None or not consecutive
              or len(results["versions"]) < 2 or results["allowed"] == 0 or results["refused_by_sql"] == 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

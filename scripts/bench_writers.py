"""The bench's writers: threads of the bench process, or of writer processes.

A Zope instance is one process with one ZODB database (one client cache and
connection pool shared by its worker threads), each thread opening its own
connection per request. On ZEO and RelStorage the bench's writers run in
processes (``zope_process``), each opening ONE database with
``backends.open_db`` and running its writers as threads (``ThreadWriters``):
one writer a process by default (a ZODB client each), or, with
``--zope-processes N``, the S0-S2 writers spread over N processes as Zope
instances run them. On FileStorage they are threads of the bench process. The
operation loop itself (retries, counters, latencies) is the bench's
``write_loop``, passed in.
"""

from backends import open_db

import threading


ZODB_POOL_SIZE = 7  # ZODB.DB's default: more open connections than this are warned about


class ThreadWriters:
    """Writers numbered `writers`, each a thread of this process on a connection of `db`.

    `loop(db, op, writer, ops, start_at, stopfile)` runs one writer and
    returns its figures; ``join`` returns them in the order of `writers`.
    """

    def __init__(self, db, loop, op, writers, ops, start_at, stopfile=None):
        self.writers = list(writers)
        self.results = {}
        self.threads = [threading.Thread(target=self._run, args=(
            db, loop, op, writer, ops, start_at, stopfile)) for writer in self.writers]
        for thread in self.threads:
            thread.start()

    def _run(self, db, loop, op, writer, ops, start_at, stopfile):
        self.results[writer] = loop(db, op, writer, ops, start_at, stopfile)

    def join(self):
        for thread in self.threads:
            thread.join()
        return [self.results[writer] for writer in self.writers]


def spread(count, processes):
    """The writer numbers each process runs: 1 over 2 -> [[0]]; 4 over 2 -> [[0, 2], [1, 3]]."""
    return [list(range(first, count, processes)) for first in range(min(count, processes))]


def zope_process(spec, loop, op, writers, ops, start_at, stopfile=None):
    """One process as Zope runs: one database on `spec`, a thread per writer of `writers`."""
    db = open_db(spec, pool_size=max(ZODB_POOL_SIZE, len(writers)))
    try:
        return ThreadWriters(db, loop, op, writers, ops, start_at, stopfile).join()
    finally:
        db.close()


def layout(results):
    """How the writers that returned `results` (each with its "pid") ran."""
    threads = {}
    for result in results:
        threads[result["pid"]] = threads.get(result["pid"], 0) + 1
    return {"processes": len(threads), "threads_per_process": sorted(threads.values()),
            "mode": writers_case(len(results), len(threads))}


def writers_case(count, processes=None):
    """The table's name for `count` writers: "4 writers", or "4 writers in 2 processes"."""
    if not processes:
        return f"{count} writers"
    used = len(spread(count, processes))
    return (f"{count} writer{'s' if count > 1 else ''} in {used} "
            f"process{'es' if used > 1 else ''}")

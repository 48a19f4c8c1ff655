"""Jobs that run outside requests: the fan-out queue, in chunked transactions."""

import transaction


def run_fanout(get_manager, chunk_size=None, max_chunks=None, transaction_manager=None,
               worker=0, workers=1):
    """Deliver queued notifications, one chunk per transaction; return how many.

    Several workers may run at once (threads or processes, each with its own
    connection): worker `worker` of `workers` takes the jobs whose id modulo
    `workers` is `worker`, and any of them splits a new feed post into slices.

    `get_manager` returns the ActivityManager (looked up anew for every
    transaction). Each chunk's notifications and the queue's progress commit
    together, so a crash between chunks loses nothing and a rerun delivers
    nothing twice. Conflicting chunks are retried.
    """
    tm = transaction_manager or transaction.manager
    total = chunks = 0
    while max_chunks is None or chunks < max_chunks:
        for attempt in tm.attempts(5):
            with attempt:
                delivered = get_manager().deliver_queued(chunk_size, worker, workers)
        if not delivered:
            break
        total += delivered
        chunks += 1
    return total

"""Benchmark plonesocial on FileStorage, ZEO and RelStorage/PostgreSQL: `make bench`.

    .venv/bin/python scripts/bench.py [--storages filestorage,zeo,relstorage]
        [--items 1000000] [--followers 8000,38000] [--ops 800] [--seconds 8]
        [--scenarios S0,S1,S1w,S2,S3,S4,S5,S6,S7,S8,S9,S10,S11] [--fresh]
        [--zope-processes 2]
        [--s7-clients 1000] [--s7-rate 50] [--s7-seconds 30]
        [--json var/bench/results.json] [--markdown var/bench/results.md]

Scenarios (each on every storage, with a raw-ZODB baseline in the same run):

- S0 the floor: the cheapest commit of one small change, a one-key insert
  into a small tree (each writer its own, kept at FLOOR_KEYS keys, one
  bucket), 1/4/8/16 writers; S1-S2 are shown as a ratio of it;
- S1 sends spread over 2,000 users who have inboxes (made before, untimed, as
  on a site in use: the first message of someone without one inserts into the
  site's tree of inboxes, whose bucket splits conflict between concurrent
  first-timers; "written" counts that case as S1n), mostly first messages
  between two of them, 1/4/8 writers: sends/s, retries, p50/p99;
- S1w the same with a warm cache, on 2,000 users of its own: each writer first
  loads every inbox the sends read (untimed), as the caches of a site in use
  hold its active people;
  S1 starts cold (a fresh process's), so on ZEO and RelStorage its sends wait
  for loads as well as for their commit; 1/4/8 writers, as a ratio of S0;
- S2 sends to one hot recipient, 8 and 16 writers: sends/s, failed sends;
- S3 unread count and not-seen count for a user with 10^3 and with --items items;
- S4 newest 20 and a deep keyset page of a stream of --items activities, cold
  and warm cache, with the objects loaded;
- S5 one activity fanned out to each --followers count while S1 runs with 4
  writers: latency of the posting transaction, time until everyone has it
  (the first and the last follower find it in their list), time until the
  fan-out workers (--fanout-workers, in parallel, chunks of the inline
  threshold) have done every follower's digest and mail bookkeeping;
- S8 a 200-person group conversation, 8 participants sending at once: sends/s,
  objects written per send, failed sends, and every participant's unread
  count checked exact after the run (issue 15);
- S9 16 people like one post at once (issue 16): failed (must be 0), retries,
  latency; S10 the newest 20 of a timeline filtered by a tag over the stream of
  --items activities (every 100th tagged; the reader follows a tenth of the
  actors), cold and warm;
- S6 HTTP through Zope's WSGI server (waitress, 4 threads) on a Plone site:
  REST send and the notification count beside plonesocial-free `@site` GET;
- S7 realtime (once, not per storage; scripts/bench_realtime.py): --s7-clients
  WebSocket clients on one gateway on loopback, --s7-rate sends/s for
  --s7-seconds: commit-to-client latency p50/p99, events lost (must be 0),
  the gateway's memory per connection.
- S11 (once; scripts/bench_counts.py): the not-seen count under Plone with 10
  vs --s11-unseen unseen notifications about content, as a ratio (issue 13:
  at most 1.2), and the exact fallback after a change of who may View.

Every write scenario also shows the objects and bytes one operation writes,
counted where the connection hands them to the storage (``store``), over
METERED operations of one writer (N1: a message's notification to its
recipient, as a site adds it to every send, grown in place while it is the
newest of the list; N1m: one that moves to the top; N1n: a new row). Every scenario shows the peak
resident memory (RSS) of the bench process and of its writer processes (the
peak is reset before each scenario); the table names the machine, its load
and how long the --items preparation took.

Writers are threads of one process on FileStorage (one process owns a
Data.fs) and one process each on ZEO and RelStorage (several Zope clients).
With --zope-processes N (ZEO and RelStorage only) the S0-S2 writers are
threads spread over N processes instead, each process one ZODB database (one
client cache and connection pool) as a Zope instance with several worker
threads: 4 writers in 2 processes are 2 threads in each (scripts/bench_writers.py);
the table's rows say so, and S0 runs the same way for the ratios.
A conflicting transaction is retried up to 3 times after Zope's random
delays (up to 1, 2 and 4 s), as Zope's publisher does; a send that still
conflicts counts as failed. The data of S3-S5 is built once into a
Data.fs under var/bench/ (reused while the code that writes it is unchanged)
and copied into each storage. Prints a Markdown table; writes JSON.
"""

from pathlib import Path

import argparse
import hashlib
import inspect
import json
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT / "src")]

from backends import BACKENDS  # noqa: E402
from backends import free_port  # noqa: E402
from backends import open_db  # noqa: E402
from backends import postgresql_available  # noqa: E402
from backends import psql  # noqa: E402
from backends import wait_for_port  # noqa: E402
from bench_counts import s11_plone_counts  # noqa: E402
from bench_counts import timed  # noqa: E402
from bench_realtime import s7_realtime  # noqa: E402
from bench_writers import layout  # noqa: E402
from bench_writers import spread  # noqa: E402
from bench_writers import ThreadWriters  # noqa: E402
from bench_writers import writers_case  # noqa: E402
from bench_writers import zope_process  # noqa: E402


RETRIES = 3  # Zope's default max_conflict_retries
USERS = 2000
SMALL = 1000  # the small side of S3
PAGE = 20
# The layout of the stored data the prepared Data.fs holds: raise it when a
# change to the persistent classes would make a prepared file unlike what the
# code now writes (build_data's own source is part of the key as well).
DATA_VERSION = 4  # 3: the activity core split into stores; 4: packed conversation tails


# -- measuring ----------------------------------------------------------------

def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 3)


FLOOR_KEYS = 8  # S0: the keys each writer's small tree keeps (one bucket)


def prepare_floor(db, writers=16):
    """S0: a small tree per writer (issue 13: the floor is not a large tree)."""
    from BTrees.OOBTree import OOBTree

    import transaction

    tm = transaction.TransactionManager()
    conn = db.open(tm)
    try:
        tm.begin()
        floor = OOBTree()
        for writer in range(writers):
            floor[writer] = OOBTree()
        conn.root()["floor"] = floor
        tm.commit()
    finally:
        tm.abort()
        conn.close()


def op_baseline(root, rnd, writer, n):
    tree = root["floor"][writer]
    tree[n] = n
    tree.pop(n - FLOOR_KEYS, None)


def op_send_spread(root, rnd, writer, n, prefix="u"):
    sender = recipient = rnd.randrange(USERS)
    while recipient == sender:
        recipient = rnd.randrange(USERS)
    root["inboxes"].send(f"{prefix}{sender}", f"{prefix}{recipient}", f"spread {writer}-{n}")


# S1w's own 2,000 users: its sends start from inboxes as S1's did, whatever S1 left
# (after a long S1, S1w's sends into S1's users moved their conversations into shards).
WARM_PREFIX = "w"


def op_send_spread_warm(root, rnd, writer, n):
    op_send_spread(root, rnd, writer, n, prefix=WARM_PREFIX)


def warm_inboxes(root):
    """S1w: load every inbox the spread sends read, with its trees and counter (public
    reads that load them), untimed: a site in use has its active people cached."""
    inboxes = root["inboxes"]
    for user in range(USERS):
        inbox = inboxes.get_inbox(f"{WARM_PREFIX}{user}")
        len(inbox), inbox.new_messages_count, inbox.is_blocked("nobody")
        for _ in inbox.get_conversations():
            pass


def prepare_users(db, prefix="u"):
    """S1 (S1w: its own): the 2,000 users have inboxes, as on a site in use (see S1 above)."""
    import transaction

    tm = transaction.TransactionManager()
    conn = db.open(tm)
    try:
        tm.begin()
        inboxes = conn.root()["inboxes"]
        for user in range(USERS):
            inboxes.get_inbox(f"{prefix}{user}", create=True)
        tm.commit()
    finally:
        tm.abort()
        conn.close()


def op_send_new(root, rnd, writer, n):
    """S1n: a first message between two people who have no inbox yet."""
    root["inboxes"].send(f"new{writer}-{2 * n}", f"new{writer}-{2 * n + 1}", f"new {n}")


def op_send_hot(root, rnd, writer, n):
    root["inboxes"].send(f"u{rnd.randrange(USERS)}", "hot", f"hot {writer}-{n}")


GROUP_SIZE = 200  # S8: the owner and 199 others
GROUP_WRITERS = 8


def group_member(index):
    return f"g{index:03d}"


PAIRS = 4  # metered sends in existing conversations: these pairs, in turn


def op_send_pair(root, rnd, writer, n):
    """A send in a conversation that exists (after the first of each pair)."""
    pair = n % PAIRS
    root["inboxes"].send(f"p{2 * pair}", f"p{2 * pair + 1}", f"pair {writer}-{n}")


def op_notify(root, rnd, writer, n):
    """N1: what a send adds in a site: the recipient's message notification (the
    sender's, still unseen and the newest of the list: it grows in place)."""
    pair = n % PAIRS
    _notify_message(root, f"p{2 * pair + 1}", f"p{2 * pair}", f"notify {writer}-{n}")


def _notify_message(root, recipient, sender, body):
    from plonesocial.activitystream.activity import Reference

    root["am"].notify_facts([recipient], message_type="message", phrase="sent you a message",
                            owner=Reference("user", sender), actor=sender, body=body)


def op_notify_moves(root, rnd, writer, n):
    """N1m: a message notification that moves to the top of its list: two people
    write to one in turn, so the other's notification is the newest each time."""
    _notify_message(root, f"m{writer}", f"m{writer}-{n % 2}", f"moves {writer}-{n}")


def op_notify_new(root, rnd, writer, n):
    """N1n: a new row: the first message notification from each sender."""
    _notify_message(root, f"n{writer}", f"n{writer}-{n}", f"new {writer}-{n}")


def op_group_send(root, rnd, writer, n):
    from plonesocial.clock import utcnow

    group = root["groups"].get(root["bench_group"])
    group.send(group_member(1 + writer), f"group {writer}-{n}", utcnow())


# Run by a writer on its connection before it starts (untimed): op -> function(root)
WARMERS = {"send_spread_warm": warm_inboxes}
# How much later writers that warm up start (they all warm at once; one that is not
# done by then starts late, which the figures' start_spread_s shows): threads of
# one process on FileStorage, processes of their own (a client cache each) elsewhere.
WARM_SECONDS = {False: 3.0, True: 20.0}

OPS = {"baseline": op_baseline, "send_spread": op_send_spread, "send_hot": op_send_hot,
       "send_spread_warm": op_send_spread_warm,
       "send_new": op_send_new,
       "group_send": op_group_send, "notify": op_notify, "send_pair": op_send_pair,
       "notify_moves": op_notify_moves, "notify_new": op_notify_new}

METERED = 40  # operations counted for the objects and bytes written per operation


def metered(db, op, count=METERED, writer=0, warm=0):
    """Objects and bytes one `op` writes: counted where the connection stores them.

    ZODB's Connection hands every changed object to its storage's ``store``
    at commit (FileStorage, ZEO and RelStorage alike): wrapping that method
    of this connection's storage instance counts exactly what is written.
    """
    import transaction

    tm = transaction.TransactionManager()
    conn = db.open(tm)
    storage = conn._storage
    store = storage.store
    written = []

    def counting_store(oid, serial, data, version, txn):
        written[-1][0] += 1
        written[-1][1] += len(data)
        return store(oid, serial, data, version, txn)

    # RelStorage keeps `store` in the instance (copied from its Storer), the
    # others in the class: put back exactly what was there.
    own = "store" in vars(storage)
    storage.store = counting_store
    rnd = random.Random(f"metered-{op}")
    try:
        for n in range(warm + count):
            tm.begin()
            OPS[op](conn.root(), rnd, writer, n)
            written.append([0, 0])
            tm.commit()
        del written[:warm]  # the first operations create what the others reuse
    finally:
        if own:
            storage.store = store
        else:
            del storage.store
        tm.abort()
        conn.close()
    objects = [entry[0] for entry in written]
    sizes = [entry[1] for entry in written]
    return {"objects": round(statistics.mean(objects), 2), "objects_max": max(objects),
            "bytes": round(statistics.mean(sizes)), "bytes_max": max(sizes)}


# -- memory ------------------------------------------------------------------

def _status(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024  # kB -> MiB
    except (OSError, ValueError):
        pass
    return None


def reset_peak(pid="self"):
    """Start a new peak RSS (VmHWM) for `pid` (Linux: clear_refs 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss(pid="self"):
    """The peak RSS of `pid` in MiB since start or the last reset_peak, or None."""
    return _status(pid, "VmHWM")


def zope_delay(rnd, attempt):
    """Wait before retry number `attempt` (from 0) as Zope's publisher does.

    ZPublisher's HTTPRequest.delay_retry sleeps up to 1, 2, then 4 seconds
    before the first, second and third retry of a conflicting request.
    """
    time.sleep(rnd.uniform(0, 2 ** attempt))


def warm_connection(conn):
    """Load the root and what it holds, untimed, as a Zope process has: it imported the
    application's classes at startup and its connections keep the root cached. In a
    fresh writer process the first load imports them (about 0.7 s of CPU a process):
    the first operation of S0 on ZEO took 0.7, 1.5, 3 and 6 s with 1, 4, 8 and 16
    writer processes importing at once, most of the short floor runs' time."""
    root = conn.root()
    for value in list(root.values()):
        activate = getattr(value, "_p_activate", None)
        if activate is not None:
            activate()


def write_loop(db, op, writer, ops, start_at, stopfile=None):
    """Run `ops` operations (or until `stopfile` exists); return what happened."""
    from ZODB.POSException import ConflictError

    import transaction

    tm = transaction.TransactionManager()
    conn = db.open(tm)
    rnd = random.Random(f"{op}-{writer}")
    latencies, retries, failed = [], 0, 0
    run = OPS[op]
    warm_connection(conn)
    if op in WARMERS:
        WARMERS[op](conn.root())
    tm.abort()
    while time.time() < start_at:
        time.sleep(0.001)
    started = time.time()
    n = 0
    while (n < ops) if stopfile is None else not os.path.exists(stopfile):
        began = time.perf_counter()
        for attempt in range(RETRIES + 1):
            try:
                tm.begin()
                run(conn.root(), rnd, writer, n)
                tm.commit()
                break
            except ConflictError:
                tm.abort()
                if attempt < RETRIES:
                    retries += 1
                    zope_delay(rnd, attempt)
        else:
            failed += 1
        latencies.append(time.perf_counter() - began)
        n += 1
    ended = time.time()
    tm.abort()
    conn.close()
    return {"latencies": latencies, "retries": retries, "failed": failed,
            "started": started, "ended": ended, "rss_mib": peak_rss(), "pid": os.getpid()}


def process_fanout(spec, worker, workers):
    """One fan-out worker in a process of its own (ZEO, RelStorage); return how many."""
    from plonesocial.activitystream.jobs import run_fanout

    import transaction

    db = open_db(spec)
    try:
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        done = run_fanout(lambda: conn.root.am, transaction_manager=tm,
                          worker=worker, workers=workers)
        conn.close()
        return done
    finally:
        db.close()


class Writers:
    """`count` writers doing `op`: threads on FileStorage, processes elsewhere.

    Elsewhere (ZEO, RelStorage) each writer is a process of its own, a ZODB
    client each; with `processes` (``--zope-processes``) the writers are
    threads spread over that many processes, each process one database, as
    Zope instances run.
    """

    def __init__(self, backend, op, count, ops=None, stopfile=None, processes=None):
        start_at = time.time() + (3.0 if backend.multiprocess else 0.2) + (
            WARM_SECONDS[backend.multiprocess] if op in WARMERS else 0)
        if backend.multiprocess:
            groups = spread(count, processes or count)
            # One task per process: no process runs two groups one after the other.
            self.pool = multiprocessing.get_context("spawn").Pool(len(groups),
                                                                  maxtasksperchild=1)
            self.pending = [self.pool.apply_async(
                zope_process, (backend.spec(), write_loop, op, group, ops, start_at, stopfile))
                for group in groups]
        else:
            self.pool = None
            self.threads = ThreadWriters(backend.open_db(), write_loop, op, range(count),
                                         ops, start_at, stopfile)

    def wait(self):
        if self.pool is not None:
            results = [result for pending in self.pending
                       for result in pending.get(timeout=1800)]
            self.pool.close()
            self.pool.join()
        else:
            results = self.threads.join()
        latencies = [value for result in results for value in result["latencies"]]
        seconds = max(r["ended"] for r in results) - min(r["started"] for r in results)
        failed = sum(r["failed"] for r in results)
        return {"ops": len(latencies), "seconds": round(seconds, 3),
                "per_second": round((len(latencies) - failed) / seconds, 1) if seconds else None,
                "retries": sum(r["retries"] for r in results), "failed": failed,
                "p50_ms": ms(percentile(latencies, 0.50)),
                "p99_ms": ms(percentile(latencies, 0.99)),
                # A stall shows here: the rate says the mean, the percentiles do not.
                "mean_ms": ms(sum(latencies) / len(latencies)) if latencies else None,
                "max_ms": ms(max(latencies)) if latencies else None,
                # Threads: this process's peak; processes: the largest writer process's.
                "writer_rss_mib": max((r["rss_mib"] or 0) for r in results)
                if self.pool is not None else None,
                # How long the last writer began after the first (a late process shows).
                "start_spread_s": round(max(r["started"] for r in results)
                                        - min(r["started"] for r in results), 3),
                **layout(results)}


def run_writers(backend, op, count, ops, processes=None):
    return Writers(backend, op, count, ops=ops, processes=processes).wait()


# -- the prepared data (S3, S4, S5) -----------------------------------------------------

def data_key(items, followers):
    digest = hashlib.sha256(inspect.getsource(build_data).encode())
    digest.update(f"{DATA_VERSION}-{items}-{followers}".encode())
    return digest.hexdigest()[:12]


def build_data(path, items, followers):
    """Write the Data.fs that S3-S5 read: big inboxes, streams and follower sets."""
    from BTrees.OOBTree import OOBTree
    from plonesocial.activitystream.manager import ActivityManager
    from plonesocial.messaging.messaging import Inboxes
    from ZODB.FileStorage import FileStorage

    import transaction
    import ZODB

    db = ZODB.DB(FileStorage(str(path)), cache_size=100000)
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    root = conn.root
    root.inboxes, root.am, root.baseline = Inboxes(), ActivityManager(), OOBTree()
    tm.commit()
    started = time.time()
    # S3: reader1k and readerbig get SMALL / `items` unread messages from 100
    # senders and as many not-seen notifications; S4: the site stream holds
    # SMALL + items activities.
    for reader, count in (("reader1k", SMALL), ("readerbig", items)):
        for n in range(count):
            root.inboxes.send(f"s{n % 100}", reader, f"message {n}")
            root.am.create(actor=f"a{n % 50}", verb="Create", object=("content", f"c{n}"),
                           recipients=[reader])
            if n % 20000 == 19999:
                tm.commit()
                conn.cacheMinimize()
                print(f"  {reader}: {n + 1:,} of {count:,} ({time.time() - started:.0f} s)",
                      flush=True)
        tm.commit()
    # S5: publisher star<N> has N followers; every follower has a notification
    # list already, as on a site in use.
    most = max(followers)
    for n in range(most):
        for count in followers:
            if n < count:
                root.am.subscriptions.follow(f"f{n}", f"star{count}")
        if n % 20000 == 19999:
            tm.commit()
    for first in range(0, most, 100):  # max_recipients: 100 named people a call
        root.am.notify([f"f{n}" for n in range(first, min(most, first + 100))], "Welcome")
        if first % 10000 == 0:
            tm.commit()
    tm.commit()
    conn.close()
    db.pack()
    db.close()
    seconds = time.time() - started
    print(f"  built in {seconds:.0f} s", flush=True)
    return seconds


def prepared_data(items, followers, fresh=False, folder=ROOT / "var" / "bench"):
    key = data_key(items, followers)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"data-{key}.fs"
    facts = folder / f"data-{key}.json"  # how long building it took (goal 7 of issue 13)
    if fresh or not path.exists():
        for old in folder.glob("data-*"):
            old.unlink()
        print(f"Building the benchmark data ({items:,} items, followers {followers}) ...",
              flush=True)
        partial = folder / "building.fs"
        for leftover in folder.glob("building.fs*"):
            leftover.unlink()
        began = time.time()
        seconds = build_data(partial, items, followers)
        # The index goes with it: rebuilding it means reading the whole file.
        Path(f"{partial}.index").rename(f"{path}.index")
        partial.rename(path)
        for leftover in folder.glob("building.fs*"):
            leftover.unlink()
        facts.write_text(json.dumps({
            "items": items, "followers": followers, "build_s": round(seconds, 1),
            "total_s": round(time.time() - began, 1),
            "bytes": path.stat().st_size, "built": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                  time.gmtime())}))
    return path


def preparation(items, followers, folder):
    """How the prepared data was built (reused from an earlier run or not)."""
    facts = Path(folder) / f"data-{data_key(items, followers)}.json"
    return json.loads(facts.read_text()) if facts.exists() else None


# -- the scenarios ----------------------------------------------------------------

def s3_counts(backend):
    db = backend.open_db()
    conn = db.open()
    try:
        root = conn.root
        rows = {}
        for reader in ("reader1k", "readerbig"):
            inbox = root.inboxes.get_inbox(reader)
            messages = inbox.new_messages_count
            unseen = root.am.count_not_seen_by_recipient(reader)
            rows[reader] = {
                "unread": messages,
                "unread_us": round(timed(lambda: inbox.new_messages_count, 2000) * 1e6, 2),
                "not_seen": unseen,
                "not_seen_us": round(timed(
                    lambda: root.am.count_not_seen_by_recipient(reader), 2000) * 1e6, 2),
            }
        small, big = rows["reader1k"], rows["readerbig"]
        return {"small": small, "big": big,
                "unread_ratio": round(big["unread_us"] / small["unread_us"], 2),
                "not_seen_ratio": round(big["not_seen_us"] / small["not_seen_us"], 2)}
    finally:
        conn.close()


def s7_group(backend, ops):
    """S8: a group of GROUP_SIZE, GROUP_WRITERS participants sending at once."""
    from plonesocial.messaging.groups import Groups

    import transaction

    db = backend.open_db()
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    try:
        tm.begin()
        root = conn.root()
        if "groups" not in root:
            root["groups"] = Groups()
        group = root["groups"].create(
            group_member(0), [group_member(i) for i in range(1, GROUP_SIZE)], "Everyone",
            max_participants=GROUP_SIZE)
        root["bench_group"] = group.id
        tm.commit()
    finally:
        tm.abort()
        conn.close()
    # Objects one send writes, counted where the storage receives them (the
    # last participant sends these).
    counted = 20
    written = metered(db, "group_send", count=counted, writer=GROUP_SIZE - 2)
    result = run_writers(backend, "group_send", GROUP_WRITERS, max(1, ops // GROUP_WRITERS))
    conn = db.open(tm)
    try:
        tm.begin()
        group = conn.root()["groups"].get(conn.root()["bench_group"])
        total = group.message_count
        stored = sum(1 for _ in group.all_messages())
        expected = 1 + counted + result["ops"] - result["failed"]
        writers = {group_member(1 + i) for i in range(GROUP_WRITERS)}
        sent = result["ops"] - result["failed"]
        # Checked against what was sent, by brute force, not against the
        # formula the store uses: who never read has every message unread,
        # the owner all but the creation, the counting sender what the
        # writers sent after its last send.
        wrong, checked = [], 0
        for membership in group.participants():
            userid = membership.userid
            if userid == group_member(0):
                want = stored - 1
            elif userid == group_member(GROUP_SIZE - 1):
                want = sent
            elif userid in writers:
                # A writer has read up to its own last send, in its view: what
                # the others sent later or concurrently is unread.
                if not 0 <= group.unread(userid) <= sent:
                    wrong.append(userid)
                continue
            else:
                want = stored
            checked += 1
            if group.unread(userid) != want:
                wrong.append(userid)
        tm.abort()
    finally:
        conn.close()
    result.update({
        "participants": GROUP_SIZE, "writers": GROUP_WRITERS,
        "objects_per_send": written["objects"],
        "objects_per_send_max": written["objects_max"], "written": written,
        "messages": total, "stored_messages": stored, "expected_messages": expected,
        "unread_checked": checked, "unread_wrong": len(wrong),
    })
    return result


def s4_stream(backend, items):
    """Newest 20 and a deep keyset page, each on a cold cache and then warm."""
    results = {}
    # The id of the item nine tenths of the way down: found once, not timed,
    # on a database closed again before the cold reads.
    conn = backend.open_db().open()
    deep_cursor = -conn.root.am.activities.keys()[int(items * 0.9)]
    conn.close()
    for page in ("newest", "deep"):
        backend.close_db()  # a new DB object: an empty object (and storage) cache
        db = backend.open_db()
        conn = db.open()
        stream = conn.root.am.get_site_stream(None)
        if page == "deep":
            stream = stream.before(deep_cursor)
        conn.getTransferCounts(True)
        began = time.perf_counter()
        got = stream.limit(PAGE).all()
        cold = time.perf_counter() - began
        loads, _ = conn.getTransferCounts(True)
        assert len(got) == PAGE, got
        warm = timed(lambda: stream.limit(PAGE).all(), 50)
        results[page] = {"cold_ms": ms(cold), "warm_ms": ms(warm), "cold_loads": loads}
        conn.close()
    return results


def s5_fanout(backend, followers, background_writers=4, workers=2):
    from plonesocial.activitystream.jobs import run_fanout
    from ZODB.POSException import ConflictError

    import transaction

    db = backend.open_db()
    results = {}
    for count in followers:
        stopfile = Path(tempfile.mkdtemp(prefix="plonesocial-bench-")) / "stop"
        load = Writers(backend, "send_spread", background_writers, stopfile=str(stopfile))
        time.sleep(4.0 if backend.multiprocess else 1.0)  # the load is running
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        began = time.perf_counter()
        post_retries = 0
        for attempt in range(RETRIES + 1):
            try:
                tm.begin()
                activity = conn.root.am.create(actor=f"star{count}", verb="Create",
                                               object=("content", f"news-{count}"))
                tm.commit()
                break
            except ConflictError:
                tm.abort()
                post_retries += 1
                zope_delay(random, attempt)
        posted = time.perf_counter() - began
        # What remains per follower (digest waiting list, mails, push, realtime; all
        # of it below the feed threshold), by `workers` fan-out workers in parallel:
        # processes where the storage is a server, threads of this process on
        # FileStorage. They start at once; meanwhile, see who has it.
        counts = [0] * workers

        def work(index):
            worker_tm = transaction.TransactionManager()
            worker_conn = db.open(worker_tm)
            counts[index] = run_fanout(lambda: worker_conn.root.am,
                                       transaction_manager=worker_tm,
                                       worker=index, workers=workers)
            worker_conn.close()

        if backend.multiprocess:
            pool = multiprocessing.get_context("spawn").Pool(workers)
            pending = [pool.apply_async(process_fanout, (backend.spec(), i, workers))
                       for i in range(workers)]
            threads = []
        else:
            threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
            for thread in threads:
                thread.start()
        # Everybody has it when the first and the last follower, on a connection of
        # their own, find it in their list (fan-out on read: as the post commits).
        reader_tm = transaction.TransactionManager()
        reader = db.open(reader_tm)
        while True:
            reader_tm.begin()
            newest = [reader.root.am.get_by_recipient(f"f{n}").first()
                      for n in (0, count - 1)]
            reader_tm.abort()
            if all(found is not None and found.activity_id == activity.id
                   for found in newest):
                break
            time.sleep(0.01)
        reader.close()
        visible = time.perf_counter() - began
        if backend.multiprocess:
            counts = [found.get(timeout=1800) for found in pending]
            pool.close()
            pool.join()
        for thread in threads:
            thread.join()
        delivered = sum(counts)
        done = time.perf_counter() - began
        stopfile.touch()
        background = load.wait()
        # Every follower has it, once.
        tm.begin()
        missing = sum(1 for n in range(count)
                      if conn.root.am.get_by_recipient(f"f{n}").first().activity_id
                      != activity.id)
        tm.abort()
        conn.close()
        shutil.rmtree(stopfile.parent)
        results[str(count)] = {"post_ms": ms(posted), "post_retries": post_retries,
                               "visible_s": round(visible, 3),
                               "all_delivered_s": round(done, 3), "workers": workers,
                               "queued": delivered, "missing": missing,
                               "background_sends_per_s": background["per_second"],
                               "background_failed": background["failed"]}
    return results


# -- S6: HTTP -------------------------------------------------------------------------

class Site:
    """A Zope instance with a Plone site (plonesocial and the demo users), served by waitress."""

    def __init__(self, storage, workdir):
        self.storage = storage
        self.home = Path(workdir) / "instance"
        self.port = free_port()
        self.procs = []
        self.database = "plonesocial_bench_http"

    def bin(self, name):
        return str(Path(sys.executable).parent / name)

    def start(self):
        zeo = f"127.0.0.1:{free_port()}"
        dsn = f"dbname='{self.database}' host='127.0.0.1' user='postgres'"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "instance.py"), str(self.home),
                        "--port", str(self.port), "--storage", self.storage, "--zeo", zeo,
                        "--dsn", dsn], check=True, stdout=subprocess.DEVNULL)
        if self.storage == "zeo":
            self.procs.append(subprocess.Popen([self.bin("runzeo"), "-C",
                                                str(self.home / "etc" / "zeo.conf")],
                                               stderr=subprocess.DEVNULL))
            wait_for_port(int(zeo.rsplit(":", 1)[1]), "the ZEO server")
        elif self.storage == "relstorage":
            psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
            psql(f"CREATE DATABASE {self.database}")
        # The demo site mails every notification: to a real SMTP server here.
        smtp = free_port()
        self.procs.append(subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                                            f"127.0.0.1:{smtp}"], stdout=subprocess.DEVNULL))
        conf = str(self.home / "etc" / "zope.conf")
        subprocess.run([self.bin("zconsole"), "run", conf,
                        str(ROOT / "scripts" / "create_site.py"), "Plone"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=ROOT, env=dict(os.environ, SMTP_PORT=str(smtp)))
        self.procs.append(subprocess.Popen([self.bin("runwsgi"),
                                            str(self.home / "etc" / "zope.ini")],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_port(self.port, "the WSGI server", tries=600)

    def stop(self):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


DEMO_USERS = ("alice", "bob", "carol", "dave")


def http_load(port, method, path, user, body=None, seconds=8, clients=4):
    """Requests/s and latencies of `clients` keep-alive connections for `seconds`.

    `path` and `user` may be functions of the client's number: each client
    then acts as its own user.
    """
    import base64
    import http.client

    def headers_for(index):
        name = user(index) if callable(user) else user
        auth = base64.b64encode(f"{name}:{name}-secret".encode()).decode()
        headers = {"Accept": "application/json", "Authorization": f"Basic {auth}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return headers
    results = []
    statuses = []  # the errors: status and the start of the answer
    deadline = [None]

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = headers_for(index)
        url = path(index) if callable(path) else path
        latencies, errors, n = [], 0, 0
        while deadline[0] is None or time.time() < deadline[0]:
            payload = None if body is None else json.dumps(body(index, n))
            began = time.perf_counter()
            conn.request(method, url, body=payload, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            if deadline[0] is not None:
                latencies.append(time.perf_counter() - began)
                if response.status >= 400:
                    errors += 1
                    statuses.append(f"{response.status} {answer[:200]!r}")
            n += 1
        conn.close()
        results.append((latencies, errors))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # warm up
    deadline[0] = time.time() + seconds
    for thread in threads:
        thread.join()
    latencies = [value for values, _ in results for value in values]
    return {"requests": len(latencies), "per_second": round(len(latencies) / seconds, 1),
            "errors": sum(errors for _, errors in results), "error_samples": statuses[:5],
            "p50_ms": ms(percentile(latencies, 0.5)), "p99_ms": ms(percentile(latencies, 0.99))}


def lift_rate_limit(port):
    import base64
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    auth = base64.b64encode(b"admin:admin").decode()
    conn.request("PATCH", "/Plone/@registry",
                 body=json.dumps({"plonesocial.messaging.max_messages_per_minute": 0}),
                 headers={"Accept": "application/json", "Content-Type": "application/json",
                          "Authorization": f"Basic {auth}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 204:
        raise RuntimeError(f"could not lift the rate limit: {response.status}")


def s6_http(storage, seconds):
    workdir = tempfile.mkdtemp(prefix="plonesocial-bench-http-")
    site = Site(storage, workdir)
    try:
        site.start()
        base = "/Plone"
        # Throughput, not the flood limit, is measured: lift the 30 messages a
        # minute a sender may send, as the site's administrator would.
        lift_rate_limit(site.port)
        results = {
            "site_get": http_load(site.port, "GET", f"{base}/@site", "alice", seconds=seconds),
            # Four people each writing to the next: four conversations (one
            # conversation written from several requests at once serialises
            # by design, see docs/scaling.md).
            "rest_send": http_load(
                site.port, "POST",
                lambda i: f"{base}/@inbox/{DEMO_USERS[(i + 1) % len(DEMO_USERS)]}",
                lambda i: DEMO_USERS[i % len(DEMO_USERS)],
                body=lambda i, n: {"text": f"bench {i}-{n}"}, seconds=seconds),
            "count": http_load(site.port, "GET", f"{base}/@notifications/count", "bob",
                               seconds=seconds),
        }
        for name in ("rest_send", "count"):
            results[name]["ratio_to_site_get"] = round(
                results[name]["per_second"] / results["site_get"]["per_second"], 2)
        results["zope_rss_mib"] = peak_rss(site.procs[-1].pid)  # the WSGI server's peak
        return results
    finally:
        site.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if storage == "relstorage":
            psql(f"DROP DATABASE IF EXISTS {site.database} WITH (FORCE)")


# -- the run ------------------------------------------------------------------------

def object_state_scans(backend):
    """(seq_scan, seq_tup_read) of RelStorage's object_state so far, or None."""
    database = getattr(backend, "database", None)
    if database is None:
        return None
    line = psql("SELECT seq_scan, seq_tup_read FROM pg_stat_user_tables "
                "WHERE relname = 'object_state'", database).strip()
    return tuple(int(value) for value in line.split("|")) if line else (0, 0)


# One PostgreSQL database per run: two runs at once (two sessions on one
# server) must not drop each other's database.
BENCH_DATABASE = f"plonesocial_bench_{os.getpid()}"


def bench_storage(name, data, args):
    workdir = tempfile.mkdtemp(prefix=f"plonesocial-bench-{name}-")
    database = args.database or BENCH_DATABASE
    kw = {"database": database, "tuned": not args.untuned} if name == "relstorage" else {}
    backend = BACKENDS[name](workdir, base=data, **kw)
    print(f"== {backend.label}", flush=True)
    began = time.time()
    backend.start()
    print(f"  data in place ({time.time() - began:.0f} s)", flush=True)
    result = {"label": backend.label, "rss_mib": {}, "written": {}}
    server = getattr(backend, "server", None)  # the ZEO server process

    def scenario(key, run):
        reset_peak()
        if server is not None:
            reset_peak(server.pid)
        scans = object_state_scans(backend)
        result[key] = run()
        if scans is not None:
            # Full scans of object_state while the scenario ran (issue 13:
            # RelStorage's commit query must probe its index, not scan it).
            time.sleep(1.5)  # the writers' backends report on disconnect
            after = object_state_scans(backend)
            result.setdefault("object_state_scans", {})[key] = {
                "seq_scan": after[0] - scans[0], "rows_read": after[1] - scans[1]}
        result["rss_mib"][key] = {"bench": peak_rss(),
                                  "server": peak_rss(server.pid) if server else None}
        if isinstance(result[key], dict):
            writers = [figures.get("writer_rss_mib") for figures in result[key].values()
                       if isinstance(figures, dict)]
            writers = [value for value in writers if value]
            if writers:
                result["rss_mib"][key]["writers"] = max(writers)
        print(f"  {key} {result[key]}", flush=True)

    try:
        db = backend.open_db()
        if "S0" in args.scenarios:
            prepare_floor(db)
            result["written"]["S0"] = metered(db, "baseline")
            scenario("S0", lambda: {str(n): run_writers(backend, "baseline", n,
                                                        max(1, args.ops // n),
                                                        args.zope_processes)
                                    for n in (1, 4, 8, 16)})
        if "S1" in args.scenarios:
            result["written"]["S1n"] = metered(db, "send_new")
            prepare_users(db)
            result["written"]["S1"] = metered(db, "send_spread")
            result["written"]["S1e"] = metered(db, "send_pair", warm=PAIRS)
            # After each recipient's first (which creates their list), as on a
            # site in use: a message notification joins the unseen one of its
            # sender (the group "Ann sent you 3 messages").
            result["written"]["N1"] = metered(db, "notify", warm=PAIRS)
            result["written"]["N1m"] = metered(db, "notify_moves", warm=2)
            result["written"]["N1n"] = metered(db, "notify_new", warm=2)
            scenario("S1", lambda: {str(n): run_writers(backend, "send_spread", n,
                                                        max(1, args.ops // n),
                                                        args.zope_processes)
                                    for n in (1, 4, 8)})
        if "S1w" in args.scenarios:
            prepare_users(db, WARM_PREFIX)
            scenario("S1w", lambda: {str(n): run_writers(backend, "send_spread_warm", n,
                                                         max(1, args.ops // n),
                                                         args.zope_processes)
                                     for n in (1, 4, 8)})
        if "S2" in args.scenarios:
            result["written"]["S2"] = metered(db, "send_hot")
            scenario("S2", lambda: {str(n): run_writers(backend, "send_hot", n,
                                                        max(1, args.ops // n),
                                                        args.zope_processes)
                                    for n in (8, 16)})
        if "S3" in args.scenarios:
            scenario("S3", lambda: s3_counts(backend))
        if "S4" in args.scenarios:
            scenario("S4", lambda: s4_stream(backend, args.items))
        if "S5" in args.scenarios:
            scenario("S5", lambda: s5_fanout(backend, args.followers,
                                             workers=args.fanout_workers))
        if "S8" in args.scenarios:
            scenario("S8", lambda: s7_group(backend, args.ops))
            result["written"]["S8"] = result["S8"]["written"]
        if "S9" in args.scenarios:
            scenario("S9", lambda: s9_likes(backend))
        if "S10" in args.scenarios:
            scenario("S10", lambda: s10_tag_timeline(backend, args.items))
    finally:
        backend.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if name == "relstorage":
            psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    if "S6" in args.scenarios:
        result["S6"] = s6_http(name, args.seconds)
        result["rss_mib"]["S6"] = {"zope": result["S6"].pop("zope_rss_mib")}
        print(f"  S6 {result['S6']}", flush=True)
    return result


def per_writer_fraction(result, scenario, writers, base="S0", base_writers=None):
    """The rate as a fraction of `base` (with as many writers, or `base_writers`)."""
    baseline = result.get(base, {}).get(str(base_writers or writers))
    value = result[scenario][str(writers)]["per_second"]
    if not baseline or not baseline["per_second"]:
        return ""
    return f" ({value / baseline['per_second']:.2f}x {base})"


def written_cell(result, key):
    figures = result["written"][key]
    return (f"{figures['objects']:g} objects (max {figures['objects_max']}), "
            f"{figures['bytes']:,} bytes")


def rss_cell(result, key):
    figures = result["rss_mib"][key]
    parts = [f"{label} {figures[label]:,}" for label in ("bench", "writers", "server", "zope")
             if figures.get(label)]
    return ", ".join(parts) + " MiB"


def table(results, args):
    """The results as a Markdown table: a row per figure, a column per storage."""
    storages = list(results["storages"])
    labels = [results["storages"][name]["label"] for name in storages]
    rows = []

    def row(scenario, case, cell):
        values = []
        for name in storages:
            try:
                values.append(cell(results["storages"][name]))
            except KeyError:
                values.append("-")
        rows.append(f"| {scenario} | {case} | " + " | ".join(values) + " |")

    for n in (1, 4, 8, 16):
        row("S0 floor", "one-key insert into a small tree + commit, "
                        + writers_case(n, args.zope_processes),
            lambda r, n=n: f"{r['S0'][str(n)]['per_second']:,.0f}/s, "
                           f"p50 {r['S0'][str(n)]['p50_ms']:.1f} ms")
    for n in (1, 4, 8):
        row("S1 spread sends", f"{writers_case(n, args.zope_processes)}, {USERS:,} users with inboxes",
            lambda r, n=n: f"{r['S1'][str(n)]['per_second']:,.0f}/s"
                           f"{per_writer_fraction(r, 'S1', n)}, "
                           f"{r['S1'][str(n)]['retries']} retries, "
                           f"p50 {r['S1'][str(n)]['p50_ms']:.1f} / "
                           f"p99 {r['S1'][str(n)]['p99_ms']:.1f} ms")
    for n in (1, 4, 8):
        row("S1w spread sends, warm", f"{writers_case(n, args.zope_processes)}, each first "
                                      f"loaded the {USERS:,} inboxes (untimed)",
            lambda r, n=n: f"{r['S1w'][str(n)]['per_second']:,.0f}/s"
                           f"{per_writer_fraction(r, 'S1w', n)}, "
                           f"{r['S1w'][str(n)]['retries']} retries, "
                           f"p50 {r['S1w'][str(n)]['p50_ms']:.1f} / "
                           f"p99 {r['S1w'][str(n)]['p99_ms']:.1f} ms")
    for n in (8, 16):
        row("S2 hot recipient", writers_case(n, args.zope_processes),
            lambda r, n=n: f"{r['S2'][str(n)]['per_second']:,.0f}/s"
                           f"{per_writer_fraction(r, 'S2', n, 'S1', 8)}, "
                           f"{r['S2'][str(n)]['failed']} failed, "
                           f"{r['S2'][str(n)]['retries']} retries, "
                           f"p99 {r['S2'][str(n)]['p99_ms']:.1f} ms")
    for kind, label in (("unread", "unread count"), ("not_seen", "not-seen count")):
        row("S3 counts", f"{label}: {SMALL:,} vs {args.items:,} items",
            lambda r, kind=kind: f"{r['S3']['small'][kind + '_us']:.1f} vs "
                                 f"{r['S3']['big'][kind + '_us']:.1f} µs "
                                 f"(ratio {r['S3'][kind + '_ratio']:.2f})")
    for page, label in (("newest", "newest 20"), ("deep", "deep page (90%), keyset")):
        row("S4 stream", f"{label} of {args.items:,}: cold / warm",
            lambda r, page=page: f"{r['S4'][page]['cold_ms']:.1f} ms "
                                 f"({r['S4'][page]['cold_loads']} loads) / "
                                 f"{r['S4'][page]['warm_ms']:.2f} ms")
    for count in args.followers:
        row("S5 fan-out", f"{count:,} followers, S1 running (4 writers)",
            lambda r, count=count: f"post {r['S5'][str(count)]['post_ms']:.0f} ms, "
                                   f"everyone has it in {r['S5'][str(count)]['visible_s']:.2f} s, "
                                   f"mail/digest bookkeeping done in "
                                   f"{r['S5'][str(count)]['all_delivered_s']:.2f} s, "
                                   f"S1 {r['S5'][str(count)]['background_sends_per_s']:,.0f}/s")
    if "S8" in args.scenarios:
        row("S8 group", f"{GROUP_SIZE}-person group, {GROUP_WRITERS} writers",
            lambda r: f"{r['S8']['per_second']:,.0f}/s, "
                      f"{r['S8']['objects_per_send']:.1f} objects/send "
                      f"(max {r['S8']['objects_per_send_max']}), "
                      f"{r['S8']['failed']} failed, {r['S8']['retries']} retries, "
                      f"p99 {r['S8']['p99_ms']:.1f} ms, unread exact for "
                      f"{r['S8']['unread_checked'] - r['S8']['unread_wrong']}"
                      f"/{r['S8']['unread_checked']}")
    if "S9" in args.scenarios:
        row("S9 likes", f"{LIKERS} people like one post at once",
            lambda r: f"{r['S9']['failed']} failed, {r['S9']['retries']} retries, "
                      f"{r['S9']['counted']} counted, p50 {r['S9']['p50_ms']:.1f} / "
                      f"p99 {r['S9']['p99_ms']:.1f} ms")
    if "S10" in args.scenarios:
        row("S10 tag timeline", f"newest 20 with a tag filter, {args.items:,} activities: "
                                "cold / warm",
            lambda r: f"{r['S10']['cold_ms']:.1f} ms ({r['S10']['cold_loads']} loads) / "
                      f"{r['S10']['warm_ms']:.2f} ms")
    if "S6" in args.scenarios:
        row("S6 HTTP", "plain Plone `@site` GET (4 clients)",
            lambda r: f"{r['S6']['site_get']['per_second']:,.0f} req/s, "
                      f"p50 {r['S6']['site_get']['p50_ms']:.0f} / "
                      f"p99 {r['S6']['site_get']['p99_ms']:.0f} ms")
        for name, label in (("rest_send", "REST send `POST @inbox/{userid}`"),
                            ("count", "`GET @notifications/count`")):
            row("S6 HTTP", label,
                lambda r, name=name: f"{r['S6'][name]['per_second']:,.0f} req/s "
                                     f"({r['S6'][name]['ratio_to_site_get']:.2f}x @site), "
                                     f"p50 {r['S6'][name]['p50_ms']:.0f} / "
                                     f"p99 {r['S6'][name]['p99_ms']:.0f} ms, "
                                     f"{r['S6'][name]['errors']} errors")
    for key, label in (("S0", "floor commit"), ("S1", "1:1 send, spread (mostly new conversations)"),
                       ("S1n", "first message that makes both inboxes"),
                       ("S1e", "1:1 send in an existing conversation"),
                       ("N1", "a send's message notification, grown in place"),
                       ("N1m", "message notification that moves to the top"),
                       ("N1n", "message notification in a new row"),
                       ("S2", "send to the hot recipient"),
                       ("S8", "group send")):
        row("written", f"per {label} ({key})", lambda r, key=key: written_cell(r, key))
    for key in ("S0", "S1", "S1w", "S2", "S3", "S4", "S5", "S8", "S6"):
        row("peak RSS", key, lambda r, key=key: rss_cell(r, key))
    s11 = results.get("S11")
    if s11:
        # Not per storage either: a Plone site on a DemoStorage, in a child process.
        case = (f"not-seen count under Plone, {s11['few']['unseen']:,} vs "
                f"{s11['many']['unseen']:,} unseen about content")
        cell = (f"{s11['few']['us']:.1f} vs {s11['many']['us']:.1f} µs "
                f"(ratio {s11['ratio']:.2f}); after a change of View "
                f"{s11['many_after_change']['us']:,.0f} µs (exact fallback)")
        rows.append(f"| S11 counts | {case} | "
                    + " | ".join([cell] * max(1, len(labels))) + " |")
    s7 = results.get("S7")
    if s7:
        # Not per storage: the same figure in every column.
        case = (f"{s7['clients']:,} WebSocket clients, {s7['sends']:,} sends at "
                f"{s7['sends_per_second']:.0f}/s ({s7['transport']})")
        cell = (f"p50 {s7['p50_ms']} / p99 {s7['p99_ms']} ms commit-to-client, "
                f"{s7['events_lost']} of {s7['events_published']:,} lost, "
                f"{s7['kib_per_connection']} KiB per connection")
        rows.append(f"| S7 realtime | {case} | "
                    + " | ".join([cell] * max(1, len(labels))) + " |")
    if not storages:  # S7 and S11 alone: one column
        return "\n".join(["| Scenario | Case | Result |", "|---|---|---|",
                          *[line for line in rows if line.startswith(("| S7 ", "| S11 "))]])
    head = "| Scenario | Case | " + " | ".join(labels) + " |"
    rule = "|---|---|" + "---|" * len(labels)
    # Rows of scenarios that did not run (every cell "-") are left out.
    rows = [line for line in rows if set(line.split(" | ")[2:]) - {"-", "- |"}]
    return "\n".join([head, rule, *rows])


def describe(results):
    """The machine, its load and the preparation, as lines above the table."""
    m = results["machine"]
    lines = [f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
             f"PostgreSQL {m['postgresql']}, {m['system']}; load average "
             f"{results['load_before']} before, {results['load_after']} after; "
             f"{results['seconds']} s in all."]
    prepared = results.get("preparation")
    if prepared:
        lines.append(f"Prepared data ({prepared['items']:,} items, followers "
                     f"{prepared['followers']}): built in {prepared['build_s']:,.0f} s "
                     f"({prepared['bytes'] / 2 ** 20:,.0f} MiB), {prepared['built']}"
                     + (" (reused)" if results.get("reused_data") else "") + ".")
    return "\n".join(lines)


def problems(results, args):
    """What a green run must hold: every send stored, every fan-out complete."""
    found = []
    for name, result in results["storages"].items():
        for count, figures in result.get("S5", {}).items():
            if figures["missing"]:
                found.append(f"{name}: S5 {count}: {figures['missing']} followers without it")
        counts = result.get("S3")
        if counts and (counts["big"]["unread"] != args.items
                       or counts["small"]["unread"] != SMALL):
            found.append(f"{name}: S3 unread counts {counts}")
        for scenario in ("S1", "S1w", "S2"):
            for writers, figures in result.get(scenario, {}).items():
                if figures["failed"]:
                    found.append(f"{name}: {scenario} {writers} writers: "
                                 f"{figures['failed']} sends failed after {RETRIES} retries")
        group = result.get("S8")
        if group:
            if group["failed"]:
                found.append(f"{name}: S8 {group['failed']} group sends failed")
            if group["unread_wrong"] or group["messages"] != group["expected_messages"] \
                    or group["stored_messages"] != group["messages"]:
                found.append(f"{name}: S8 counts {group}")
        likes = result.get("S9")
        if likes and (likes["failed"] or likes["counted"] != LIKERS):
            found.append(f"{name}: S9 likes {likes}")
        if "S6" in result:
            for endpoint in ("site_get", "rest_send", "count"):
                if result["S6"][endpoint]["errors"]:
                    found.append(f"{name}: S6 {endpoint} had errors")
    s7 = results.get("S7")
    if s7 and (s7["events_lost"] or s7["duplicates"] or s7["connected"] != s7["clients"]):
        found.append(f"S7: {s7['events_lost']} events lost, {s7['duplicates']} duplicates, "
                     f"{s7['connected']} of {s7['clients']} clients connected")
    s11 = results.get("S11")
    if s11 and not (s11["few"]["fast"] and s11["many"]["fast"]):
        found.append("S11: the not-seen count checked View although nothing changed")
    return found


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    version = psql("SHOW server_version").strip() if postgresql_available() else "-"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory, 1),
            "python": platform.python_version(), "postgresql": version,
            "system": platform.platform()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storages", default="filestorage,zeo,relstorage")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--followers", default="8000,38000")
    parser.add_argument("--ops", type=int, default=800, help="operations per S0-S2 run (all writers)")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per S6 endpoint")
    parser.add_argument("--s7-clients", type=int, default=1000, help="S7 WebSocket clients")
    parser.add_argument("--s7-rate", type=int, default=50, help="S7 sends per second")
    parser.add_argument("--s7-seconds", type=int, default=30, help="S7 seconds of sends")
    parser.add_argument("--s11-unseen", type=int, default=10_000,
                        help="S11: unseen notifications about content of the big side")
    parser.add_argument("--scenarios", default="S0,S1,S1w,S2,S3,S4,S5,S6,S7,S8,S9,S10,S11",
                        help="which scenarios to run (S0 is the raw-ZODB baseline)")
    parser.add_argument("--database", default=None,
                        help="the PostgreSQL database RelStorage runs on (dropped after; "
                             "default: one named after the process)")
    parser.add_argument("--fanout-workers", type=int, default=2,
                        help="S5 fan-out workers running in parallel")
    parser.add_argument("--zope-processes", type=int, default=None,
                        help="ZEO, RelStorage: the S0-S2 writers as threads of this many "
                             "processes, each one database, as Zope instances (default: "
                             "a process per writer)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the prepared data")
    parser.add_argument("--untuned", action="store_true",
                        help="RelStorage without plonesocial's temp-table ANALYZE (to compare)")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"),
                        help="where the prepared data is kept")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench" / "results.json"))
    parser.add_argument("--markdown", default=str(ROOT / "var" / "bench" / "results.md"))
    args = parser.parse_args(argv)
    args.followers = [int(n) for n in args.followers.split(",")]
    args.scenarios = set(args.scenarios.split(","))
    storages = args.storages.split(",")
    if not args.scenarios - {"S7", "S11"}:
        storages = []  # S7 and S11 alone need no prepared data and no storage
    unknown = set(storages) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown storages {sorted(unknown)}; choose from {sorted(BACKENDS)}")
    if args.zope_processes is not None and (args.zope_processes < 1
                                            or "filestorage" in storages):
        parser.error("--zope-processes takes 1 or more, and zeo or relstorage only "
                     "(on FileStorage the writers are threads of one process)")
    if "relstorage" in storages and not postgresql_available():
        parser.error("RelStorage needs PostgreSQL on 127.0.0.1:5432 (see README.md)")
    began = time.time()
    load_before = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    reused = storages and Path(args.data_dir, f"data-{data_key(args.items, args.followers)}.fs"
                               ).exists() and not args.fresh
    data = prepared_data(args.items, args.followers, args.fresh, args.data_dir) \
        if storages else None
    results = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M UTC",
                                                              time.gmtime()),
               "items": args.items, "followers": args.followers, "ops": args.ops,
               "zope_processes": args.zope_processes,
               "load_before": load_before, "reused_data": bool(reused),
               "preparation": preparation(args.items, args.followers, args.data_dir)
               if storages else None,
               "storages": {}}
    for name in storages:
        results["storages"][name] = bench_storage(name, data, args)
    if "S7" in args.scenarios:
        print("== S7 realtime", flush=True)
        results["S7"] = s7_realtime(args.s7_clients, args.s7_rate, args.s7_seconds)
        print(f"  S7 {results['S7']}", flush=True)
    if "S11" in args.scenarios:
        print("== S11 not-seen count under Plone", flush=True)
        results["S11"] = s11_plone_counts(10, args.s11_unseen)
        print(f"  S11 {results['S11']}", flush=True)
    results["seconds"] = round(time.time() - began)
    results["load_after"] = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    results["problems"] = problems(results, args)
    markdown = describe(results) + "\n\n" + table(results, args)
    for path, text in ((args.json, json.dumps(results, indent=2)), (args.markdown, markdown)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n")
    print()
    print(markdown)
    print(f"\nJSON: {args.json}\nMarkdown: {args.markdown}")
    for problem in results["problems"]:
        print(f"PROBLEM: {problem}")
    return 1 if results["problems"] else 0


# -- the social layer (issue 16) ----------------------------------------------------

LIKERS = 16
TAG_EVERY = 100  # S10: every 100th activity of the stream is tagged
TAG_FOLLOWED = 5  # S10: the reader follows 5 of the 50 actors (a tenth of the stream)


def social_locator():
    """Register a locator giving each thread the manager of its own connection."""
    from plonesocial.activitystream.interfaces import IActivityLocator
    from zope.component import getGlobalSiteManager
    from zope.interface import implementer

    @implementer(IActivityLocator)
    class Locator(threading.local):
        manager = None

        def get_manager(self):
            return self.manager

    locator = Locator()
    getGlobalSiteManager().registerUtility(locator, IActivityLocator)
    return locator


def drop_locator(locator):
    from plonesocial.activitystream.interfaces import IActivityLocator
    from zope.component import getGlobalSiteManager

    getGlobalSiteManager().unregisterUtility(locator, IActivityLocator)


def s9_likes(backend):
    """S9: LIKERS people like one post at once, each retried as Zope retries."""
    from plonesocial.activitystream import social
    from plonesocial.activitystream.activity import Reference
    from plonesocial.activitystream.posts import Post
    from plonesocial.activitystream.reactions import activity_key
    from plonesocial.clock import utcnow
    from ZODB.POSException import ConflictError

    import transaction

    locator = social_locator()
    db = backend.open_db()
    try:
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        tm.begin()
        am = locator.manager = conn.root()["am"]
        activity = am.create(actor="poster", verb="Create",
                             object=Reference("post", f"bench-{time.time_ns()}"), notify=False)
        store = social.get_social(create=True)
        record = Post(activity.object.id, "poster", "Cake", None, (), utcnow())
        record.activity_id = activity.id
        store.posts.add(record)
        store.reactions.prepare(activity_key(activity.id))
        tm.commit()
        conn.close()
        barrier = threading.Barrier(LIKERS)
        lock = threading.Lock()
        figures = {"failed": 0, "retries": 0, "latencies": []}

        def like(index):
            rnd = random.Random(index)
            tm = transaction.TransactionManager()
            conn = db.open(tm)
            try:
                barrier.wait()
                began = time.perf_counter()
                for attempt in range(RETRIES + 1):
                    try:
                        tm.begin()
                        locator.manager = conn.root()["am"]
                        social.like(f"liker{index}", activity.id)
                        tm.commit()
                        with lock:
                            figures["latencies"].append(time.perf_counter() - began)
                        return
                    except ConflictError:
                        tm.abort()
                        with lock:
                            figures["retries"] += 1
                        if attempt < RETRIES:
                            zope_delay(rnd, attempt)
                with lock:
                    figures["failed"] += 1
            finally:
                tm.abort()
                conn.close()

        began = time.perf_counter()
        threads = [threading.Thread(target=like, args=(i,)) for i in range(LIKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        wall = time.perf_counter() - began
        conn = db.open()
        locator.manager = conn.root()["am"]
        counted = social.get_social().reactions.count("like", activity_key(activity.id))
        conn.close()
    finally:
        drop_locator(locator)
    latencies = figures["latencies"] or [0]
    return {"likers": LIKERS, "failed": figures["failed"], "retries": figures["retries"],
            "counted": counted, "wall_ms": ms(wall),
            "p50_ms": ms(percentile(latencies, 0.5)), "p99_ms": ms(percentile(latencies, 0.99))}


def s10_tag_timeline(backend, items):
    """S10: newest 20 of a timeline filtered by a tag, over the stream of --items
    activities (every TAG_EVERY-th tagged), cold and warm."""
    from plonesocial.activitystream import social

    import transaction

    locator = social_locator()
    try:
        db = backend.open_db()
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        tm.begin()
        am = locator.manager = conn.root()["am"]
        store = social.get_social(create=True)
        if store.tags.keys_by_tag("bench") is None:
            for n, key in enumerate(am.activities.keys()):
                if n % TAG_EVERY == 0:
                    store.tags.index(-key, ["bench"])
        for n in range(TAG_FOLLOWED):
            am.subscriptions.follow("tagreader", f"a{n}")
        tm.commit()
        conn.close()
        backend.close_db()  # a new DB object: empty caches
        conn = backend.open_db().open()
        locator.manager = conn.root()["am"]
        conn.getTransferCounts(True)
        began = time.perf_counter()
        got = social.get_timeline_page("tagreader", tag="bench").limit(PAGE).all()
        cold = time.perf_counter() - began
        loads, _ = conn.getTransferCounts(True)
        warm = timed(lambda: social.get_timeline_page(
            "tagreader", tag="bench").limit(PAGE).all(), 20)
        results = {"cold_ms": ms(cold), "cold_loads": loads, "warm_ms": ms(warm),
                   "found": len(got),
                   "activities": items, "tagged_every": TAG_EVERY}
        conn.close()
    finally:
        drop_locator(locator)
    return results


if __name__ == "__main__":
    sys.exit(main())

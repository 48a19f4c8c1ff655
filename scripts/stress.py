"""Stress plonesocial's storage with several processes x threads on ZEO or RelStorage.

    .venv/bin/python scripts/stress.py --storage zeo|relstorage
        [--processes 3] [--threads 4] [--ops 80] [--kill] [--restart]

Workers send messages (spread and to one hot recipient), post activities that
fan out to 40 followers, mark conversations read and notifications seen; every
operation that committed is acknowledged in a file. As a site with large
audiences is configured, the fan-out threshold is 10 (a real plone.registry
in each process): each activity delivers to 10 followers in its own
transaction and queues the rest, which a fan-out thread in the last worker
process delivers in chunks, as `plonesocial-jobs ... fanout` on one machine
does. With --kill one worker is
killed with SIGKILL mid-burst; with --restart the ZEO server is restarted (or,
on RelStorage, every PostgreSQL connection is terminated) mid-run. Afterwards:
every acknowledged send is stored on both sides, every counter equals the real
count, BTrees.check passes on every tree, and no follower has a notification
twice. Exits 1 and says what is wrong otherwise.
"""

from pathlib import Path

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time


ROOT = Path(__file__).resolve().parent.parent
FOLLOWERS = 40
USERS = 60
FANOUT_THRESHOLD = 10


def configure():
    """Give this process a registry with the fan-out threshold, as a site has.

    Returns a function that takes it away again (the reduced run in `make
    test` verifies in the test runner's own process).
    """
    from plone.registry import Registry
    from plone.registry.fieldfactory import persistentFieldAdapter
    from plone.registry.interfaces import IRegistry
    from plonesocial.activitystream.settings import IActivityStreamSettings
    from plonesocial.activitystream.settings import PREFIX
    from zope.component import getGlobalSiteManager

    gsm = getGlobalSiteManager()
    gsm.registerAdapter(persistentFieldAdapter)
    registry = Registry()
    registry.registerInterface(IActivityStreamSettings, prefix=PREFIX)
    registry[f"{PREFIX}.fanout_threshold"] = FANOUT_THRESHOLD
    gsm.registerUtility(registry, IRegistry)

    def unconfigure():
        gsm.unregisterUtility(registry, IRegistry)
        gsm.unregisterAdapter(persistentFieldAdapter)

    return unconfigure


# -- storages: scripts/backends.py ------------------------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backends import open_db  # noqa: E402
from backends import RelStorageBackend  # noqa: E402
from backends import ZEOBackend  # noqa: E402


# -- the work ---------------------------------------------------------------------

def initialise(spec):
    from plonesocial.activitystream.manager import ActivityManager
    from plonesocial.messaging.messaging import Inboxes

    db = open_db(spec)
    with db.transaction() as conn:
        conn.root.inboxes = Inboxes()
        conn.root.am = ActivityManager()
        for i in range(FOLLOWERS):
            conn.root.am.subscriptions.follow(f"f{i}", "star")
    db.close()


def transient_errors():
    from ZODB.POSException import ConflictError
    from ZODB.POSException import StorageError

    errors = [ConflictError, StorageError, ConnectionError, OSError]
    try:
        from ZEO.Exceptions import ClientDisconnected

        errors.append(ClientDisconnected)
    except ImportError:
        pass
    try:
        import psycopg2

        errors.append(psycopg2.Error)
    except ImportError:
        pass
    return tuple(errors)


def worker_thread(db, index, ops, ackfile, stats, lock):
    from ZODB.POSException import ConflictError

    import transaction

    transient = transient_errors()
    rnd = random.Random(index)
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    try:
        for n in range(ops):
            choice = rnd.random()
            user = f"u{rnd.randrange(USERS)}"
            other = "hot" if rnd.random() < 0.3 else f"u{rnd.randrange(USERS)}"
            for attempt in range(200):
                try:
                    tm.begin()
                    root = conn.root
                    ack = None
                    if choice < 0.5 and user != other:
                        message = root.inboxes.send(user, other, f"{index}-{n}")
                        ack = ["send", message.uid, user, other]
                    elif choice < 0.65:
                        activity = root.am.create(actor="star", verb="Create",
                                                  object=("content", f"c{index}-{n}"))
                        ack = ["activity", activity.id]
                    elif choice < 0.85:
                        inbox = root.inboxes.get(other)
                        if inbox is not None:
                            for conversation in list(inbox.get_conversations())[:3]:
                                conversation.mark_read()
                    else:
                        root.am.mark_all_seen(f"f{rnd.randrange(FOLLOWERS)}")
                    tm.commit()
                    if ack:
                        with lock:
                            ackfile.write(json.dumps(ack) + "\n")
                            ackfile.flush()
                    break
                except ConflictError:
                    tm.abort()
                    with lock:
                        stats["conflicts"] += 1
                    # Back off exponentially, up to a second, as Zope's
                    # publisher does (it waits up to 1, 2, 4 s): the busy
                    # writers step aside and a large transaction gets through.
                    time.sleep(rnd.uniform(0, min(1.0, 0.005 * 2 ** attempt)))
                except transient:
                    tm.abort()
                    with lock:
                        stats["reconnects"] += 1
                    time.sleep(0.2)
            else:
                kind = ("send" if choice < 0.5 else "activity" if choice < 0.65
                        else "mark_read" if choice < 0.85 else "mark_all_seen")
                with lock:
                    stats["given_up"] += 1
                    stats[f"given_up_{kind}"] = stats.get(f"given_up_{kind}", 0) + 1
    finally:
        tm.abort()
        conn.close()


def fanout_thread(db, done, stats, lock):
    """Deliver queued notifications in chunks until the workers are done."""
    from plonesocial.activitystream.jobs import run_fanout
    from ZODB.POSException import ConflictError

    import transaction

    transient = transient_errors()
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    try:
        while not done.is_set():
            try:
                delivered = run_fanout(lambda: conn.root.am, chunk_size=FANOUT_THRESHOLD,
                                       transaction_manager=tm)
                with lock:
                    stats["fanned_out"] += delivered
                if not delivered:
                    time.sleep(0.05)
            except ConflictError:
                # run_fanout retried its chunk 5 times; cron would run it again.
                tm.abort()
                with lock:
                    stats["fanout_retries"] += 1
            except transient:
                tm.abort()
                with lock:
                    stats["reconnects"] += 1
                time.sleep(0.2)
    finally:
        tm.abort()
        conn.close()


def worker(spec, threads, ops, ackpath, fanout_worker):
    configure()
    db = open_db(spec)
    stats = {"conflicts": 0, "reconnects": 0, "given_up": 0, "fanned_out": 0,
             "fanout_retries": 0}
    lock = threading.Lock()
    done = threading.Event()
    # One fan-out worker for the site, as one machine runs the cron jobs.
    fanout = threading.Thread(target=fanout_thread, args=(db, done, stats, lock))
    if fanout_worker:
        fanout.start()
    with open(ackpath, "a") as ackfile:
        pool = [threading.Thread(target=worker_thread,
                                 args=(db, f"{os.getpid()}-{i}", ops, ackfile, stats, lock))
                for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    done.set()
    if fanout_worker:
        fanout.join()
    db.close()
    print(json.dumps(stats))


# -- the checks ---------------------------------------------------------------------

def verify(spec, acks):
    """Return a list of problems (empty when everything holds)."""
    unconfigure = configure()
    try:
        return check_storage(spec, acks)
    finally:
        unconfigure()


def check_storage(spec, acks):
    from plonesocial.activitystream.jobs import run_fanout

    import transaction

    problems = []
    db = open_db(spec)
    # What the workers' fan-out threads left in the queue, as the next cron run would.
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    run_fanout(lambda: conn.root.am, chunk_size=100, transaction_manager=tm)
    conn.close()
    with db.transaction() as conn:
        inboxes, am = conn.root.inboxes, conn.root.am
        if am.queued():
            problems.append(f"{am.queued()} notifications still queued")
        uids = {}  # uid -> owners holding a copy
        try:
            inboxes.check_invariants()
        except AssertionError as error:
            problems.append(f"inboxes: {error}")
        for owner in inboxes:
            inbox = inboxes[owner]
            total = 0
            for conversation in inbox.get_conversations():
                real = sum(1 for m in conversation.get_messages() if m.new and m.incoming)
                if conversation.new_messages_count != real:
                    problems.append(f"{owner}/{conversation.username}: counter "
                                    f"{conversation.new_messages_count} != {real}")
                for message in conversation.get_messages():
                    uids.setdefault(message.uid, set()).add(owner)
                total += conversation.new_messages_count
            if inbox.new_messages_count != total:
                problems.append(f"{owner}: inbox counter {inbox.new_messages_count} != {total}")
        sends = [a for a in acks if a[0] == "send"]
        for _, uid, sender, recipient in sends:
            if uids.get(uid) != {sender, recipient}:
                problems.append(f"message {uid} from {sender} to {recipient}: stored in {uids.get(uid)}")
        try:
            am.check_invariants()
        except AssertionError as error:
            problems.append(f"activity stores: {error}")
        activities = {a[1] for a in acks if a[0] == "activity"}
        for userid in am.notifications.userids():
            notification_list = am.notifications.get_list(userid)
            seen_activities = [notification_list.get(key).activity_id
                               for key in notification_list.keys()]
            if len(seen_activities) != len(set(seen_activities)):
                problems.append(f"{userid}: a notification twice")
            if userid.startswith("f") and not activities <= set(seen_activities):
                problems.append(f"{userid}: missing notifications")
    db.close()
    return problems, len(sends), len(activities)


# -- the run ------------------------------------------------------------------------

def run(storage, processes, threads, ops, kill=False, restart=False):
    """Run the stress test; return a dict of what happened (problems included)."""
    workdir = tempfile.mkdtemp(prefix="plonesocial-stress-")
    backend = (ZEOBackend if storage == "zeo" else RelStorageBackend)(workdir)
    backend.start()
    try:
        spec = backend.spec()
        initialise(spec)
        started = time.monotonic()
        ackpaths = [Path(workdir) / f"acks-{i}.jsonl" for i in range(processes)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
        # The last process also runs the fan-out worker (the first may be killed).
        procs = [subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps(spec), "--threads", str(threads),
             "--ops", str(ops), "--ack", str(path)]
            + (["--fanout"] if number == processes - 1 else []),
            stdout=subprocess.PIPE, env=env, text=True)
            for number, path in enumerate(ackpaths)]
        killed = False
        if kill or restart:
            time.sleep(1.5)
            if kill:
                procs[0].send_signal(signal.SIGKILL)
                killed = True
            if restart:
                backend.interrupt()
        stats = {"conflicts": 0, "reconnects": 0, "given_up": 0, "fanned_out": 0,
                 "fanout_retries": 0}
        for proc in procs:
            out, _ = proc.communicate(timeout=600)
            if proc.returncode == 0 and out.strip():
                for key, value in json.loads(out.strip().splitlines()[-1]).items():
                    stats[key] = stats.get(key, 0) + value
            elif not (killed and proc is procs[0]):
                stats["given_up"] += 1
        elapsed = time.monotonic() - started
        acks = [json.loads(line) for path in ackpaths if path.exists()
                for line in path.read_text().splitlines() if line.strip()]
        problems, sends, activities = verify(spec, acks)
        if stats["given_up"]:
            problems.append(f"{stats['given_up']} operations or workers gave up")
        return dict(storage=storage, processes=processes, threads=threads, ops=ops,
                    killed=killed, restarted=restart, seconds=round(elapsed, 1),
                    sends=sends, activities=activities, problems=problems, **stats)
    finally:
        backend.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", choices=("zeo", "relstorage"), default="zeo")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ops", type=int, default=80)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--restart", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--fanout", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ack", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker), args.threads, args.ops, args.ack, args.fanout)
        return 0
    result = run(args.storage, args.processes, args.threads, args.ops, args.kill, args.restart)
    print(json.dumps(result, indent=2))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    sys.exit(main())

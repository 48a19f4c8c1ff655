"""The outbox store on a plain ZODB: its states and counters, and concurrent writers."""

from BTrees.check import check as check_btree
from datetime import timedelta
from persistent import Persistent
from plonesocial.clock import utcnow
from plonesocial.delivery.outbox import Outbox
from plonesocial.delivery.settings import IDeliverySettings
from plonesocial.settings import Defaults
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError

import tempfile
import threading
import transaction
import unittest
import ZODB


class Note(Persistent):
    """Stands for a Notification: the outbox only keeps a reference and reads `id`."""

    def __init__(self, id):
        self.id = id


def check_counts(test, outbox):
    entries = list(outbox._entries.values())
    test.assertEqual(outbox.counts(), {
        "waiting": sum(1 for e in entries if e.state in ("pending", "sending")),
        "failed": sum(1 for e in entries if e.state == "failed"),
        "sent": sum(1 for e in entries if e.state == "sent"),
    })
    # Each set also holds its sentinel; the waiting set keeps the ids of entries
    # that left it until the worker prunes them.
    test.assertEqual(len(list(outbox.waiting())), outbox.counts()["waiting"])
    outbox.prune_waiting()
    test.assertEqual(len(outbox._waiting) - 1, outbox.counts()["waiting"])
    test.assertEqual(len(outbox._failed) - 1, outbox.counts()["failed"])
    test.assertEqual(len(outbox._sent) - 1, outbox.counts()["sent"])
    for tree in (outbox._entries, outbox._waiting, outbox._failed, outbox._sent,
                 outbox._by_recipient):
        check_btree(tree)


class TestStates(unittest.TestCase):
    def setUp(self):
        self.outbox = Outbox()
        self.settings = Defaults(IDeliverySettings)

    def test_pending_sending_sent(self):
        entry = self.outbox.add_mail("ann", [Note(1)])
        now = utcnow()
        self.assertEqual(self.outbox.due(now), [entry.id])
        self.outbox.begin(entry, now)
        self.assertEqual((entry.state, entry.attempts), ("sending", 1))
        self.assertEqual(self.outbox.due(now), [])
        with self.assertRaises(ValueError):
            self.outbox.begin(entry, now)  # never taken twice
        self.outbox.succeeded(entry, now)
        self.assertEqual(entry.state, "sent")
        check_counts(self, self.outbox)
        self.assertEqual(self.outbox.cleanup(7, now + timedelta(days=6)), 0)
        self.assertEqual(self.outbox.cleanup(7, now + timedelta(days=8)), 1)
        self.assertIsNone(self.outbox.get(entry.id))
        check_counts(self, self.outbox)

    def test_back_off_doubles_up_to_the_maximum_then_fails(self):
        entry = self.outbox.add_push("ann", "https://push.example/1", Note(1))
        now = utcnow()
        waits = []
        for _ in range(self.settings.max_attempts):
            self.outbox.begin(entry, now)
            before = now
            self.outbox.retry_later(entry, "timed out", self.settings, now)
            if entry.state == "failed":
                break
            waits.append((entry.next_attempt - int(before.timestamp() * 1_000_000)) // 1_000_000)
            now = before + timedelta(seconds=waits[-1])
        self.assertEqual(waits, [60, 120, 240, 480, 960, 1920, 3840])
        self.assertEqual((entry.state, entry.attempts), ("failed", 8))
        self.assertIn("gave up after 8 attempts: timed out", entry.error)
        check_counts(self, self.outbox)
        self.assertIs(self.outbox.retry(entry.id), entry)
        self.assertEqual((entry.state, entry.attempts), ("pending", 0))
        check_counts(self, self.outbox)

    def test_interrupted_entries_found_after_the_lease(self):
        entry = self.outbox.add_mail("ann", [Note(1)])
        now = utcnow()
        self.outbox.begin(entry, now)
        self.assertEqual(self.outbox.stale(600, now + timedelta(seconds=599)), [])
        self.assertEqual(self.outbox.stale(600, now + timedelta(seconds=601)), [entry.id])

    def test_erase_and_discard(self):
        for n in range(3):
            self.outbox.add_mail("ann", [Note(n)])
        failed = self.outbox.add_mail("bob", [Note(9)])
        self.outbox.fail(failed, "550 no such user")
        self.assertEqual(len(self.outbox.export_user("ann")), 3)
        self.assertEqual(self.outbox.erase_user("ann"), 3)
        self.assertEqual(self.outbox.for_recipient("ann"), [])
        self.assertIsNone(self.outbox.discard(12345))
        self.assertIs(self.outbox.discard(failed.id), failed)
        check_counts(self, self.outbox)
        self.assertEqual(self.outbox.counts(), {"waiting": 0, "failed": 0, "sent": 0})


class TestConcurrentWriters(unittest.TestCase):
    """Requests add entries while a worker sends them: nothing lost, counters exact."""

    THREADS = 6
    ROUNDS = 40

    def test_adds_and_sends_concurrently(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        db = ZODB.DB(FileStorage(f"{tmp.name}/Data.fs"), pool_size=self.THREADS + 2)
        self.addCleanup(db.close)
        with db.transaction() as conn:
            conn.root.outbox = Outbox()
        lock = threading.Lock()
        stats = {"conflicts": 0, "added": 0}
        done = threading.Event()

        def retrying(tm, operation):
            for _ in range(200):
                try:
                    tm.begin()
                    operation()
                    tm.commit()
                    return
                except ConflictError:
                    tm.abort()
                    with lock:
                        stats["conflicts"] += 1
            raise AssertionError("still conflicting after 200 attempts")

        def writer(index):
            tm = transaction.TransactionManager()
            conn = db.open(tm)
            for n in range(self.ROUNDS):
                retrying(tm, lambda: conn.root.outbox.add_mail(f"user{index}", [Note(n)]))
                with lock:
                    stats["added"] += 1
            tm.abort()
            conn.close()

        def worker():
            tm = transaction.TransactionManager()
            conn = db.open(tm)
            while not done.is_set() or conn.root.outbox.counts()["waiting"]:
                tm.begin()
                due = conn.root.outbox.due()
                tm.abort()
                for entry_id in due:
                    def send(entry_id=entry_id):
                        outbox = conn.root.outbox
                        entry = outbox.get(entry_id)
                        if entry.state == "pending":
                            outbox.begin(entry)
                            outbox.succeeded(entry)
                    retrying(tm, send)
                retrying(tm, lambda: conn.root.outbox.prune_waiting())
                tm.begin()
            tm.abort()
            conn.close()

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(self.THREADS)]
        sender = threading.Thread(target=worker)
        sender.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        sender.join(60)
        with db.transaction() as conn:
            outbox = conn.root.outbox
            self.assertEqual(stats["added"], self.THREADS * self.ROUNDS)
            self.assertEqual(outbox.counts(), {"waiting": 0, "failed": 0,
                                               "sent": self.THREADS * self.ROUNDS})
            check_counts(self, outbox)
            for index in range(self.THREADS):
                self.assertEqual(len(outbox.for_recipient(f"user{index}")), self.ROUNDS)

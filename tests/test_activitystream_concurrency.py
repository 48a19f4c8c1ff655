"""Concurrent notifications and seen-marking for one user on a real FileStorage."""

from plonesocial.activitystream.manager import ActivityManager
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError

import random
import tempfile
import threading
import transaction
import unittest
import ZODB


THREADS = 8
ROUNDS = 30
USER = "hot"


class ConcurrentNotifications(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.db = ZODB.DB(FileStorage(f"{self.tmp.name}/Data.fs"), pool_size=THREADS + 1)
        self.addCleanup(self.db.close)
        with self.db.transaction() as conn:
            conn.root.am = ActivityManager()
        self.lock = threading.Lock()
        self.conflicts = 0
        self.errors = []

    def retrying(self, tm, conn, operation):
        for _ in range(500):
            try:
                tm.begin()
                result = operation(conn.root.am)
                tm.commit()
                return result
            except ConflictError:
                tm.abort()
                with self.lock:
                    self.conflicts += 1
        raise AssertionError("still conflicting after 500 attempts")

    def test_creating_and_marking_seen_keep_the_count_exact(self):
        created = []  # subjects of acknowledged notifications
        barrier = threading.Barrier(THREADS)

        def writer(index, tm, conn):
            for n in range(ROUNDS):
                subject = f"t{index}-{n}"
                # Some share an owner, so they group; most stand alone.
                owner = ("content", "shared") if n % 5 == 0 else None
                self.retrying(tm, conn, lambda am: am.notify(
                    [USER], subject=subject, owner=owner, message_type="comment",
                    actor=f"actor{index}"))
                with self.lock:
                    created.append(subject)

        def reader(index, tm, conn):
            rnd = random.Random(index)
            for _ in range(ROUNDS):
                action = rnd.choice(("one", "one", "unseen", "all"))

                def operation(am):
                    items = am.get_by_recipient(USER).limit(10).all()
                    if action == "all":
                        am.mark_all_seen(USER)
                    elif items:
                        target = rnd.choice(items)
                        if action == "one":
                            am.mark_seen(USER, target.id)
                        else:
                            am.mark_unseen(USER, target.id)
                    am.update_last_seen(USER)

                self.retrying(tm, conn, operation)

        def run(index):
            tm = transaction.TransactionManager()
            conn = self.db.open(tm)
            try:
                barrier.wait()
                (writer if index % 2 else reader)(index, tm, conn)
            except Exception as error:
                self.errors.append(error)
            finally:
                tm.abort()
                conn.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        self.assertEqual(self.errors, [])

        with self.db.transaction() as conn:
            am = conn.root.am
            items = am.get_by_recipient(USER).all()
            am.notifications.get_list(USER).check_invariants()
            # Every acknowledged notification is there, alone or in a group.
            self.assertEqual(sum(n.count for n in items), len(created))
            self.assertEqual(len(created), (THREADS // 2) * ROUNDS)
            # The counter equals the unseen tree and what the list shows.
            unseen = [n for n in items if not n.seen]
            self.assertEqual(am.count_not_seen_by_recipient(USER), len(unseen))
            # No two unseen notifications of one group.
            groups = [(n.message_type, n.owner) for n in unseen if n.owner is not None]
            self.assertEqual(len(groups), len(set(groups)))
            self.assertIsNotNone(am.get_last_seen(USER))
        self.assertGreater(self.conflicts, 0, "the threads never overlapped")

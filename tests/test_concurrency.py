"""Concurrent sends on a real FileStorage: nothing lost, every counter exact.

Each thread has its own ZODB connection and transaction manager and retries
on ConflictError, as a Zope worker thread does.
"""

from BTrees.check import check as check_btree
from plonesocial.messaging.messaging import Inboxes
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError

import tempfile
import threading
import transaction
import unittest
import ZODB


THREADS = 8
SENDS_PER_THREAD = 25
RECIPIENT = "hot"


def real_unread(conversation):
    """Count by brute force what the conversation counter must say."""
    return sum(1 for m in conversation.get_messages() if m.new and m.incoming)


class ConcurrentSends(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = ZODB.DB(FileStorage(f"{self.tmp.name}/Data.fs"), pool_size=THREADS + 1)
        with self.db.transaction() as conn:
            conn.root.inboxes = Inboxes()
        self.conflicts = 0
        self.lock = threading.Lock()
        self.errors = []

    def tearDown(self):
        self.db.close()
        self.tmp.cleanup()

    def run_in_threads(self, work, count):
        barrier = threading.Barrier(count)

        def runner(index):
            tm = transaction.TransactionManager()
            conn = self.db.open(tm)
            try:
                barrier.wait()
                work(index, tm, conn)
            except Exception as error:  # reported by the main thread
                self.errors.append(error)
            finally:
                tm.abort()
                conn.close()

        threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(self.errors, [])

    def retrying(self, tm, conn, operation):
        """Run `operation(inboxes)` in a transaction, retrying conflicts."""
        for _ in range(200):
            try:
                tm.begin()
                result = operation(conn.root.inboxes)
                tm.commit()
                return result
            except ConflictError:
                tm.abort()
                with self.lock:
                    self.conflicts += 1
        raise AssertionError("still conflicting after 200 attempts")

    def check_consistent(self, inboxes):
        for userid in inboxes:
            inbox = inboxes[userid]
            check_btree(inbox._conversations)
            check_btree(inbox._recent_shards)
            for shard in inbox._recent_shards.values():
                check_btree(shard)
            total = 0
            for conversation in inbox.get_conversations():
                conversation.check_invariants()  # its message tree and counters
                self.assertEqual(conversation.new_messages_count, real_unread(conversation))
                self.assertEqual(len(conversation), len(list(conversation.get_messages())))
                total += conversation.new_messages_count
            self.assertEqual(inbox.new_messages_count, total, userid)
            self.assertEqual(len(inbox), len(list(inbox.get_conversations())))

    def sent_uids(self, inboxes, owner, other):
        return {m.uid for m in inboxes[owner][other].get_messages()}

    def test_many_senders_one_recipient(self):
        acknowledged = [[] for _ in range(THREADS)]

        def work(index, tm, conn):
            sender = f"sender{index}"
            for n in range(SENDS_PER_THREAD):
                message = self.retrying(
                    tm, conn, lambda inboxes: inboxes.send(sender, RECIPIENT, f"{sender} {n}")
                )
                acknowledged[index].append(message.uid)

        self.run_in_threads(work, THREADS)

        with self.db.transaction() as conn:
            inboxes = conn.root.inboxes
            hot = inboxes[RECIPIENT]
            for index in range(THREADS):
                sender = f"sender{index}"
                expected = set(acknowledged[index])
                self.assertEqual(len(expected), SENDS_PER_THREAD)
                self.assertEqual(self.sent_uids(inboxes, RECIPIENT, sender), expected)
                self.assertEqual(self.sent_uids(inboxes, sender, RECIPIENT), expected)
            self.assertEqual(hot.new_messages_count, THREADS * SENDS_PER_THREAD)
            self.assertEqual(len(hot), THREADS)
            self.check_consistent(inboxes)

    def test_one_conversation_with_concurrent_mark_read(self):
        # All threads but one write into the same conversation; the last one
        # keeps marking it read.  Marker and counters must still agree.
        writers = THREADS - 1
        done = threading.Event()
        remaining = [writers]  # writer threads still sending
        acknowledged = []

        def work(index, tm, conn):
            if index == writers:
                while not done.is_set():
                    self.retrying(tm, conn, self._mark_all_read)
                return
            try:
                for n in range(SENDS_PER_THREAD):
                    message = self.retrying(
                        tm, conn, lambda inboxes: inboxes.send("alice", RECIPIENT, f"{index}-{n}")
                    )
                    with self.lock:
                        acknowledged.append(message.uid)
            finally:
                with self.lock:
                    remaining[0] -= 1
                    if not remaining[0]:
                        done.set()

        self.run_in_threads(work, THREADS)

        with self.db.transaction() as conn:
            inboxes = conn.root.inboxes
            self.assertEqual(len(acknowledged), writers * SENDS_PER_THREAD)
            self.assertEqual(self.sent_uids(inboxes, RECIPIENT, "alice"), set(acknowledged))
            self.assertEqual(self.sent_uids(inboxes, "alice", RECIPIENT), set(acknowledged))
            self.check_consistent(inboxes)
        self.assertGreater(self.conflicts, 0, "the threads never overlapped")

    @staticmethod
    def _mark_all_read(inboxes):
        inbox = inboxes.get(RECIPIENT)
        if inbox is not None:
            for conversation in inbox.get_conversations():
                conversation.mark_read()

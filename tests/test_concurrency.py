"""Concurrent sends on a real FileStorage: nothing lost, every counter exact.

Each thread has its own ZODB connection and transaction manager and retries
on ConflictError, as a Zope worker thread does.
"""

from BTrees.OOBTree import OOTreeSet
from datetime import datetime
from datetime import timedelta
from plonesocial.messaging.inbox import CONVERSATION_SHARD_FROM
from plonesocial.messaging.inbox import SHARD_FROM
from plonesocial.messaging.inbox import tree_records
from plonesocial.messaging.messaging import Inboxes
from tests.test_messaging_inbox import with_order_tree
from unittest import mock
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
            # Its trees, its counters, and every conversation's place in the order.
            inbox.check_invariants()
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

    def test_new_conversations_move_the_order_into_shards(self):
        # Each thread writes from three people in turn: the inbox passes
        # SHARD_FROM conversations while the others send into its one tree.
        acknowledged = {}

        def work(index, tm, conn):
            for n in range(9):
                sender = f"s{index}-{n % 3}"
                message = self.retrying(
                    tm, conn, lambda inboxes: inboxes.send(sender, RECIPIENT, f"{sender} {n}"))
                with self.lock:
                    acknowledged.setdefault(sender, set()).add(message.uid)

        self.run_in_threads(work, THREADS)

        with self.db.transaction() as conn:
            inboxes = conn.root.inboxes
            self.assertEqual(len(acknowledged), THREADS * 3)
            self.assertGreaterEqual(THREADS * 3, SHARD_FROM)
            for sender, uids in acknowledged.items():
                self.assertEqual(self.sent_uids(inboxes, RECIPIENT, sender), uids)
            self.assertEqual(len(list(inboxes[RECIPIENT].get_conversations())), THREADS * 3)
            self.assertEqual(inboxes[RECIPIENT].new_messages_count, THREADS * 9)
            self.check_consistent(inboxes)

    def test_first_messages_move_the_conversations_into_shards(self):
        # Every thread writes first messages only: the inbox passes
        # CONVERSATION_SHARD_FROM conversations while the others add to its
        # one tree, and keeps getting new ones in its shards.
        per_thread = CONVERSATION_SHARD_FROM // THREADS + 4
        acknowledged = {}

        def work(index, tm, conn):
            for n in range(per_thread):
                sender = f"s{index}-{n:02}"
                message = self.retrying(
                    tm, conn, lambda inboxes: inboxes.send(sender, RECIPIENT, sender))
                with self.lock:
                    acknowledged[sender] = message.uid

        self.run_in_threads(work, THREADS)

        with self.db.transaction() as conn:
            inboxes = conn.root.inboxes
            hot = inboxes[RECIPIENT]
            self.assertGreater(len(acknowledged), CONVERSATION_SHARD_FROM)
            self.assertIsNotNone(hot._conversation_shards)
            self.assertEqual(list(hot), sorted(acknowledged))
            for sender, uid in acknowledged.items():
                self.assertEqual(self.sent_uids(inboxes, RECIPIENT, sender), {uid})
            self.assertEqual((len(hot), hot.new_messages_count),
                             (len(acknowledged), len(acknowledged)))
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


class TwoConnections(unittest.TestCase):
    """Two connections to a real FileStorage, interleaved by hand: both read the
    same state, then they commit one after the other."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = ZODB.DB(FileStorage(f"{self.tmp.name}/Data.fs"))
        with self.db.transaction() as conn:
            conn.root.inboxes = Inboxes()
        self.tms = [transaction.TransactionManager() for _ in range(2)]
        self.conns = [self.db.open(tm) for tm in self.tms]

    def tearDown(self):
        for tm, conn in zip(self.tms, self.conns):
            tm.abort()
            conn.close()
        self.db.close()
        self.tmp.cleanup()

    def send(self, n, sender, minutes, recipient=RECIPIENT):
        """Send in transaction `n` (begun by begin()), created `minutes` after a fixed start."""
        self.conns[n].root.inboxes.send(sender, recipient, f"{sender} {minutes}",
                                        created=datetime(2020, 1, 1) + timedelta(minutes=minutes))

    def begin(self):
        for tm in self.tms:
            tm.begin()  # both read the database as it is now

    def fill(self, count):
        self.begin()
        for n in range(count):
            self.send(0, f"p{n:02}", n)
        self.tms[0].commit()

    def committed(self):
        """The Inboxes as committed, through a third connection, checked."""
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        self.addCleanup(conn.close)
        self.addCleanup(tm.abort)
        inboxes = conn.root.inboxes
        inboxes.check_invariants()  # trees, counters, every conversation's place in the order
        return inboxes

    def order(self, inboxes):
        return [c.username for c in inboxes[RECIPIENT].get_conversations()]


class TwoTransactions(TwoConnections):
    """Issue 13: the one order tree of a small inbox stored before the
    conversations kept the order, its move into shards, the one counter object."""

    def fill(self, count, order_tree=True):
        super().fill(count)
        if order_tree:
            self.begin()
            with_order_tree(self.conns[0].root.inboxes[RECIPIENT])
            self.tms[0].commit()

    def test_a_send_into_the_one_tree_after_the_move_into_shards_is_retried(self):
        self.fill(SHARD_FROM - 1)
        self.begin()
        self.send(0, "new", 100)  # the SHARD_FROM-th conversation: moves the order
        self.send(1, "p00", 200)  # sees the one tree, and writes into it
        self.tms[0].commit()
        with self.assertRaises(ConflictError):  # its write would be lost in the old tree
            self.tms[1].commit()
        self.tms[1].abort()
        self.begin()
        self.send(1, "p00", 200)  # retried: into the shards
        self.tms[1].commit()
        self.assert_both_kept()

    def assert_both_kept(self):
        """The move and the send into the one tree both committed: nothing lost."""
        inboxes = self.committed()
        self.assertEqual(self.order(inboxes),
                         ["p00", "new", *(f"p{n:02}" for n in range(SHARD_FROM - 2, 0, -1))])
        self.assertEqual((len(inboxes[RECIPIENT]), inboxes[RECIPIENT].new_messages_count),
                         (SHARD_FROM, SHARD_FROM + 1))

    def test_the_move_into_shards_after_a_send_into_the_one_tree_is_retried(self):
        self.fill(SHARD_FROM - 1)
        self.begin()
        self.send(0, "new", 100)
        self.send(1, "p00", 200)
        self.tms[1].commit()
        with self.assertRaises(ConflictError):  # its shards lack the send's change
            self.tms[0].commit()
        self.tms[0].abort()
        self.begin()
        self.send(0, "new", 100)  # retried: moves what the send left
        self.tms[0].commit()
        self.assert_both_kept()

    def test_first_messages_to_a_small_inbox_resolve(self):
        # Both add a conversation to the one tree and change both counters of
        # the one counter object: ZODB merges them, nothing retried.
        self.fill(3, order_tree=False)
        self.begin()
        self.send(0, "new0", 10)
        self.send(1, "new1", 11)
        self.tms[0].commit()
        self.tms[1].commit()
        inboxes = self.committed()
        self.assertEqual(self.order(inboxes), ["new1", "new0", "p02", "p01", "p00"])
        self.assertEqual((len(inboxes[RECIPIENT]), inboxes[RECIPIENT].new_messages_count), (5, 5))

    def test_both_counters_add_up(self):
        # One transaction reads a conversation and deletes another (-1
        # conversation, -2 unread), the other adds a conversation (+1, +1).
        self.fill(3, order_tree=False)
        self.begin()
        inbox = self.conns[0].root.inboxes[RECIPIENT]
        inbox["p00"].mark_read()
        del inbox["p01"]
        self.send(1, "new", 10)
        self.tms[0].commit()
        self.tms[1].commit()
        inboxes = self.committed()
        self.assertEqual(self.order(inboxes), ["new", "p02", "p00"])
        self.assertEqual((len(inboxes[RECIPIENT]), inboxes[RECIPIENT].new_messages_count), (3, 2))

    def test_the_move_into_shards_sees_a_send_into_a_bucket_of_the_one_tree(self):
        # An inbox stored before issue 13 can hold a small one tree whose
        # bucket is a record of its own (it once split): a send writes only
        # that bucket, and the move must see it all the same.
        self.fill(SHARD_FROM - 1)
        self.begin()
        tree = self.conns[0].root.inboxes[RECIPIENT]._recent
        for n in range(OOTreeSet.max_leaf_size):
            tree.add((0, f"gone{n:02}"))  # after every real place: splits the bucket
        self.tms[0].commit()
        self.begin()
        for n in range(OOTreeSet.max_leaf_size):
            tree.remove((0, f"gone{n:02}"))
        self.tms[0].commit()
        self.assertEqual(len(list(tree_records(tree))), 2)  # the tree, and its bucket apart
        self.begin()
        self.send(0, "new", 100)
        self.send(1, "p00", 200)
        self.tms[1].commit()
        with self.assertRaises(ConflictError):
            self.tms[0].commit()
        self.tms[0].abort()
        self.begin()
        self.send(0, "new", 100)
        self.tms[0].commit()
        inboxes = self.committed()
        self.assertEqual(self.order(inboxes),
                         ["p00", "new", *(f"p{n:02}" for n in range(SHARD_FROM - 2, 0, -1))])


class ConversationsMove(TwoConnections):
    """The move of an inbox's conversations into shards, raced by hand."""

    def senders(self, inboxes):
        return sorted(inboxes[RECIPIENT])

    def fill(self, count):
        # The senders' inboxes first: the race is the recipient's alone.
        self.begin()
        for userid in ("a", "new", "other"):
            self.conns[0].root.inboxes.get_inbox(userid, create=True)
        self.tms[0].commit()
        super().fill(count)

    def expected(self, filled, *new):
        return sorted([*(f"p{n:02}" for n in range(filled)), *new])

    def race(self):
        """Transaction 1 adds "other" to the one tree, seeing one conversation
        too few to move them; transaction 0 sees "a" committed and moves them
        with "new"."""
        self.fill(CONVERSATION_SHARD_FROM - 2)
        self.begin()
        self.send(1, "other", 200)
        self.send(0, "a", 100)
        self.tms[0].commit()
        self.tms[0].begin()
        self.send(0, "new", 150)  # the CONVERSATION_SHARD_FROM-th: moves them

    def test_a_first_message_into_the_one_tree_after_the_move_is_retried(self):
        self.race()
        self.tms[0].commit()
        with self.assertRaises(ConflictError):  # it would be lost in the old tree
            self.tms[1].commit()
        self.tms[1].abort()
        self.begin()
        self.send(1, "other", 200)  # retried: into its shard
        self.tms[1].commit()
        inboxes = self.committed()
        self.assertEqual(self.senders(inboxes),
                         self.expected(CONVERSATION_SHARD_FROM - 2, "a", "new", "other"))
        self.assertEqual(inboxes[RECIPIENT]["other"].username, "other")
        self.assertEqual(self.order(inboxes)[:3], ["other", "new", "a"])
        self.assertEqual((len(inboxes[RECIPIENT]), inboxes[RECIPIENT].new_messages_count),
                         (CONVERSATION_SHARD_FROM + 1, CONVERSATION_SHARD_FROM + 1))

    def test_the_move_after_a_first_message_into_the_one_tree_is_retried(self):
        self.race()
        self.tms[1].commit()
        with self.assertRaises(ConflictError):  # its shards lack "other"
            self.tms[0].commit()
        self.tms[0].abort()
        self.tms[0].begin()
        self.send(0, "new", 150)  # retried: moves "other" too
        self.tms[0].commit()
        inboxes = self.committed()
        self.assertIsNone(inboxes[RECIPIENT]._conversations)
        self.assertEqual(self.senders(inboxes),
                         self.expected(CONVERSATION_SHARD_FROM - 2, "a", "new", "other"))
        self.assertEqual(self.order(inboxes)[:3], ["other", "new", "a"])

    def test_the_move_after_a_delete_from_the_one_tree_is_retried(self):
        self.fill(CONVERSATION_SHARD_FROM - 1)
        self.begin()
        self.send(0, "new", 100)
        del self.conns[1].root.inboxes[RECIPIENT]["p05"]
        self.tms[1].commit()
        with self.assertRaises(ConflictError):  # its shards still hold "p05"
            self.tms[0].commit()
        self.tms[0].abort()
        self.begin()
        self.send(0, "new", 100)  # retried: one too few again, no move
        self.tms[0].commit()
        inboxes = self.committed()
        self.assertIsNone(inboxes[RECIPIENT]._conversation_shards)
        self.assertEqual(self.senders(inboxes),
                         [u for u in self.expected(CONVERSATION_SHARD_FROM - 1, "new") if u != "p05"])

    def test_a_message_into_a_conversation_after_the_move_is_retried(self):
        # It writes the conversation only, and its new place would be missing
        # from the order shards the move made: it asks the inbox to be current.
        self.fill(CONVERSATION_SHARD_FROM - 1)
        self.begin()
        self.send(0, "new", 100)
        self.send(1, "p00", 200)
        self.tms[0].commit()
        with self.assertRaises(ConflictError):
            self.tms[1].commit()
        self.tms[1].abort()
        self.begin()
        self.send(1, "p00", 200)  # retried: its place in the order's shard
        self.tms[1].commit()
        self.assert_message_kept()

    def test_the_move_after_a_message_into_a_conversation_is_retried(self):
        # The move reads every conversation's place current: made from the
        # place it saw, its order shards would lack the message's.
        self.fill(CONVERSATION_SHARD_FROM - 1)
        self.begin()
        self.send(0, "new", 100)
        self.send(1, "p00", 200)
        self.tms[1].commit()
        with self.assertRaises(ConflictError):
            self.tms[0].commit()
        self.tms[0].abort()
        self.begin()
        self.send(0, "new", 100)  # retried: moves p00 with its new place
        self.tms[0].commit()
        self.assert_message_kept()

    def test_messages_into_conversations_of_a_small_inbox_resolve(self):
        # Each writes its own conversation and the one counter object, which
        # ZODB merges; the order is the conversations': no tree to conflict on.
        self.fill(5)
        self.begin()
        self.send(0, "p01", 100)
        self.send(1, "p03", 101)
        self.tms[0].commit()
        self.tms[1].commit()
        inboxes = self.committed()
        self.assertEqual(self.order(inboxes), ["p03", "p01", "p04", "p02", "p00"])
        self.assertEqual(inboxes[RECIPIENT].new_messages_count, 7)

    def assert_message_kept(self):
        inboxes = self.committed()
        self.assertIsNone(inboxes[RECIPIENT]._conversations)
        self.assertEqual(len(inboxes[RECIPIENT]["p00"]), 2)
        self.assertEqual(self.order(inboxes)[:2], ["p00", "new"])
        self.assertEqual(inboxes[RECIPIENT].new_messages_count, CONVERSATION_SHARD_FROM + 1)

    def test_the_move_of_a_big_old_tree_sees_a_delete_from_one_of_its_buckets(self):
        # An inbox stored before the conversations were sharded: one tree
        # beyond the threshold, its buckets records of their own. The delete
        # writes a bucket only; the move must see it all the same.
        with mock.patch("plonesocial.messaging.inbox.CONVERSATION_SHARD_FROM", 10 ** 6):
            self.fill(CONVERSATION_SHARD_FROM + 20)
        self.begin()
        tree = self.conns[0].root.inboxes[RECIPIENT]._conversations
        self.assertGreater(len(list(tree_records(tree))), 2)
        self.send(0, "new", 100)  # a first message: moves them
        del self.conns[1].root.inboxes[RECIPIENT]["p30"]
        self.tms[1].commit()
        with self.assertRaises(ConflictError):  # its shards still hold "p30"
            self.tms[0].commit()
        self.tms[0].abort()
        self.begin()
        self.send(0, "new", 100)
        self.tms[0].commit()
        inboxes = self.committed()
        self.assertIsNone(inboxes[RECIPIENT]._conversations)
        self.assertEqual(self.senders(inboxes),
                         [u for u in self.expected(CONVERSATION_SHARD_FROM + 20, "new") if u != "p30"])

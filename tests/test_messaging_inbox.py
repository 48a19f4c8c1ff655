"""The stored layout of an inbox (issue 13): what a send writes, and inboxes stored before.

A new inbox keeps its counters in one InboxCounts, no order tree until its
conversations move into shards (each conversation knows the id of its newest
message), and no set of blocked people until the first block. Inboxes stored
before keep two Length counters, their set of blocked people and their order's
layout (one tree until SHARD_FROM conversations, or shards), and keep working.
"""

from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from datetime import datetime
from datetime import timedelta
from plonesocial.messaging.inbox import CONVERSATION_SHARD_FROM
from plonesocial.messaging.inbox import Inbox
from plonesocial.messaging.inbox import RECENT_SHARDS
from plonesocial.messaging.inbox import SHARD_FROM
from plonesocial.messaging.inbox import tree_records
from tests.test_messaging import StorageTestCase
from unittest import mock
from ZODB.utils import get_pickle_metadata


START = datetime(2020, 1, 1)


def with_order_tree(inbox):
    """Give the small `inbox` the one order tree that releases before this one
    stored (1.0a1, and issue 13's before the conversations kept the order)."""
    inbox._p_activate()
    assert inbox._recent is None and inbox._recent_shards is None, "not a small new inbox"
    inbox._recent = OOTreeSet((-conversation.recency_key, userid)
                              for userid, conversation in inbox._conversations.items()
                              if conversation.recency_key is not None)


def as_stored_before_issue_13(inbox, sharded):
    """Give `inbox` the layout an earlier release stored: two Length counters,
    an empty set of blocked people, and its order in shards (`sharded`, the
    releases before issue 13) or in one tree (1.0a1)."""
    inbox._p_activate()
    conversations = len(inbox)
    state = inbox.__dict__
    counts = state.pop("_counts")
    state["_count"], state["_unread"] = Length(conversations), Length(counts.unread)
    state["_blocked"] = OOTreeSet()
    with_order_tree(inbox)
    if sharded:
        shards = IOBTree()
        for entry in state.pop("_recent").keys():
            shards.setdefault(Inbox._shard(entry[1]), OOTreeSet()).add(entry)
        state["_recent_shards"] = shards
    inbox._p_changed = True


class InboxTestCase(StorageTestCase):
    def send(self, sender, recipient, minutes):
        self.inboxes.send(sender, recipient, "hi", created=START + timedelta(minutes=minutes))

    def written(self):
        """Commit, and return the classes of the records the commit stored, sorted."""
        self.tm.commit()
        storage = self.db.storage
        [txn] = storage.iterator(storage.lastTransaction())
        return sorted(get_pickle_metadata(record.data)[1] for record in txn)

    def order(self, userid="ben"):
        return [c.username for c in self.inboxes[userid].get_conversations()]


class TestObjectsWritten(InboxTestCase):
    def test_first_message_between_existing_inboxes_writes_five_objects(self):
        # Per side: the conversation (its messages inline, the id of the
        # newest its place in the order) and the inbox's conversation tree;
        # the recipient's one counter object (the new message). The sender's
        # counter is not written: the one tree counts the conversations (was
        # 7 with an order tree per side, 8 with both counters; 13 before
        # issue 13: a tree of messages, a second counter, and an order tree
        # of shards that got a new shard per side).
        self.inboxes.get_inbox("ann", create=True)
        self.inboxes.get_inbox("ben", create=True)
        self.tm.commit()
        self.send("ann", "ben", 1)
        self.assertEqual(self.written(), ["Conversation", "Conversation", "InboxCounts",
                                          "OOBTree", "OOBTree"])
        self.assertEqual(self.inboxes["ann"]._counts._p_serial,
                         self.inboxes["ann"]._p_serial)  # as made, never written since
        self.assertEqual((len(self.inboxes["ben"]), self.inboxes["ben"].new_messages_count), (1, 1))
        self.assertEqual((len(self.inboxes["ann"]), self.inboxes["ann"].new_messages_count), (1, 0))

    def test_first_message_that_makes_both_inboxes(self):
        # Besides: the two inboxes and the tree of all inboxes (no set of
        # blocked people, no order tree: was 19 with both and order shards).
        self.send("ann", "ben", 1)
        self.assertEqual(self.written(), ["Conversation", "Conversation", "Inbox", "Inbox",
                                          "InboxCounts", "InboxCounts", "OOBTree",
                                          "OOBTree", "OOBTree"])

    def test_first_message_to_a_busy_inbox_writes_its_shards(self):
        for n in range(CONVERSATION_SHARD_FROM + 2):
            self.send(f"u{n:02}", "ben", n)
        self.tm.commit()
        self.send("ann", "ben", 100)
        written = self.written()
        # One shard of the recipient's order (and the tree of shards if the
        # shard is new) and one of its conversations, and one counter object
        # on each side (ben's tree counts no more).
        self.assertEqual(written.count("InboxCounts"), 2)
        self.assertNotIn("Length", written)
        self.assertNotIn("OOTreeSet", written)  # ann's order is her conversation's
        self.assertEqual((written.count("OrderShard"), written.count("ConversationShard")),
                         (1, 1))
        self.assertLessEqual(written.count("IOBTree"), 1)
        self.inboxes.check_invariants()

    def test_message_in_a_conversation_of_a_busy_inbox_writes_its_order_shard(self):
        for n in range(CONVERSATION_SHARD_FROM + 2):
            self.send(f"u{n:02}", "ben", n)
        self.tm.commit()
        self.send("u03", "ben", 100)
        self.assertEqual(self.written(), ["Conversation", "Conversation", "InboxCounts",
                                          "OrderShard"])
        self.assertEqual(self.order()[:2], ["u03", f"u{CONVERSATION_SHARD_FROM + 1:02}"])


class TestOrder(InboxTestCase):
    def test_kept_by_the_conversations_until_they_move_into_shards(self):
        count = CONVERSATION_SHARD_FROM - 1
        for n in range(count):
            self.send(f"u{n:02}", "ben", (n * 7) % 30)
        expected = sorted((f"u{n:02}" for n in range(count)),
                          key=lambda u: -((int(u[1:]) * 7) % 30))
        inbox = self.inboxes["ben"]
        self.assertEqual(self.order(), expected)
        self.assertIsNone(inbox._recent)
        self.assertIsNone(inbox._recent_shards)
        self.inboxes.check_invariants()
        # A message in an older conversation moves it to the front; one dated
        # in the past does not move it.
        self.send("u05", "ben", 40)
        self.send("u06", "ben", -1)
        expected = ["u05", *(u for u in expected if u != "u05")]
        self.assertEqual(self.order(), expected)
        # The move of the conversations into shards moves the order with them.
        self.send("zed", "ben", 50)
        inbox = self.reopen()["ben"]
        self.assertIsNone(inbox._recent)
        self.assertEqual(sum(len(shard) for shard in inbox._recent_shards.values()),
                         CONVERSATION_SHARD_FROM)
        self.assertEqual(self.order(), ["zed", *expected])
        self.send("u03", "ben", 51)
        self.assertEqual(self.order(), ["u03", "zed", *(u for u in expected if u != "u03")])
        self.inboxes.check_invariants()

    def test_delete_and_refile_while_the_conversations_keep_the_order(self):
        for n, sender in enumerate(["ann", "cat", "dan"]):
            self.send(sender, "ben", n)
        inbox = self.inboxes["ben"]
        del inbox["cat"]
        inbox.refile("ann", "erased-1")
        self.assertEqual(self.order(), ["dan", "erased-1"])
        self.send("erased-1", "ben", 5)
        self.assertEqual(self.order(), ["erased-1", "dan"])
        self.assertEqual((len(inbox), inbox.new_messages_count), (2, 3))
        self.assertIsNone(inbox._recent)
        self.inboxes.check_invariants()

    def test_one_tree_of_an_inbox_stored_before_until_it_is_busy(self):
        self.send("u00", "ben", 0)
        with_order_tree(self.inboxes["ben"])
        for n in range(1, SHARD_FROM - 1):
            self.send(f"u{n:02}", "ben", (n * 7) % 20)
        inbox = self.inboxes["ben"]
        self.assertIsNone(inbox._recent_shards)
        # One record: its one bucket is stored inline, where ZODB resolves
        # concurrent adds (below the 30 keys that would split it).
        self.assertEqual(len(list(tree_records(inbox._recent))), 1)
        self.assertLess(SHARD_FROM, OOTreeSet.max_leaf_size)
        expected = sorted((f"u{n:02}" for n in range(SHARD_FROM - 1)),
                          key=lambda u: -((int(u[1:]) * 7) % 20))
        self.assertEqual(self.order(), expected)
        self.inboxes.check_invariants()
        # The conversation that makes SHARD_FROM moves the order into shards, once.
        self.send("zed", "ben", 30)
        self.assertIsNone(inbox._recent)
        self.assertGreater(len(inbox._recent_shards), 1)
        self.assertEqual(sum(len(shard) for shard in inbox._recent_shards.values()), SHARD_FROM)
        self.assertEqual(self.order(), ["zed", *expected])
        self.send("u03", "ben", 31)
        self.assertEqual(self.order(), ["u03", "zed", *(u for u in expected if u != "u03")])
        reopened = self.reopen()
        self.assertEqual([c.username for c in reopened["ben"].get_conversations()],
                         ["u03", "zed", *(u for u in expected if u != "u03")])
        reopened.check_invariants()

    def test_delete_and_refile_in_the_one_tree(self):
        for n, sender in enumerate(["ann", "cat", "dan"]):
            self.send(sender, "ben", n)
        inbox = self.inboxes["ben"]
        with_order_tree(inbox)
        del inbox["cat"]
        inbox.refile("ann", "erased-1")
        self.assertEqual(self.order(), ["dan", "erased-1"])
        self.assertEqual((len(inbox), inbox.new_messages_count), (2, 2))
        self.assertIsNone(inbox._recent_shards)
        self.inboxes.check_invariants()

    def test_invariants_find_a_conversation_missing_from_the_order(self):
        self.send("ann", "ben", 1)
        self.send("cat", "ben", 2)
        inbox = self.inboxes["ben"]
        with_order_tree(inbox)
        conversation = inbox["ann"]
        inbox._recent.remove((-conversation.recency_key, "ann"))
        inbox._recent.add((-conversation.recency_key + 1, "ann"))  # its old place, kept
        with self.assertRaisesRegex(AssertionError, "place of 'ann'"):
            inbox.check_invariants()


class TestBlockedSet(InboxTestCase):
    def test_made_by_the_first_block(self):
        inbox = self.inboxes.get_inbox("ben", create=True)
        self.assertIsNone(inbox._blocked)
        self.assertFalse(inbox.is_blocked("ann"))
        self.assertEqual(list(inbox.get_blocked()), [])
        inbox.unblock("ann")  # nothing to undo, nothing made
        self.assertIsNone(inbox._blocked)
        inbox.check_invariants()
        inbox.block("ann")
        inbox = self.reopen()["ben"]
        self.assertTrue(inbox.is_blocked("ann"))
        self.assertEqual(list(inbox.get_blocked()), ["ann"])
        inbox.check_invariants()


class TestStoredBefore(InboxTestCase):
    def test_inbox_of_the_sharded_layout_keeps_it_and_its_lengths(self):
        for n, sender in enumerate(["ann", "cat", "dan"]):
            self.send(sender, "ben", n)
        as_stored_before_issue_13(self.inboxes["ben"], sharded=True)
        inboxes = self.reopen()
        inbox = inboxes["ben"]
        self.assertEqual((len(inbox), inbox.new_messages_count), (3, 3))
        self.assertEqual(self.order(), ["dan", "cat", "ann"])
        self.send("eve", "ben", 10)
        self.send("ann", "ben", 11)
        inbox = self.inboxes["ben"]
        inbox["cat"].mark_read()
        del inbox["dan"]
        inbox.block("zoe")
        inbox = self.reopen()["ben"]
        self.assertEqual(self.order(), ["ann", "eve", "cat"])
        self.assertEqual((len(inbox), inbox.new_messages_count), (3, 3))
        self.assertNotIn("_counts", inbox.__dict__)
        self.assertEqual((inbox._count(), inbox._unread()), (3, 3))  # still the Lengths
        self.assertIsNotNone(inbox._recent_shards)
        self.assertTrue(inbox.is_blocked("zoe"))
        inbox.check_invariants()

    def test_inbox_of_the_one_tree_layout_moves_into_shards_once_busy(self):
        for n, sender in enumerate(["ann", "cat", "dan"]):
            self.send(sender, "ben", n)
        # As an inbox stored by plonesocial 1.0a1 looks: one tree, no shards.
        as_stored_before_issue_13(self.inboxes["ben"], sharded=False)
        inbox = self.reopen()["ben"]
        self.assertIsNone(inbox._recent_shards)
        self.assertEqual([c.username for c in inbox.get_conversations()], ["dan", "cat", "ann"])
        self.send("ann", "ben", 9)
        self.assertIsNone(self.inboxes["ben"]._recent_shards)  # a small inbox keeps its tree
        self.assertEqual(self.order(), ["ann", "dan", "cat"])
        for n in range(SHARD_FROM - 3):
            self.send(f"u{n:02}", "ben", 10 + n)
        inbox = self.reopen()["ben"]
        self.assertIsNone(inbox._recent)
        self.assertEqual(sum(len(shard) for shard in inbox._recent_shards.values()), SHARD_FROM)
        self.assertEqual(self.order()[-3:], ["ann", "dan", "cat"])
        self.assertEqual((inbox._count(), inbox._unread()), (SHARD_FROM, SHARD_FROM + 1))
        del self.inboxes["ben"]["dan"]
        self.assertEqual(self.order()[-2:], ["ann", "cat"])
        self.inboxes.check_invariants()


class TestConversationShards(InboxTestCase):
    """The conversations: one tree until CONVERSATION_SHARD_FROM, then shards."""

    senders = [f"u{n:03}" for n in range(CONVERSATION_SHARD_FROM + 20)]

    def fill(self, count, start=0):
        for n in range(start, count):
            self.send(self.senders[n], "ben", n)

    def assert_all_findable(self, inbox, count):
        self.assertEqual(list(inbox), self.senders[:count])  # sorted, as before
        self.assertEqual(list(inbox.keys()), self.senders[:count])
        for userid in self.senders[:count]:
            self.assertEqual(inbox[userid].username, userid)
        self.assertNotIn(self.senders[count], inbox)
        self.assertIsNone(inbox.get(7))
        self.assertEqual(self.order(), self.senders[count - 1::-1])  # newest first
        inbox.check_invariants()

    def test_moved_once_at_the_threshold(self):
        self.inboxes.get_inbox(self.senders[CONVERSATION_SHARD_FROM - 1], create=True)
        self.fill(CONVERSATION_SHARD_FROM - 1)
        inbox = self.inboxes["ben"]
        self.assertIsNone(inbox._conversation_shards)
        self.assert_all_findable(inbox, CONVERSATION_SHARD_FROM - 1)
        self.tm.commit()
        # The conversation that makes CONVERSATION_SHARD_FROM moves them all:
        # the inbox, the tree of shards and every shard written once, the old
        # tree (root and buckets) not at all.
        self.send(self.senders[CONVERSATION_SHARD_FROM - 1], "ben", CONVERSATION_SHARD_FROM - 1)
        written = self.written()
        self.assertEqual(written.count("Inbox"), 1)
        self.assertEqual(written.count("ConversationShard"), RECENT_SHARDS)
        self.assertEqual(written.count("OOBTree"), 1)  # the sender's tree
        self.assertNotIn("OOBucket", written)
        inbox = self.reopen()["ben"]
        self.assertIsNone(inbox._conversations)
        shards = inbox._conversation_shards
        self.assertEqual(len(shards), RECENT_SHARDS)
        self.assertEqual(sum(len(shard) for shard in shards.values()), CONVERSATION_SHARD_FROM)
        self.assertLess(CONVERSATION_SHARD_FROM, OOBTree.max_leaf_size)  # the one tree never split
        self.assert_all_findable(self.inboxes["ben"], CONVERSATION_SHARD_FROM)
        # Later first messages file into the shards; no second move.
        self.fill(CONVERSATION_SHARD_FROM + 5, start=CONVERSATION_SHARD_FROM)
        self.assertEqual(self.inboxes["ben"]._conversation_shards._p_oid, shards._p_oid)
        self.assert_all_findable(self.reopen()["ben"], CONVERSATION_SHARD_FROM + 5)

    def test_the_counter_counts_the_conversations_from_the_move_on(self):
        # Before the move the one tree counts them; the counter is not written for them.
        self.fill(5)
        inbox = self.inboxes["ben"]
        self.assertEqual((len(inbox), inbox._counts.conversations), (5, 0))
        del inbox[self.senders[0]]
        self.assertEqual((len(inbox), inbox.new_messages_count), (4, 4))
        # The move hands the count to the counter, which counts from then on.
        self.fill(CONVERSATION_SHARD_FROM + 3, start=5)
        inbox = self.reopen()["ben"]
        self.assertIsNotNone(inbox._conversation_shards)
        self.assertEqual((len(inbox), inbox._counts.conversations),
                         (CONVERSATION_SHARD_FROM + 2, CONVERSATION_SHARD_FROM + 2))
        del inbox[self.senders[1]]
        self.assertEqual(len(inbox), CONVERSATION_SHARD_FROM + 1)
        self.assertEqual(len(list(inbox.get_conversations())), CONVERSATION_SHARD_FROM + 1)
        inbox.check_invariants()

    def test_a_counter_that_counted_the_one_tree_is_set_right_by_the_move(self):
        # Inboxes of the release before counted every conversation in the counter.
        self.fill(6)
        inbox = self.inboxes["ben"]
        inbox._counts.conversations = 6
        self.fill(CONVERSATION_SHARD_FROM + 1, start=6)
        inbox = self.reopen()["ben"]
        self.assertEqual((len(inbox), inbox._counts.conversations),
                         (CONVERSATION_SHARD_FROM + 1, CONVERSATION_SHARD_FROM + 1))
        inbox.check_invariants()

    def test_first_message_to_a_busy_inbox_writes_one_shard(self):
        self.inboxes.get_inbox("ann", create=True)
        self.fill(CONVERSATION_SHARD_FROM + 2)
        self.tm.commit()
        self.send("ann", "ben", 900)
        written = self.written()
        # ann's one tree and ben's shard (each one bucket inline); no new
        # shard, no bucket of a big tree of ben's.
        self.assertEqual((written.count("OOBTree"), written.count("ConversationShard")), (1, 1))
        self.assertNotIn("OOBucket", written)
        self.assertNotIn("IOBTree", written)
        self.assertEqual(self.inboxes["ben"]["ann"].username, "ann")

    def test_delete_refile_and_adopt_in_the_shards(self):
        self.fill(CONVERSATION_SHARD_FROM + 1)
        inbox = self.inboxes["ben"]
        del inbox["u001"]
        inbox.refile("u002", "erased-1")
        self.assertNotIn("u001", inbox)
        self.assertNotIn("u002", inbox)
        self.assertEqual(inbox["erased-1"].username, "erased-1")
        self.assertEqual(list(inbox)[0], "erased-1")
        self.assertEqual(len(inbox), CONVERSATION_SHARD_FROM)
        inbox.check_invariants()

    def test_invariants_find_a_conversation_in_the_wrong_shard(self):
        self.fill(CONVERSATION_SHARD_FROM)
        inbox = self.inboxes["ben"]
        number = inbox._shard("u000")
        conversation = inbox._conversation_shards[number].pop("u000")
        inbox._conversation_shards[(number + 1) % RECENT_SHARDS]["u000"] = conversation
        with self.assertRaisesRegex(AssertionError, "shard of the conversation with 'u000'"):
            inbox.check_invariants()

    def test_inbox_stored_with_one_big_tree_works_and_moves(self):
        # As stored before the conversations were sharded: one tree beyond
        # the threshold, its buckets records of their own.
        with mock.patch("plonesocial.messaging.inbox.CONVERSATION_SHARD_FROM", 10 ** 6):
            self.fill(CONVERSATION_SHARD_FROM + 10)
        count = CONVERSATION_SHARD_FROM + 10
        inbox = self.reopen()["ben"]
        self.assertIsNone(inbox._conversation_shards)
        self.assertGreater(len(list(tree_records(inbox._conversations))), 2)
        self.assert_all_findable(inbox, count)
        # Sends into its conversations, and a delete, keep the one tree.
        self.send("u005", "ben", 1000)
        del self.inboxes["ben"]["u006"]
        self.assertIsNone(self.inboxes["ben"]._conversation_shards)
        self.send("u006", "ben", 1001)  # a first message again: moves it
        inbox = self.reopen()["ben"]
        self.assertIsNone(inbox._conversations)
        self.assertEqual(sum(len(s) for s in inbox._conversation_shards.values()), count)
        self.assertEqual(list(inbox), self.senders[:count])
        self.assertEqual(self.order()[:2], ["u006", "u005"])
        self.assertEqual((len(inbox), inbox.new_messages_count), (count, count + 1))
        inbox.check_invariants()


class TestShardBuckets(InboxTestCase):
    """Issue 13, the hot recipient: the shards split four times less often."""

    def test_a_busy_inbox_keeps_each_shard_in_one_bucket_up_to_120(self):
        from BTrees.check import BTREE_NORMAL
        from BTrees.check import crack_btree
        from plonesocial.messaging.shards import ConversationShard
        from plonesocial.messaging.shards import LEAF_SIZE
        from plonesocial.messaging.shards import OrderShard

        for n in range(800):  # 50 a shard on average, more in some
            self.send(f"s{n:04}", "ben", n)
        inbox = self.inboxes["ben"]
        trees = [*inbox._conversation_shards.values(), *inbox._recent_shards.values()]
        self.assertEqual({type(tree) for tree in trees}, {ConversationShard, OrderShard})
        largest = max(len(tree) for tree in trees)
        self.assertGreater(largest, 30)  # BTrees' own buckets would have split
        self.assertLessEqual(largest, LEAF_SIZE)
        for tree in trees:
            # One bucket, stored inline in the shard's own record: no split yet.
            kind, _, _ = crack_btree(tree, True)
            self.assertNotEqual(kind, BTREE_NORMAL)
        self.assertEqual(len(self.order()), 800)
        inbox.check_invariants()
        self.tm.commit()
        self.send("late", "ben", 900)
        written = self.written()  # a first message writes one shard of each tree
        self.assertEqual((written.count("ConversationShard"), written.count("OrderShard")),
                         (1, 1))

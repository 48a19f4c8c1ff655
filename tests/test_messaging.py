"""Unit tests of the message storage on a plain in-memory ZODB (no Plone)."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone
from plonesocial.clock import to_key
from plonesocial.messaging import exc
from plonesocial.messaging.interfaces import IConversation
from plonesocial.messaging.interfaces import IInbox
from plonesocial.messaging.interfaces import IInboxes
from plonesocial.messaging.interfaces import IMessage
from plonesocial.messaging.interfaces import IMessageSentEvent
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.locator import MessagingLocator
from plonesocial.messaging.messaging import Inboxes
from zope.component import getGlobalSiteManager
from zope.component import provideHandler
from zope.interface.verify import verifyObject

import transaction
import unittest
import ZODB
import zope.component.event  # noqa: F401 (dispatches events to handlers)


class StorageTestCase(unittest.TestCase):
    """An Inboxes at the root of a fresh in-memory database."""

    def setUp(self):
        self.db = ZODB.DB(None)
        self.tm = transaction.TransactionManager()
        self.conn = self.db.open(self.tm)
        self.conn.root.inboxes = Inboxes()
        self.tm.commit()
        self.inboxes = self.conn.root.inboxes

    def tearDown(self):
        self.tm.abort()
        self.conn.close()
        self.db.close()

    def reopen(self):
        """Commit, and return the Inboxes as a second connection loads them."""
        self.tm.commit()
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        self.addCleanup(conn.close)
        self.addCleanup(tm.abort)
        return conn.root.inboxes


class TestInterfaces(StorageTestCase):
    def test_implementations_conform(self):
        self.inboxes.send_message("ann", "ben", "hi")
        inbox = self.inboxes["ben"]
        conversation = inbox["ann"]
        message = next(conversation.get_messages())
        self.assertTrue(verifyObject(IInboxes, self.inboxes))
        self.assertTrue(verifyObject(IInbox, inbox))
        self.assertTrue(verifyObject(IConversation, conversation))
        self.assertTrue(verifyObject(IMessage, message))
        self.assertTrue(verifyObject(IMessagingLocator, MessagingLocator()))

    def test_locator_keeps_no_state(self):
        self.assertEqual(vars(MessagingLocator()), {})


class TestSend(StorageTestCase):
    def test_two_copies(self):
        sent = self.inboxes.send("ann", "ben", "hi", created=datetime(2020, 5, 1))
        mine = self.inboxes["ann"]["ben"][sent.id]
        theirs = self.inboxes["ben"]["ann"][sent.id]
        self.assertIsNot(mine, theirs)
        self.assertEqual(mine.uid, theirs.uid)
        self.assertEqual((theirs.sender, theirs.recipient, theirs.text), ("ann", "ben", "hi"))
        self.assertEqual(sent.id, to_key(datetime(2020, 5, 1)))

    def test_send_message_returns_none(self):
        self.assertIsNone(self.inboxes.send_message("ann", "ben", "hi"))

    def test_created_defaults_to_now_utc(self):
        before = datetime.now(timezone.utc).replace(tzinfo=None)
        sent = self.inboxes.send("ann", "ben", "hi")
        after = datetime.now(timezone.utc).replace(tzinfo=None)
        self.assertIsNone(sent.created.tzinfo)
        self.assertTrue(before <= sent.created <= after)

    def test_aware_created_converted_to_utc(self):
        tz = timezone(timedelta(hours=-5))
        sent = self.inboxes.send("ann", "ben", "hi", created=datetime(2020, 1, 1, 20, tzinfo=tz))
        self.assertEqual(sent.created, datetime(2020, 1, 2, 1))

    def test_same_microsecond_gets_distinct_ids(self):
        when = datetime(2021, 3, 4, 5, 6, 7, 8)
        ids = [self.inboxes.send("ann", "ben", f"m{i}", created=when).id for i in range(5)]
        self.assertEqual(ids, list(range(to_key(when), to_key(when) + 5)))
        texts = [m.text for m in self.inboxes["ben"]["ann"].get_messages()]
        self.assertEqual(texts, ["m0", "m1", "m2", "m3", "m4"])

    def test_messages_chronological_whatever_the_send_order(self):
        for day in (3, 1, 2):
            self.inboxes.send_message("ann", "ben", f"day {day}", created=datetime(2020, 1, day))
        texts = [m.text for m in self.inboxes["ben"]["ann"].get_messages()]
        self.assertEqual(texts, ["day 1", "day 2", "day 3"])

    def test_get_messages_is_an_iterator(self):
        self.inboxes.send_message("ann", "ben", "hi")
        messages = self.inboxes["ben"]["ann"].get_messages()
        self.assertIs(iter(messages), messages)

    def test_event_fired_once_per_send(self):
        events = []
        provideHandler(events.append, (IMessageSentEvent,))
        self.addCleanup(
            getGlobalSiteManager().unregisterHandler, events.append, (IMessageSentEvent,)
        )
        sent = self.inboxes.send("ann", "ben", "hi")
        self.assertEqual(len(events), 1)
        event = events[0]
        self.assertEqual((event.sender, event.recipient), ("ann", "ben"))
        self.assertIs(event.sender_message, sent)
        self.assertIs(event.object, self.inboxes["ben"]["ann"][sent.id])

    def test_persisted(self):
        sent = self.inboxes.send("ann", "ben", "hi")
        other = self.reopen()
        self.assertEqual(other["ben"]["ann"][sent.id].text, "hi")
        self.assertTrue(other["ben"]["ann"][sent.id].new)
        self.assertEqual(other["ben"].new_messages_count, 1)


class TestValidation(StorageTestCase):
    def assertRefused(self, error, *args, **kw):
        with self.assertRaises(error) as caught:
            self.inboxes.send_message(*args, **kw)
        self.assertIsInstance(caught.exception, exc.MessagingError)
        self.assertEqual(list(self.inboxes), [])
        return caught.exception

    def test_empty_text(self):
        for text in ("", " ", "\n\t "):
            self.assertRefused(exc.EmptyMessage, "ann", "ben", text)

    def test_text_not_a_string(self):
        self.assertRefused(exc.InvalidMessage, "ann", "ben", b"bytes")
        self.assertRefused(exc.InvalidMessage, "ann", "ben", None)

    def test_too_long(self):
        self.assertRefused(exc.MessageTooLong, "ann", "ben", "x" * 10_001)
        self.inboxes.send_message("ann", "ben", "x" * 10_000)

    def test_configurable_maximum(self):
        self.inboxes.max_message_length = 5
        error = self.assertRefused(exc.MessageTooLong, "ann", "ben", "sixsix")
        self.assertIn("at most 5", str(error))

    def test_self_message(self):
        self.assertRefused(exc.SelfMessage, "ann", "ann", "hi")

    def test_bad_userids(self):
        for bad in ("", " ann", "ann ", None, 3, b"ann", ("ann",)):
            self.assertRefused(exc.InvalidUserId, bad, "ben", "hi")
            self.assertRefused(exc.InvalidUserId, "ben", bad, "hi")

    def test_bad_created(self):
        self.assertRefused(exc.InvalidMessage, "ann", "ben", "hi", created="2020-01-01")

    def test_blocked(self):
        self.inboxes.send_message("ben", "ann", "first")
        self.inboxes["ben"].block("ann")
        with self.assertRaises(exc.SenderBlocked):
            self.inboxes.send_message("ann", "ben", "hi")
        self.assertEqual(len(self.inboxes["ben"]["ann"]), 1)
        self.assertEqual(len(self.inboxes["ann"]["ben"]), 1)
        # The blocker may still write to the one they blocked.
        self.inboxes.send_message("ben", "ann", "second")
        self.inboxes["ben"].unblock("ann")
        self.inboxes.send_message("ann", "ben", "hi")
        self.assertEqual(len(self.inboxes["ben"]["ann"]), 3)

    def test_block_validation(self):
        self.inboxes.send_message("ben", "ann", "first")
        with self.assertRaises(exc.SelfMessage):
            self.inboxes["ben"].block("ben")
        with self.assertRaises(exc.InvalidUserId):
            self.inboxes["ben"].block("")
        self.inboxes["ben"].unblock("never-blocked")
        self.assertEqual(list(self.inboxes["ben"].get_blocked()), [])

    def test_unknown_keys(self):
        self.inboxes.send_message("ann", "ben", "hi")
        with self.assertRaises(exc.InboxNotFound):
            self.inboxes["cat"]
        with self.assertRaises(exc.ConversationNotFound):
            self.inboxes["ben"]["cat"]
        with self.assertRaises(exc.ConversationNotFound):
            del self.inboxes["ben"]["cat"]
        with self.assertRaises(exc.MessageNotFound):
            self.inboxes["ben"]["ann"][1]
        with self.assertRaises(exc.MessageNotFound):
            self.inboxes["ben"]["ann"]["not an int"]
        self.assertIsNone(self.inboxes.get("cat"))
        self.assertNotIn(["unhashable"], self.inboxes["ben"])


class TestCounters(StorageTestCase):
    def test_only_received_messages_count(self):
        self.inboxes.send_message("ann", "ben", "one")
        self.inboxes.send_message("ben", "ann", "two")
        self.assertEqual(self.inboxes["ben"].new_messages_count, 1)
        self.assertEqual(self.inboxes["ann"].new_messages_count, 1)
        # ...but every message after the read marker is `new`.
        self.assertEqual([m.new for m in self.inboxes["ben"]["ann"].get_messages()], [True, True])

    def test_inbox_counter_sums_conversations(self):
        for sender, n in (("ann", 3), ("cat", 2), ("dan", 1)):
            for i in range(n):
                self.inboxes.send_message(sender, "ben", f"{sender} {i}")
        inbox = self.inboxes["ben"]
        self.assertEqual(inbox.new_messages_count, 6)
        inbox["cat"].mark_read()
        self.assertEqual(inbox.new_messages_count, 4)
        self.assertEqual(inbox["cat"].new_messages_count, 0)
        del inbox["ann"]
        self.assertEqual(inbox.new_messages_count, 1)
        self.assertEqual(len(inbox), 2)

    def test_mark_read_writes_no_message(self):
        for i in range(50):
            self.inboxes.send_message("ann", "ben", f"m{i}")
        self.tm.commit()
        conversation = self.inboxes["ben"]["ann"]
        conversation.mark_read()
        changed = {type(obj).__name__ for obj in self.conn._registered_objects}
        # The conversation (read marker and its own counters) and the inbox's
        # counters: never the message tree, however long the conversation.
        self.assertEqual(changed, {"Conversation", "InboxCounts"})
        self.assertEqual(len(self.conn._registered_objects), 2)

    def test_send_writes_three_objects(self):
        # Issue 13: per copy the conversation (the new message inline in it,
        # and its place in the order: the id of its newest message); the
        # recipient's inbox counter. Was 5 with an order tree per inbox.
        self.inboxes.send_message("ann", "ben", "first")
        self.tm.commit()
        self.inboxes.send_message("ann", "ben", "second")
        changed = sorted(type(obj).__name__ for obj in self.conn._registered_objects)
        self.assertEqual(changed, ["Conversation", "Conversation", "InboxCounts"])

    def test_message_buckets_stay_small(self):
        # The older messages move into the tree 16 at a time; its buckets hold
        # at most 16 (not LOBTree's 60), the newest 4 are inline.
        for i in range(100):
            self.inboxes.send_message("ann", "ben", f"m{i}")
        conversation = self.inboxes["ben"]["ann"]
        tree = conversation._messages
        bucket, sizes = tree._firstbucket, []
        while bucket is not None:
            sizes.append(len(bucket))
            bucket = bucket._next
        self.assertEqual((sum(sizes), len(conversation._tail)), (96, 4))
        self.assertLessEqual(max(sizes), 16)
        self.assertEqual([m.text for m in conversation.get_messages()],
                         [f"m{i}" for i in range(100)])
        self.inboxes.check_invariants()

    def test_old_conversation_counters_fold_on_first_change(self):
        # A conversation stored before issue 13 keeps Length counters.
        from BTrees.Length import Length

        for i in range(3):
            self.inboxes.send_message("ann", "ben", f"m{i}")
        conversation = self.inboxes["ben"]["ann"]
        state = conversation.__dict__
        state["_count"], state["_unread"] = Length(state.pop("_message_count")), \
            Length(state.pop("_unread_count"))
        self.tm.commit()
        self.assertEqual((len(conversation), conversation.new_messages_count), (3, 3))
        self.inboxes.send_message("ann", "ben", "m3")
        self.assertNotIn("_count", conversation.__dict__)
        self.assertEqual((len(conversation), conversation.new_messages_count), (4, 4))
        conversation.mark_read()
        self.assertEqual(conversation.new_messages_count, 0)
        self.assertEqual(self.inboxes["ben"].new_messages_count, 0)
        self.inboxes.check_invariants()

    def test_mark_read_twice_writes_nothing(self):
        self.inboxes.send_message("ann", "ben", "m")
        self.inboxes["ben"]["ann"].mark_read()
        self.tm.commit()
        self.inboxes["ben"]["ann"].mark_read()
        self.assertEqual(self.conn._registered_objects, [])

    def test_delete_message_adjusts_counters(self):
        sent = [self.inboxes.send("ann", "ben", f"m{i}").id for i in range(3)]
        inbox = self.inboxes["ben"]
        del inbox["ann"][sent[0]]
        self.assertEqual((inbox.new_messages_count, len(inbox["ann"])), (2, 2))
        inbox["ann"].mark_read()
        del inbox["ann"][sent[1]]  # read: the counter stays
        self.assertEqual((inbox.new_messages_count, len(inbox["ann"])), (0, 1))
        # Deleting the sender's own copy does not touch the recipient.
        del self.inboxes["ann"]["ben"][sent[2]]
        self.assertEqual(len(inbox["ann"]), 1)


class TestConversations(StorageTestCase):
    def test_newest_first(self):
        self.inboxes.send_message("ann", "ben", "1", created=datetime(2020, 1, 1))
        self.inboxes.send_message("cat", "ben", "2", created=datetime(2020, 1, 2))
        self.inboxes.send_message("dan", "ben", "3", created=datetime(2020, 1, 3))
        order = [c.username for c in self.inboxes["ben"].get_conversations()]
        self.assertEqual(order, ["dan", "cat", "ann"])
        self.inboxes.send_message("ben", "ann", "4", created=datetime(2020, 1, 4))
        order = [c.username for c in self.inboxes["ben"].get_conversations()]
        self.assertEqual(order, ["ann", "dan", "cat"])
        # A message dated in the past does not move the conversation up.
        self.inboxes.send_message("cat", "ben", "old", created=datetime(2019, 1, 1))
        order = [c.username for c in self.inboxes["ben"].get_conversations()]
        self.assertEqual(order, ["ann", "dan", "cat"])

    def test_order_merged_over_shards(self):
        # 60 people write in turn: their conversations sit in different
        # shards and still come out newest first.
        for n in range(60):
            self.inboxes.send_message(f"u{n:02}", "ben", "hi", created=datetime(2020, 1, 1)
                                      + timedelta(minutes=(n * 37) % 60))
        shards = self.inboxes["ben"]._recent_shards
        self.assertGreater(len(shards), 1)
        expected = sorted((f"u{n:02}" for n in range(60)), key=lambda u: -(int(u[1:]) * 37 % 60))
        order = [c.username for c in self.inboxes["ben"].get_conversations()]
        self.assertEqual(order, expected)
        self.assertEqual(sum(len(shard) for shard in shards.values()), 60)

    def test_delete_conversation_leaves_other_side(self):
        self.inboxes.send_message("ann", "ben", "hi")
        del self.inboxes["ben"]["ann"]
        self.assertNotIn("ann", self.inboxes["ben"])
        self.assertEqual(list(self.inboxes["ben"].get_conversations()), [])
        self.assertEqual(len(self.inboxes["ann"]["ben"]), 1)
        self.inboxes.send_message("ann", "ben", "again")
        self.assertEqual([m.text for m in self.inboxes["ben"]["ann"].get_messages()], ["again"])

    def test_dict_api(self):
        self.inboxes.send_message("ann", "ben", "hi")
        self.inboxes.send_message("cat", "ben", "hi")
        inbox = self.inboxes["ben"]
        self.assertEqual(list(inbox), ["ann", "cat"])
        self.assertEqual(list(inbox.keys()), ["ann", "cat"])
        self.assertIs(inbox.get("ann"), inbox["ann"])
        self.assertIsNone(inbox.get("dan"))
        self.assertEqual(list(self.inboxes), ["ann", "ben", "cat"])
        self.assertEqual(inbox["ann"].owner, "ben")
        self.assertEqual(inbox["ann"].username, "ann")

    def test_get_inbox(self):
        with self.assertRaises(exc.InboxNotFound):
            self.inboxes.get_inbox("eve")
        inbox = self.inboxes.get_inbox("eve", create=True)
        self.assertIs(self.inboxes.get_inbox("eve", create=True), inbox)
        self.assertEqual(len(inbox), 0)
        with self.assertRaises(exc.InvalidUserId):
            self.inboxes.get_inbox(" ", create=True)

"""A conversation keeps its newest messages inline (issue 13): what it holds and writes.

Every operation is checked against a plain list of the messages, whichever
part of the conversation (the inline tail, the tree) holds them.
"""

from BTrees.LOBTree import LOBTree
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from plonesocial.messaging import exc
from plonesocial.messaging.conversation import Message
from plonesocial.messaging.conversation import TAIL_SIZE
from tests.test_messaging import StorageTestCase
from ZODB.utils import get_pickle_metadata

import copy
import random
import transaction
import unittest


START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class TailTestCase(StorageTestCase):
    def send(self, text, minutes):
        return self.inboxes.send("ann", "ben", text, created=START + timedelta(minutes=minutes))

    def reloaded(self, owner="ben", other="ann"):
        """The conversation as a second connection loads it (after a commit)."""
        self.tm.commit()
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        self.addCleanup(conn.close)
        self.addCleanup(tm.abort)
        return conn.root.inboxes[owner][other]

    def assertHolds(self, conversation, texts):
        """`conversation` holds exactly `texts`, oldest first, and is sound."""
        self.assertEqual([m.text for m in conversation.get_messages()], texts)
        self.assertEqual(len(conversation), len(texts))
        ids = list(conversation)
        self.assertEqual(ids, sorted(ids))
        for key in ids:
            self.assertEqual(conversation[key].id, key)
            self.assertIn(key, conversation)
        conversation.check_invariants()


class TestWhereMessagesGo(TailTestCase):
    def test_a_new_conversation_has_no_tree(self):
        self.send("one", 0)
        conversation = self.inboxes["ben"]["ann"]
        self.assertIsNone(conversation._messages)
        self.assertHolds(self.reloaded(), ["one"])

    def test_the_tree_is_written_once_in_tail_size_sends(self):
        self.send("first", 0)
        self.tm.commit()
        storage, written = self.conn._storage, []
        store = storage.store

        def counting_store(oid, serial, data, version, txn):
            written.append(get_pickle_metadata(data)[1])
            return store(oid, serial, data, version, txn)

        storage.store = counting_store
        self.addCleanup(delattr, storage, "store")
        with_tree = 0
        for n in range(1, 4 * TAIL_SIZE + 1):
            self.send(f"m{n}", n)
            del written[:]
            self.tm.commit()
            with_tree += bool({"MessageTree", "LOBucket"} & set(written))
        # Two copies, each moving its tail once in TAIL_SIZE sends.
        self.assertEqual(with_tree, 4)
        self.assertHolds(self.reloaded(), ["first"] + [f"m{n}" for n in range(1, 4 * TAIL_SIZE + 1)])

    def test_an_older_message_goes_where_its_time_belongs(self):
        for n in range(TAIL_SIZE + 3):  # a tree of TAIL_SIZE, a tail of 3
            self.send(f"m{n}", 10 * n)
        self.send("between the tree's", 5)
        self.send("between the tail's", 10 * (TAIL_SIZE + 1) + 5)
        self.send("before all", -1)
        texts = ["before all", "m0", "between the tree's"] + [f"m{n}" for n in range(1, TAIL_SIZE + 2)]
        texts += ["between the tail's", f"m{TAIL_SIZE + 2}"]
        self.assertHolds(self.inboxes["ben"]["ann"], texts)
        self.assertHolds(self.reloaded(), texts)

    def test_same_microsecond_in_the_tail_and_across_the_boundary(self):
        for n in range(TAIL_SIZE):
            self.send(f"m{n}", n)
        self.send("same as the tree's newest", TAIL_SIZE - 1)  # moves the tail first
        self.send("same again", TAIL_SIZE - 1)
        conversation = self.inboxes["ben"]["ann"]
        self.assertEqual(len(set(conversation)), TAIL_SIZE + 2)
        self.assertHolds(conversation, [f"m{n}" for n in range(TAIL_SIZE)]
                         + ["same as the tree's newest", "same again"])

    def test_unknown_ids_are_not_found(self):
        self.send("one", 0)
        conversation = self.inboxes["ben"]["ann"]
        for key in (0, -5, "abc", None, 1.5):
            self.assertNotIn(key, conversation)
            with self.assertRaises(exc.MessageNotFound):
                conversation[key]
        with self.assertRaises(exc.MessageNotFound):
            conversation.replace(Message(conversation, 7, "u", "ann", "ben", "x", START, 1))


class TestAgainstAList(TailTestCase):
    """Random sends (some back in time), deletions, edits and pages."""

    def check_pages(self, conversation, ids):
        newest_first = ids[::-1]
        for limit in (1, 3, TAIL_SIZE, 100):
            self.assertEqual(conversation.message_ids(limit), newest_first[:limit])
            for pivot in ids[:: max(1, len(ids) // 7)]:
                older = [key for key in newest_first if key < pivot]
                self.assertEqual(conversation.message_ids(limit, before=pivot), older[:limit])
                newer = [key for key in ids if key > pivot][:limit]
                self.assertEqual(conversation.message_ids(limit, after=pivot), newer[::-1])

    def test_random_operations(self):
        for seed in range(12):
            rnd = random.Random(seed)
            self.setUp()
            expected = {}  # id -> text
            clock = 0
            for step in range(rnd.randrange(20, 90)):
                # The sender's copy: `send` returns it (the other copy's ids
                # part from it once one side deletes).
                inbox = self.inboxes.get("ann")
                conversation = inbox.get("ben") if inbox is not None else None
                choice = rnd.random()
                if choice < 0.6 or not expected:
                    clock += rnd.randrange(0, 3)
                    back = rnd.choice([0, 0, 0, rnd.randrange(0, clock + 1)])
                    text = f"s{seed}-{step}"
                    sent = self.send(text, clock - back)
                    expected[sent.id] = text
                elif choice < 0.75:
                    key = rnd.choice(sorted(expected))
                    del conversation[key]
                    del expected[key]
                elif choice < 0.9:
                    key = rnd.choice(sorted(expected))
                    changed = copy.copy(conversation[key])
                    changed.text = expected[key] = f"edited {step}"
                    conversation.replace(changed)
                else:
                    self.tm.commit()
                    self.conn.cacheMinimize()
            conversation = self.inboxes["ann"]["ben"]
            ids = sorted(expected)
            self.assertHolds(conversation, [expected[key] for key in ids])
            self.check_pages(conversation, ids)
            reloaded = self.reloaded("ann", "ben")
            self.assertHolds(reloaded, [expected[key] for key in ids])
            self.check_pages(reloaded, ids)
            self.inboxes.check_invariants()
            self.tearDown()
        self.setUp()  # for tearDown

    def test_anonymise_reaches_tail_and_tree(self):
        for n in range(TAIL_SIZE + 4):
            self.inboxes.send("ann", "ben", f"ann {n}", created=START + timedelta(minutes=2 * n))
            self.inboxes.send("ben", "ann", f"ben {n}", created=START + timedelta(minutes=2 * n + 1))
        conversation = self.inboxes["ben"]["ann"]
        conversation.anonymise("ann", "erased-1", "(erased)")
        messages = list(self.reloaded().get_messages())
        self.assertEqual(len(messages), 2 * (TAIL_SIZE + 4))
        self.assertEqual({m.sender for m in messages}, {"erased-1", "ben"})
        self.assertEqual({m.text for m in messages if m.sender == "erased-1"}, {"(erased)"})
        self.assertEqual(sorted(m.text for m in messages if m.sender == "ben"),
                         sorted(f"ben {n}" for n in range(TAIL_SIZE + 4)))


class TestStoredBefore(TailTestCase):
    """A conversation stored before: all its messages in an LOBTree, no tail."""

    def make_old(self, count):
        for n in range(count):
            self.send(f"m{n}", n)
        conversation = self.inboxes["ben"]["ann"]
        tree = LOBTree()
        for message in conversation.get_messages():
            tree[message.id] = message
        state = conversation.__dict__
        state.pop("_tail", None)
        state.pop("_tree_max", None)
        state["_messages"] = tree
        conversation._p_changed = True
        self.tm.commit()
        return conversation

    def test_new_messages_go_inline_and_the_old_tree_stays(self):
        conversation = self.make_old(70)
        old_tree = conversation._messages
        self.send("new", 100)
        names = {type(obj).__name__ for obj in self.conn._registered_objects}
        self.assertNotIn("LOBTree", names)
        self.assertNotIn("LOBucket", names)
        self.assertIs(conversation._messages, old_tree)
        self.assertHolds(self.reloaded(), [f"m{n}" for n in range(70)] + ["new"])
        self.assertEqual(conversation.message_ids(2), [conversation.last_message.id,
                                                       conversation.message_ids(2)[1]])
        self.assertEqual([conversation[k].text for k in conversation.message_ids(2)],
                         ["new", "m69"])

    def test_sends_and_edits_on_old_data_keep_the_order(self):
        conversation = self.make_old(5)
        for n in range(TAIL_SIZE + 2):
            self.send(f"n{n}", 10 + n)
        changed = copy.copy(conversation[conversation.message_ids(1, before=None)[0]])
        changed.text = "edited"
        conversation.replace(changed)
        first = conversation[list(conversation)[0]]
        del conversation[first.id]
        texts = [f"m{n}" for n in range(1, 5)] + [f"n{n}" for n in range(TAIL_SIZE + 1)]
        self.assertHolds(self.reloaded(), texts + ["edited"])


class TestPackedTail(TailTestCase):
    """The tail is stored as one packed value (packing.py), read back exactly."""

    def stored(self, owner="ben", other="ann"):
        """The record of the conversation as the storage holds it (after a commit)."""
        self.tm.commit()
        conversation = self.inboxes[owner][other]
        data, _ = self.db.storage.load(conversation._p_oid)
        return data

    def fields(self, conversation):
        return [(m.__class__, {k: v for k, v in m.__dict__.items() if k != "__parent__"})
                for m in conversation.get_messages()]

    def test_every_field_comes_back(self):
        self.send("one\nline two", 0)
        second = self.send("two", 1)
        self.tm.commit()
        conversation = self.inboxes["ben"]["ann"]
        edited = copy.copy(conversation[second.id])
        edited.text, edited.edited = "two, edited", datetime(2026, 1, 2, 3, 4, 5)
        edited.versions = ((datetime(2026, 1, 1, 0, 1), "two"),)
        edited.attachments = ("file-1", "file-2")
        conversation.replace(edited)
        self.inboxes.send("ben", "ann", "ünïcode ✓", created=START + timedelta(minutes=2))
        expected = self.fields(conversation)
        reloaded = self.reloaded()
        self.assertEqual(self.fields(reloaded), expected)
        self.assertTrue(all(m.__parent__ is reloaded for m in reloaded.get_messages()))
        self.assertEqual([m.incoming for m in reloaded.get_messages()], [True, True, False])
        self.assertEqual(reloaded.new_messages_count, 2)
        reloaded.check_invariants()

    def test_the_record_names_no_message_class(self):
        for n in range(5):
            self.send(f"m{n}", n)
        data = self.stored()
        # The messages are one bytes value: their class and their parent are
        # not pickled once per message, as they were.
        self.assertNotIn(b"Message", data)
        self.assertIn(b"_tail_packed", data)

    def test_a_value_that_is_not_plain_is_stored_as_before(self):
        from zope.i18nmessageid import Message as Translatable

        self.send("plain", 0)
        odd = self.send("odd", 1)
        conversation = self.inboxes["ben"]["ann"]
        changed = copy.copy(conversation[odd.id])
        changed.text = Translatable("a str of another class", domain="plonesocial")
        conversation.replace(changed)
        data = self.stored()
        self.assertNotIn(b"_tail_packed", data)
        self.assertIn(b"Message", data)
        # Read back by the other connection: nothing was refused or lost.
        reloaded = self.reloaded()
        self.assertEqual([m.text for m in reloaded.get_messages()],
                         ["plain", "a str of another class"])

    def test_a_tail_stored_unpacked_reads_and_is_packed_on_change(self):
        from persistent import Persistent
        from plonesocial.messaging.conversation import Conversation

        self.send("m0", 0)
        self.send("m1", 1)
        packing = Conversation.__getstate__
        Conversation.__getstate__ = Persistent.__getstate__  # as releases before wrote
        try:
            self.inboxes["ben"]["ann"]._p_changed = True
            data = self.stored()
        finally:
            Conversation.__getstate__ = packing
        self.assertNotIn(b"_tail_packed", data)
        reloaded = self.reloaded()
        self.assertHolds(reloaded, ["m0", "m1"])
        self.send("m2", 2)
        self.assertIn(b"_tail_packed", self.stored())
        self.assertHolds(self.reloaded(), ["m0", "m1", "m2"])

    def test_unpacking_makes_datetimes_only(self):
        from plonesocial.messaging import packing

        import pickle

        hostile = pickle.dumps([{"text": copy.copy}])  # names a function to load
        with self.assertRaises(pickle.UnpicklingError):
            packing.unpack(hostile, Message, None)
        self.assertIsNone(packing.pack([Message(None, 1, "u", "a", "b", object(), START, 1)]))


if __name__ == "__main__":
    unittest.main()

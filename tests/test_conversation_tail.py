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


if __name__ == "__main__":
    unittest.main()

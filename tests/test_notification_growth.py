"""A private message's notification grows where it stands (issue 13).

While Ann's "sent you a message" notification is unseen, the newest of Bob's
list and newer than Bob's last look, her next message folds into it without
moving it: two objects written (the notification and the counter), not five.
Everywhere else it moves to the top as before. Each test reads what a reader
sees: the rows, their order and times, both badges, the digest, retention.
"""

from datetime import timedelta
from plonesocial.activitystream import api
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from tests.test_activitystream import ManagerTestCase
from unittest import mock
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError

import shutil
import tempfile
import transaction
import unittest
import ZODB


class GrowthTestCase(ManagerTestCase):
    def message(self, sender="ann", body="hi", owner=None, when=None):
        """Ann's message reaches Bob's list (at `when`, naive UTC, if given)."""
        with mock.patch("plonesocial.activitystream.delivering.utcnow",
                        return_value=when or utcnow()):
            self.am.notify_facts(["bob"], "message", "sent you a message",
                                 owner=owner or Reference("user", sender), actor=sender,
                                 body=body)

    def count_new(self):
        with mock.patch.object(api, "get_manager", return_value=self.am):
            return api.count_new("bob")

    def written(self, deliver):
        """Deliver with `deliver`, return the class names of the objects it changed."""
        self.tm.commit()
        deliver()
        names = sorted(type(obj).__name__ for obj in self.conn._registered_objects)
        self.tm.commit()
        return names

    def rows(self):
        return [(n.actors, n.count, n.body) for n in self.am.get_by_recipient("bob").all()]

    @property
    def bobs(self):
        return self.am.notifications.get_list("bob")


class TestGrowsInPlace(GrowthTestCase):
    def test_a_second_message_writes_the_notification_and_the_counter(self):
        self.message(body="one")
        first = self.am.get_by_recipient("bob").first()
        first_id, created = first.id, first.created
        names = self.written(lambda: self.message(body="two"))
        self.assertEqual(names, ["Length", "Notification"])
        grown = self.am.get_by_recipient("bob").first()
        self.assertIs(grown, first)
        self.assertEqual(grown.id, first_id)  # its place and its address stay
        self.assertEqual(grown.created, created)
        self.assertGreater(grown.updated, created)  # the time shown is the newest message's
        self.assertEqual(self.rows(), [(("ann",), 2, "two")])
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 2)
        self.assertEqual(self.count_new(), 2)
        self.bobs.check_invariants()
        self.am.mark_seen("bob", grown.id)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 0)
        self.bobs.check_invariants()

    def test_after_another_notification_it_moves_to_the_top(self):
        self.message(body="one")
        self.message("cat", body="from cat")
        names = self.written(lambda: self.message(body="two"))
        self.assertIn("LOBTree", names)  # the list's trees: a move
        self.assertEqual(self.rows(), [(("ann",), 2, "two"), (("cat",), 1, "from cat")])
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 3)
        self.bobs.check_invariants()

    def test_after_bob_looked_it_moves_and_counts_as_new(self):
        self.message(body="one")
        first_id = self.am.get_by_recipient("bob").first().id
        self.am.update_last_seen("bob", utcnow() + timedelta(seconds=1))
        self.assertEqual(self.count_new(), 0)
        later = utcnow() + timedelta(seconds=2)
        self.message(body="two", when=later)
        grown = self.am.get_by_recipient("bob").first()
        self.assertNotEqual(grown.id, first_id)
        self.assertEqual(grown.updated, later)
        # The row grew since Bob looked: it is news again, counted once.
        self.assertEqual(self.count_new(), 1)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 2)
        self.bobs.check_invariants()

    def test_a_group_message_notification_moves(self):
        # Editing a group message finds the notifications delivered since it was
        # sent, by their id: theirs must say when the newest one came.
        group = Reference("message", "group-g1")
        self.message(body="one", owner=group)
        first_id = self.am.get_by_recipient("bob").first().id
        self.message(body="two", owner=group)
        grown = self.am.get_by_recipient("bob").first()
        self.assertNotEqual(grown.id, first_id)
        self.assertEqual(grown.count, 2)
        self.bobs.check_invariants()

    def test_other_types_move(self):
        doc = Reference("content", "doc-1")
        self.am.notify_facts(["bob"], "comment", "commented on", owner=doc, actor="ann",
                             title="Doc")
        first_id = self.am.get_by_recipient("bob").first().id
        self.am.notify_facts(["bob"], "comment", "commented on", owner=doc, actor="cat",
                             title="Doc")
        self.assertNotEqual(self.am.get_by_recipient("bob").first().id, first_id)

    def test_grown_then_moved_says_its_new_time(self):
        self.message(body="one")
        self.message(body="two")  # in place
        self.message("cat", body="from cat")
        later = utcnow() + timedelta(seconds=5)
        self.message(body="three", when=later)
        top = self.am.get_by_recipient("bob").first()
        self.assertEqual(top.id, to_key(later))
        self.assertEqual(top.updated, later)
        self.assertEqual((top.count, self.am.count_not_seen_by_recipient("bob")), (3, 4))
        self.bobs.check_invariants()


class TestDigestAndRetention(GrowthTestCase):
    def test_the_digest_has_the_grown_notification_once(self):
        self.am.get_preferences("bob").set(mail_modes={"message": "daily"})
        self.message(body="one")
        self.message(body="two")
        self.assertEqual(self.bobs.waiting_modes(), {"daily"})
        self.assertEqual(len(self.bobs.waiting()), 1)
        taken = self.bobs.take_digest({"daily"}, utcnow())
        self.assertEqual([(n.count, n.body) for n in taken], [(2, "two")])
        # A third message after the digest went: it waits for the next one.
        self.message(body="three")
        taken = self.bobs.take_digest({"daily"}, utcnow())
        self.assertEqual([(n.count, n.body) for n in taken], [(3, "three")])

    def test_retention_counts_from_the_newest_message(self):
        start = utcnow()
        self.message(body="old", when=start)
        self.message(body="recent", when=start + timedelta(days=9))
        grown = self.am.get_by_recipient("bob").first()
        self.assertEqual(grown.id, to_key(start))  # grown in place
        self.am.mark_seen("bob", grown.id)
        # Kept 3 days after its newest message, not its first.
        self.am.cleanup(remove_after=3, keep_unseen=False, now=start + timedelta(days=10))
        self.assertEqual(self.rows(), [(("ann",), 2, "recent")])
        self.am.cleanup(remove_after=3, keep_unseen=False, now=start + timedelta(days=13))
        self.assertEqual(self.rows(), [])


class TestReadAlong(GrowthTestCase):
    """Bob reads along in the conversation (each message marks Ann's notification
    seen): her next message starts that row again, not a row under it."""

    def read(self, sender="ann"):
        self.am.mark_seen_about("bob", "message", Reference("user", sender))

    def test_one_row_for_a_conversation_read_along(self):
        self.message(body="one")
        row = self.am.get_by_recipient("bob").first()
        self.read()
        self.message(body="two")
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 1)
        self.read()
        names = self.written(lambda: self.message(body="three"))
        # The notification, its place among the unseen ones and in the groups, the
        # counter: not the list's tree of items, where it stays.
        self.assertEqual(names, ["LOBTree", "Length", "Notification", "OOBTree"])
        self.assertEqual(self.rows(), [(("ann",), 1, "three")])
        again = self.am.get_by_recipient("bob").first()
        self.assertIs(again, row)
        self.assertFalse(again.seen)
        self.assertEqual((self.am.count_not_seen_by_recipient("bob"), self.count_new()), (1, 1))
        self.bobs.check_invariants()
        # Unseen again, it groups the next one as before.
        self.message(body="four")
        self.assertEqual(self.rows(), [(("ann",), 2, "four")])
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 2)
        self.bobs.check_invariants()

    def test_after_bob_looked_it_moves_up_as_news(self):
        self.message(body="one")
        first_id = self.am.get_by_recipient("bob").first().id
        self.read()
        self.am.update_last_seen("bob", utcnow() + timedelta(seconds=1))
        later = utcnow() + timedelta(seconds=2)
        self.message(body="two", when=later)
        row = self.am.get_by_recipient("bob").first()
        self.assertEqual((row.id, row.created, row.updated), (to_key(later), later, later))
        self.assertNotEqual(row.id, first_id)
        self.assertEqual(self.rows(), [(("ann",), 1, "two")])
        self.assertEqual(self.count_new(), 1)
        self.bobs.check_invariants()

    def test_a_row_of_someone_else_on_top_keeps_both(self):
        self.message(body="one")
        self.read()
        self.message("cat", body="from cat")
        self.read("cat")
        self.message(body="two")
        self.assertEqual(self.rows(), [(("ann",), 1, "two"), (("cat",), 1, "from cat"),
                                       (("ann",), 1, "one")])
        self.bobs.check_invariants()

    def test_group_messages_keep_a_row_each(self):
        group = Reference("message", "group-g1")
        self.message(body="one", owner=group)
        self.am.mark_seen_about("bob", "message", group)
        self.message(body="two", owner=group)
        self.assertEqual([row[2] for row in self.rows()], ["two", "one"])

    def test_a_mailed_one_starts_unsent(self):
        self.message(body="one")
        row = self.am.get_by_recipient("bob").first()
        self.am.mark_sent(row, utcnow())
        self.read()
        self.message(body="two")
        self.assertIsNone(self.am.get_by_recipient("bob").first().sent)


class TwoConnectionsTestCase(unittest.TestCase):
    """An ActivityManager on a real FileStorage (conflict resolution as deployed), opened
    by as many connections as a test wants: requests at once."""

    def setUp(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, True)
        self.db = ZODB.DB(FileStorage(f"{folder}/Data.fs"))
        self.addCleanup(self.db.close)
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        conn.root.am = ActivityManager()
        tm.commit()
        self.prepare(conn.root.am)
        tm.commit()
        conn.close()

    def prepare(self, am):
        """What the database holds before the test (committed)."""

    def open(self):
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        self.addCleanup(conn.close)
        self.addCleanup(tm.abort)
        return tm, conn.root.am


class TestConcurrentGrowth(TwoConnectionsTestCase):
    """Two requests at once: Ann's notification grows beside another delivery."""

    def prepare(self, am):
        self.deliver(am, "ann", "one")

    @staticmethod
    def deliver(am, sender, body):
        am.notify_facts(["bob"], "message", "sent you a message",
                        owner=Reference("user", sender), actor=sender, body=body)

    def test_growth_beside_a_new_row_keeps_the_counter_exact(self):
        tm1, am1 = self.open()
        tm2, am2 = self.open()
        self.deliver(am1, "ann", "two")  # grows Ann's row where it stands
        self.deliver(am2, "cat", "hello")  # a new row on top, at the same time
        tm1.commit()
        tm2.commit()  # no conflict: the counter resolves, the trees are Cat's only
        _, am = self.open()
        rows = [(n.actors, n.count) for n in am.get_by_recipient("bob").all()]
        self.assertEqual(rows, [(("cat",), 1), (("ann",), 2)])
        self.assertEqual(am.count_not_seen_by_recipient("bob"), 3)
        am.notifications.get_list("bob").check_invariants()

    def test_two_growths_at_once_conflict_and_the_retry_counts(self):
        tm1, am1 = self.open()
        tm2, am2 = self.open()
        self.deliver(am1, "ann", "two")
        self.deliver(am2, "ann", "three")
        tm1.commit()
        with self.assertRaises(ConflictError):
            tm2.commit()
        tm2.abort()
        self.deliver(am2, "ann", "three")  # Zope's retry
        tm2.commit()
        _, am = self.open()
        self.assertEqual([(n.count, n.body) for n in am.get_by_recipient("bob").all()],
                         [(3, "three")])
        self.assertEqual(am.count_not_seen_by_recipient("bob"), 3)
        am.notifications.get_list("bob").check_invariants()

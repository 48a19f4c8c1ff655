"""What waits for a digest: the notification says so, the list keeps a mark per mode.

Issue 13: a new row of a notification list wrote the list's tree of waiting ids
too (six objects); now the notification carries the mode it waits for and the
list keeps, per mode, the lowest id that may wait, written only when it moves
down. A digest reads from the mark up. Each test checks what a reader gets in
their digests: everything once, nothing twice, nothing lost to a concurrent
delivery (two connections on a real FileStorage).
"""

from datetime import timedelta
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.notification_digests import DigestMarks
from plonesocial.clock import utcnow
from tests.test_activitystream import ManagerTestCase
from tests.test_notification_growth import TwoConnectionsTestCase
from unittest import mock
from ZODB.POSException import ConflictError
from ZODB.utils import get_pickle_metadata

import unittest


def deliver(am, sender, body, userid="bob", message_type="mention", when=None):
    """`sender` mentions `userid` (a row of its own per sender), at `when` if given."""
    with mock.patch("plonesocial.activitystream.delivering.utcnow",
                    return_value=when or utcnow()):
        am.notify_facts([userid], message_type, "mentioned you",
                        owner=Reference("user", sender), actor=sender, body=body)


class MarksTestCase(ManagerTestCase):
    def setUp(self):
        super().setUp()
        self.am.get_preferences("bob").set(mail_mode="daily")
        self.tm.commit()

    @property
    def bobs(self):
        return self.am.notifications.get_list("bob")

    def written(self, action):
        """Do `action` and commit, return the class names of the records stored."""
        self.tm.commit()
        action()
        self.tm.commit()
        storage = self.db.storage
        [txn] = storage.iterator(storage.lastTransaction())
        return sorted(get_pickle_metadata(record.data)[1] for record in txn)

    def digest(self, modes=("daily",), when=None):
        return [n.body for n in self.bobs.take_digest(set(modes), when or utcnow())]


class TestWhatADeliveryWrites(MarksTestCase):
    def test_a_new_row_writes_no_tree_of_waiting_ids(self):
        for n in range(5):
            deliver(self.am, f"u{n}", f"b{n}")
        names = self.written(lambda: deliver(self.am, "ann", "hi"))
        # The notification, the list's items, unseen and groups trees, the unseen counter.
        self.assertEqual(names, ["LOBTree", "LOBTree", "Length", "Notification", "OOBTree"])
        self.assertIsNone(self.bobs._unsent)
        self.assertEqual(self.bobs.waiting_modes(), {"daily"})
        self.bobs.check_invariants()

    def test_the_first_after_a_digest_writes_the_mark_the_next_do_not(self):
        deliver(self.am, "ann", "one")
        self.assertEqual(self.digest(), ["one"])
        self.assertFalse(self.bobs.has_waiting())
        names = self.written(lambda: deliver(self.am, "cat", "two"))
        self.assertIn("DigestMarks", names)
        names = self.written(lambda: deliver(self.am, "dan", "three"))
        self.assertNotIn("DigestMarks", names)
        self.assertEqual(self.digest(), ["three", "two"])

    def test_a_mode_without_digests_writes_no_mark(self):
        self.am.get_preferences("bob").set(mail_mode="never")
        deliver(self.am, "cat", "first")  # makes the list (and its marks, empty)
        names = self.written(lambda: deliver(self.am, "ann", "hi"))
        self.assertNotIn("DigestMarks", names)
        self.assertFalse(self.bobs.has_waiting())
        self.assertEqual(self.digest(), [])


class TestWhatADigestTakes(MarksTestCase):
    def test_each_once_newest_first_and_the_seen_ones_not(self):
        for n in range(4):
            deliver(self.am, f"u{n}", f"b{n}")
        self.am.mark_seen("bob", self.am.get_by_recipient("bob").all()[1].id)  # b2
        self.assertEqual(len(self.bobs.waiting()), 4)
        self.assertEqual(self.digest(), ["b3", "b1", "b0"])
        self.assertEqual(self.digest(), [])
        self.assertEqual(self.bobs.waiting(), {})
        # Marked unseen after its digest went: not mailed again.
        self.am.mark_unseen("bob", self.am.get_by_recipient("bob").all()[1].id)
        self.assertEqual(self.digest(), [])
        self.bobs.check_invariants()

    def test_only_the_modes_due(self):
        self.am.get_preferences("bob").set(mail_modes={"mention": "daily", "like": "weekly"})
        deliver(self.am, "ann", "daily one")
        deliver(self.am, "cat", "weekly one", message_type="like")
        deliver(self.am, "dan", "daily two")
        self.assertEqual(self.bobs.waiting_modes(), {"daily", "weekly"})
        self.assertEqual(self.digest(["daily"]), ["daily two", "daily one"])
        self.assertEqual(self.bobs.waiting_modes(), {"weekly"})
        self.assertEqual(self.digest(["weekly"]), ["weekly one"])
        self.assertFalse(self.bobs.has_waiting())
        self.bobs.check_invariants()

    def test_one_delivered_late_with_an_older_id_is_in_the_next_digest(self):
        # A fan-out job delivers with the time the event happened: after a digest
        # that took a newer one, its id lies below everything the digest read.
        start = utcnow()
        deliver(self.am, "ann", "newer", when=start)
        self.assertEqual(self.digest(when=start + timedelta(minutes=2)), ["newer"])
        deliver(self.am, "cat", "queued", when=start - timedelta(minutes=1))
        self.assertEqual(self.digest(), ["queued"])
        self.bobs.check_invariants()

    def test_a_notification_grown_after_its_digest_waits_again(self):
        self.am.get_preferences("bob").set(mail_modes={"message": "daily"})
        deliver(self.am, "ann", "one", message_type="message")
        self.assertEqual(self.digest(), ["one"])
        deliver(self.am, "ann", "two", message_type="message")  # grows where it stands
        [row] = self.am.get_by_recipient("bob").all()
        self.assertEqual((row.count, row.body), (2, "two"))
        self.assertEqual(self.digest(), ["two"])
        self.bobs.check_invariants()

    def test_one_that_moves_waits_only_if_its_new_delivery_does(self):
        # Ann's mention waits for the daily digest; Bob then wants mentions at once. Her
        # next mention moves the row to the top and is mailed at once: no digest too.
        deliver(self.am, "ann", "one")
        deliver(self.am, "cat", "between")
        self.am.get_preferences("bob").set(mail_modes={"mention": "immediately"})
        deliver(self.am, "ann", "two")
        [top, _] = self.am.get_by_recipient("bob").all()
        self.assertEqual((top.actors, top.waits_for), (("ann",), None))
        self.assertEqual(self.digest(), ["between"])
        self.bobs.check_invariants()

    def test_a_list_of_the_release_before_keeps_its_waiting_ids(self):
        deliver(self.am, "ann", "old")
        old = self.am.get_by_recipient("bob").first()
        # As the release before stored it: the tree of waiting ids, no marks.
        from BTrees.LOBTree import LOBTree

        old.waits_for = None
        self.bobs._digest_marks = None
        self.bobs._unsent = LOBTree({-old.id: "daily"})
        self.tm.commit()
        self.assertTrue(self.bobs.has_waiting())
        deliver(self.am, "cat", "new")
        deliver(self.am, "ann", "old again")  # Ann's moves: its old entry goes
        self.assertEqual(self.digest(), ["old again", "new"])
        self.assertFalse(self.bobs.has_waiting())
        self.bobs.check_invariants()

    def test_one_in_both_records_is_mailed_once(self):
        deliver(self.am, "ann", "both")
        row = self.am.get_by_recipient("bob").first()
        from BTrees.LOBTree import LOBTree

        self.bobs._unsent = LOBTree({-row.id: "daily"})
        self.assertEqual(self.digest(), ["both"])

    def test_the_invariants_find_one_waiting_below_its_mark(self):
        deliver(self.am, "ann", "one")
        deliver(self.am, "cat", "two")
        self.bobs._digest_marks.marks = {"daily": self.am.get_by_recipient("bob").first().id}
        with self.assertRaisesRegex(AssertionError, "waiting below its mark"):
            self.bobs.check_invariants()


class TestCandidates(MarksTestCase):
    def test_the_digest_job_asks_every_list_once_in_batches(self):
        self.am.get_preferences("dan").set(mail_mode="never")
        for userid in ("cat", "dan", "eve", "fay"):
            deliver(self.am, "ann", "hi", userid=userid)
        deliver(self.am, "ann", "hi")  # bob
        self.tm.commit()
        lists = [found.owner for found in
                 self.am.notifications.lists_with_digest_state(batch=2)]
        self.assertEqual(lists, ["bob", "cat", "dan", "eve", "fay"])
        self.assertEqual(list(self.am.digest_candidates()), ["bob", "cat", "eve", "fay"])


class TestMarksResolve(unittest.TestCase):
    def resolve(self, old, committed, new):
        return DigestMarks()._p_resolveConflict(
            {"marks": old}, {"marks": committed}, {"marks": new})["marks"]

    def test_two_deliveries_lowering_keep_the_lower_of_each(self):
        self.assertEqual(self.resolve({"daily": 50}, {"daily": 40, "weekly": 9},
                                      {"daily": 30, "often": 7}),
                         {"daily": 30, "weekly": 9, "often": 7})

    def test_a_digest_beside_a_delivery_does_not_merge(self):
        with self.assertRaises(ConflictError):
            self.resolve({"daily": 50}, {}, {"daily": 40})
        with self.assertRaises(ConflictError):
            self.resolve({"daily": 50}, {"daily": 40}, {})


class TestConcurrentDigest(TwoConnectionsTestCase):
    """A digest and a delivery of one list at once, on a real FileStorage."""

    def prepare(self, am):
        am.get_preferences("bob").set(mail_mode="daily")
        deliver(am, "ann", "one")

    @staticmethod
    def digest(am):
        return [n.body for n in am.notifications.get_list("bob").take_digest({"daily"},
                                                                              utcnow())]

    def test_a_digest_committed_first_makes_the_delivery_retry(self):
        tm1, am1 = self.open()
        tm2, am2 = self.open()
        self.assertEqual(self.digest(am1), ["one"])
        deliver(am2, "cat", "two")  # the mark is below: it only reads it
        tm1.commit()
        with self.assertRaises(ConflictError):
            tm2.commit()  # it would wait under no mark: never mailed
        tm2.abort()
        deliver(am2, "cat", "two")  # Zope's retry: sets the mark again
        tm2.commit()
        tm, am = self.open()
        self.assertEqual(self.digest(am), ["two"])
        am.notifications.get_list("bob").check_invariants()

    def test_a_delivery_committed_first_makes_the_digest_retry(self):
        tm1, am1 = self.open()
        tm2, am2 = self.open()
        self.assertEqual(self.digest(am1), ["one"])
        deliver(am2, "cat", "two")
        tm2.commit()
        with self.assertRaises(ConflictError):
            tm1.commit()  # it did not see "two" and would drop its mark
        tm1.abort()
        self.assertEqual(self.digest(am1), ["two", "one"])  # the retry
        tm1.commit()
        tm, am = self.open()
        self.assertEqual(self.digest(am), [])
        am.notifications.get_list("bob").check_invariants()

    def test_two_deliveries_after_a_digest_both_set_the_mark_and_merge(self):
        tm, am = self.open()
        self.digest(am)
        tm.commit()
        tm1, am1 = self.open()
        tm2, am2 = self.open()
        deliver(am1, "cat", "two")
        deliver(am2, "dan", "three")
        tm1.commit()
        tm2.commit()  # both lowered the mark from none: resolved
        tm, am = self.open()
        self.assertEqual(sorted(self.digest(am)), ["three", "two"])
        am.notifications.get_list("bob").check_invariants()

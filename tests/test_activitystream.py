"""Unit tests of the activity manager on a plain ZODB (no Plone)."""

from datetime import datetime
from datetime import timedelta
from plone.registry import Registry
from plone.registry.fieldfactory import persistentFieldAdapter
from plone.registry.interfaces import IRegistry
from plonesocial.activitystream import exc
from plonesocial.activitystream.interfaces import IActivity
from plonesocial.activitystream.interfaces import IActivityManager
from plonesocial.activitystream.interfaces import INotification
from plonesocial.activitystream.interfaces import IPreferences
from plonesocial.activitystream.interfaces import IQuery
from plonesocial.activitystream.interfaces import ISubscription
from plonesocial.activitystream.interfaces import ISubscriptions
from plonesocial.activitystream.jobs import run_fanout
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.activitystream.manager import LastSeen
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX
from plonesocial.clock import utcnow
from ZODB.FileStorage import FileStorage
from zope.component import getGlobalSiteManager
from zope.component import provideAdapter
from zope.component import provideUtility
from zope.interface.verify import verifyObject

import tempfile
import transaction
import unittest
import ZODB


DOC = ("content", "doc-uuid")


def install_registry(testcase, threshold):
    """Install a real plone.registry with the settings, the threshold changed."""
    gsm = getGlobalSiteManager()
    provideAdapter(persistentFieldAdapter)
    testcase.addCleanup(gsm.unregisterAdapter, persistentFieldAdapter)
    registry = Registry()
    registry.registerInterface(IActivityStreamSettings, prefix=PREFIX)
    registry[f"{PREFIX}.fanout_threshold"] = threshold
    provideUtility(registry, IRegistry)
    testcase.addCleanup(gsm.unregisterUtility, registry, IRegistry)


class ManagerTestCase(unittest.TestCase):
    """An ActivityManager at the root of a fresh in-memory database."""

    def setUp(self):
        self.db = ZODB.DB(None)
        self.tm = transaction.TransactionManager()
        self.conn = self.db.open(self.tm)
        self.conn.root.am = ActivityManager()
        self.tm.commit()
        self.am = self.conn.root.am

    def tearDown(self):
        self.tm.abort()
        self.conn.close()
        self.db.close()

    def subjects(self, userid):
        return [n.subject for n in self.am.get_by_recipient(userid)]


class TestConformance(ManagerTestCase):
    def test_verify_objects(self):
        activity = self.am.create(actor="ann", verb="Create", object=DOC, recipients=["bob"])
        notification = self.am.get_by_recipient("bob").first()
        subscription = self.am.subscriptions.follow("bob", "ann")
        self.assertTrue(verifyObject(IActivityManager, self.am))
        self.assertTrue(verifyObject(IActivity, activity))
        self.assertTrue(verifyObject(INotification, notification))
        self.assertTrue(verifyObject(IQuery, self.am.get_by_recipient("bob")))
        self.assertTrue(verifyObject(ISubscriptions, self.am.subscriptions))
        self.assertTrue(verifyObject(ISubscription, subscription))
        self.assertTrue(verifyObject(IPreferences, self.am.get_preferences("bob")))


class TestCreate(ManagerTestCase):
    def test_streams(self):
        a1 = self.am.create(actor="ann", verb="Create", object=DOC, context="doc-uuid",
                            ancestors=["root-folder", "sub-folder"])
        a2 = self.am.create(actor="bob", verb="Like", object=DOC, context="doc-uuid",
                            ancestors=["root-folder", "sub-folder"])
        a3 = self.am.create(actor="ann", verb="Create", object=("content", "other"),
                            context="other", ancestors=["root-folder"])
        ids = lambda query: [a.id for a in query]  # noqa: E731
        self.assertEqual(ids(self.am.get_site_stream(None)), [a3.id, a2.id, a1.id])
        self.assertEqual(ids(self.am.get_by_actor("ann", None)), [a3.id, a1.id])
        self.assertEqual(ids(self.am.get_by_context("doc-uuid", None)), [a2.id, a1.id])
        self.assertEqual(ids(self.am.get_by_context("sub-folder", None)), [a2.id, a1.id])
        self.assertEqual(ids(self.am.get_by_context("root-folder", None)), [a3.id, a2.id, a1.id])
        self.assertEqual(ids(self.am.get_by_context("nowhere", None)), [])
        self.assertEqual(len(self.am), 3)
        self.assertIs(self.am.get(a2.id), self.am.get_site_stream(None).before(a3.id).first())

    def test_ids_unique_in_one_microsecond(self):
        when = datetime(2024, 1, 1)
        ids = [self.am.create(actor="ann", verb="Like", object=DOC, published=when).id
               for _ in range(3)]
        self.assertEqual(len(set(ids)), 3)
        self.assertEqual(self.am.get(ids[0]).published, when)

    def test_as2_json(self):
        activity = self.am.create(
            actor="ann", verb="Add", object=DOC, target=("content", "folder-uuid"),
            context="doc-uuid", summary="Ann added it", description="Longer",
            recipients=["bob"], extra={"n": 1}, published=datetime(2024, 5, 6, 7, 8, 9),
        )
        data = activity.to_json()
        self.assertEqual(data, {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"urn:plonesocial:activity:{activity.id}",
            "type": "Add",
            "actor": {"type": "Person", "id": "urn:plonesocial:user:ann"},
            "object": {"type": "Object", "id": "urn:plonesocial:content:doc-uuid"},
            "target": {"type": "Object", "id": "urn:plonesocial:content:folder-uuid"},
            "context": {"type": "Object", "id": "urn:plonesocial:content:doc-uuid"},
            "summary": "Ann added it",
            "content": "Longer",
            "published": "2024-05-06T07:08:09.000000Z",
            "to": ["urn:plonesocial:user:bob"],
            "plonesocial:extra": {"n": 1},
        })

    def test_bad_input_writes_nothing(self):
        bad = [
            (exc.InvalidUserId, dict(actor=" ann")),
            (exc.InvalidUserId, dict(actor=None)),
            (exc.InvalidVerb, dict(verb="")),
            (exc.InvalidVerb, dict(verb=3)),
            (exc.InvalidReference, dict(object=("planet", "x"))),
            (exc.InvalidReference, dict(object=("user", ""))),
            (exc.InvalidReference, dict(object=None)),
            (exc.InvalidReference, dict(object=42)),
            (exc.InvalidReference, dict(target=("user",))),
            (exc.InvalidReference, dict(context=" ")),
            (exc.InvalidReference, dict(context="c", ancestors=[None])),
            (exc.InvalidExtra, dict(extra=[1, object()])),
            (exc.InvalidExtra, dict(extra={"x": float("nan")})),
            (exc.InvalidExtra, dict(extra={"x": {1, 2}})),
            (exc.InvalidActivity, dict(recipients="bob")),
            (exc.InvalidUserId, dict(recipients=["bob", ""])),
            (exc.InvalidActivity, dict(summary=None)),
            (exc.InvalidActivity, dict(published="yesterday")),
        ]
        self.am.subscriptions.follow("bob", "ann")
        self.tm.commit()
        for error, changes in bad:
            arguments = dict(actor="ann", verb="Create", object=DOC)
            arguments.update(changes)
            with self.subTest(changes=changes):
                with self.assertRaises(error):
                    self.am.create(**arguments)
                self.assertIsInstance(error("x"), exc.ActivityStreamError)
        self.assertEqual(self.conn._registered_objects, [])
        self.assertEqual(len(self.am), 0)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 0)

    def test_extra_is_copied(self):
        extra = {"tags": ["a"]}
        activity = self.am.create(actor="ann", verb="Tag", object=DOC, extra=extra)
        extra["tags"].append("b")
        self.assertEqual(activity.extra, {"tags": ["a"]})

    def test_unknown_activity(self):
        with self.assertRaises(exc.ActivityNotFound):
            self.am.get(12345)
        with self.assertRaises(exc.ActivityNotFound):
            self.am.get("12345")


class TestQuery(ManagerTestCase):
    def setUp(self):
        super().setUp()
        start = datetime(2024, 1, 1)
        self.ids = [
            self.am.create(actor="ann", verb="Like", object=DOC,
                           published=start + timedelta(minutes=i)).id
            for i in range(10)
        ]  # oldest first

    def stream(self):
        return self.am.get_site_stream(None)

    def test_limit_and_keyset_pages(self):
        newest_first = self.ids[::-1]
        first = [a.id for a in self.stream().limit(4)]
        self.assertEqual(first, newest_first[:4])
        second = [a.id for a in self.stream().before(first[-1]).limit(4)]
        self.assertEqual(second, newest_first[4:8])
        back = [a.id for a in self.stream().after(second[0]).limit(4)]
        self.assertEqual(back, first)
        self.assertEqual([a.id for a in self.stream().after(self.ids[-1])], [])
        window = [a.id for a in self.stream().before(self.ids[6]).after(self.ids[2])]
        self.assertEqual(window, [self.ids[5], self.ids[4], self.ids[3]])
        self.assertEqual(self.stream().limit(0).all(), [])

    def test_queries_are_immutable_and_lazy(self):
        query = self.stream()
        limited = query.limit(2)
        self.assertEqual(len(query.all()), 10)
        self.assertEqual(len(limited.all()), 2)
        self.assertEqual(len(list(iter(limited))), 2)

    def test_bad_cursors(self):
        for bad in (0, -1, "5", None, 1.5, True):
            with self.assertRaises(exc.InvalidCursor):
                self.stream().before(bad)
        with self.assertRaises(exc.InvalidCursor):
            self.stream().limit(-1)

    def test_newest_20_touch_few_objects(self):
        for i in range(2000):
            self.am.notify(["bob"], subject=f"n{i}")
        self.tm.commit()
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        self.addCleanup(conn.close)
        conn.cacheMinimize()
        before = conn.getTransferCounts(clear=True)
        page = conn.root.am.get_by_recipient("bob").limit(20).all()
        loads, _ = conn.getTransferCounts()
        self.assertEqual(before, (0, 0))
        self.assertEqual([n.subject for n in page], [f"n{i}" for i in range(1999, 1979, -1)])
        # 20 notifications plus the path down the trees: far from 2,000.
        self.assertLess(loads, 40)


class TestNotifications(ManagerTestCase):
    def test_seen_unseen_all(self):
        for i in range(3):
            self.am.notify(["bob"], subject=f"n{i}")
        newest, middle, oldest = self.am.get_by_recipient("bob")
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 3)
        self.am.mark_seen("bob", middle.id)
        self.am.mark_seen("bob", middle.id)  # twice: still one
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 2)
        self.assertEqual([n.seen for n in (newest, middle, oldest)], [False, True, False])
        self.am.mark_unseen("bob", middle.id)
        self.am.mark_unseen("bob", middle.id)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 3)
        self.assertIsNone(self.am.get_last_seen("bob"))
        self.assertEqual(self.am.mark_all_seen("bob"), 3)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 0)
        self.assertTrue(all(n.seen for n in self.am.get_by_recipient("bob")))
        self.assertIsNotNone(self.am.get_last_seen("bob"))
        self.am.notify(["bob"], subject="later")
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 1)

    def test_unknown_notification(self):
        self.am.notify(["bob"], subject="hi")
        mine = self.am.get_by_recipient("bob").first()
        for userid, notification_id in (("bob", 1), ("ann", mine.id), ("bob", str(mine.id))):
            with self.assertRaises(exc.NotificationNotFound):
                self.am.mark_seen(userid, notification_id)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 1)

    def test_bad_notify_input(self):
        for kwargs in (dict(recipients="bob"), dict(subject=""), dict(subject=None),
                       dict(message_type=""), dict(owner=("nope", "x")), dict(actor=""),
                       dict(recipients=[""])):
            arguments = dict(recipients=["bob"], subject="hi")
            arguments.update(kwargs)
            with self.subTest(kwargs=kwargs):
                with self.assertRaises(exc.InvalidActivity):
                    self.am.notify(**arguments)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 0)

    def test_grouping(self):
        for actor in ("ann", "cat", "ann"):
            self.am.notify(["bob"], subject=f"{actor} commented on Doc", message_type="comment",
                           owner=DOC, actor=actor, phrase="commented on", title="Doc")
        self.am.notify(["bob"], subject="other type", message_type="like", owner=DOC, actor="dan")
        self.am.notify(["bob"], subject="other owner", message_type="comment",
                       owner=("content", "x"), actor="dan")
        notifications = self.am.get_by_recipient("bob").all()
        self.assertEqual(len(notifications), 3)
        group = notifications[2]
        self.assertEqual(group.subject, "ann and 1 other commented on Doc")
        self.assertEqual((group.actors, group.count), (("ann", "cat"), 3))
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 3)
        # Once seen, the group closes.
        self.am.mark_seen("bob", group.id)
        self.am.notify(["bob"], subject="eve commented on Doc", message_type="comment",
                       owner=DOC, actor="eve", phrase="commented on", title="Doc")
        self.assertEqual(self.am.get_by_recipient("bob").first().subject, "eve commented on Doc")
        self.assertEqual(len(self.am.get_by_recipient("bob").all()), 4)

    def message(self, sender="ann"):
        self.am.notify(["bob"], f"{sender} sent you a message", message_type="message",
                       owner=("user", sender), actor=sender,
                       phrase="sent you a message", body="hi")

    def test_each_message_counts_and_clears(self):
        """Each private message counts while unseen (COUNT_EACH); its notification
        keeps the extra ones, the group names the notification, and marking it seen,
        unseen again or all seen keeps the counter exact."""
        for _ in range(3):
            self.message()
        self.message("cat")
        bob = self.am.notifications.get_list("bob")
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 4)
        ann = self.am.get_by_recipient("bob").all()[1]
        self.assertEqual((ann.count, ann.extra), (3, 2))
        bob.check_invariants()
        self.am.mark_seen("bob", ann.id)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 1)
        self.am.mark_unseen("bob", ann.id)  # unseen again: it counts once
        self.assertEqual((self.am.count_not_seen_by_recipient("bob"), ann.extra), (2, 0))
        bob.check_invariants()
        self.message()  # a new row: the seen-again one is no group any more
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 3)
        self.am.mark_all_seen("bob")
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 0)
        bob.check_invariants()

    def test_groups_and_extras_of_an_earlier_build(self):
        """Builds before kept a group's key (an int) and the extra occurrences in a
        tree of the list: both still count, regroup and clear."""
        from BTrees.LOBTree import LOBTree

        self.message()
        bob = self.am.notifications.get_list("bob")
        ann = self.am.get_by_recipient("bob").first()
        group = next(iter(bob._groups.keys()))
        bob._groups[group] = -ann.id  # as written before
        bob._extra = LOBTree({-ann.id: 1})
        bob._unseen_count.change(1)  # it counted two
        bob.check_invariants()
        self.message()
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 3)
        self.assertEqual(len(self.am.get_by_recipient("bob").all()), 1)
        self.assertIs(bob._groups[group], ann)  # named by the object now
        bob.check_invariants()
        self.am.mark_all_seen("bob")
        self.assertEqual((self.am.count_not_seen_by_recipient("bob"), len(bob._extra)), (0, 0))
        bob.check_invariants()

    def test_mark_seen_beside_groups(self):
        # An owner-less notification is never grouped; marking it seen or
        # removing it must not look it up among the groups.
        self.am.notify(["bob"], subject="grouped", message_type="comment", owner=DOC)
        self.am.notify(["bob"], subject="alone", message_type="comment")
        alone = self.am.get_by_recipient("bob").first()
        self.am.mark_seen("bob", alone.id)
        self.am.cleanup(remove_after=1, keep_unseen=False, now=utcnow() + timedelta(days=2))
        self.assertEqual(self.am.get_by_recipient("bob").all(), [])

    def test_group_moves_to_the_top(self):
        self.am.notify(["bob"], subject="first", message_type="comment", owner=DOC, actor="ann")
        self.am.notify(["bob"], subject="between")
        self.am.notify(["bob"], subject="again", message_type="comment", owner=DOC, actor="ann")
        self.assertEqual(self.subjects("bob"), ["again (2 times)", "between"])

    def test_actor_and_silent(self):
        self.assertEqual(self.am.notify(["ann", "bob"], subject="x", actor="ann"), 1)
        self.am.get_preferences("ann").set(notify_myself=True)
        self.assertEqual(self.am.notify(["ann", "bob"], subject="y", actor="ann"), 2)
        self.am.get_preferences("bob").set(mail_mode="silent")
        self.assertEqual(self.am.notify(["ann", "bob"], subject="z", actor="ann"), 1)
        self.assertEqual(self.subjects("bob"), ["y", "x"])
        with self.assertRaises(exc.InvalidActivity):
            self.am.get_preferences("bob").set(notify_myself="yes")

    def test_broadcast_stored_once(self):
        broadcast = self.am.broadcast("Maintenance tonight")
        self.assertEqual(len(list(self.am.notifications.broadcast_keys())), 1)
        self.assertEqual(len(list(self.am.notifications.userids())), 0)
        for userid in ("ann", "bob"):
            self.assertEqual(self.am.count_not_seen_by_recipient(userid), 1)
            self.assertEqual(self.subjects(userid), ["Maintenance tonight"])
        self.am.mark_seen("ann", broadcast.id)
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 0)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 1)
        self.am.mark_unseen("ann", broadcast.id)
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)
        self.am.mark_all_seen("ann")
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 0)
        self.assertTrue(self.am.get_notification("ann", broadcast.id).seen)
        self.assertFalse(self.am.get_notification("bob", broadcast.id).seen)
        # ClearSeen below the mark-all floor.
        self.am.mark_unseen("ann", broadcast.id)
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)
        self.am.mark_seen("ann", broadcast.id)
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 0)

    def test_broadcasts_merge_with_personal(self):
        self.am.notify(["bob"], subject="personal 1")
        self.am.broadcast("everybody")
        self.am.notify(["bob"], subject="personal 2")
        self.assertEqual(self.subjects("bob"), ["personal 2", "everybody", "personal 1"])
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 3)

    def test_last_seen(self):
        self.assertIsNone(self.am.update_last_seen("bob", datetime(2024, 1, 2)))
        self.assertEqual(self.am.update_last_seen("bob", datetime(2024, 1, 1)),
                         datetime(2024, 1, 2))
        # Never goes back in time.
        self.assertEqual(self.am.get_last_seen("bob"), datetime(2024, 1, 2))

    def test_last_seen_resolves_to_the_later_time(self):
        marker = LastSeen()
        resolved = marker._p_resolveConflict({"value": 1}, {"value": 5}, {"value": 3})
        self.assertEqual(resolved, {"value": 5})
        resolved = marker._p_resolveConflict({}, {}, {"value": 3})
        self.assertEqual(resolved, {"value": 3})


class TestSubscriptions(ManagerTestCase):
    def test_followers_and_watchers_notified_with_reasons(self):
        subs = self.am.subscriptions
        subs.follow("bob", "ann")
        subs.watch("cat", "folder")  # subtree
        subs.watch("dan", "folder", subtree=False)
        subs.watch("eve", "doc-uuid", verbs=["Update"])
        subs.watch("fay", "folder", portal_types=["News Item"])
        self.am.create(actor="ann", verb="Create", object=DOC, context="doc-uuid",
                       ancestors=["folder"], portal_type="Document", recipients=["gus"])
        reasons = {
            userid: [n.reasons for n in self.am.get_by_recipient(userid)]
            for userid in ("bob", "cat", "dan", "eve", "fay", "gus", "ann")
        }
        self.assertEqual(reasons, {
            "bob": [("follows:ann",)],
            "cat": [("watches:folder",)],
            "dan": [],
            "eve": [],
            "fay": [],
            "gus": [("addressed",)],
            "ann": [],
        })

    def test_several_reasons(self):
        self.am.subscriptions.follow("bob", "ann")
        self.am.subscriptions.watch("bob", "doc-uuid")
        self.am.create(actor="ann", verb="Create", object=DOC, context="doc-uuid",
                       recipients=["bob"])
        notification = self.am.get_by_recipient("bob").first()
        self.assertEqual(notification.reasons, ("addressed", "follows:ann", "watches:doc-uuid"))
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 1)

    def test_follow_unfollow(self):
        subs = self.am.subscriptions
        subs.follow("bob", "ann", verbs=["Create"])
        subs.follow("bob", "ann")  # replaces the filters, one follower still
        self.assertEqual(subs.follower_count("ann"), 1)
        self.assertIsNone(next(subs.followers("ann"))[1].verbs)
        subs.follow("cat", "ann")
        self.assertEqual(subs.follower_count("ann"), 2)
        subs.unfollow("bob", "ann")
        self.assertEqual(subs.follower_count("ann"), 1)
        self.assertFalse(subs.is_following("bob", "ann"))
        with self.assertRaises(exc.SubscriptionNotFound):
            subs.unfollow("bob", "ann")
        with self.assertRaises(exc.InvalidSubscription):
            subs.follow("ann", "ann")
        with self.assertRaises(exc.InvalidSubscription):
            subs.follow("bob", "ann", verbs="Create")
        with self.assertRaises(exc.InvalidUserId):
            subs.follow("", "ann")

    def test_watch_unwatch(self):
        subs = self.am.subscriptions
        subs.watch("bob", "doc-uuid")
        self.assertTrue(subs.is_watching("bob", "doc-uuid"))
        self.assertEqual([s.target for s in subs.get_subscriptions("bob")], ["doc-uuid"])
        subs.unwatch("bob", "doc-uuid")
        self.assertEqual(list(subs.watchers("doc-uuid")), [])
        with self.assertRaises(exc.SubscriptionNotFound):
            subs.unwatch("bob", "doc-uuid")
        with self.assertRaises(exc.InvalidSubscription):
            subs.watch("bob", "")


class TestFanout(ManagerTestCase):
    def test_threshold_queues_the_rest(self):
        install_registry(self, 3)
        for i in range(10):
            self.am.subscriptions.follow(f"u{i}", "star")
        self.am.create(actor="star", verb="Create", object=DOC)
        delivered = [u for u in (f"u{i}" for i in range(10))
                     if self.am.count_not_seen_by_recipient(u)]
        self.assertEqual(len(delivered), 3)
        self.assertEqual(self.am.queued(), 7)
        self.assertEqual(self.am.deliver_queued(4), 4)
        self.assertEqual(self.am.queued(), 3)
        self.assertEqual(self.am.deliver_queued(), 3)
        self.assertEqual(self.am.deliver_queued(), 0)
        for i in range(10):
            self.assertEqual(self.am.count_not_seen_by_recipient(f"u{i}"), 1)
            self.assertEqual(self.am.get_by_recipient(f"u{i}").first().reasons,
                             ("follows:star",))

    def test_default_threshold(self):
        self.assertEqual(self.am.fanout_threshold, 500)


class TestFanoutCrash(unittest.TestCase):
    """The fan-out job on a real FileStorage, killed between chunks."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = f"{self.tmp.name}/Data.fs"
        install_registry(self, 10)
        db = ZODB.DB(FileStorage(self.path))
        with db.transaction() as conn:
            am = conn.root.am = ActivityManager()
            for i in range(95):
                am.subscriptions.follow(f"u{i:03}", "star")
            am.create(actor="star", verb="Create", object=DOC)
        db.close()

        self.addCleanup(self.tmp.cleanup)

    def test_crash_loses_nothing_and_repeats_nothing(self):
        db = ZODB.DB(FileStorage(self.path))
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        get = lambda: conn.root.am  # noqa: E731
        self.assertEqual(run_fanout(get, chunk_size=20, max_chunks=2, transaction_manager=tm), 40)
        # The next chunk is written, then the process dies before committing.
        tm.begin()
        self.assertEqual(get().deliver_queued(20), 20)
        db.close()  # the storage goes away with the transaction uncommitted: the crash

        db = ZODB.DB(FileStorage(self.path))
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        am = conn.root.am
        self.assertEqual(am.queued(), 45)
        self.assertEqual(run_fanout(lambda: conn.root.am, chunk_size=20, transaction_manager=tm), 45)
        tm.begin()
        counts = [conn.root.am.count_not_seen_by_recipient(f"u{i:03}") for i in range(95)]
        self.assertEqual(counts, [1] * 95)
        self.assertEqual(conn.root.am.queued(), 0)
        conn.close()
        db.close()

    def open(self):
        """Open the FileStorage for the rest of the test: (transaction manager, connection)."""
        db = ZODB.DB(FileStorage(self.path))
        self.addCleanup(db.close)
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        self.addCleanup(conn.close)
        return tm, conn

    def test_a_chunk_writes_the_job_not_its_audience(self):
        tm, conn = self.open()
        [(_, job)] = conn.root.am.queue.jobs()
        self.assertEqual(job.remaining, 85)  # loads both
        serials = (job._p_serial, job._audience._p_serial)
        self.assertEqual(run_fanout(lambda: conn.root.am, chunk_size=20, max_chunks=1,
                                    transaction_manager=tm), 20)
        self.assertNotEqual(job._p_serial, serials[0])  # the position moved on
        self.assertEqual(job._audience._p_serial, serials[1])  # 85 entries not written again
        self.assertEqual(job.remaining, 65)

    def test_a_job_queued_before_the_audience_object_still_runs(self):
        tm, conn = self.open()
        [(_, job)] = conn.root.am.queue.jobs()
        # As plonesocial 1.0a1 stored it: the tuple in the job itself.
        entries = job.audience
        del job._audience
        job.__dict__["audience"] = entries
        job._p_changed = True
        tm.commit()
        self.assertEqual(job.remaining, 85)
        self.assertEqual(run_fanout(lambda: conn.root.am, transaction_manager=tm), 85)
        tm.begin()
        counts = [conn.root.am.count_not_seen_by_recipient(f"u{i:03}") for i in range(95)]
        self.assertEqual(counts, [1] * 95)


class TestCleanup(ManagerTestCase):
    def test_remove_after_and_keep_unseen(self):
        now = utcnow()
        old = now - timedelta(days=20)
        self.am.create(actor="ann", verb="Create", object=DOC, recipients=["bob"], published=old)
        self.am.create(actor="ann", verb="Update", object=DOC, recipients=["bob"], published=old)
        self.am.create(actor="ann", verb="Like", object=DOC, recipients=["bob"])
        oldest = self.am.get_by_recipient("bob").all()[-1]
        self.am.mark_seen("bob", oldest.id)
        self.assertEqual(self.am.cleanup(remove_after=14, now=now), 1)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 2)
        self.assertEqual(len(self.am.get_by_recipient("bob").all()), 2)
        self.assertEqual(self.am.cleanup(remove_after=14, keep_unseen=False, now=now), 1)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 1)
        self.assertEqual(self.am.cleanup(remove_after=0, keep_unseen=False, now=now), 0)
        # Activities are history: retention applies to notifications only.
        self.assertEqual(len(self.am), 3)
        with self.assertRaises(exc.InvalidActivity):
            self.am.cleanup(remove_after=-1)

    def test_cleanup_removes_old_broadcasts(self):
        self.am.broadcast("old news")
        self.assertEqual(self.am.cleanup(remove_after=1, now=utcnow() + timedelta(days=2)), 1)
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 0)


class TestPreferences(ManagerTestCase):
    def test_modes_per_type(self):
        preferences = self.am.get_preferences("bob")
        self.assertEqual(preferences.mode_for("comment"), "often")  # the site default
        preferences.set(mail_mode="daily", mail_modes={"message": "immediately"})
        self.assertEqual(preferences.mode_for("comment"), "daily")
        self.assertEqual(preferences.mode_for("message"), "immediately")
        preferences.set(mail_modes={"message": None}, mail_mode=None)
        self.assertEqual(preferences.mode_for("message"), "often")

    def test_silent_per_type(self):
        self.am.get_preferences("bob").set(mail_modes={"comment": "silent"})
        self.assertEqual(self.am.notify(["bob"], subject="c", message_type="comment"), 0)
        self.assertEqual(self.am.notify(["bob"], subject="m", message_type="message"), 1)

    def test_digest_waiting_list(self):
        self.am.get_preferences("bob").set(mail_modes={"message": "immediately",
                                                       "comment": "daily"})
        self.am.notify(["bob"], subject="m", message_type="message")
        self.am.notify(["bob"], subject="c", message_type="comment", owner=DOC)
        self.am.notify(["bob"], subject="c2", message_type="comment", owner=DOC)  # grouped
        unsent = {-notification_id: mode for notification_id, mode
                  in self.am.notifications.get_list("bob").waiting().items()}
        group = self.am.get_by_recipient("bob").first()
        self.assertEqual(unsent, {-group.id: "daily"})

    def test_bad_values_change_nothing(self):
        preferences = self.am.get_preferences("bob")
        bad = [dict(mail_mode="sometimes"), dict(mail_modes={"comment": "loud"}),
               dict(mail_modes=["daily"]), dict(mail_modes={"": "daily"}),
               dict(digest_hour=24), dict(digest_hour=True), dict(digest_weekday=7),
               dict(timezone="Mars/Olympus"), dict(timezone=""), dict(notify_myself=1)]
        for kwargs in bad:
            with self.subTest(kwargs=kwargs):
                arguments = dict(digest_weekday=3)
                arguments.update(kwargs)
                with self.assertRaises(exc.InvalidActivity):
                    preferences.set(**arguments)
                self.assertEqual((preferences.digest_hour, preferences.digest_weekday), (7, 0))
        preferences.set(digest_hour=9, digest_weekday=4, timezone="Europe/Madrid")
        self.assertEqual((preferences.digest_hour, preferences.digest_weekday,
                          preferences.timezone), (9, 4, "Europe/Madrid"))


class TestDigests(ManagerTestCase):
    def setUp(self):
        super().setUp()
        self.prefs = self.am.get_preferences("bob")
        self.prefs.set(mail_mode="daily", digest_hour=7, timezone="Europe/Madrid")

    def test_is_due(self):
        from plonesocial.activitystream.preferences import is_due
        from plonesocial.clock import to_key

        p = self.prefs  # Madrid is UTC+1 in January
        self.assertFalse(is_due("daily", p, None, datetime(2024, 1, 10, 5, 30)))  # 06:30
        self.assertTrue(is_due("daily", p, None, datetime(2024, 1, 10, 6, 0)))  # 07:00
        last = to_key(datetime(2024, 1, 10, 6, 0))
        self.assertFalse(is_due("daily", p, last, datetime(2024, 1, 10, 22, 0)))
        self.assertFalse(is_due("daily", p, last, datetime(2024, 1, 11, 5, 59)))
        self.assertTrue(is_due("daily", p, last, datetime(2024, 1, 11, 6, 0)))
        # Weekly: Mondays. 2024-01-15 is a Monday.
        self.assertFalse(is_due("weekly", p, None, datetime(2024, 1, 14, 9, 0)))
        self.assertTrue(is_due("weekly", p, None, datetime(2024, 1, 15, 9, 0)))
        monday = to_key(datetime(2024, 1, 15, 9, 0))
        self.assertFalse(is_due("weekly", p, monday, datetime(2024, 1, 16, 9, 0)))
        self.assertTrue(is_due("weekly", p, monday, datetime(2024, 1, 24, 9, 0)))  # missed
        # Often: every 10 minutes (a minute early still counts).
        often = to_key(datetime(2024, 1, 10, 12, 0))
        self.assertFalse(is_due("often", p, often, datetime(2024, 1, 10, 12, 5)))
        self.assertTrue(is_due("often", p, often, datetime(2024, 1, 10, 12, 9)))

    def test_take_digest_once_and_skip_seen(self):
        for i in range(3):
            self.am.notify(["bob"], subject=f"n{i}")
        seen = self.am.get_by_recipient("bob").all()[1]
        self.am.mark_seen("bob", seen.id)
        morning = datetime(2024, 1, 10, 6, 30)
        self.assertEqual(self.am.digest_due("bob", datetime(2024, 1, 10, 5, 0)), set())
        self.assertEqual(list(self.am.digest_candidates()), ["bob"])
        taken = self.am.take_digest("bob", morning)
        self.assertEqual([n.subject for n in taken], ["n2", "n0"])
        for notification in taken:
            self.am.mark_sent(notification, morning)
        self.assertEqual(taken[0].sent, morning)
        self.assertEqual(self.am.take_digest("bob", morning), [])
        self.assertEqual(list(self.am.digest_candidates()), [])
        # Not marked seen unless the site says so.
        self.assertEqual(self.am.count_not_seen_by_recipient("bob"), 2)

    def test_modes_wait_for_their_own_digest(self):
        self.prefs.set(mail_modes={"message": "often"})
        self.am.notify(["bob"], subject="chat", message_type="message")
        self.am.notify(["bob"], subject="news", message_type="notice")
        early = datetime(2024, 1, 10, 5, 0)  # 06:00 in Madrid: no daily yet
        self.assertEqual([n.subject for n in self.am.take_digest("bob", early)], ["chat"])
        later = datetime(2024, 1, 10, 6, 5)
        self.assertEqual([n.subject for n in self.am.take_digest("bob", later)], ["news"])


class TestTimeline(ManagerTestCase):
    def test_own_followed_and_watched_once_each(self):
        self.am.subscriptions.follow("bob", "ann")
        self.am.subscriptions.watch("bob", "folder")
        mine = self.am.create(actor="bob", verb="Create", object=DOC)
        followed = self.am.create(actor="ann", verb="Like", object=DOC)
        both = self.am.create(actor="ann", verb="Update", object=DOC, context="doc",
                              ancestors=["folder"])
        watched = self.am.create(actor="cat", verb="Create", object=DOC, context="doc",
                                 ancestors=["folder"])
        self.am.create(actor="cat", verb="Like", object=DOC)  # neither
        timeline = self.am.get_timeline("bob")
        self.assertEqual([a.id for a in timeline],
                         [watched.id, both.id, followed.id, mine.id])
        self.assertEqual([a.id for a in timeline.where(lambda a: a.actor == "ann")],
                         [both.id, followed.id])
        self.assertEqual([a.id for a in timeline.where(lambda a: a.verb == "Create").limit(1)],
                         [watched.id])
        self.assertEqual(self.am.get_timeline("nobody").all(), [])


class TestMarkSeenAbout(ManagerTestCase):
    def test_reading_the_thing_marks_its_notification_seen(self):
        self.am.notify(["bob"], subject="ann wrote", message_type="message", owner=("user", "ann"))
        self.am.notify(["bob"], subject="cat wrote", message_type="message", owner=("user", "cat"))
        self.assertTrue(self.am.mark_seen_about("bob", "message", ("user", "ann")))
        self.assertFalse(self.am.mark_seen_about("bob", "message", ("user", "ann")))
        self.assertFalse(self.am.mark_seen_about("nobody", "message", ("user", "ann")))
        self.assertEqual([n.subject for n in self.am.get_by_recipient("bob") if not n.seen],
                         ["cat wrote"])

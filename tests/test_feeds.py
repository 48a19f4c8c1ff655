"""Fan-out on read (issue 13): feeds of large sources, on a plain ZODB and a real FileStorage.

The same story is played on a manager that writes every follower's
notification (fan-out on write) and on one that stores it once in the
actor's feed: every follower must see the same list, count and seen state.
"""

from datetime import timedelta
from plone import api
from plone.registry import Registry
from plone.registry.fieldfactory import persistentFieldAdapter
from plone.registry.interfaces import IRegistry
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream import exc
from plonesocial.activitystream.feeds import FeedView
from plonesocial.activitystream.interfaces import INotificationDeliveredEvent
from plonesocial.activitystream.jobs import run_fanout
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX
from plonesocial.activitystream.subscriptions import Subscriptions
from plonesocial.clock import utcnow
from plonesocial.delivery.digests import send_digests
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from tests.test_delivery import DeliveryTestCase
from ZODB.FileStorage import FileStorage
from zope.component import getGlobalSiteManager
from zope.component import provideAdapter
from zope.component import provideUtility
from zope.component.hooks import setSite
from zope.event import subscribers as event_subscribers

import tempfile
import threading
import transaction
import unittest
import ZODB


def install_registry(testcase, feed_threshold, fanout_threshold=500):
    gsm = getGlobalSiteManager()
    provideAdapter(persistentFieldAdapter)
    testcase.addCleanup(gsm.unregisterAdapter, persistentFieldAdapter)
    registry = Registry()
    registry.registerInterface(IActivityStreamSettings, prefix=PREFIX)
    registry[f"{PREFIX}.feed_threshold"] = feed_threshold
    registry[f"{PREFIX}.fanout_threshold"] = fanout_threshold
    provideUtility(registry, IRegistry)
    testcase.addCleanup(gsm.unregisterUtility, registry, IRegistry)
    return registry


def seen_events(testcase):
    """A list that collects every NotificationDeliveredEvent: (recipient, id, mode)."""
    found = []

    def collect(event):
        if INotificationDeliveredEvent.providedBy(event):
            found.append((event.object.recipient, event.object.id, event.mail_mode))

    event_subscribers.append(collect)
    testcase.addCleanup(event_subscribers.remove, collect)
    return found


FOLLOWERS = ["ann", "bob", "cyd", "dan", "eve"]


def story(am, tm):
    """Follows, posts, seen marks: the same on both sides of the threshold."""
    for userid in FOLLOWERS:
        am.subscriptions.follow(userid, "star")
    am.subscriptions.follow("extra", "star", verbs=["Update"])  # a filter: edits only
    am.subscriptions.watch("cyd", "doc-2")  # cyd hears of doc-2 as follower and watcher
    am.set_preferences("dan", mail_modes={"content": "silent"})  # no content news
    am.set_preferences("eve", mail_mode="immediately")
    am.set_preferences("bob", mail_mode="daily")
    tm.commit()
    ids = []
    for n in range(1, 5):
        verb = "Update" if n == 3 else "Create"
        activity = am.create(actor="star", verb=verb, object=("content", f"doc-{n}"),
                             message_type="workflow" if n == 3 else "content",
                             context=f"doc-{n}", recipients=["ann"] if n == 4 else [])
        ids.append(activity.id)
        tm.commit()
    run_fanout(lambda: am, transaction_manager=tm)
    am.subscriptions.follow("late", "star")  # after the posts: none of them is theirs
    tm.commit()
    return ids


def visible(am, userid):
    # (activity ids differ between the two databases: each post has its own context)
    return [(n.context, n.message_type, tuple(n.reasons), n.seen, n.context)
            for n in am.get_by_recipient(userid)]


class BothSides(unittest.TestCase):
    """A manager writing every notification beside one using the feed."""

    def open(self, feed_threshold):
        install_registry(self, feed_threshold)
        db = ZODB.DB(None)
        self.addCleanup(db.close)
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        conn.root.am = ActivityManager()
        tm.commit()
        return conn.root.am, tm

    def play(self, feed_threshold):
        am, tm = self.open(feed_threshold)
        events = seen_events(self)
        ids = story(am, tm)
        return am, tm, ids, events

    def test_same_lists_counts_and_events(self):
        written, _, _, written_events = self.play(0)
        written_events = list(written_events)  # before the other side's collect too
        self.assertIsNone(written.feeds.get("star"))
        feed, _, _, feed_events = self.play(1)
        self.assertEqual(len(feed.feeds.get("star")), 4)
        for userid in [*FOLLOWERS, "extra", "late"]:
            got = visible(feed, userid)
            self.assertEqual(got, visible(written, userid), userid)
            self.assertEqual(feed.count_not_seen_by_recipient(userid),
                             written.count_not_seen_by_recipient(userid), userid)
        # What the lists hold, spelled out once.
        self.assertEqual(len(visible(feed, "bob")), 4)
        self.assertEqual(visible(feed, "late"), [])
        self.assertEqual([kind for _, kind, _, _, _ in visible(feed, "extra")], ["workflow"])
        self.assertEqual([kind for _, kind, _, _, _ in visible(feed, "dan")], ["workflow"])
        cyd = {context: reasons for _, _, reasons, _, context in visible(feed, "cyd")}
        self.assertEqual(cyd["doc-2"], ("follows:star", "watches:doc-2"))
        ann = {context: reasons for _, _, reasons, _, context in visible(feed, "ann")}
        self.assertEqual(ann["doc-4"], ("addressed", "follows:star"))
        # One delivery event per follower and notification, with the same mail mode.
        self.assertEqual(sorted((r, m) for r, _, m in feed_events),
                         sorted((r, m) for r, _, m in written_events))
        self.assertEqual(len(feed_events), len(set(feed_events)))
        feed.check_invariants()

    def test_mutes_hold_on_both_sides(self):
        # Issue 16: a mute set before or after the post hides the feed item as it
        # hides a written notification (the feed checks mutes when read).
        from plonesocial.activitystream.mutes import MuteStore

        results = []
        for threshold in (0, 1):
            am, tm = self.open(threshold)
            am.mutes = MuteStore()
            am.mutes.mute("ann", "content", "doc-2")
            tm.commit()
            story(am, tm)
            am.mutes.mute("bob", "content", "doc-3")  # after the post: only when read
            tm.commit()
            results.append({u: [n.context for n in am.get_by_recipient(u)]
                            for u in ("ann", "bob")})
        written, feed = results
        self.assertNotIn("doc-2", feed["ann"])
        self.assertNotIn("doc-3", feed["bob"])
        self.assertEqual(feed["ann"], written["ann"])
        self.assertIn("doc-3", written["bob"])  # a written notification stays written

    def test_mark_seen_unseen_and_all_seen(self):
        sides = [self.play(0)[:2], self.play(1)[:2]]
        for am, tm in sides:
            newest = am.get_by_recipient("bob").all()
            am.mark_seen("bob", newest[0].id)
            am.mark_seen("bob", newest[2].id)
            am.mark_unseen("bob", newest[2].id)
            tm.commit()
        (written, _), (feed, feed_tm) = sides
        self.assertIsInstance(feed.get_notification("bob", feed.get_by_recipient("bob").first()
                                                    .id), FeedView)
        self.assertEqual(visible(feed, "bob"), visible(written, "bob"))
        self.assertEqual(feed.count_not_seen_by_recipient("bob"), 3)
        self.assertEqual(written.count_not_seen_by_recipient("bob"), 3)
        # Another follower's seen state is their own.
        self.assertEqual(feed.count_not_seen_by_recipient("ann"), 4)
        self.assertEqual(feed.mark_all_seen("bob"), written.mark_all_seen("bob"))
        self.assertEqual(feed.count_not_seen_by_recipient("bob"), 0)
        self.assertEqual(visible(feed, "bob"), visible(written, "bob"))
        # Unseen again after mark all seen, then a new post counts again.
        item = feed.get_by_recipient("bob").first()
        feed.mark_unseen("bob", item.id)
        self.assertEqual(feed.count_not_seen_by_recipient("bob"), 1)
        feed.create(actor="star", verb="Create", object=("content", "doc-9"), context="doc-9")
        feed_tm.commit()
        self.assertEqual(feed.count_not_seen_by_recipient("bob"), 2)
        feed.check_invariants()

    def test_unknown_and_foreign_ids(self):
        feed, _, _, _ = self.play(1)
        item = feed.get_by_recipient("bob").first()
        # "late" follows star but joined after: the item is not theirs.
        with self.assertRaises(exc.NotificationNotFound):
            feed.get_notification("late", item.id)
        with self.assertRaises(exc.NotificationNotFound):
            feed.get_notification("nobody", item.id)

    def test_digests_exactly_once(self):
        for threshold in (0, 1):
            am, tm, _, _ = self.play(threshold)
            later = am.get_last_seen("bob")  # None: bob never looked
            self.assertIsNone(later)
            # bob's daily digest is due the next day at 07:00 UTC.
            from datetime import datetime
            from datetime import timedelta
            now = datetime.utcnow() + timedelta(days=1)
            now = now.replace(hour=8)
            self.assertEqual(am.digest_due("bob", now), {"daily"})
            self.assertIn("bob", set(am.digest_candidates()))
            taken = am.take_digest("bob", now)
            self.assertEqual(len(taken), 4, threshold)
            self.assertEqual(len({n.id for n in taken}), 4)
            self.assertEqual([n.id for n in taken], sorted((n.id for n in taken), reverse=True))
            self.assertEqual(am.take_digest("bob", now + timedelta(days=1)), [])
            for notification in taken:
                am.mark_sent(notification, now)
            am.check_invariants()

    def test_posting_never_reads_the_followers(self):
        am, tm = self.open(1)
        for n in range(50):
            am.subscriptions.follow(f"f{n}", "star")
        tm.commit()
        original = Subscriptions.followers

        def forbidden(self, userid):
            raise AssertionError("the posting request read the followers")

        Subscriptions.followers = forbidden
        try:
            am.create(actor="star", verb="Create", object=("content", "x"))
            tm.commit()
        finally:
            Subscriptions.followers = original
        self.assertEqual(am.count_not_seen_by_recipient("f49"), 1)
        self.assertEqual(am.queued(), 50)  # the bookkeeping waits for the workers
        run_fanout(lambda: am, transaction_manager=tm)
        self.assertEqual(am.queued(), 0)
        self.assertEqual(len(am.notifications.get_list("f49").waiting()), 1)

    def test_cleanup_and_erasure(self):
        feed, tm, _, _ = self.play(1)
        from datetime import datetime
        from datetime import timedelta
        removed = feed.cleanup(remove_after=1, now=datetime.utcnow() + timedelta(days=2))
        self.assertGreaterEqual(removed, 4)
        self.assertEqual(feed.count_not_seen_by_recipient("bob"), 0)
        feed.feeds.erase_user("star")
        self.assertIsNone(feed.feeds.get("star"))
        self.assertEqual(visible(feed, "bob"), [])


class ParallelWorkers(unittest.TestCase):
    """A real FileStorage: posting, two fan-out workers and readers in threads."""

    def setUp(self):
        install_registry(self, feed_threshold=10, fanout_threshold=40)
        self.folder = tempfile.mkdtemp()
        self.db = ZODB.DB(FileStorage(f"{self.folder}/Data.fs"))
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        conn.root.am = ActivityManager()
        for n in range(300):
            conn.root.am.subscriptions.follow(f"f{n}", "star")
            if n % 3 == 0:
                conn.root.am.set_preferences(f"f{n}", mail_mode="immediately")
        tm.commit()
        conn.close()

    def tearDown(self):
        self.db.close()
        import shutil
        shutil.rmtree(self.folder, ignore_errors=True)

    def in_thread(self, function, *args):
        def run():
            tm = transaction.TransactionManager()
            conn = self.db.open(tm)
            try:
                function(conn.root.am, tm, *args)
            finally:
                tm.abort()
                conn.close()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def test_every_follower_once(self):
        from transaction.interfaces import TransientError

        events = seen_events(self)
        gave_up = []

        def post(am, tm):
            for n in range(3):
                for attempt in tm.attempts(5):
                    with attempt:
                        am.create(actor="star", verb="Create", object=("content", f"p{n}"))

        def work(am, tm, worker):
            for _ in range(40):  # while posts arrive, then until nothing is left
                try:
                    run_fanout(lambda: am, transaction_manager=tm, worker=worker, workers=2)
                except TransientError as error:  # five conflicts in a row: as cron,
                    gave_up.append(error)  # the next run goes on where this one stopped

        def read(am, tm, userid):
            for _ in range(20):
                for attempt in tm.attempts(5):
                    with attempt:
                        first = am.get_by_recipient(userid).first()
                        if first is not None:
                            am.mark_seen(userid, first.id)

        poster = self.in_thread(post)
        workers = [self.in_thread(work, i) for i in range(2)]
        poster.join()
        workers.append(self.in_thread(read, "f1"))
        for thread in workers:
            thread.join()
        for thread in [self.in_thread(work, i) for i in range(2)]:
            thread.join()

        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        am = conn.root.am
        self.assertEqual(am.queued(), 0, f"runs that gave up on conflicts: {gave_up}")
        self.assertEqual(len(am.feeds.get("star")), 3)
        items = {n.id for n in am.get_by_recipient("f0")}
        self.assertEqual(len(items), 3)
        for n in range(300):
            userid = f"f{n}"
            self.assertEqual({v.id for v in am.get_by_recipient(userid)}, items, userid)
            # Announced (a retried chunk announces again, in a transaction that is
            # rolled back with whatever it queued)
            self.assertEqual({i for r, i, _ in events if r == userid}, items, userid)
            waiting = am.notifications.get_list(userid, create=False)
            expected = 0 if n % 3 == 0 else 3  # immediate mail: nothing waits for a digest
            self.assertEqual(len(waiting.waiting()) if waiting else 0, expected, userid)
        self.assertLess(am.count_not_seen_by_recipient("f1"), 3)
        self.assertEqual(am.count_not_seen_by_recipient("f2"), 3)
        am.check_invariants()
        conn.close()


class PloneFeeds(DeliveryTestCase):
    """Real content, permissions, outbox and SMTP: feed items as written ones behave."""

    def setUp(self):
        super().setUp()
        api.portal.set_registry_record("plonesocial.activitystream.feed_threshold", 3)
        self.secret = api.content.create(self.portal, "Document", "secret", title="Secret")
        api.user.grant_roles("ann", obj=self.secret, roles=["Reader"])
        self.secret.reindexObjectSecurity()
        api.user.create(email="star@example.org", username="star", password="secret-password")
        for userid in ("ann", "bob", "cat"):
            activitystream.follow(userid, "star")
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.am.get_preferences("bob").set(mail_mode="immediately")
        self.am.get_preferences("cat").set(mail_mode="daily")
        transaction.commit()

    def post(self, content):
        self.manager().create(actor="star", verb="Update", object=("content", content.UID()),
                              context=content.UID(), message_type="content",
                              phrase="edited", title=content.Title())
        transaction.commit()

    def test_permission_exact_and_mails_once(self):
        self.post(self.page)
        self.post(self.secret)
        manager = self.manager()
        self.assertEqual(len(manager.feeds.get("star")), 2)
        for userid, expected in (("ann", 2), ("bob", 1), ("cat", 1)):
            shown = manager.get_by_recipient(userid).all()
            self.assertEqual(len(shown), expected, userid)
            self.assertEqual(manager.count_not_seen_by_recipient(userid), expected, userid)
        self.assertEqual(self.outbox().counts()["waiting"], 0)  # nothing in the request
        run_fanout(lambda: self.manager(), transaction_manager=transaction.manager)
        setSite(self.portal)
        self.assertEqual(self.deliver()["sent"], 3)  # ann two, bob the public one
        run_fanout(lambda: self.manager(), transaction_manager=transaction.manager)
        setSite(self.portal)
        self.assertEqual(self.deliver()["sent"], 0)  # nothing twice
        recipients = sorted(to[0] for to, _ in self.smtp.messages)
        self.assertEqual(recipients, ["ann@example.org", "ann@example.org", "bob@example.org"])
        # The daily digest: cat gets the public one, once.
        tomorrow = utcnow() + timedelta(days=1)
        send_digests(self.manager, now=tomorrow.replace(hour=8))
        setSite(self.portal)
        self.assertEqual(self.deliver()["sent"], 1)
        send_digests(self.manager, now=tomorrow.replace(hour=9))
        setSite(self.portal)
        self.assertEqual(self.deliver()["sent"], 0)
        to, message = self.smtp.messages[-1]
        self.assertEqual(to, ["cat@example.org"])
        self.assertIn("The plan", message.get_body(("plain",)).get_content())
        self.assertNotIn("Secret", message.get_body(("plain",)).get_content())
        # Losing View takes the item off the list and the count together.
        api.content.transition(self.page, "retract")
        transaction.commit()
        self.assertEqual(self.manager().count_not_seen_by_recipient("bob"), 0)
        self.assertEqual(self.manager().get_by_recipient("bob").all(), [])


class RestFeeds(unittest.TestCase):
    """@notifications lists, counts and marks feed items as it does written ones."""

    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        portal = self.layer["portal"]
        api.portal.set_registry_record("plonesocial.activitystream.feed_threshold", 1)
        for userid in ("ann", "bob", "star"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        activitystream.follow("ann", "star")
        manager = activitystream.get_manager()
        manager.notify(["ann"], subject="written")
        self.activity = manager.create(actor="star", verb="Create", object=("content", "x"),
                                       summary="Star posted")
        transaction.commit()
        self.url = portal.absolute_url() + "/@notifications"
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")

    def test_list_count_and_marks(self):
        page = self.ann.get(self.url).json
        self.assertEqual([n["subject"] for n in page["orderedItems"]], ["Star posted", "written"])
        item = page["orderedItems"][0]
        self.assertEqual((item["reasons"], item["broadcast"], item["activity_id"]),
                         (["follows:star"], False, self.activity.id))
        self.assertEqual(page["not_seen"], 2)
        self.assertEqual(self.ann.post(f"{self.url}/seen", {"ids": [item["id"]]}).json["not_seen"], 1)
        self.assertEqual(self.ann.post(f"{self.url}/unseen", {"ids": [item["id"]]}).json["not_seen"], 2)
        self.assertEqual(self.ann.post(f"{self.url}/seen", {"all": True}).json["not_seen"], 0)
        self.assertTrue(self.ann.get(self.url).json["orderedItems"][0]["seen"])
        # bob does not follow star: the item is not his to see or mark.
        self.assertEqual(self.bob.get(self.url).json["orderedItems"], [])
        self.assertEqual(self.bob.post(f"{self.url}/seen", {"ids": [item["id"]]}).status_int, 404)

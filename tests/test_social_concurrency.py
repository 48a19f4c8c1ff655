"""16 people liking one post at once, on a real FileStorage with threads (issue 16).

Each like runs as Zope runs a request: a ConflictError is retried up to three
times (``retry_max``), then the request fails. None may fail.
"""

from plonesocial.activitystream import social
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.activitystream.posts import Post
from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.rendering import render_subject
from plonesocial.clock import utcnow
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError
from zope.component import getGlobalSiteManager
from zope.interface import implementer

import tempfile
import threading
import transaction
import unittest
import ZODB


PEOPLE = 16
ZOPE_ATTEMPTS = 4  # the first try and Zope's three retries


@implementer(IActivityLocator)
class ThreadLocator(threading.local):
    """Each thread's connection's manager, as a site's locator gives the request's."""

    manager = None

    def get_manager(self):
        return self.manager


def like_post(db, userids, attempts=ZOPE_ATTEMPTS):
    """Run one like per userid, all at once; return (failed, conflicts, activity id)."""
    locator = ThreadLocator()
    gsm = getGlobalSiteManager()
    gsm.registerUtility(locator, IActivityLocator)
    try:
        with db.transaction() as conn:
            conn.root.am = am = ActivityManager()
            locator.manager = am
            activity = am.create(actor="ann", verb="Create",
                                 object=Reference("post", "p1"), notify=False)
            store = social.get_social(create=True)
            record = Post("p1", "ann", "Cake in the kitchen", None, (), utcnow())
            record.activity_id = activity.id
            store.posts.add(record)
            store.reactions.prepare(activity_key(activity.id))
        activity_id = activity.id
        barrier = threading.Barrier(len(userids))
        lock = threading.Lock()
        results = {"failed": 0, "conflicts": 0}

        def run(userid):
            tm = transaction.TransactionManager()
            conn = db.open(tm)
            try:
                barrier.wait()
                for _attempt in range(attempts):
                    try:
                        tm.begin()
                        locator.manager = conn.root.am
                        social.like(userid, activity_id)
                        tm.commit()
                        return
                    except ConflictError:
                        tm.abort()
                        with lock:
                            results["conflicts"] += 1
                with lock:
                    results["failed"] += 1
            finally:
                tm.abort()
                conn.close()

        threads = [threading.Thread(target=run, args=(u,)) for u in userids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        return results["failed"], results["conflicts"], activity_id
    finally:
        gsm.unregisterUtility(locator, IActivityLocator)


class ConcurrentLikes(unittest.TestCase):
    def test_sixteen_people_like_one_post_at_once_and_none_fails(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        db = ZODB.DB(FileStorage(f"{tmp.name}/Data.fs"), pool_size=PEOPLE + 1)
        self.addCleanup(db.close)
        userids = [f"fan{n:02d}" for n in range(PEOPLE)]
        failed, _conflicts, activity_id = like_post(db, userids)
        self.assertEqual(failed, 0)
        locator = ThreadLocator()
        gsm = getGlobalSiteManager()
        gsm.registerUtility(locator, IActivityLocator)
        self.addCleanup(gsm.unregisterUtility, locator, IActivityLocator)
        with db.transaction() as conn:
            locator.manager = am = conn.root.am
            store = social.get_social()
            key = activity_key(activity_id)
            self.assertEqual(store.reactions.count("like", key), PEOPLE)
            self.assertEqual(sorted(store.reactions.users("like", key)), userids)
            store.check_invariants()
            # Ann hears of it once: "X and 15 others liked your post".
            (notification,) = am.get_by_recipient("ann").all()
            self.assertEqual(render_subject(notification, "en"),
                             f"{notification.actors[0]} and 15 others liked your post: "
                             "Cake in the kitchen")
            am.check_invariants()

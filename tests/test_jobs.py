"""The plonesocial-jobs command: fan-out and cleanup on real sites."""

from datetime import timedelta
from plone import api
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.clock import utcnow
from plonesocial.jobs import parse_args
from plonesocial.jobs import run_jobs
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility
from zope.component.hooks import setSite

import contextlib
import io
import transaction
import unittest


class TestJobs(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.app = self.layer["app"]
        self.am = getUtility(IActivityLocator).get_manager()
        self.addCleanup(setSite, self.portal)

    def test_fanout_delivers_the_queue(self):
        api.portal.set_registry_record("plonesocial.activitystream.fanout_threshold", 2)
        for i in range(7):
            self.am.subscriptions.follow(f"fan{i}", "star")
        self.am.create(actor="star", verb="Announce", object=("user", "star"))
        transaction.commit()
        self.assertEqual(self.am.queued(), 5)
        results = run_jobs(self.app, ["fanout"], chunk_size=2)
        self.assertEqual(results, {"plone": {"fanout": 5}})
        setSite(self.portal)
        am = getUtility(IActivityLocator).get_manager()
        self.assertEqual(am.queued(), 0)
        self.assertEqual([am.count_not_seen_by_recipient(f"fan{i}") for i in range(7)], [1] * 7)
        self.assertEqual(run_jobs(self.app, ["fanout"]), {"plone": {"fanout": 0}})

    def test_cleanup_follows_the_registry(self):
        old = utcnow() - timedelta(days=20)
        self.am.create(actor="ann", verb="Like", object=("user", "bob"),
                       recipients=["bob"], published=old)
        self.am.mark_all_seen("bob")
        transaction.commit()
        api.portal.set_registry_record("plonesocial.activitystream.remove_after", 30)
        transaction.commit()
        self.assertEqual(run_jobs(self.app, ["cleanup"]), {"plone": {"cleanup": 0}})
        setSite(self.portal)
        api.portal.set_registry_record("plonesocial.activitystream.remove_after", 14)
        transaction.commit()
        self.assertEqual(run_jobs(self.app, ["fanout", "cleanup"], site_ids=["plone"]),
                         {"plone": {"fanout": 0, "cleanup": 1}})
        self.assertEqual(run_jobs(self.app, ["cleanup"], site_ids=["elsewhere"]), {})

    def test_unknown_job(self):
        with self.assertRaises(ValueError):
            run_jobs(self.app, ["digests-of-the-future"])

    def test_command_line(self):
        args = parse_args(["etc/zope.conf", "all", "--site", "a", "--site", "b", "--chunk", "50"])
        self.assertEqual((args.job, args.sites, args.chunk), ("all", ["a", "b"], 50))
        for bad in (["etc/zope.conf"], ["etc/zope.conf", "dance"],
                    ["etc/zope.conf", "fanout", "--chunk", "0"]):
            with self.subTest(bad=bad):
                with contextlib.redirect_stderr(io.StringIO()):
                    with self.assertRaises(SystemExit):
                        parse_args(bad)

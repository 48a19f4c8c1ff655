"""Data written by the release before the store split keeps loading and working.

tests/data/plonesocial-1.0.0a1.fs was written by scripts/make_old_datafs.py with
the code of commit 218ec79 (the manager kept every tree itself, the fan-out
queue ran newest first, notifications stored sentences). Each test works on a
copy of it with today's code.
"""

from datetime import datetime
from pathlib import Path
from plone.registry import Registry
from plone.registry.fieldfactory import persistentFieldAdapter
from plone.registry.interfaces import IRegistry
from plonesocial.activitystream.jobs import run_fanout
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX
from tests.push import AUTH
from tests.push import P256DH
from ZODB.FileStorage import FileStorage
from zope.component import getGlobalSiteManager
from zope.component import provideAdapter
from zope.component import provideUtility

import shutil
import tempfile
import transaction
import unittest
import ZODB


OLD_DATA = Path(__file__).parent / "data" / "plonesocial-1.0.0a1.fs"


class TestOldData(unittest.TestCase):
    def setUp(self):
        gsm = getGlobalSiteManager()
        provideAdapter(persistentFieldAdapter)
        self.addCleanup(gsm.unregisterAdapter, persistentFieldAdapter)
        registry = Registry()
        registry.registerInterface(IActivityStreamSettings, prefix=PREFIX)
        registry[f"{PREFIX}.fanout_threshold"] = 2  # as the file was written
        provideUtility(registry, IRegistry)
        self.addCleanup(gsm.unregisterUtility, registry, IRegistry)
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = Path(directory) / "Data.fs"
        shutil.copy(OLD_DATA, path)
        self.db = ZODB.DB(FileStorage(str(path)))
        self.addCleanup(self.db.close)
        self.tm = transaction.TransactionManager()
        self.conn = self.db.open(self.tm)
        self.addCleanup(self.close)
        self.root = self.conn.root()

    def close(self):
        self.tm.abort()
        self.conn.close()

    def reopen(self):
        """The same data through a new connection: what was committed, not what is cached."""
        self.tm.commit()
        self.conn.close()
        self.conn = self.db.open(self.tm)
        self.root = self.conn.root()
        return self.root["inboxes"], self.root["manager"]

    def test_the_whole_api_after_migrating(self):
        inboxes, am = self.root["inboxes"], self.root["manager"]
        self.assertTrue(am.needs_migration())
        self.assertTrue(am.migrate())
        inboxes.forget_copied_limits()
        inboxes, am = self.reopen()
        self.assertFalse(am.needs_migration())
        self.assertFalse(am.migrate())
        am.check_invariants()
        inboxes.check_invariants()

        # Messages: counters, order, reading, sending, blocks.
        self.assertEqual(inboxes["bob"].new_messages_count, 1)
        self.assertEqual([c.username for c in inboxes["bob"].get_conversations()],
                         ["carol", "alice"])
        inboxes["bob"]["carol"].mark_read()
        self.assertEqual(inboxes["bob"].new_messages_count, 0)
        inboxes.send("bob", "carol", "Yes, at noon")
        self.assertTrue(inboxes["erin"].is_blocked("alice"))

        # Activities and streams.
        self.assertEqual(len(am), 2)
        self.assertEqual([a.verb for a in am.get_by_context("folder-uuid", None)],
                         ["Update", "Create"])
        self.assertEqual(len(am.get_timeline("bob").all()), 2)  # follows alice, watches the folder

        # Notifications stored as sentences still show them; counts are exact.
        subjects = [(n.subject, n.seen) for n in am.get_by_recipient("bob")]
        self.assertEqual(subjects, [("Maintenance tonight", False),
                                    ("Carol Cook sent you a message", False),
                                    ("Alice Archer edited Budget (2 times)", True)])
        self.assertEqual(am.count_not_seen_by_recipient("bob"), 2)
        self.assertEqual(am.get_last_seen("bob"), datetime(2026, 11, 1, 9, 30))

        # The old queue (newest first) runs oldest first now, and delivers exactly once.
        self.assertEqual(am.queued(), 2)
        run_fanout(lambda: self.root["manager"], chunk_size=1, transaction_manager=self.tm)
        inboxes, am = self.reopen()
        self.assertEqual(am.queued(), 0)
        # Queued by 1.0a1, delivered now: grouped per (verb, object), an edit apart
        # from the creation it followed.
        dave = [n.subject for n in am.get_by_recipient("dave")]
        self.assertEqual(dave, ["Maintenance tonight", "Alice Archer edited Budget",
                                "Alice Archer created Budget"])
        self.assertEqual(am.count_not_seen_by_recipient("dave"), 3)

        # New notifications keep facts; they group per (type, owner, phrase), so not
        # into the old sentence-only one (which had no phrase).
        am.notify_facts(["bob"], message_type="message", phrase="sent you a message",
                        owner=("user", "carol"), actor="carol", body="Still there?")
        newest = am.get_by_recipient("bob").first()
        self.assertEqual((newest.subject, newest.count), ("carol sent you a message", 1))
        self.assertIsNone(newest.stored_subject)
        self.assertEqual(newest.body, "Still there?")

        # Preferences, digests, subscriptions, push.
        self.assertEqual(am.get_preferences("carol").mail_mode, "daily")
        self.assertEqual(am.preferences.mode("dave", "message"), "silent")
        self.assertEqual(am.digest_due("carol", datetime(2026, 11, 2, 7, 30)), {"daily"})
        self.assertEqual(len(am.take_digest("carol", datetime(2026, 11, 2, 7, 30))), 1)
        self.assertEqual(am.subscriptions.follower_count("alice"), 3)
        [push] = am.get_push_subscriptions("bob")
        self.assertEqual(push.endpoint, "https://push.example.com/send/abc")
        am.add_push_subscription("carol", "https://fcm.googleapis.com/fcm/send/def",
                                 P256DH, AUTH)

        # Marking, cleanup, and the invariants after all of it.
        am.mark_all_seen("bob")
        self.assertEqual(am.count_not_seen_by_recipient("bob"), 0)
        self.assertGreater(am.cleanup(remove_after=1, keep_unseen=False,
                                      now=datetime(2026, 12, 31)), 0)
        inboxes, am = self.reopen()
        am.check_invariants()
        inboxes.check_invariants()
        self.assertEqual(len(am.get_push_subscriptions("carol")), 1)

    def test_limits_copied_into_the_inboxes_are_dropped(self):
        inboxes = self.root["inboxes"]
        inboxes._p_activate()
        inboxes.__dict__["max_message_length"] = 5  # as a 1.0a1 site's Inboxes held it
        inboxes.forget_copied_limits()
        inboxes, _ = self.reopen()
        self.assertEqual(inboxes.max_message_length, 10_000)
        inboxes.send("bob", "alice", "longer than five")

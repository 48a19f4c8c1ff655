"""Limits: message length, messages per minute, recipients per call, page sizes; the upgrade."""

from datetime import datetime
from datetime import timedelta
from plone import api
from plone.testing.zope import Browser
from plonesocial.activitystream import exc as activity_exc
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.messaging import exc
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.messaging import Inboxes
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from tests.rest import RestClient
from unittest import mock
from zope.component import getUtility

import transaction
import unittest
import ZODB


PREFIX = "plonesocial.activitystream"
# The records of private messages (plonesocial.activitystream.* before 1005).
MESSAGING = "plonesocial.messaging"


def record(name):
    """The registry record of a setting, by the subsystem it belongs to."""
    prefix = MESSAGING if name.startswith("max_message") else PREFIX
    return f"{prefix}.{name}"
START = datetime(2026, 1, 5, 12, 0, 0)


class Clock:
    """A controllable utcnow for the rate limit's window."""

    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


class LimitsTestCase(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.inboxes = getUtility(IMessagingLocator).get_inboxes()
        self.manager = getUtility(IActivityLocator).get_manager()
        self.clock = Clock()
        patcher = mock.patch("plonesocial.messaging.messaging.utcnow", self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)

    def set(self, name, value):
        api.portal.set_registry_record(record(name), value)


class TestMessageLength(LimitsTestCase):
    def test_registry_value_reaches_the_inboxes(self):
        self.assertEqual(self.inboxes.max_message_length, 10000)
        self.set("max_message_length", 5)
        self.assertEqual(self.inboxes.max_message_length, 5)
        self.inboxes.send("ann", "bob", "12345")
        with self.assertRaises(exc.MessageTooLong) as raised:
            self.inboxes.send("ann", "cat", "123456")
        self.assertIn("at most 5", str(raised.exception))
        # Nothing written: no inbox for cat, no conversation for ann with cat.
        self.assertNotIn("cat", self.inboxes)
        self.assertNotIn("cat", self.inboxes["ann"])
        self.assertEqual(len(self.inboxes["ann"]["bob"]), 1)


class TestRateLimit(LimitsTestCase):
    def test_installed_default(self):
        self.assertEqual(api.portal.get_registry_record(record("max_messages_per_minute")), 30)
        self.assertEqual(self.inboxes.max_messages_per_minute, 30)
        # A bare Inboxes, outside a site, has no limit.
        self.assertEqual(Inboxes().max_messages_per_minute, 0)

    def test_refused_above_the_limit_and_nothing_written(self):
        self.set("max_messages_per_minute", 3)
        for i in range(3):
            self.inboxes.send("ann", "bob", f"m{i}")
            self.clock.advance(10)
        with self.assertRaises(exc.RateLimitExceeded) as raised:
            self.inboxes.send("ann", "cat", "one too many")
        # The first send was 30 s ago: it leaves the window in 30 s.
        self.assertEqual(raised.exception.retry_after, 30)
        self.assertIn("3 messages in the last minute", str(raised.exception))
        self.assertNotIn("cat", self.inboxes)
        self.assertNotIn("cat", self.inboxes["ann"])
        self.assertEqual(self.inboxes["ann"].sent_recently(int(
            (self.clock.now - datetime(1970, 1, 1)).total_seconds())), 3)
        # Other senders are not affected.
        self.inboxes.send("bob", "ann", "my own budget")
        # A sliding window: once the first send is a minute old, one more fits.
        self.clock.advance(30)
        self.inboxes.send("ann", "cat", "now it fits")
        with self.assertRaises(exc.RateLimitExceeded):
            self.inboxes.send("ann", "cat", "but not two")
        self.assertEqual(len(self.inboxes["cat"]["ann"]), 1)

    def test_counting_tree_stays_small(self):
        self.set("max_messages_per_minute", 1000)
        for i in range(200):
            self.inboxes.send("ann", "bob", f"m{i}")
            self.clock.advance(1)
        # Only the seconds of the last minute are kept.
        self.assertLessEqual(len(self.inboxes["ann"]._sent), 60)

    def test_zero_is_unlimited_and_writes_no_counter(self):
        self.set("max_messages_per_minute", 0)
        for i in range(50):
            self.inboxes.send("ann", "bob", f"m{i}")
        self.assertEqual(len(self.inboxes["bob"]["ann"]), 50)
        self.assertIsNone(self.inboxes["ann"]._sent)

    def test_created_does_not_dodge_the_clock(self):
        self.set("max_messages_per_minute", 1)
        self.inboxes.send("ann", "bob", "one", created=START - timedelta(days=3))
        with self.assertRaises(exc.RateLimitExceeded):
            self.inboxes.send("ann", "bob", "two", created=START - timedelta(days=2))


class TestRateLimitConflicts(unittest.TestCase):
    """The count lives in each sender's own inbox: different senders never conflict."""

    def test_two_senders_commit_concurrently(self):
        db = ZODB.DB(None)
        self.addCleanup(db.close)
        with db.transaction() as conn:
            inboxes = conn.root.inboxes = Inboxes()
            inboxes.max_messages_per_minute = 10
            for userid in ("ann", "bob", "cat", "dan"):
                inboxes.get_inbox(userid, create=True)
        first, second = db.open(transaction.TransactionManager()), \
            db.open(transaction.TransactionManager())
        first.root.inboxes.send("ann", "bob", "hello")
        second.root.inboxes.send("cat", "dan", "hello")
        first.transaction_manager.commit()
        second.transaction_manager.commit()  # no ConflictError
        with db.transaction() as conn:
            inboxes = conn.root.inboxes
            self.assertEqual(sum(inboxes["ann"]._sent.values()), 1)
            self.assertEqual(sum(inboxes["cat"]._sent.values()), 1)
        first.close()
        second.close()


class TestRecipientsLimit(LimitsTestCase):
    def test_create_refuses_too_many_addressed(self):
        self.set("max_recipients", 2)
        before = len(self.manager)
        with self.assertRaises(activity_exc.TooManyRecipients) as raised:
            self.manager.create(actor="ann", verb="Announce", object=("user", "ann"),
                                recipients=["bob", "cat", "dan"])
        self.assertIn("at most 2", str(raised.exception))
        self.assertEqual(len(self.manager), before)
        for userid in ("bob", "cat", "dan"):
            self.assertEqual(self.manager.count_not_seen_by_recipient(userid), 0)
        self.assertEqual(list(self.manager.get_by_actor("ann", None)), [])
        # Duplicates count once.
        self.manager.create(actor="ann", verb="Announce", object=("user", "ann"),
                            recipients=["bob", "cat", "bob"])
        self.assertEqual(self.manager.count_not_seen_by_recipient("cat"), 1)

    def test_notify_refuses_too_many(self):
        self.set("max_recipients", 2)
        with self.assertRaises(activity_exc.TooManyRecipients):
            self.manager.notify(["bob", "cat", "dan"], "Hello")
        self.assertIsNone(self.manager.notifications.get_list("bob"))
        self.assertEqual(self.manager.notify(["bob", "cat"], "Hello"), 2)

    def test_zero_is_unlimited(self):
        self.set("max_recipients", 0)
        self.assertEqual(self.manager.notify([f"u{i}" for i in range(150)], "Hello"), 150)

    def test_followers_are_not_counted(self):
        self.set("max_recipients", 1)
        self.set("fanout_threshold", 2)
        for i in range(5):
            self.manager.subscriptions.follow(f"f{i}", "star")
        self.manager.create(actor="star", verb="Announce", object=("user", "star"),
                            recipients=["bob"])
        # bob and one follower now, the rest queued for the fan-out job.
        self.assertEqual(self.manager.queued(), 4)


class TestUpgrade(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def test_1003_to_1006(self):
        """A site of 1003 gets the 1004 records, then its settings move to their
        subsystems' records with their values, and its Inboxes forget the copies
        of the limits they kept."""
        from plone.registry import field
        from plone.registry.record import Record

        setup = api.portal.get_tool("portal_setup")
        registry = api.portal.get_tool("portal_registry")
        for name in ("max_messages_per_minute", "max_recipients"):
            del registry.records[record(name)]
        for name in ("erase_messages", "erase_on_user_removal"):
            del registry.records[f"plonesocial.privacy.{name}"]
        # As 1003 kept it: under the activity stream's prefix, with a value of the site's.
        del registry.records[record("max_message_length")]
        registry.records[f"{PREFIX}.max_message_length"] = Record(field.Int(), 777)
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        inboxes.__dict__["max_message_length"] = 777  # the copy 1003 stored
        controlpanel = api.portal.get_tool("portal_controlpanel")
        controlpanel.unregisterConfiglet("plonesocial-erase")
        setup.setLastVersionForProfile("plonesocial:default", "1003")
        [step] = [s for s in setup.listUpgrades("plonesocial:default") if s["source"] == ("1003",)]
        self.assertEqual(step["dest"], ("1004",))
        setup.upgradeProfile("plonesocial:default")
        self.assertEqual(setup.getLastVersionForProfile("plonesocial:default"), ("1015",))
        self.assertEqual(api.portal.get_registry_record(record("max_messages_per_minute")), 30)
        self.assertEqual(api.portal.get_registry_record(record("max_recipients")), 100)
        self.assertEqual(api.portal.get_registry_record("plonesocial.privacy.erase_messages"),
                         "anonymise")
        self.assertIs(
            api.portal.get_registry_record("plonesocial.privacy.erase_on_user_removal"), True)
        # Existing values move to the new records; the old records are gone.
        self.assertEqual(api.portal.get_registry_record(record("max_message_length")), 777)
        self.assertNotIn(f"{PREFIX}.max_message_length", registry.records)
        self.assertNotIn("max_message_length", inboxes.__dict__)
        self.assertEqual(inboxes.max_messages_per_minute, 30)
        api.portal.set_registry_record(record("max_message_length"), 778)
        self.assertEqual(inboxes.max_message_length, 778)  # read where used

class TestRestLimits(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob", "cat", "dan"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.ann = RestClient(self.layer["app"], "ann")

    def inboxes(self):
        transaction.begin()
        return getUtility(IMessagingLocator).get_inboxes()

    def test_message_too_long_is_400(self):
        api.portal.set_registry_record(record("max_message_length"), 5)
        transaction.commit()
        response = self.ann.post(f"{self.site}/@inbox/bob", {"text": "123456"})
        self.assertEqual(response.status_int, 400)
        self.assertIn("at most 5", response.json["message"])
        self.assertIsNone(self.inboxes().get("bob"))

    def test_rate_limit_is_429_with_json(self):
        api.portal.set_registry_record(record("max_messages_per_minute"), 2)
        transaction.commit()
        for text in ("one", "two"):
            self.assertEqual(self.ann.post(f"{self.site}/@inbox/bob", {"text": text}).status_int,
                             201)
        response = self.ann.post(f"{self.site}/@inbox/cat", {"text": "three"})
        self.assertEqual(response.status_int, 429)
        self.assertEqual(response.json["type"], "TooManyRequests")
        self.assertIn("2 messages in the last minute", response.json["message"])
        self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
        self.assertEqual(response.json["retry_after"], int(response.headers["Retry-After"]))
        inboxes = self.inboxes()
        self.assertIsNone(inboxes.get("cat"))
        self.assertEqual(len(inboxes["ann"]), 1)

    def test_rate_limit_in_the_web_ui(self):
        api.portal.set_registry_record(record("max_messages_per_minute"), 1)
        transaction.commit()
        browser = Browser(self.layer["app"])
        browser.raiseHttpErrors = False  # the refused send answers 400 with the form again
        browser.addHeader("Authorization", "Basic ann:secret-password")
        for recipient in ("bob", "cat"):
            browser.open(f"{self.site}/@@inbox")
            browser.getControl(name="recipient").value = recipient
            browser.getControl(name="text").value = "Hello"
            browser.getControl("Send").click()
        self.assertIn("Not sent", browser.contents)
        self.assertIn("messages in the last minute", browser.contents)
        self.assertEqual(browser.headers["status"], "400 Bad Request")
        self.assertEqual(browser.getControl(name="text").value, "Hello")
        self.assertIsNone(self.inboxes().get("cat"))

    def test_every_list_enforces_its_maximum(self):
        self.ann.post(f"{self.site}/@inbox/bob", {"text": "hello"})
        lists = ("@inbox", "@inbox/bob", "@notifications", "@stream", "@subscriptions",
                 "@push-subscriptions")
        for name in lists:
            url = f"{self.site}/{name}"
            self.assertEqual(self.ann.get(f"{url}?limit=100").status_int, 200, name)
            for bad in ("101", "0", "many"):
                response = self.ann.get(f"{url}?limit={bad}")
                self.assertEqual(response.status_int, 400, (name, bad))
                self.assertIn("limit", response.json["message"], name)

    def test_subscriptions_are_paged(self):
        manager = getUtility(IActivityLocator).get_manager()
        for userid in ("bob", "cat", "dan"):
            manager.subscriptions.follow("ann", userid)
        manager.subscriptions.watch("ann", "some-uuid")
        transaction.commit()
        first = self.ann.get(f"{self.site}/@subscriptions?limit=3").json
        self.assertEqual([i["target"] for i in first["items"]], ["bob", "cat", "dan"])
        second = self.ann.testapp.get(first["next"], headers=self.ann.headers).json
        self.assertEqual([i["target"] for i in second["items"]], ["some-uuid"])
        self.assertNotIn("next", second)
        everything = self.ann.get(f"{self.site}/@subscriptions").json
        self.assertEqual(len(everything["items"]), 4)
        self.assertNotIn("next", everything)
        self.assertEqual(self.ann.get(f"{self.site}/@subscriptions?after=nonsense").status_int,
                         400)


class TestGroupUpgrade(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def test_1007_to_1008_adds_the_group_limit(self):
        setup = api.portal.get_tool("portal_setup")
        registry = api.portal.get_tool("portal_registry")
        del registry.records["plonesocial.messaging.max_group_participants"]
        setup.setLastVersionForProfile("plonesocial:default", "1007")
        setup.upgradeProfile("plonesocial:default")
        self.assertEqual(setup.getLastVersionForProfile("plonesocial:default"), ("1015",))
        self.assertEqual(
            api.portal.get_registry_record("plonesocial.messaging.max_group_participants"), 200)

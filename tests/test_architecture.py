"""The rules the service API keeps in one place, and the stores' contracts."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.registry import Registry
from plone.registry.fieldfactory import persistentFieldAdapter
from plone.registry.interfaces import IRegistry
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.jobs import run_fanout
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX
from plonesocial.delivery.interfaces import IPushSubscription
from plonesocial.delivery.worker import run_outbox
from plonesocial.messaging import api as messaging
from plonesocial.restapi.errors import http_error
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.push import AUTH
from tests.push import P256DH
from tests.rest import RestClient
from tests.servers import SMTPServer
from zExceptions import BadRequest
from zExceptions import NotFound
from zope.component import getGlobalSiteManager
from zope.component import provideAdapter
from zope.component import provideUtility
from zope.component.hooks import setSite
from zope.interface.verify import verifyObject

import pathlib
import plonesocial
import transaction
import unittest
import ZODB


MAX_MODULE_LINES = 500  # docs/architecture.md: no module of src/ is longer


class TestModulesStaySmall(unittest.TestCase):
    """No module of the package is over 500 lines: a store or a rule gets a module of its own."""

    def test_no_module_over_the_limit(self):
        package = pathlib.Path(plonesocial.__file__).parent
        modules = sorted(package.rglob("*.py"))
        self.assertGreater(len(modules), 50)  # the package itself, not an empty folder
        too_long = {str(path.relative_to(package)): lines for path in modules
                    if (lines := len(path.read_text(encoding="utf-8").splitlines()))
                    > MAX_MODULE_LINES}
        self.assertEqual(too_long, {}, "split these modules (docs/architecture.md)")


class TestFanoutQueueIsFIFO(unittest.TestCase):
    """Under sustained large fan-outs, the oldest job goes first and is never starved."""

    def setUp(self):
        gsm = getGlobalSiteManager()
        provideAdapter(persistentFieldAdapter)
        self.addCleanup(gsm.unregisterAdapter, persistentFieldAdapter)
        registry = Registry()
        registry.registerInterface(IActivityStreamSettings, prefix=PREFIX)
        registry[f"{PREFIX}.fanout_threshold"] = 2
        provideUtility(registry, IRegistry)
        self.addCleanup(gsm.unregisterUtility, registry, IRegistry)
        self.db = ZODB.DB(None)
        self.addCleanup(self.db.close)
        self.tm = transaction.TransactionManager()
        self.conn = self.db.open(self.tm)
        self.conn.root.am = ActivityManager()
        self.am = self.conn.root.am

    def test_two_jobs_oldest_first(self):
        for follower in range(6):
            self.am.subscriptions.follow(f"f{follower}", "ann")
            self.am.subscriptions.follow(f"f{follower}", "bob")
        self.am.create(actor="ann", verb="Create", object=("content", "first"))
        self.am.create(actor="bob", verb="Create", object=("content", "second"))
        self.tm.commit()
        [(first_id, first), (second_id, second)] = self.am.queue.jobs()
        self.assertLess(first_id, second_id)
        self.assertEqual((first.template["actor"], second.template["actor"]), ("ann", "bob"))
        # One chunk of 4: all of it goes to the older job; the newer waits.
        self.assertEqual(run_fanout(lambda: self.am, chunk_size=4, max_chunks=1,
                                    transaction_manager=self.tm), 4)
        self.assertEqual([job.template["actor"] for _, job in self.am.queue.jobs()],
                         ["bob"])
        actors = {n.actors[0] for n in self.am.get_by_recipient("f5")}
        self.assertEqual(actors, {"ann"})
        run_fanout(lambda: self.am, chunk_size=4, transaction_manager=self.tm)
        self.assertEqual(self.am.queue.jobs(), [])
        self.am.check_invariants()

    def test_push_subscription_conforms(self):
        subscription = self.am.add_push_subscription(
            "ann", "https://fcm.googleapis.com/fcm/send/ann", P256DH, AUTH)
        self.assertTrue(verifyObject(IPushSubscription, subscription))


class TestErrorsToHTTP(unittest.TestCase):
    def test_one_mapping(self):
        self.assertIsInstance(http_error(exc.EmptyMessage("empty")), BadRequest)
        self.assertIsInstance(http_error(exc.InvalidUserId("bad")), BadRequest)
        self.assertIsInstance(http_error(exc.SenderBlocked("blocked")), BadRequest)
        self.assertIsInstance(http_error(exc.ConversationNotFound("none")), NotFound)
        self.assertIsInstance(http_error(exc.NotificationNotFound("none")), NotFound)
        self.assertIsNone(http_error(exc.RateLimitExceeded("slow down", 5)))
        # One class for a bad user id, an error of every subsystem.
        for root in (exc.MessagingError, exc.ActivityStreamError, exc.PrivacyError,
                     exc.InvalidInput, ValueError):
            self.assertIsInstance(exc.InvalidUserId("bad"), root)


class ReadingTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password",
                            properties={"fullname": f"{userid.title()} Example"})
        transaction.commit()

    def badge(self, userid):
        transaction.begin()
        return activitystream.count_unseen(userid)


class TestReadingClearsTheBadge(ReadingTestCase):
    """One rule: reading a conversation marks its message notification seen, however read."""

    def test_patch_read_over_rest(self):
        ann = RestClient(self.layer["app"], "ann")
        bob = RestClient(self.layer["app"], "bob")
        url = f"{self.portal.absolute_url()}/@inbox"
        self.assertEqual(ann.post(f"{url}/bob", {"text": "Lunch?"}).status_int, 201)
        self.assertEqual(bob.get(f"{self.portal.absolute_url()}/@notifications/count")
                         .json["not_seen"], 1)
        self.assertEqual(bob.patch(f"{url}/ann", {"read": True}).status_int, 204)
        self.assertEqual(bob.get(f"{self.portal.absolute_url()}/@notifications/count")
                         .json["not_seen"], 0)
        self.assertEqual(self.badge("bob"), 0)
        [notification] = activitystream.get_notifications("bob").all()
        self.assertTrue(notification.seen)

    def test_mark_read_through_the_api_and_the_storage(self):
        messaging.send("ann", "bob", "One")
        transaction.commit()
        self.assertEqual(self.badge("bob"), 1)
        messaging.mark_read("bob", "ann")
        transaction.commit()
        self.assertEqual(self.badge("bob"), 0)
        # The storage method itself keeps the rule (the seed API).
        messaging.send("ann", "bob", "Two")
        transaction.commit()
        self.assertEqual(self.badge("bob"), 1)
        messaging.get_inbox("bob")["ann"].mark_read()
        transaction.commit()
        self.assertEqual(self.badge("bob"), 0)
        # Ann's own copy: reading it marks nothing of Bob's.
        messaging.send("ann", "bob", "Three")
        transaction.commit()
        messaging.mark_read("ann", "bob")
        self.assertEqual(self.badge("bob"), 1)


class TestMailInTheReadersLanguage(ReadingTestCase):
    def setUp(self):
        super().setUp()
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.smtp = SMTPServer().start()
        self.addCleanup(self.smtp.stop)
        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        api.portal.set_registry_record("plone.smtp_host", "127.0.0.1")
        api.portal.set_registry_record("plone.smtp_port", self.smtp.port)
        api.portal.set_registry_record("plonesocial.delivery.site_url", "http://nohost/plone")
        api.user.create(email="dora@example.org", username="dora", password="secret-password",
                        properties={"fullname": "Dora Dietrich", "language": "de"})
        activitystream.set_preferences("dora", mail_mode="immediately")
        activitystream.set_preferences("bob", mail_mode="immediately")
        transaction.commit()

    def test_german_subject_for_a_german_reader(self):
        self.assertEqual(api.portal.get_registry_record("plone.default_language"), "en")
        messaging.send("ann", "dora", "Mittagessen?")
        messaging.send("ann", "bob", "Lunch?")
        transaction.commit()
        run_outbox(lambda: self.portal)  # the worker composes each mail in its reader's language
        setSite(self.portal)
        transaction.begin()
        subjects = {message["To"]: message["Subject"] for _, message in self.smtp.messages}
        self.assertEqual(subjects["dora@example.org"],
                         "[Plone site] Ann Example hat dir eine Nachricht geschickt")
        self.assertEqual(subjects["bob@example.org"],
                         "[Plone site] Ann Example sent you a message")
        [german] = [m for _, m in self.smtp.messages if m["To"] == "dora@example.org"]
        text = german.get_body(("plain",)).get_content()
        self.assertIn("Du erhältst diese E-Mail, weil sie an dich adressiert war.", text)
        self.assertIn("Mittagessen?", text)
        # The stored notification keeps facts, not a sentence.
        [notification] = activitystream.get_notifications("dora").all()
        self.assertIsNone(notification.stored_subject)
        self.assertEqual(notification.actors, ("ann",))

"""Issue 14's REST and mail defects: actionable 400s logged at INFO, GET last-seen,
a next link for conversations, message links, and mail links outside a request."""

from plone import api
from plone.registry import field
from plone.registry import Record
from plone.registry.interfaces import IRegistry
from plonesocial.activitystream import api as activitystream
from plonesocial.delivery.mail import compose_digest
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.urls import conversation_url
from tests.rest import RestClient
from zope.component import getUtility
from zope.component.hooks import setSite
from zope.globalrequest import getRequest
from zope.globalrequest import setRequest

import logging
import transaction
import unittest


class RestTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker"), ("cat", "Cat Cole")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.ann = RestClient(self.layer["app"], "ann")


class TestClientErrors(RestTestCase):
    def test_400_is_actionable_and_logged_at_info_without_traceback(self):
        records = []
        handler = logging.Handler(level=logging.DEBUG)
        handler.emit = records.append
        root = logging.getLogger()
        root.addHandler(handler)
        self.addCleanup(root.removeHandler, handler)
        ours = logging.getLogger("plonesocial")
        self.addCleanup(ours.setLevel, ours.level)
        ours.setLevel(logging.INFO)
        response = self.ann.post(f"{self.site}/@inbox/bob", {"text": None})
        self.assertEqual(response.status_int, 400)
        self.assertEqual(response.json["message"], "Write the message as text.")
        response = self.ann.post(f"{self.site}/@inbox/ann", {"text": "me"})
        self.assertEqual(response.json["message"], "You cannot send a message to yourself.")
        errors = [r for r in records if r.levelno >= logging.WARNING]
        self.assertEqual([r.getMessage()[:80] for r in errors], [])
        infos = [r.getMessage() for r in records if r.name == "plonesocial"
                 and r.levelno == logging.INFO]
        self.assertTrue(any("400 POST" in m and "yourself" in m for m in infos), infos)
        self.assertTrue(all(r.exc_info is None for r in records if r.name == "plonesocial"))
        transaction.begin()
        self.assertIsNone(messaging.get_inbox("ann"))

    def test_german_reader_gets_german_errors(self):
        api.portal.set_registry_record("plone.default_language", "de")
        api.portal.set_registry_record("plone.available_languages", ["de"])
        transaction.commit()
        response = self.ann.post(f"{self.site}/@inbox/ann", {"text": "me"},
                                 headers={"Accept-Language": "de"})
        self.assertEqual(response.json["message"], "Du kannst dir selbst keine Nachricht senden.")


class TestRestDefects(RestTestCase):
    def test_get_last_seen(self):
        self.ann.post(f"{self.site}/@notifications/last-seen", {})
        data = self.ann.get(f"{self.site}/@notifications/last-seen").json
        self.assertIsNotNone(data["last_seen"])
        self.assertEqual(data["not_seen"], 0)

    def test_conversations_page_with_next(self):
        for sender in ("bob", "cat"):
            messaging.send(sender, "ann", f"hi from {sender}")
        transaction.commit()
        first = self.ann.get(f"{self.site}/@inbox?limit=1").json
        self.assertEqual([c["userid"] for c in first["items"]], ["cat"])
        rest = self.ann.testapp.get(first["next"], headers=self.ann.headers).json
        self.assertEqual([c["userid"] for c in rest["items"]], ["bob"])
        self.assertNotIn("next", rest)

    def test_message_notification_links_to_the_conversation(self):
        messaging.send("bob", "ann", "hello")
        transaction.commit()
        item = self.ann.get(f"{self.site}/@notifications").json["orderedItems"][0]
        self.assertTrue(item["url"].endswith("/plone/@@conversation?with=bob"), item["url"])
        self.assertEqual(self.ann.get(item["@id"]).json["id"], item["id"])
        # The ids may come as strings, as they do from a form.
        self.ann.post(f"{self.site}/@notifications/seen", {"ids": [str(item["id"])]})
        self.assertEqual(self.ann.get(f"{self.site}/@notifications/count").json["not_seen"], 0)

    def test_each_unseen_message_counts(self):
        """Defect 2: a second message while the first is unseen moves its row to the top,
        tells the number of messages and counts on the badge; reading the conversation
        takes them all off at once."""
        messaging.send("bob", "ann", "hello")
        transaction.commit()
        count_url = f"{self.site}/@notifications/count"
        self.assertEqual(self.ann.get(count_url).json["not_seen"], 1)
        first = self.ann.get(f"{self.site}/@notifications").json["orderedItems"][0]
        messaging.send("cat", "ann", "hi")
        messaging.send("bob", "ann", "are you there?")
        transaction.commit()
        self.assertEqual(self.ann.get(count_url).json["not_seen"], 3)
        # The bell shows what is new since the last look (issue 16, tgapp): each
        # message counts there too, until the bell is opened.
        self.assertEqual(self.ann.get(count_url).json["new"], 3)
        items = self.ann.get(f"{self.site}/@notifications").json["orderedItems"]
        # Bob's row moved above Cat's, with a newer id and the number of messages.
        self.assertEqual([i["subject"] for i in items[:2]],
                         ["Bob Baker sent you 2 messages", "Cat Cole sent you a message"])
        self.assertGreater(items[0]["id"], first["id"])
        messaging.mark_read("ann", "bob")
        transaction.commit()
        self.assertEqual(self.ann.get(count_url).json["not_seen"], 1)
        manager = activitystream.get_manager()
        manager.notifications.get_list("ann").check_invariants()
        # A message after reading starts a row of its own: one again, not "3 messages".
        messaging.send("bob", "ann", "back again")
        transaction.commit()
        self.assertEqual(self.ann.get(count_url).json["not_seen"], 2)
        items = self.ann.get(f"{self.site}/@notifications").json["orderedItems"]
        self.assertEqual(items[0]["subject"], "Bob Baker sent you a message")
        self.ann.post(f"{self.site}/@notifications/seen", {"all": True})
        self.assertEqual(self.ann.get(count_url).json["not_seen"], 0)
        manager.notifications.get_list("ann").check_invariants()

    def test_the_mail_of_a_second_message_tells_the_number(self):
        registry = getUtility(IRegistry)
        if "plonesocial.delivery.site_url" not in registry.records:
            registry.records["plonesocial.delivery.site_url"] = Record(
                field.TextLine(title="Site URL"), "https://social.example.org/")
        else:
            registry["plonesocial.delivery.site_url"] = "https://social.example.org/"
        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        messaging.send("bob", "ann", "hello")
        messaging.send("bob", "ann", "again")
        transaction.commit()
        from plonesocial.delivery.mail import compose_notification

        notification = activitystream.get_notifications("ann").all()[0]
        mail = compose_notification(notification, "ann@example.org", language="de")
        self.assertTrue(mail["Subject"].endswith("Bob Baker hat dir 2 Nachrichten geschickt"),
                        mail["Subject"])


class TestLinksOutsideARequest(RestTestCase):
    def test_digest_links_use_the_configured_site_url(self):
        """Defect 5: needs the ``plonesocial.delivery.site_url`` record (issue 12's setting)."""
        registry = getUtility(IRegistry)
        if "plonesocial.delivery.site_url" not in registry.records:
            registry.records["plonesocial.delivery.site_url"] = Record(
                field.TextLine(title="Site URL"), "https://social.example.org/")
        else:
            registry["plonesocial.delivery.site_url"] = "https://social.example.org/"
        from plone.app.testing import setRoles
        from plone.app.testing import TEST_USER_ID

        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        page = api.content.create(self.portal, "Document", "page", title="Page")
        api.content.transition(page, "publish")
        activitystream.watch("ann", page.UID())
        messaging.send("bob", "ann", "hello")
        transaction.commit()
        page.title = "Page 2"
        from zope.event import notify
        from zope.lifecycleevent import ObjectModifiedEvent

        notify(ObjectModifiedEvent(page))
        transaction.commit()
        # As plonesocial-jobs runs: the site from a connection of its own, no request.
        connection = self.layer["app"]._p_jar.db().open()
        self.addCleanup(connection.close)
        site = connection.root()["Application"].unrestrictedTraverse("plone")
        request = getRequest()
        setRequest(None)
        self.addCleanup(setRequest, request)
        self.addCleanup(setSite, self.portal)
        setSite(site)
        self.assertFalse(site.absolute_url().startswith("http"))
        notifications = activitystream.get_notifications("ann").all()
        mail = compose_digest(notifications, "ann@example.org", language="en")
        text = mail.get_body(("plain",)).get_content()
        self.assertIn("https://social.example.org/@@conversation?with=bob", text)
        self.assertIn("https://social.example.org/page", text)
        self.assertIn("https://social.example.org/@@notification-preferences", text)
        self.assertEqual(conversation_url("bob"),
                         "https://social.example.org/@@conversation?with=bob")

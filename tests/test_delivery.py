"""Email (immediate and digests) through a real SMTP server, Web Push to a real endpoint."""

from base64 import urlsafe_b64encode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from datetime import datetime
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.delivery.digests import send_digest
from plonesocial.delivery.digests import send_digests
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.servers import PushService
from tests.servers import SMTPServer
from zope.component import getUtility

import json
import os
import transaction
import unittest


def b64url(data):
    return urlsafe_b64encode(data).rstrip(b"=").decode()


class DeliveryTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.smtp = SMTPServer().start()
        self.addCleanup(self.smtp.stop)
        # The mail settings, where the mail control panel stores them (Plone's
        # mailer reads them from the registry).
        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        api.portal.set_registry_record("plone.email_from_name", "Team Site")
        api.portal.set_registry_record("plone.smtp_host", "127.0.0.1")
        api.portal.set_registry_record("plone.smtp_port", self.smtp.port)
        for userid in ("ann", "bob", "cat"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        self.page = api.content.create(self.portal, "Document", "plan", title="The plan")
        api.content.transition(self.page, "publish")
        self.am = getUtility(IActivityLocator).get_manager()
        transaction.commit()

    def manager(self):
        return getUtility(IActivityLocator).get_manager()

    def comment(self, recipients, actor, text="Nice"):
        self.am.notify(recipients, subject=f"{actor.title()} commented on The plan", body=text,
                       message_type="comment", owner=self.page, context=self.page.UID(),
                       actor=actor, actor_name=actor.title(), phrase="commented on",
                       title="The plan")


class TestImmediateEmail(DeliveryTestCase):
    def test_one_email_with_both_parts_and_links(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.comment(["ann"], "bob", "Looks <b>good</b>")
        self.assertEqual(self.smtp.messages, [])  # nothing before the commit
        transaction.commit()
        self.assertEqual(len(self.smtp.messages), 1)
        recipients, message = self.smtp.messages[0]
        self.assertEqual(recipients, ["ann@example.org"])
        self.assertEqual(message["From"], "Team Site <site@example.org>")
        self.assertEqual(message["To"], "ann@example.org")
        self.assertEqual(message["Subject"], "[Plone site] Bob commented on The plan")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        self.assertIn("Looks <b>good</b>", text)
        self.assertIn("Looks &lt;b&gt;good&lt;/b&gt;", html)  # escaped
        for part in (text, html):
            self.assertIn("http://nohost/plone/plan", part)
            self.assertIn("http://nohost/plone/@@notification-preferences", part)
        self.assertIn("You get this email because it was addressed to you.", text)
        notification = self.manager().get_by_recipient("ann").first()
        self.assertIsNotNone(notification.sent)
        self.assertFalse(notification.seen)

    def test_rolled_back_transaction_sends_nothing(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        transaction.commit()
        self.comment(["ann"], "bob")
        transaction.abort()
        self.assertEqual(self.smtp.messages, [])

    def test_other_modes_send_nothing_now(self):
        self.am.get_preferences("ann").set(mail_mode="never")
        self.am.get_preferences("bob").set(mail_mode="daily")
        self.comment(["ann", "bob"], "cat")
        transaction.commit()
        self.assertEqual(self.smtp.messages, [])

    def test_no_email_about_what_the_recipient_may_not_view(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        api.content.transition(self.page, "retract")
        transaction.commit()
        self.comment(["ann"], "bob")
        transaction.commit()
        self.assertEqual(self.smtp.messages, [])

    def test_mark_seen_when_sent(self):
        api.portal.set_registry_record("plonesocial.delivery.mark_seen_when_sent", True)
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.comment(["ann"], "bob")
        transaction.commit()
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 0)


class TestDigests(DeliveryTestCase):
    MORNING = datetime(2030, 1, 7, 8, 0)  # a Monday, 08:00 UTC

    def test_daily_digest_once_without_seen_ones(self):
        self.am.get_preferences("ann").set(mail_mode="daily")
        self.comment(["ann"], "bob")
        self.comment(["ann"], "cat")  # grouped with Bob's
        self.am.notify(["ann"], subject="Server restarts at noon")
        self.am.notify(["ann"], subject="Already read")
        self.am.mark_seen("ann", self.am.get_by_recipient("ann").first().id)
        transaction.commit()
        self.assertEqual(send_digests(self.manager, now=self.MORNING), 1)
        recipients, message = self.smtp.messages[0]
        self.assertEqual(message["Subject"], "[Plone site] 2 new notifications")
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        self.assertIn("* Cat and 1 other commented on The plan\n  http://nohost/plone/plan", text)
        self.assertIn("* Server restarts at noon\n  http://nohost/plone", text)
        self.assertNotIn("Already read", text)
        html = message.get_body(("html",)).get_content()
        self.assertIn("<li>Cat and 1 other commented on The plan</li>", html)
        # Twice: nothing more.
        self.assertEqual(send_digests(self.manager, now=self.MORNING), 0)
        self.assertEqual(len(self.smtp.messages), 1)
        sent = [n.sent for n in self.manager().get_by_recipient("ann")]
        self.assertEqual(sent.count(self.MORNING), 2)

    def test_crash_in_the_middle_resumes_without_duplicates(self):
        for userid in ("ann", "bob", "cat"):
            self.am.get_preferences(userid).set(mail_mode="often")
        self.am.notify(["ann", "bob", "cat"], subject="Hello all")
        transaction.commit()
        # The job mails Ann, then dies while mailing Bob: Bob's transaction
        # never commits.
        send_digest(self.manager(), "ann", self.MORNING)
        transaction.commit()
        send_digest(self.manager(), "bob", self.MORNING)
        transaction.abort()
        self.assertEqual([r for r, _ in self.smtp.messages], [["ann@example.org"]])
        self.assertEqual(send_digests(self.manager, now=self.MORNING), 2)
        self.assertEqual(sorted(r[0] for r, _ in self.smtp.messages),
                         ["ann@example.org", "bob@example.org", "cat@example.org"])


class TestWebPush(DeliveryTestCase):
    def setUp(self):
        super().setUp()
        from py_vapid import Vapid02

        self.vapid = Vapid02()
        self.vapid.generate_keys()
        private_value = self.vapid.private_key.private_numbers().private_value
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", True)
        api.portal.set_registry_record("plonesocial.delivery.vapid_private_key",
                                       b64url(private_value.to_bytes(32, "big")))
        api.portal.set_registry_record("plonesocial.delivery.vapid_contact",
                                       "mailto:admin@example.org")
        # The browser's side: its key pair and auth secret.
        self.browser_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        p256dh = b64url(self.browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        self.service = PushService(self.browser_key, self.auth).start()
        self.addCleanup(self.service.stop)
        self.am.add_push_subscription("ann", f"{self.service.url}/push/ann-laptop", p256dh,
                                      b64url(self.auth), language="en", user_agent="Test")
        self.am.add_push_subscription("ann", f"{self.service.url}/gone/old-phone", p256dh,
                                      b64url(self.auth))
        transaction.commit()

    def test_pushed_after_commit_and_dead_subscriptions_removed(self):
        self.comment(["ann"], "bob", "Pushed")
        self.assertEqual(self.service.received, [])
        transaction.commit()
        self.assertEqual(len(self.service.received), 1)
        path, headers, plain = self.service.received[0]
        self.assertEqual(path, "/push/ann-laptop")
        data = json.loads(plain)
        self.assertEqual((data["title"], data["body"], data["url"]),
                         ("Bob commented on The plan", "Pushed", "http://nohost/plone/plan"))
        self.assertTrue(headers["authorization"].startswith("vapid t="))
        public = b64url(self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        self.assertIn(f"k={public}", headers["authorization"])
        transaction.begin()
        endpoints = [s.endpoint for s in self.manager().get_push_subscriptions("ann")]
        self.assertEqual(endpoints, [f"{self.service.url}/push/ann-laptop"])

    def test_nothing_pushed_when_off_or_rolled_back(self):
        self.comment(["ann"], "bob")
        transaction.abort()
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", False)
        self.comment(["ann"], "bob")
        transaction.commit()
        self.assertEqual(self.service.received, [])

    def test_bad_subscriptions_refused(self):
        from plonesocial.activitystream import exc

        for kwargs in (dict(endpoint="ftp://x"), dict(p256dh="not base64!"), dict(auth="")):
            arguments = dict(endpoint="https://push.example/1", p256dh="abc", auth="def")
            arguments.update(kwargs)
            with self.subTest(kwargs=kwargs):
                with self.assertRaises(exc.InvalidActivity):
                    self.am.add_push_subscription("ann", **arguments)

"""Email and Web Push through the outbox, against real servers on loopback.

A mail server that refuses connections, one that accepts and never answers
(tarpit), one that answers 550 at RCPT; a push service over https that
decrypts what it gets, with a slow, a broken and a gone endpoint. Every
test of issue 12's first findings failed before the outbox: the request
opened the SMTP connection itself.
"""

from base64 import urlsafe_b64encode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from datetime import datetime
from datetime import timedelta
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.protect.authenticator import createToken
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.clock import utcnow
from plonesocial.delivery import mail
from plonesocial.delivery import transport
from plonesocial.delivery.digests import send_digest
from plonesocial.delivery.digests import send_digests
from plonesocial.delivery.outbox import create_outbox
from plonesocial.delivery.worker import run_outbox
from plonesocial.jobs import report
from plonesocial.jobs import run_jobs
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import profile_version
from tests.rest import RestClient
from tests.servers import PushService
from tests.servers import refusing_port
from tests.servers import SMTPServer
from tests.servers import Tarpit
from unittest import mock
from zope.component import getUtility
from zope.component.hooks import setSite

import io
import json
import os
import transaction
import unittest


def b64url(data):
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_keys():
    """A browser's subscription keys: (private key, p256dh, auth secret, auth)."""
    key = ec.generate_private_key(ec.SECP256R1())
    secret = os.urandom(16)
    p256dh = b64url(key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    return key, p256dh, secret, b64url(secret)


class DeliveryTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.app = self.layer["app"]
        self.addCleanup(setSite, self.portal)
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.smtp = SMTPServer().start()
        self.addCleanup(self.smtp.stop)
        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        api.portal.set_registry_record("plone.email_from_name", "Team Site")
        api.portal.set_registry_record("plone.smtp_host", "127.0.0.1")
        api.portal.set_registry_record("plone.smtp_port", self.smtp.port)
        api.portal.set_registry_record("plone.site_title", "Team Intranet")
        api.portal.set_registry_record("plonesocial.delivery.site_url",
                                       "https://intranet.example.org/plone")
        for userid in ("ann", "bob", "cat"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        self.page = api.content.create(self.portal, "Document", "plan", title="The plan")
        api.content.transition(self.page, "publish")
        self.am = getUtility(IActivityLocator).get_manager()
        transaction.commit()

    def manager(self):
        return getUtility(IActivityLocator).get_manager()

    def outbox(self):
        return create_outbox(self.portal)

    def deliver(self, now=None):
        counts = run_outbox(lambda: self.portal, now=now)
        setSite(self.portal)
        transaction.begin()
        return counts

    def later(self, seconds):
        return utcnow() + timedelta(seconds=seconds)

    def comment(self, recipients, actor, text="Nice"):
        self.am.notify(recipients, subject=f"{actor.title()} commented on The plan", body=text,
                       message_type="comment", owner=self.page, context=self.page.UID(),
                       actor=actor, actor_name=actor.title(), phrase="commented on",
                       title="The plan")

    def use_smtp_port(self, port):
        api.portal.set_registry_record("plone.smtp_port", port)
        transaction.commit()


class TestImmediateEmail(DeliveryTestCase):
    def test_queued_with_the_write_and_sent_by_the_worker(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.comment(["ann"], "bob", "Looks <b>good</b>")
        transaction.commit()
        self.assertEqual(self.smtp.messages, [])  # the commit sent nothing
        self.assertEqual(self.outbox().counts()["waiting"], 1)
        self.assertIsNone(self.manager().get_by_recipient("ann").first().sent)
        self.assertEqual(self.deliver()["sent"], 1)
        self.assertEqual(len(self.smtp.messages), 1)
        recipients, message = self.smtp.messages[0]
        self.assertEqual(recipients, ["ann@example.org"])
        self.assertEqual(message["From"], "Team Site <site@example.org>")
        # Finding 11: the site's own title, not "[Plone site]".
        self.assertEqual(message["Subject"], "[Team Intranet] Bob commented on The plan")
        self.assertTrue(message["Message-ID"].endswith("@plonesocial>"))
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        self.assertIn("Looks <b>good</b>", text)
        self.assertIn("Looks &lt;b&gt;good&lt;/b&gt;", html)  # escaped
        for part in (text, html):
            # Finding 5: links from the configured site URL.
            self.assertIn("https://intranet.example.org/plone/plan", part)
            self.assertIn("https://intranet.example.org/plone/@@notification-preferences", part)
            self.assertNotIn("nohost", part)
        notification = self.manager().get_by_recipient("ann").first()
        self.assertIsNotNone(notification.sent)  # marked sent once accepted
        self.assertEqual(self.outbox().counts(), {"waiting": 0, "failed": 0, "sent": 1})
        self.assertEqual(self.deliver()["sent"], 0)  # nothing twice
        self.assertEqual(len(self.smtp.messages), 1)

    def test_no_address_looked_up_in_the_request_and_none_no_mail(self):
        """The request that makes the notification queues the mail without looking
        the recipient up; the worker drops it for someone without an address."""
        api.user.get(userid="cat").setMemberProperties({"email": ""})
        for userid in ("ann", "cat"):
            self.am.get_preferences(userid).set(mail_mode="immediately")
        transaction.commit()
        with mock.patch.object(mail, "recipient_address",
                               side_effect=AssertionError("looked up in the request")):
            self.comment(["ann", "cat"], "bob")
            transaction.commit()
        self.assertEqual(self.outbox().counts()["waiting"], 2)
        counts = self.deliver()
        self.assertEqual((counts["sent"], counts["dropped"]), (1, 1))
        self.assertEqual([recipients for recipients, _ in self.smtp.messages],
                         [["ann@example.org"]])
        self.assertEqual(self.outbox().counts()["waiting"], 0)

    def test_rolled_back_transaction_queues_nothing(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        transaction.commit()
        self.comment(["ann"], "bob")
        transaction.abort()
        self.assertEqual(self.outbox().counts()["waiting"], 0)
        self.deliver()
        self.assertEqual(self.smtp.messages, [])

    def test_other_modes_send_nothing_now(self):
        self.am.get_preferences("ann").set(mail_mode="never")
        self.am.get_preferences("bob").set(mail_mode="daily")
        self.comment(["ann", "bob"], "cat")
        transaction.commit()
        self.deliver()
        self.assertEqual(self.smtp.messages, [])

    def test_no_email_about_what_the_recipient_may_not_view(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        api.content.transition(self.page, "retract")
        transaction.commit()
        self.comment(["ann"], "bob")
        transaction.commit()
        self.deliver()
        self.assertEqual(self.smtp.messages, [])

    def test_not_sent_when_the_item_became_private_before_sending(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.comment(["ann"], "bob")
        transaction.commit()
        api.content.transition(self.page, "retract")
        transaction.commit()
        self.assertEqual(self.deliver()["dropped"], 1)
        self.assertEqual(self.smtp.messages, [])

    def test_mark_seen_when_sent(self):
        api.portal.set_registry_record("plonesocial.delivery.mark_seen_when_sent", True)
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.comment(["ann"], "bob")
        transaction.commit()
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 1)
        self.deliver()
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 0)

    def test_bidi_controls_out_of_the_subject_and_isolated_in_html(self):
        # Finding 9: "Bob\u202egnp.exe" would show as "Bobexe.png".
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.am.notify(["ann"], subject="Bob\u202egnp.exe sent\u200f you a file\x07",
                       body="see\u202e it", message_type="notice")
        transaction.commit()
        self.deliver()
        _, message = self.smtp.messages[0]
        self.assertEqual(message["Subject"], "[Team Intranet] Bobgnp.exe sent you a file")
        html = message.get_body(("html",)).get_content()
        self.assertIn("<h1><bdi>Bob\u202egnp.exe", html)
        self.assertIn("<p><bdi>see\u202e it</bdi></p>", html)


class TestWorkerThread(DeliveryTestCase):
    """The thread of a Zope process (make run): woken by the commit that queued a mail."""

    def test_sends_after_the_commit(self):
        from plonesocial.delivery.worker import start_worker_thread
        from plonesocial.delivery.worker import WAKE
        from zope.processlifetime import DatabaseOpenedWithRoot

        import time

        event = DatabaseOpenedWithRoot(self.layer["app"]._p_jar.db())
        self.assertIsNone(start_worker_thread(event))  # off unless asked for
        os.environ["PLONESOCIAL_OUTBOX_WORKER"] = "1"
        try:
            thread = start_worker_thread(event)
        finally:
            del os.environ["PLONESOCIAL_OUTBOX_WORKER"]

        def stop():
            thread.stopping.set()
            WAKE.set()
            thread.join(10)
        self.addCleanup(stop)
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.comment(["ann"], "bob", "Woken")
        transaction.commit()
        deadline = time.monotonic() + 15  # the thread polls every 30 s: the commit woke it
        while not self.smtp.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.smtp.messages), 1)
        self.assertIn("Woken", self.smtp.messages[0][1].get_body(("plain",)).get_content())


class TestMailServerFaults(DeliveryTestCase):
    """Finding 1: the mail server down, hung or refusing never breaks a write."""

    def rest_send(self, client, text):
        return client.post(f"{self.portal.absolute_url()}/@inbox/ann", {"text": text})

    def setUp(self):
        super().setUp()
        self.am.get_preferences("ann").set(mail_mode="immediately")
        transaction.commit()
        self.bob = RestClient(self.app, "bob")

    def test_write_commits_while_the_server_refuses_and_mail_goes_out_when_it_is_back(self):
        port = refusing_port()
        self.use_smtp_port(port)
        response = self.rest_send(self.bob, "Lunch?")
        self.assertEqual(response.status_int, 201, response.body)
        transaction.begin()
        inboxes = getUtility(
            __import__("plonesocial.messaging.interfaces", fromlist=["x"]).IMessagingLocator
        ).get_inboxes()
        self.assertEqual([m.text for m in inboxes["ann"]["bob"].get_messages()], ["Lunch?"])
        counts = self.deliver()
        self.assertEqual(counts["retry"], 1)
        [entry] = list(self.outbox().waiting())
        self.assertEqual((entry.state, entry.attempts), ("pending", 1))
        self.assertIn("ConnectionRefusedError", entry.error)
        # Back off: not again before the first delay (60 s) is over.
        self.assertEqual(self.deliver(now=self.later(30))["retry"], 0)
        self.assertEqual(entry.attempts, 1)
        server = SMTPServer(port=port).start()
        self.addCleanup(server.stop)
        self.assertEqual(self.deliver(now=self.later(61))["sent"], 1)
        self.assertEqual(len(server.messages), 1)
        self.assertIn("Lunch?", server.messages[0][1].get_body(("plain",)).get_content())

    def test_a_hung_server_does_not_hold_the_request(self):
        tarpit = Tarpit().start()
        self.addCleanup(tarpit.stop)
        api.portal.set_registry_record("plonesocial.delivery.timeout", 1)
        self.use_smtp_port(tarpit.port)
        response = self.rest_send(self.bob, "Still there?")
        self.assertEqual(response.status_int, 201, response.body)
        self.assertEqual(tarpit.connections, [])  # the request never connected
        counts = self.deliver()
        self.assertEqual(counts["retry"], 1)
        self.assertEqual(len(tarpit.connections), 1)
        [entry] = list(self.outbox().waiting())
        self.assertIn("timed out", entry.error)

    def test_exponential_back_off_then_failed(self):
        api.portal.set_registry_record("plonesocial.delivery.max_attempts", 3)
        self.use_smtp_port(refusing_port())
        self.rest_send(self.bob, "Anyone?")
        transaction.begin()
        start = utcnow()
        self.deliver(now=start)
        [entry] = list(self.outbox().waiting())
        first = entry.next_attempt
        self.deliver(now=start + timedelta(seconds=61))
        self.assertEqual(entry.attempts, 2)
        # The second wait is twice the first: 61 s + 120 s after the start.
        self.assertEqual((entry.next_attempt - first) // 1_000_000, 61 + 120 - 60)
        self.deliver(now=start + timedelta(seconds=61 + 119))
        self.assertEqual(entry.attempts, 2)
        self.deliver(now=start + timedelta(seconds=61 + 121))
        self.assertEqual((entry.state, entry.attempts), ("failed", 3))
        self.assertIn("gave up after 3 attempts", entry.error)
        self.assertEqual(self.outbox().counts()["failed"], 1)

    def test_550_at_rcpt_is_failed_not_sent_and_an_administrator_retries(self):
        refusing = SMTPServer(refuse_rcpt=True).start()
        self.addCleanup(refusing.stop)
        self.use_smtp_port(refusing.port)
        self.rest_send(self.bob, "Hello")
        transaction.begin()
        self.assertEqual(self.deliver()["failed"], 1)
        [entry] = list(self.outbox().failed())
        self.assertEqual(entry.state, "failed")
        self.assertIn("550", entry.error)
        notification = self.manager().get_by_recipient("ann").first()
        self.assertIsNone(notification.sent)  # not stamped sent
        self.assertEqual(refusing.messages, [])
        # The control panel lists it; retry sends it once the address works.
        api.user.create(email="admin@example.org", username="boss", password="secret-password",
                        roles=["Manager"])
        transaction.commit()
        admin = RestClient(self.app, "boss")
        page = admin.get(f"{self.portal.absolute_url()}/@@plonesocial-delivery")
        self.assertEqual(page.status_int, 200)
        self.assertIn(f'id="outbox-{entry.id}"', page.text)
        self.assertIn("550", page.text)
        self.use_smtp_port(self.smtp.port)
        self.outbox_action(admin, entry.id, "retry")
        self.assertEqual(self.deliver()["sent"], 1)
        self.assertEqual(len(self.smtp.messages), 1)
        self.assertIsNotNone(self.manager().get_by_recipient("ann").first().sent)

    def outbox_action(self, admin, entry_id, action):
        import webtest

        app = webtest.TestApp(admin.testapp.app)
        with api.env.adopt_user(username="boss"):
            token = createToken()
        response = app.post(f"{self.portal.absolute_url()}/@@plonesocial-outbox",
                            {"entry": str(entry_id), action: "1", "_authenticator": token},
                            headers={"Authorization": admin.headers["Authorization"]},
                            expect_errors=True)
        self.assertEqual(response.status_int, 302, response.body[:500])
        transaction.begin()

    def test_discard_a_failed_entry(self):
        refusing = SMTPServer(refuse_rcpt=True).start()
        self.addCleanup(refusing.stop)
        self.use_smtp_port(refusing.port)
        self.rest_send(self.bob, "Hello")
        transaction.begin()
        self.deliver()
        [entry] = list(self.outbox().failed())
        api.user.create(email="admin@example.org", username="boss", password="secret-password",
                        roles=["Manager"])
        transaction.commit()
        self.outbox_action(RestClient(self.app, "boss"), entry.id, "discard")
        self.assertEqual(self.outbox().counts(), {"waiting": 0, "failed": 0, "sent": 0})
        self.assertIsNone(self.outbox().get(entry.id))

    def test_a_crash_between_sending_and_recording_sends_nothing_twice(self):
        self.rest_send(self.bob, "Once only")
        transaction.begin()
        outbox = self.outbox()
        [entry] = list(outbox.waiting())
        # What the worker does, up to the crash: record 'sending', commit, send.
        from plonesocial.delivery.worker import prepare

        action, send = prepare(entry)
        outbox.begin(entry)
        transaction.commit()
        self.assertEqual(send().status, transport.SENT)
        # The process dies here: the outcome is never recorded.
        transaction.abort()
        self.assertEqual(self.deliver()["sent"], 0)  # 'sending': left alone
        lease = api.portal.get_registry_record("plonesocial.delivery.sending_lease")
        self.assertEqual(self.deliver(now=self.later(lease + 1))["interrupted"], 1)
        self.assertEqual(entry.state, "failed")
        self.assertIn("interrupted", entry.error)
        self.assertEqual(len(self.smtp.messages), 1)


class TestSiteURL(DeliveryTestCase):
    """Finding 5: links never follow the Host header; no site URL, no mail."""

    def test_host_header_does_not_change_the_links(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        transaction.commit()
        import webtest

        bob = RestClient(self.app, "bob")
        app = webtest.TestApp(bob.testapp.app)  # zope.testbrowser refuses other hosts
        response = app.post_json(f"{self.portal.absolute_url()}/@inbox/ann", {"text": "hi"},
                                 headers=bob.headers,
                                 extra_environ={"HTTP_HOST": "evil.example"})
        self.assertEqual(response.status_int, 201)
        self.assertIn("evil.example", response.json["@id"])  # the request did see it
        transaction.begin()
        self.deliver()
        text = self.smtp.messages[0][1].get_body(("plain",)).get_content()
        self.assertIn("https://intranet.example.org/plone/@@conversation?with=bob", text)
        self.assertNotIn("evil.example", text)

    def test_jobs_refuse_to_mail_without_the_site_url(self):
        self.am.get_preferences("ann").set(mail_mode="immediately")
        self.comment(["ann"], "bob")
        api.portal.set_registry_record("plonesocial.delivery.site_url", "")
        transaction.commit()
        results = run_jobs(self.app, ["digests", "outbox"])
        self.assertIn("the site URL is not set", results["plone"]["error"])
        self.assertNotIn("outbox", results["plone"])
        out, err = io.StringIO(), io.StringIO()
        self.assertEqual(report(results, out, err), 2)  # the command's exit code
        self.assertIn("plone: no mail sent. plonesocial: the site URL is not set", err.getvalue())
        self.assertIn("Site Setup > Messaging: mail and push delivery", err.getvalue())
        self.assertEqual(self.smtp.messages, [])
        setSite(self.portal)
        api.portal.set_registry_record("plonesocial.delivery.site_url", "https://x.example.org")
        transaction.commit()
        self.assertEqual(run_jobs(self.app, ["outbox"]), {"plone": {"outbox": 1}})
        self.assertIn("https://x.example.org/plan",
                      self.smtp.messages[0][1].get_body(("plain",)).get_content())

    def test_site_url_set_at_install_from_a_real_request(self):
        from plonesocial.setuphandlers import set_site_url_from_request

        api.portal.set_registry_record("plonesocial.delivery.site_url", "")
        set_site_url_from_request(self.portal)  # the test request has no Host header
        self.assertEqual(api.portal.get_registry_record("plonesocial.delivery.site_url"), "")
        self.portal.REQUEST.environ["HTTP_HOST"] = "intranet.example.org"
        self.portal.REQUEST["HTTP_HOST"] = "intranet.example.org"
        set_site_url_from_request(self.portal)
        self.assertEqual(api.portal.get_registry_record("plonesocial.delivery.site_url"),
                         self.portal.absolute_url())
        transaction.abort()

    def test_site_url_validated(self):
        from plonesocial.delivery.settings import IDeliverySettings
        from zope.interface import Invalid

        field = IDeliverySettings["site_url"]
        for bad in ("intranet.example.org", "ftp://x.example.org", "https://x.org/?a=1"):
            with self.subTest(bad=bad):
                with self.assertRaises(Invalid):
                    field.validate(bad)
        field.validate("https://x.example.org/Plone")


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
        self.assertEqual(self.smtp.messages, [])  # queued, not sent
        self.deliver()
        recipients, message = self.smtp.messages[0]
        self.assertEqual(message["Subject"], "[Team Intranet] 2 new notifications")
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        self.assertIn("* Cat and 1 other commented on The plan\n"
                      "  https://intranet.example.org/plone/plan", text)
        self.assertIn("* Server restarts at noon\n  https://intranet.example.org/plone", text)
        self.assertNotIn("Already read", text)
        html = message.get_body(("html",)).get_content()
        self.assertIn("<li><bdi>Cat and 1 other commented on The plan</bdi></li>", html)
        # Twice: nothing more.
        self.assertEqual(send_digests(self.manager, now=self.MORNING), 0)
        self.deliver()
        self.assertEqual(len(self.smtp.messages), 1)
        sent = [n.sent for n in self.manager().get_by_recipient("ann")]
        self.assertEqual(sum(1 for s in sent if s is not None), 2)

    def test_crash_in_the_middle_resumes_without_duplicates(self):
        for userid in ("ann", "bob", "cat"):
            self.am.get_preferences(userid).set(mail_mode="often")
        self.am.notify(["ann", "bob", "cat"], subject="Hello all")
        transaction.commit()
        send_digest(self.manager(), "ann", self.MORNING)
        transaction.commit()
        send_digest(self.manager(), "bob", self.MORNING)
        transaction.abort()  # the job dies while queueing Bob's
        self.assertEqual(send_digests(self.manager, now=self.MORNING), 2)
        self.deliver()
        self.assertEqual(sorted(r[0] for r, _ in self.smtp.messages),
                         ["ann@example.org", "bob@example.org", "cat@example.org"])


class TestWebPush(DeliveryTestCase):
    """Finding 2: push through the outbox, to checked https endpoints only; finding 10."""

    def setUp(self):
        super().setUp()
        from py_vapid import Vapid02

        self.vapid = Vapid02()
        self.vapid.generate_keys()
        pem = self.vapid.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", True)
        # Finding 10: the PEM file as pasted, line breaks and all.
        api.portal.set_registry_record("plonesocial.delivery.vapid_private_key", pem)
        api.portal.set_registry_record("plonesocial.delivery.vapid_contact",
                                       "mailto:admin@example.org")
        # Our push service runs on localhost: allowed for these tests only.
        api.portal.set_registry_record("plonesocial.delivery.push_services", ["localhost"])
        api.portal.set_registry_record("plonesocial.delivery.push_private_networks",
                                       ["127.0.0.0/8", "::1/128"])
        api.portal.set_registry_record("plonesocial.delivery.timeout", 2)
        self.browser_key, self.p256dh, self.secret, self.auth = browser_keys()
        self.service = PushService(self.browser_key, self.secret).start()
        self.addCleanup(self.service.stop)
        for path in ("push/ann-laptop", "gone/old-phone"):
            self.am.add_push_subscription("ann", f"{self.service.url}/{path}", self.p256dh,
                                          self.auth, language="en", user_agent="Test")
        transaction.commit()

    def test_pushed_by_the_worker_and_dead_subscriptions_removed(self):
        self.comment(["ann"], "bob", "Pushed")
        transaction.commit()
        self.assertEqual(self.service.requests, [])  # not in the request
        self.assertEqual(self.outbox().counts()["waiting"], 2)  # one per browser
        counts = self.deliver()
        self.assertEqual((counts["sent"], counts["dropped"]), (1, 1))
        path, headers, plain = self.service.received[0]
        self.assertEqual(path, "/push/ann-laptop")
        data = json.loads(plain)
        self.assertEqual((data["title"], data["body"], data["url"]),
                         ("Bob commented on The plan", "Pushed",
                          "https://intranet.example.org/plone/plan"))
        self.assertTrue(headers["authorization"].startswith("vapid t="))
        public = b64url(self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        self.assertIn(f"k={public}", headers["authorization"])
        endpoints = [s.endpoint for s in self.manager().get_push_subscriptions("ann")]
        self.assertEqual(endpoints, [f"{self.service.url}/push/ann-laptop"])

    def test_one_browser_failing_does_not_stop_the_others(self):
        for path in ("slow/ann-phone", "broken/ann-tablet"):
            self.am.add_push_subscription("ann", f"{self.service.url}/{path}", self.p256dh,
                                          self.auth)
        transaction.commit()
        self.comment(["ann"], "bob", "To all")
        transaction.commit()
        # The slow endpoint (5 s) is never waited for by the sender's request.
        self.assertEqual(self.service.requests, [])
        counts = self.deliver()
        self.assertEqual(counts["sent"], 1)  # the laptop
        self.assertEqual(counts["retry"], 1)  # the slow one timed out (2 s)
        self.assertEqual(counts["failed"], 1)  # the broken one, 400
        [failed] = list(self.outbox().failed())
        self.assertIn("400", failed.error)
        self.assertEqual(failed.endpoint, f"{self.service.url}/broken/ann-tablet")

    def test_nothing_queued_when_off_or_rolled_back(self):
        self.comment(["ann"], "bob")
        transaction.abort()
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", False)
        self.comment(["ann"], "bob")
        transaction.commit()
        self.assertEqual(self.outbox().counts()["waiting"], 0)
        self.deliver()
        self.assertEqual(self.service.received, [])

    def test_checked_again_at_send_time(self):
        # Against DNS rebinding: the address is checked before every send.
        self.comment(["ann"], "bob")
        api.portal.set_registry_record("plonesocial.delivery.push_private_networks", [])
        transaction.commit()
        counts = self.deliver()
        self.assertEqual(counts["failed"], 2)  # both browsers
        for failed in self.outbox().failed():
            self.assertIn("resolves to 127.0.0.1, which is not a public address", failed.error)
        self.assertEqual(self.service.requests, [])

    def test_one_line_pem_and_raw_keys_work(self):
        pem = api.portal.get_registry_record("plonesocial.delivery.vapid_private_key")
        one_line = " ".join(pem.split("\n"))
        raw = b64url(self.vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
        for key in (one_line, raw):
            with self.subTest(key=key[:20]):
                api.portal.set_registry_record("plonesocial.delivery.vapid_private_key",
                                               key)
                self.comment(["ann"], "bob")
                transaction.commit()
                received = len(self.service.received)
                self.deliver()
                self.assertEqual(len(self.service.received), received + 1)

    def test_vapid_keys_validated_on_save(self):
        from plonesocial.delivery.settings import IDeliverySettings
        from zope.interface import Invalid

        field = IDeliverySettings["vapid_private_key"]
        for bad in ("-----BEGIN PRIVATE KEY----- bm90IGEga2V5 -----END PRIVATE KEY-----",
                    "c2hvcnQ", "not base64!"):
            with self.subTest(bad=bad):
                with self.assertRaises(Invalid):
                    field.validate(bad)
        field.validate(api.portal.get_registry_record(
            "plonesocial.delivery.vapid_private_key"))
        with self.assertRaises(Invalid):
            IDeliverySettings["vapid_public_key"].validate("BAAA")
        field = IDeliverySettings["vapid_public_key"]
        field.validate(self.p256dh)

    def test_bad_subscriptions_refused(self):
        from plonesocial.activitystream import exc

        not_on_curve = b64url(b"\x04" + b"\x01" * 64)
        for kwargs in (dict(endpoint="http://localhost/x"),
                       dict(endpoint="https://push.evil.example/x"),
                       dict(p256dh="not base64!"), dict(p256dh=not_on_curve),
                       dict(auth=b64url(b"short")), dict(auth="")):
            arguments = dict(endpoint=f"{self.service.url}/push/x", p256dh=self.p256dh,
                             auth=self.auth)
            arguments.update(kwargs)
            with self.subTest(kwargs=kwargs):
                with self.assertRaises(exc.InvalidActivity):
                    self.am.add_push_subscription("ann", **arguments)


class TestPushRegistration(DeliveryTestCase):
    """Over REST: only https endpoints of allowed services at public addresses, push on."""

    def setUp(self):
        super().setUp()
        from py_vapid import Vapid02

        vapid = Vapid02()
        vapid.generate_keys()
        raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", True)
        api.portal.set_registry_record("plonesocial.delivery.vapid_private_key", b64url(raw))
        api.portal.set_registry_record("plonesocial.delivery.push_services", [])
        transaction.commit()
        self.ann = RestClient(self.app, "ann")
        _, self.p256dh, _, self.auth = browser_keys()
        self.url = f"{self.portal.absolute_url()}/@push-subscriptions"

    def register(self, endpoint):
        return self.ann.post(self.url, {"endpoint": endpoint,
                                        "keys": {"p256dh": self.p256dh, "auth": self.auth}})

    def test_private_and_plain_endpoints_refused(self):
        for endpoint, reason in (
                ("https://127.0.0.1/push", "127.0.0.1, which is not a public address"),
                ("https://localhost:8443/push", "not a public address"),
                ("https://169.254.169.254/latest/meta-data", "not a public address"),
                ("https://10.1.2.3/push", "not a public address"),
                ("https://[::1]/push", "not a public address"),
                ("https://[::ffff:192.168.0.1]/push", "not a public address"),
                ("http://93.184.216.34/push", "must be an https URL"),
                ("https://user:pw@93.184.216.34/push", "no credentials")):
            with self.subTest(endpoint=endpoint):
                response = self.register(endpoint)
                self.assertEqual(response.status_int, 400)
                self.assertIn(reason, response.json["message"])
        response = self.register("https://93.184.216.34/push/ann")
        self.assertEqual(response.status_int, 201, response.body)

    def test_only_allowed_push_services(self):
        api.portal.set_registry_record("plonesocial.delivery.push_services",
                                       ["fcm.googleapis.com", "*.push.apple.com"])
        transaction.commit()
        response = self.register("https://93.184.216.34/push/ann")
        self.assertEqual(response.status_int, 400)
        self.assertIn("not one of the push services", response.json["message"])

    def test_refused_while_push_is_off(self):
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", False)
        transaction.commit()
        response = self.register("https://93.184.216.34/push/ann")
        self.assertEqual(response.status_int, 400)
        self.assertIn("Desktop notifications are off", response.json["message"])


class TestUpgrade(DeliveryTestCase):
    def test_1005_to_1006(self):
        from plonesocial.delivery.outbox import STORAGE
        from zope.annotation.interfaces import IAnnotations

        setup = api.portal.get_tool("portal_setup")
        registry = api.portal.get_tool("portal_registry")
        for name in [n for n in registry.records.keys() if n.startswith("plonesocial.delivery.")]:
            del registry.records[name]
        del IAnnotations(self.portal)[STORAGE.key]
        api.portal.get_tool("portal_controlpanel").unregisterConfiglet("plonesocial-delivery")
        setup.setLastVersionForProfile("plonesocial:default", "1005")
        setup.upgradeProfile("plonesocial:default")
        self.assertEqual(setup.getLastVersionForProfile("plonesocial:default"), (profile_version(),))
        self.assertEqual(api.portal.get_registry_record("plonesocial.delivery.max_attempts"), 8)
        self.assertIn("fcm.googleapis.com",
                      api.portal.get_registry_record("plonesocial.delivery.push_services"))
        self.assertIn(STORAGE.key, IAnnotations(self.portal))
        actions = [a.getId() for a in api.portal.get_tool("portal_controlpanel").listActions()]
        self.assertIn("plonesocial-delivery", actions)
        transaction.abort()

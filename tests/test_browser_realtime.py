"""Realtime in real headless Chromium: Zope -> RabbitMQ -> the gateway -> Bob's open pages.

Skips without Chromium or RabbitMQ, except under CI=true, where that fails.
Screenshots go to var/browser-tests/.
"""

from plone import api
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.realtime.settings import get_settings
from plonesocial.testing import PLONESOCIAL_ACCEPTANCE_TESTING
from tests.realtime import BROKER_URL
from tests.realtime import delete_exchange
from tests.realtime import exchange_name
from tests.realtime import GatewayProcess
from tests.realtime import require_broker
from tests.test_browser import ARGS
from tests.test_browser import CHROMIUM
from tests.test_browser import chromium_available
from tests.test_browser import SCREENSHOTS
from zope.component import getUtility

import os
import transaction
import unittest


CONNECTED = "() => window.plonesocialRealtime && window.plonesocialRealtime.connected"


class RealtimeBrowserCase(unittest.TestCase):
    """Ann and Bob, the gateway on a fresh exchange, Chromium (no tests of its own)."""

    layer = PLONESOCIAL_ACCEPTANCE_TESTING

    def setUp(self):
        if not chromium_available():
            if os.environ.get("CI") == "true":
                self.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install chromium)")
            self.skipTest(f"no Chromium at {CHROMIUM}: apt-get install chromium")
        require_broker(self)
        from playwright.sync_api import sync_playwright

        self.portal = self.layer["portal"]
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        self.exchange = exchange_name()
        self.addCleanup(delete_exchange, self.exchange)
        settings = get_settings()
        self.gateway = GatewayProcess(BROKER_URL, self.exchange, secret=settings.secret)
        self.gateway.start()
        self.addCleanup(self.gateway.stop)
        settings.enabled = True
        settings.broker_url = BROKER_URL
        settings.exchange = self.exchange
        settings.gateway_url = f"ws://127.0.0.1:{self.gateway.port}"
        transaction.commit()
        self.site = f"http://{self.layer['host']}:{self.layer['port']}/plone"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.playwright = sync_playwright().start()
        self.addCleanup(self.playwright.stop)
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        self.addCleanup(self.browser.close)

    def person(self, userid):
        context = self.browser.new_context(viewport={"width": 1200, "height": 800})
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto(f"{self.site}/login")
        page.fill("#__ac_name", userid)
        page.fill("#__ac_password", "secret-password")
        page.click("button[name='buttons.login']")
        page.wait_for_load_state()
        return page

    def send(self, sender, recipient, text):
        transaction.begin()
        getUtility(IMessagingLocator).get_inboxes().send(sender, recipient, text)
        transaction.commit()

    def shot(self, page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


class TestRealtimeInBrowser(RealtimeBrowserCase):
    def test_inbox_live_then_gateway_restart(self):
        bob = self.person("bob")
        count_requests = []
        bob.on("request", lambda request: "@notifications/count" in request.url
               and count_requests.append(request.url))
        bob.goto(f"{self.site}/@@inbox")
        bob.wait_for_function(CONNECTED, timeout=10000)

        self.send("ann", "bob", "Lunch at noon? <b>bold</b>")
        # Within one second, without a reload: the conversation in the inbox,
        # the unread messages and the notification badge.
        bob.wait_for_function(
            """() => { const li = document.querySelector("li[data-with='ann']");
                       return li && li.textContent.includes('Lunch at noon? <b>bold</b>'); }""",
            timeout=1000)
        bob.wait_for_function(
            "() => document.getElementById('plonesocial-badge').dataset.count === '1'",
            timeout=1000)
        bob.wait_for_function(
            """() => document.querySelector('#plonesocial-messages-link .badge')
                        .textContent === '1'""", timeout=1000)
        self.shot(bob, "realtime-01-bob-inbox-live")
        # Longer than the menu's polling interval (10 s): no count request while connected.
        bob.wait_for_timeout(11000)
        self.assertTrue(bob.evaluate(CONNECTED))
        self.assertEqual(count_requests, [])

        # Bob opens the conversation in a second tab; Ann is typing.
        conversation = bob.context.new_page()
        conversation.goto(f"{self.site}/@@conversation?with=ann")
        conversation.wait_for_function(CONNECTED, timeout=10000)
        ann = self.person("ann")
        ann.goto(f"{self.site}/@@conversation?with=bob")
        ann.wait_for_function(CONNECTED, timeout=10000)
        ann.fill("#reply-text", "typing")
        ann.type("#reply-text", "...")
        conversation.wait_for_selector("#plonesocial-typing:not([hidden])", timeout=2000)
        self.assertIn("Ann Ames is typing", conversation.inner_text("#plonesocial-typing"))
        self.shot(conversation, "realtime-02-bob-sees-typing")

        # The gateway dies; a message is sent while it is down; it comes back.
        self.gateway.stop(kill=True)
        bob.wait_for_function("() => !window.plonesocialRealtime.connected", timeout=5000)
        self.send("ann", "bob", "Sent during the outage")
        self.gateway.start()
        for page in (bob, conversation):
            page.wait_for_function(CONNECTED, timeout=40000)
        conversation.wait_for_function(
            """() => [...document.querySelectorAll('.message-text')]
                       .some(m => m.textContent === 'Sent during the outage')""", timeout=5000)
        # Receipts are not fetched again on reconnection: Ann's page must be
        # back before Bob's page reads the next message.
        ann.wait_for_function(CONNECTED, timeout=40000)
        self.send("ann", "bob", "After the restart")
        conversation.wait_for_function(
            """() => [...document.querySelectorAll('.message-text')]
                       .some(m => m.textContent === 'After the restart')""", timeout=2000)
        bob.wait_for_function(
            """() => document.querySelector("li[data-with='ann']")
                       .textContent.includes('After the restart')""", timeout=2000)
        conversation.wait_for_timeout(500)
        texts = conversation.eval_on_selector_all(
            ".message-text", "els => els.map(e => e.textContent)")
        self.assertEqual(texts, ["Lunch at noon? <b>bold</b>", "Sent during the outage",
                                 "After the restart"])
        self.assertEqual(bob.locator("li[data-with='ann']").count(), 1)
        # Ann's page shows Bob's read receipt: his open conversation read them (a
        # PATCH from his page, a commit, then an event: slower than a message
        # when the machine is loaded, so a longer wait than the messages' 2 s).
        ann.wait_for_selector("#plonesocial-receipt:not([hidden])", timeout=20000)
        # The UX walk: the page's own "Seen" under an older message stayed: two of them.
        self.assertEqual(ann.evaluate(
            """() => [...document.querySelectorAll('#plonesocial-conversation *')]
                       .filter(e => e.children.length === 0 && e.offsetParent !== null
                                    && e.textContent.trim() === 'Seen').length"""), 1)
        self.shot(conversation, "realtime-03-bob-conversation-after-restart")
        self.shot(ann, "realtime-04-ann-receipt")

    def test_group_page_live(self):
        """Issue 15: Bob's open group page and inbox show Ann's group message, her edit
        and her unsend in place, without a reload."""
        from plonesocial.messaging import api as messaging

        api.user.create(email="cat@example.org", username="cat", password="secret-password")
        group = messaging.create_group("ann", ["bob", "cat"], "Trip <b>")
        messaging.mark_group_read("bob", group.id)
        transaction.commit()
        bob = self.person("bob")
        bob.goto(f"{self.site}/@@inbox")
        bob.wait_for_function(CONNECTED, timeout=10000)
        page = bob.context.new_page()
        page.goto(f"{self.site}/@@group?id={group.id}")
        page.wait_for_function(CONNECTED, timeout=10000)
        transaction.begin()
        sent = messaging.send_to_group("ann", group.id, "Train at 7 <i>sharp</i>")
        transaction.commit()
        row = f"li[data-group='{group.id}']"
        bob.wait_for_function(
            f"""() => document.querySelector("{row}").textContent
                       .includes('Train at 7 <i>sharp</i>')""", timeout=5000)
        # The row keeps what it shows of the group beside its unread count.
        self.assertIn("group of 3", bob.inner_text(row))
        self.assertEqual(bob.locator(f"{row}:first-child").count(), 1)  # moved to the top
        card = f"#group-messages [data-message-id='{sent.id}'] .message-text"
        page.wait_for_function(
            f"""() => {{ const t = document.querySelector("{card}");
                        return t && t.textContent === 'Train at 7 <i>sharp</i>'; }}""",
            timeout=5000)
        self.assertEqual(page.locator("#group-messages i").count(), 0)  # text, not markup
        self.shot(page, "realtime-05-bob-group-live")
        transaction.begin()
        messaging.edit_group_message("ann", group.id, sent.id, "Train at 8")
        transaction.commit()
        page.wait_for_function(
            f"""() => document.querySelector("{card}").textContent === 'Train at 8'""",
            timeout=5000)
        transaction.begin()
        messaging.unsend_group_message("ann", group.id, sent.id)
        transaction.commit()
        page.wait_for_selector(f"#group-messages .plonesocial-removed[data-message-id='{sent.id}']",
                               timeout=5000)
        self.assertEqual(page.locator(f"#group-messages li[data-key='{sent.id}']").count(), 1)
        self.shot(page, "realtime-06-bob-group-unsent")
        # Bob's open page read the message: his count says so, on his pages too.
        bob.wait_for_function(
            f"""() => !document.querySelector("{row}").textContent.includes('unread')""",
            timeout=5000)
        transaction.begin()
        self.assertEqual(messaging.count_unread("bob"), 0)
        page.wait_for_function(
            """() => document.querySelector('#plonesocial-messages-link .badge')
                        .dataset.count === '0'""", timeout=5000)

    def test_stream_bar_and_broadcast(self):
        from plone.app.testing import login
        from plone.app.testing import setRoles
        from plone.app.testing import TEST_USER_ID
        from plonesocial.activitystream.interfaces import IActivityLocator

        transaction.begin()
        # The page's own host, the gateway's port (as `make run` sets it).
        get_settings().gateway_url = f":{self.gateway.port}"
        getUtility(IActivityLocator).get_manager().subscriptions.follow("bob", "ann")
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        folder = api.content.create(self.portal, "Folder", "team", title="Team")
        api.content.transition(folder, "publish")
        api.user.grant_roles("ann", obj=folder, roles=["Contributor", "Reviewer"])
        transaction.commit()
        bob = self.person("bob")
        bob.goto(f"{self.site}/@@stream")
        bob.wait_for_function(CONNECTED, timeout=10000)
        self.assertEqual(bob.evaluate("window.plonesocialRealtime.transport"), "websocket")
        before = bob.locator("#plonesocial-stream li").count()

        # Ann publishes a page: Bob's timeline offers it, loaded through REST.
        transaction.begin()
        login(self.portal, "ann")
        page = api.content.create(folder, "Document", "minutes", title="Minutes")
        api.content.transition(page, "publish")
        transaction.commit()
        bar = bob.wait_for_selector("#plonesocial-stream-bar:not([hidden])", timeout=5000)
        self.assertRegex(bar.inner_text(), r"^\d+ new items - show$")
        self.shot(bob, "realtime-05-bob-stream-bar")
        bar.click()
        bob.wait_for_function(
            f"() => document.querySelectorAll('#plonesocial-stream li').length > {before}")
        self.assertIn("Minutes", bob.inner_text("#plonesocial-stream ul.list-group"))
        self.assertTrue(bob.locator("#plonesocial-stream-bar").is_hidden())
        self.assertNotIn("Nothing yet", bob.inner_text("#plonesocial-stream"))

        # An administrator's broadcast is shown at once, once.
        transaction.begin()
        getUtility(IActivityLocator).get_manager().broadcast("Fire drill at 3",
                                                             body="Use stairs B.")
        transaction.commit()
        alert = bob.wait_for_selector(".plonesocial-broadcast", timeout=2000)
        self.assertEqual(alert.inner_text(), "Fire drill at 3 Use stairs B.")
        bob.wait_for_function(
            "() => document.getElementById('plonesocial-badge').dataset.count !== '0'")
        self.assertEqual(bob.locator(".plonesocial-broadcast").count(), 1)
        self.shot(bob, "realtime-06-bob-broadcast")

    def test_server_sent_events_fallback(self):
        # A browser without WebSocket (here: told to use the fallback) gets the
        # same events through EventSource, cross-origin with CORS, and sends
        # its typing indicator with a POST.
        bob = self.person("bob")
        bob.add_init_script("window.plonesocialRealtimeUseSSE = true")
        bob.goto(f"{self.site}/@@conversation?with=ann")
        bob.wait_for_function(CONNECTED, timeout=10000)
        self.assertEqual(bob.evaluate("window.plonesocialRealtime.transport"), "sse")
        ann = self.person("ann")
        ann.goto(f"{self.site}/@@conversation?with=bob")
        ann.wait_for_function(CONNECTED, timeout=10000)
        self.assertEqual(ann.evaluate("window.plonesocialRealtime.transport"), "websocket")
        self.send("ann", "bob", "Over SSE")
        bob.wait_for_function(
            """() => [...document.querySelectorAll('.message-text')]
                       .some(m => m.textContent === 'Over SSE')""", timeout=2000)
        bob.type("#reply-text", "hi")
        ann.wait_for_selector("#plonesocial-typing:not([hidden])", timeout=3000)
        self.assertIn("Bob Baker is typing", ann.inner_text("#plonesocial-typing"))
        self.assertEqual(self.gateway.stats()["connections"], 2)
        self.shot(bob, "realtime-07-bob-sse")

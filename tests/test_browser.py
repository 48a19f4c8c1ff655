"""Two people in real headless Chromium against the functional WSGI server.

Skips with a message where no Chromium is installed, except in CI (CI=true),
where a missing browser is a failure. Screenshots go to var/browser-tests/.
"""

from pathlib import Path
from plone import api
from plone.app.testing import login
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_ACCEPTANCE_TESTING
from zope.component import getUtility
from zope.event import notify
from zope.lifecycleevent import ObjectModifiedEvent

import os
import shutil
import transaction
import unittest


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "browser-tests"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_available():
    return os.path.exists(CHROMIUM)


class TestInBrowser(unittest.TestCase):
    layer = PLONESOCIAL_ACCEPTANCE_TESTING

    def setUp(self):
        if not chromium_available():
            if os.environ.get("CI") == "true":
                self.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install chromium)")
            self.skipTest(f"no Chromium at {CHROMIUM}: apt-get install chromium")
        from playwright.sync_api import sync_playwright

        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        self.page_obj = api.content.create(self.portal, "Document", "plan", title="The plan")
        api.content.transition(self.page_obj, "publish")
        api.user.grant_roles("ann", obj=self.page_obj, roles=["Editor"])
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

    def shot(self, page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def badge(self, page, count):
        page.wait_for_function(
            "n => document.getElementById('plonesocial-badge').dataset.count === n",
            arg=str(count), timeout=25000)
        return page.locator("#plonesocial-badge")

    def test_message_badge_and_watched_page(self):
        bob = self.person("bob")
        bob.goto(self.site)
        self.badge(bob, 0)
        self.assertTrue(bob.locator("#plonesocial-badge").is_hidden())
        self.shot(bob, "01-bob-before")

        ann = self.person("ann")
        ann.goto(f"{self.site}/@@inbox")
        ann.fill("#recipient", "bob")
        ann.fill("#new-text", "Lunch at noon? <script>alert(1)</script>")
        ann.click("#plonesocial-inbox button[type=submit]")
        ann.wait_for_url("**/@@conversation?with=bob")
        self.shot(ann, "02-ann-sent")

        # Bob's page was not reloaded: the badge polls.
        self.assertEqual(self.badge(bob, 1).inner_text(), "1")
        self.shot(bob, "03-bob-badge")
        # The menu opens from the keyboard and lists the notification.
        bob.focus("#plonesocial-bell")
        bob.keyboard.press("Enter")
        bob.wait_for_function(
            "() => document.getElementById('plonesocial-bell').getAttribute('aria-expanded') === 'true'")
        self.assertIn("Ann Ames sent you a message", bob.inner_text("#plonesocial-dropdown"))
        self.shot(bob, "04-bob-menu")
        # Opening the menu recorded that Bob looked (tgapp's last seen).
        bob.wait_for_timeout(500)
        transaction.begin()
        self.assertIsNotNone(getUtility(IActivityLocator).get_manager().get_last_seen("bob"))

        bob.goto(f"{self.site}/@@conversation?with=ann")
        self.assertIn("<script>alert(1)</script>", bob.inner_text("#plonesocial-conversation"))
        self.assertEqual(self.badge(bob, 0).get_attribute("data-count"), "0")
        self.shot(bob, "05-bob-read")

        # Bob watches the page; Ann edits it; Bob's badge counts it without a reload.
        transaction.begin()
        getUtility(IActivityLocator).get_manager().subscriptions.watch("bob", self.page_obj.UID())
        transaction.commit()
        bob.goto(self.site)
        self.badge(bob, 0)
        login(self.portal, "ann")
        self.page_obj.title = "The better plan"
        notify(ObjectModifiedEvent(self.page_obj))
        transaction.commit()
        self.badge(bob, 1)
        bob.click("#plonesocial-bell")
        bob.wait_for_selector("#plonesocial-dropdown.show")
        self.assertIn("Ann Ames edited The better plan", bob.inner_text("#plonesocial-dropdown"))
        self.shot(bob, "06-bob-watched-edit")

"""The "Messaging and notifications" control panel."""

from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.testing.zope import Browser
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility

import re
import transaction
import unittest


class TestControlPanel(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        api.user.create(email="ann@example.org", username="ann", password="secret-password")
        transaction.commit()
        self.url = self.portal.absolute_url() + "/@@plonesocial-controlpanel"

    def test_listed_and_saves(self):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
        browser.open(self.portal.absolute_url() + "/@@overview-controlpanel")
        self.assertIn("@@plonesocial-controlpanel", browser.contents)
        browser.open(self.url)
        browser.getControl("Maximum message length").value = "500"
        browser.getControl("Fan-out threshold").value = "50"
        browser.getControl("Messages per minute").value = "5"
        browser.getControl("Addressed recipients per request").value = "7"
        browser.getControl("Save").click()
        transaction.begin()
        self.assertEqual(
            api.portal.get_registry_record("plonesocial.activitystream.fanout_threshold"), 50)
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        self.assertEqual(inboxes.max_message_length, 500)
        self.assertEqual(inboxes.max_messages_per_minute, 5)
        self.assertEqual(
            api.portal.get_registry_record("plonesocial.activitystream.max_recipients"), 7)

    def test_titles_not_confusable_with_social_media(self):
        """Issue 14: "Social" sat next to core's "Social Media"; the URLs stay."""
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
        browser.open(self.portal.absolute_url() + "/@@overview-controlpanel")
        link = browser.getLink("Messaging and notifications")
        self.assertTrue(link.url.endswith("/@@plonesocial-controlpanel"))
        link = browser.getLink("Messaging: mail and push delivery")
        self.assertTrue(link.url.endswith("/@@plonesocial-delivery"))
        self.assertTrue(browser.getLink("Erase messaging data").url.endswith(
            "/@@erase-personal-data"))
        # Core's "Social Media" is the only "Social" left.
        self.assertIn("Social Media", browser.contents)
        self.assertIsNone(re.search(r">\s*Social\s*<", browser.contents))
        browser.open(self.url)
        self.assertIn("<h1", browser.contents)
        self.assertIn("Messaging and notifications", browser.contents)
        browser.open(self.portal.absolute_url() + "/@@plonesocial-delivery")
        self.assertIn('<h1 class="documentFirstHeading">Messaging: mail and push delivery</h1>',
                      browser.contents)

    def test_titles_in_german(self):
        from plonesocial.browser.controlpanel import CONFIGLET_TITLES
        from zope.i18n import translate

        tool = api.portal.get_tool("portal_controlpanel")
        titles = {action.getId(): action.title for action in tool.listActions()}
        self.assertEqual(titles["plonesocial"].domain, "plonesocial")
        self.assertEqual(translate(titles["plonesocial"], target_language="de"),
                         "Nachrichten und Benachrichtigungen")
        self.assertEqual([translate(t, target_language="de") for t in CONFIGLET_TITLES[1:]],
                         ["Nachrichten: Zustellung per E-Mail und Push",
                          "Nachrichtendaten löschen"])

    def test_readable_choices_and_a_secret_key(self):
        """Issue 14: titles, not tokens; the VAPID private key in a password widget."""
        api.portal.set_registry_record("plonesocial.delivery.vapid_private_key", "s3cret-key")
        transaction.commit()
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
        browser.open(self.url)
        mode = browser.getControl("Default mail mode")
        self.assertIn("Daily email digest", mode.displayOptions)
        self.assertNotIn("daily", mode.displayOptions)
        self.assertIn("Keep their messages in other people's inboxes",
                      browser.getControl("Messages of erased users").displayOptions)
        key = browser.getControl("VAPID private key")
        self.assertRegex(browser.contents, rf'<input[^>]*name="{key.name}"[^>]*type="password"'
                                           rf'|<input[^>]*type="password"[^>]*name="{key.name}"')
        self.assertNotIn("s3cret-key", browser.contents)
        mode.displayValue = ["Weekly email digest"]
        browser.getControl("Save").click()
        transaction.begin()
        self.assertEqual(api.portal.get_registry_record(
            "plonesocial.activitystream.default_mail_mode"), "weekly")
        # Saving with the empty password field keeps the key.
        self.assertEqual(api.portal.get_registry_record(
            "plonesocial.delivery.vapid_private_key"), "s3cret-key")

    def test_members_refused(self):
        browser = Browser(self.layer["app"])
        browser.addHeader("Authorization", "Basic ann:secret-password")
        browser.open(self.url)
        self.assertNotIn("Maximum message length", browser.contents)
        self.assertIn("Insufficient Privileges", browser.contents)

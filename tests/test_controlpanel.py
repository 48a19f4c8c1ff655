"""The Social control panel."""

from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.testing.zope import Browser
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility

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

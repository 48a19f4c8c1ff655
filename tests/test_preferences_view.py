"""The notification preferences page, in a browser session of the functional layer."""

from plone import api
from plone.testing.zope import Browser
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility

import transaction
import unittest


class TestPreferencesPage(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        transaction.commit()
        self.url = self.portal.absolute_url() + "/@@notification-preferences"

    def browser(self, userid):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {userid}:secret-password")
        return browser

    def preferences(self, userid):
        transaction.begin()
        return getUtility(IActivityLocator).get_manager().get_preferences(userid, create=False)

    def test_save(self):
        browser = self.browser("ann")
        browser.open(self.url)
        self.assertIn("Notification preferences", browser.contents)
        browser.getControl(name="mail_mode").value = ["daily"]
        browser.getControl(name="mode-message").value = ["immediately"]
        browser.getControl(name="digest_hour").value = "18"
        browser.getControl(name="timezone").value = ["Europe/Madrid"]
        browser.getControl(name="notify_myself").value = True
        browser.getControl("Save").click()
        self.assertIn("Your notification preferences were saved.", browser.contents)
        prefs = self.preferences("ann")
        self.assertEqual((prefs.mail_mode, prefs.mail_modes, prefs.digest_hour, prefs.timezone,
                          prefs.notify_myself),
                         ("daily", {"message": "immediately"}, 18, "Europe/Madrid", True))
        # Bob's are his own.
        self.assertIsNone(self.preferences("bob").mail_mode)

    def test_likes_mentions_and_posts_have_a_mode_of_their_own(self):
        browser = self.browser("ann")
        browser.open(self.url)
        for name in ("like", "mention", "post"):
            browser.getControl(name=f"mode-{name}").value = ["never"]
        browser.getControl("Save").click()
        self.assertIn("Your notification preferences were saved.", browser.contents)
        self.assertEqual(self.preferences("ann").mail_modes,
                         {"like": "never", "mention": "never", "post": "never"})
        manager = getUtility(IActivityLocator).get_manager()
        self.assertEqual(manager.preferences.mode("ann", "like"), "never")
        self.assertNotEqual(manager.preferences.mode("ann", "comment"), "never")

    def test_bad_value_saves_nothing(self):
        browser = self.browser("ann")
        browser.open(self.url)
        browser.getControl(name="mail_mode").value = ["weekly"]
        browser.getControl(name="digest_hour").value = "25"
        browser.getControl("Save").click()
        self.assertIn("Nothing was saved", browser.contents)
        self.assertIsNone(self.preferences("ann").mail_mode)
        # Not even the defaults: the page checks everything first, as
        # PATCH @notification-settings does (one rule, in the API).
        transaction.begin()
        manager = getUtility(IActivityLocator).get_manager()
        self.assertIsNone(manager.preferences.get_stored("ann"))

    def test_post_without_token_refused(self):
        from zExceptions import Forbidden

        browser = self.browser("ann")
        with self.assertRaises(Forbidden):
            browser.post(self.url, "mail_mode=silent&digest_hour=7&digest_weekday=0")
        self.assertIsNone(self.preferences("ann").mail_mode)

    def test_anonymous_refused(self):
        browser = Browser(self.layer["app"])
        browser.raiseHttpErrors = False
        browser.open(self.url)
        self.assertNotIn("Notification preferences", browser.contents)
        self.assertIn("/login?came_from=", browser.url)

    def test_get_writes_nothing(self):
        browser = self.browser("ann")
        browser.open(self.url)
        self.assertIn('name="_authenticator"', browser.contents)
        transaction.begin()
        manager = getUtility(IActivityLocator).get_manager()
        self.assertIsNone(manager.preferences.get_stored("ann"))


class TestPreferencesTab(TestPreferencesPage):
    """Issue 14: the preferences are a tab beside Plone's own personal preferences."""

    def test_plone_personal_pages_show_our_tab(self):
        browser = self.browser("ann")
        for page in ("personal-information", "personal-preferences", "change-password"):
            browser.open(f"{self.portal.absolute_url()}/@@{page}")
            link = browser.getLink(id="contentview-user_data-notification-preferences")
            self.assertEqual(link.url, self.url)
            self.assertEqual(link.text, "Notifications and messages")
            # Plone's own tab of the page stays the selected one.
            self.assertIn(f'href="{self.portal.absolute_url()}/@@{page}"', browser.contents)
        link.click()
        self.assertEqual(browser.url, self.url)

    def test_our_page_shows_plones_tabs_with_ours_selected(self):
        browser = self.browser("ann")
        browser.open(self.url)
        tabs = browser.getLink(id="contentview-user_data-personal-information")
        self.assertTrue(tabs.url.endswith("/@@personal-information"))
        browser.getLink(id="contentview-user_data-personal-preferences")
        ours = browser.getLink(id="contentview-user_data-notification-preferences")
        self.assertIn("active", ours.attrs["class"])
        self.assertEqual(ours.attrs["aria-current"], "page")
        self.assertNotIn("active", tabs.attrs["class"])

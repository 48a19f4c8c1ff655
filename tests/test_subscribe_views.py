"""Watch/Unwatch on content, Follow/Unfollow on author pages."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.testing.zope import Browser
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility

import transaction
import unittest


class TestSubscribeViews(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        self.page = api.content.create(self.portal, "Document", "plan", title="Plan")
        api.content.transition(self.page, "publish")
        transaction.commit()

    def browser(self, userid):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {userid}:secret-password")
        return browser

    def subscriptions(self):
        transaction.begin()
        return getUtility(IActivityLocator).get_manager().subscriptions

    def test_watch_unwatch(self):
        ann = self.browser("ann")
        ann.open(self.page.absolute_url())
        ann.getControl("Watch").click()
        self.assertIn("You watch this item now.", ann.contents)
        self.assertTrue(self.subscriptions().is_watching("ann", self.page.UID()))
        ann.getControl("Watching: stop").click()
        self.assertFalse(self.subscriptions().is_watching("ann", self.page.UID()))

    def test_follow_unfollow_on_author_page(self):
        ann = self.browser("ann")
        ann.open(self.portal.absolute_url() + "/author/bob")
        ann.getControl("Follow").click()
        self.assertTrue(self.subscriptions().is_following("ann", "bob"))
        ann.getControl("Following: stop").click()
        self.assertFalse(self.subscriptions().is_following("ann", "bob"))
        ann.open(self.portal.absolute_url() + "/author/ann")
        self.assertNotIn('name="action" value="follow"', ann.contents)  # not yourself

    def test_get_is_refused(self):
        from zExceptions import MethodNotAllowed

        with self.assertRaises(MethodNotAllowed):
            self.browser("ann").open(self.page.absolute_url() + "/@@watch")
        self.assertFalse(self.subscriptions().is_watching("ann", self.page.UID()))

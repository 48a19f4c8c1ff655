"""Losing View on content hides what plonesocial shows about it; getting it back shows it again.

Three ways to lose View: a workflow transition (retract), a local role taken away
(the sharing page, @sharing, or plone.api followed by reindexObjectSecurity as
Plone requires) and leaving a group that holds a local role. In each case the
activities and notifications about the item leave every list and every count (the
Python API, @notifications, @notifications/count, @stream on the site and on the
item, the header badge) and come back, unchanged, with View.
"""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import TEST_USER_ID
from plone.testing.zope import Browser
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from zope.component import getUtility
from zope.event import notify
from zope.lifecycleevent import ObjectModifiedEvent

import re
import transaction
import unittest


class PermissionChangeTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.site = self.portal.absolute_url()
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        self.folder = api.content.create(self.portal, "Folder", "team", title="Team")
        api.content.transition(self.folder, "publish")
        # Something Ann always sees, so that "hidden" is never "the list is empty".
        self.other = api.content.create(self.folder, "Document", "other", title="Other")
        api.content.transition(self.other, "publish")
        self.page = api.content.create(self.folder, "Document", "page", title="Page")
        self.uuid = self.page.UID()
        self.manager = getUtility(IActivityLocator).get_manager()
        for obj in (self.page, self.other):
            self.manager.subscriptions.watch("ann", obj.UID())
        transaction.commit()
        self.ann = RestClient(self.layer["app"], "ann")

    def edit(self, *objs):
        """Edit the items as the test user (a Manager): Ann, who watches them, hears of it."""
        for obj in objs:
            obj.title = f"{obj.title}."
            notify(ObjectModifiedEvent(obj))
        transaction.commit()

    def about_page(self):
        """The ids of everything stored about the page, whoever may see it."""
        transaction.begin()
        activities = {a.id for a in self.manager.get_by_context(self.uuid, reader=None)}
        notification_list = self.manager.notifications.get_list("ann")
        mine = [notification_list.get(key) for key in notification_list.keys()]
        notifications = {n.id for n in mine if n.context == self.uuid}
        unseen = {n.id for n in mine if n.context == self.uuid and not n.seen}
        return activities, notifications, unseen

    def shown(self):
        """What Ann is shown, through every way plonesocial has of showing it."""
        transaction.begin()
        am = self.manager
        python = {
            "notifications": {n.id for n in am.get_by_recipient("ann")},
            "count": am.count_not_seen_by_recipient("ann"),
            "timeline": {a.id for a in am.get_timeline("ann")},
            "site stream": {a.id for a in am.get_site_stream("ann")},
            "context stream": {a.id for a in am.get_by_context(self.uuid, reader="ann")},
        }
        listing = self.ann.get(f"{self.site}/@notifications?limit=100")
        count = self.ann.get(f"{self.site}/@notifications/count")
        timeline = self.ann.get(f"{self.site}/@stream?limit=100")
        context = self.ann.get(f"{self.page.absolute_url()}/@stream?limit=100")
        for response in (listing, count, timeline):
            self.assertEqual(response.status_int, 200, response.body[:300])
        rest = {
            "notifications": {n["id"] for n in listing.json["orderedItems"]},
            "count": count.json["not_seen"],
            "count in listing": listing.json["not_seen"],
            "timeline": {int(a["id"].rsplit(":", 1)[-1]) for a in timeline.json["orderedItems"]},
            # Without View the item itself is out of reach: 401, or an empty stream.
            "context stream": (
                {int(a["id"].rsplit(":", 1)[-1]) for a in context.json["orderedItems"]}
                if context.status_int == 200 else set()
            ),
        }
        self.assertIn(context.status_int, (200, 401, 403, 404))
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", "Basic ann:secret-password")
        browser.open(self.folder.absolute_url())
        badge = re.search(r'id="plonesocial-badge"[^>]*data-count="(\d+)"', browser.contents)
        if badge is None:
            badge = re.search(r'data-count="(\d+)"[^>]*id="plonesocial-badge"', browser.contents)
        page = {"badge": int(badge.group(1))}
        return python, rest, page

    def assert_visible(self, visible):
        activities, notifications, unseen = self.about_page()
        self.assertTrue(activities and notifications and unseen, "nothing to hide")
        python, rest, page = self.shown()
        total_unseen = self.manager.notifications.get_list("ann").unseen_count()
        expected_count = total_unseen if visible else total_unseen - len(unseen)
        for where, shown in (("python", python), ("rest", rest)):
            for name in ("notifications",):
                self.assertEqual(notifications <= shown[name], visible, (where, name))
                self.assertEqual(bool(notifications & shown[name]), visible, (where, name))
                self.assertTrue(shown[name], (where, name, "the other page's are shown"))
            for name in ("timeline", "context stream"):
                self.assertEqual(activities <= shown[name], visible, (where, name))
                self.assertEqual(bool(activities & shown[name]), visible, (where, name))
            self.assertEqual(shown["count"], expected_count, where)
        self.assertEqual(activities <= python["site stream"], visible)
        self.assertEqual(bool(activities & python["site stream"]), visible)
        self.assertEqual(rest["count in listing"], expected_count)
        self.assertEqual(page["badge"], expected_count)
        self.assertGreater(expected_count, 0)  # the other page's notification


class TestWorkflow(PermissionChangeTestCase):
    def test_retract_and_publish_again(self):
        api.content.transition(self.page, "publish")
        transaction.commit()
        self.edit(self.page, self.other)
        self.assert_visible(True)
        api.content.transition(self.page, "retract")
        transaction.commit()
        self.assert_visible(False)
        api.content.transition(self.page, "publish")
        transaction.commit()
        self.assert_visible(True)

    def test_made_private_by_rest(self):
        api.content.transition(self.page, "publish")
        transaction.commit()
        self.edit(self.page, self.other)
        owner = RestClient(self.layer["app"], SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
        workflow = f"{self.page.absolute_url()}/@workflow"
        self.assertEqual(owner.post(f"{workflow}/retract").status_int, 200)
        self.assert_visible(False)
        self.assertEqual(owner.post(f"{workflow}/publish").status_int, 200)
        self.assert_visible(True)


class TestLocalRoles(PermissionChangeTestCase):
    """The page stays private; Ann may View it through a local role only."""

    def give(self):
        api.user.grant_roles(username="ann", obj=self.page, roles=["Reader"])
        # plone.api, like manage_setLocalRoles, leaves the catalog to the caller;
        # Plone's sharing page and @sharing reindex the object's security.
        self.page.reindexObjectSecurity()
        transaction.commit()

    def test_plone_api_and_manage_setlocalroles(self):
        self.give()
        self.edit(self.page, self.other)
        self.assert_visible(True)
        api.user.revoke_roles(username="ann", obj=self.page, roles=["Reader"])
        self.page.reindexObjectSecurity()
        transaction.commit()
        self.assert_visible(False)
        self.page.manage_setLocalRoles("ann", ["Reader"])
        self.page.reindexObjectSecurity()
        transaction.commit()
        self.assert_visible(True)
        self.page.manage_delLocalRoles(["ann"])
        self.page.reindexObjectSecurity()
        transaction.commit()
        self.assert_visible(False)

    def test_sharing_by_rest(self):
        owner = RestClient(self.layer["app"], SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
        sharing = f"{self.page.absolute_url()}/@sharing"

        def share(reader):
            response = owner.post(sharing, {"entries": [
                {"id": "ann", "type": "user", "roles": {"Reader": reader}}]})
            self.assertEqual(response.status_int, 204, response.body[:300])

        share(True)
        self.edit(self.page, self.other)
        self.assert_visible(True)
        share(False)
        self.assert_visible(False)
        share(True)
        self.assert_visible(True)

    def test_catalog_is_the_one_truth(self):
        """Until security is reindexed, Plone's own search still finds the item, and so
        plonesocial still shows it: both read the same index, never two answers."""
        self.give()
        self.edit(self.page, self.other)
        api.user.revoke_roles(username="ann", obj=self.page, roles=["Reader"])
        transaction.commit()
        transaction.begin()
        with api.env.adopt_user(username="ann"):
            found = bool(api.content.find(UID=self.uuid))
        shown = bool({n.id for n in self.manager.get_by_recipient("ann")}
                     & self.about_page()[1])
        self.assertEqual(shown, found)
        self.page.reindexObjectSecurity()
        transaction.commit()
        with api.env.adopt_user(username="ann"):
            self.assertFalse(api.content.find(UID=self.uuid))
        self.assert_visible(False)


class TestGroups(PermissionChangeTestCase):
    """The page stays private; Ann may View it as a member of a group with a local role."""

    def setUp(self):
        super().setUp()
        api.group.create(groupname="editors")
        api.group.add_user(groupname="editors", username="ann")
        api.group.grant_roles(groupname="editors", obj=self.page, roles=["Reader"])
        self.page.reindexObjectSecurity()  # as the sharing page does
        transaction.commit()

    def test_leave_and_rejoin_the_group(self):
        self.edit(self.page, self.other)
        self.assert_visible(True)
        # Group membership is resolved when reading: no reindexing needed.
        api.group.remove_user(groupname="editors", username="ann")
        transaction.commit()
        self.assert_visible(False)
        api.group.add_user(groupname="editors", username="ann")
        transaction.commit()
        self.assert_visible(True)

    def test_group_loses_the_role(self):
        self.edit(self.page, self.other)
        owner = RestClient(self.layer["app"], SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
        sharing = f"{self.page.absolute_url()}/@sharing"
        response = owner.post(sharing, {"entries": [
            {"id": "editors", "type": "group", "roles": {"Reader": False}}]})
        self.assertEqual(response.status_int, 204, response.body[:300])
        self.assert_visible(False)
        response = owner.post(sharing, {"entries": [
            {"id": "editors", "type": "group", "roles": {"Reader": True}}]})
        self.assertEqual(response.status_int, 204, response.body[:300])
        self.assert_visible(True)

    def test_group_membership_by_rest(self):
        self.edit(self.page, self.other)
        owner = RestClient(self.layer["app"], SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
        group = f"{self.site}/@groups/editors"
        response = owner.patch(group, {"users": {"ann": False}})
        self.assertEqual(response.status_int, 204, response.body[:300])
        self.assert_visible(False)
        response = owner.patch(group, {"users": {"ann": True}})
        self.assertEqual(response.status_int, 204, response.body[:300])
        self.assert_visible(True)

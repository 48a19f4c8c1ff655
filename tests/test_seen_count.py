"""The not-seen count skips its View checks only while nothing that decides View
changed since its unseen notifications about content were verified (seencheck)."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream import seencheck
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.activitystream.seencheck import CLEAR
from plonesocial.activitystream.seencheck import Floor
from plonesocial.activitystream.seencheck import UNKNOWN
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility

import transaction
import unittest


class TestFloor(unittest.TestCase):
    def test_conflicts_resolve_to_the_lower_value(self):
        floor = Floor(CLEAR)
        state = floor._p_resolveConflict({"value": 5}, {"value": CLEAR}, {"value": 5})
        self.assertEqual(state, {"value": 5})
        state = floor._p_resolveConflict({"value": 5}, {"value": 4}, {"value": CLEAR})
        self.assertEqual(state, {"value": 4})


class TestSeenCount(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        api.user.create(email="ann@example.org", username="ann", password="secret-password")
        self.am = getUtility(IActivityLocator).get_manager()
        self.folder = api.content.create(self.portal, "Folder", "team", title="Team")
        api.content.transition(self.folder, "publish")
        self.public = api.content.create(self.folder, "Document", "public", title="Public")
        api.content.transition(self.public, "publish")
        self.private = api.content.create(self.folder, "Document", "private", title="Private")
        transaction.commit()

    def tell(self, *objs):
        for obj in objs:
            self.am.notify(["ann"], subject=f"About {obj.getId()}", context=obj.UID())
        self.am.notify(["ann"], subject="Not about content")
        transaction.commit()

    def fast(self):
        """Whether the count checks nothing now; and that it equals the visible list."""
        transaction.begin()
        shown = sum(1 for n in self.am.get_by_recipient("ann") if not n.seen)
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), shown)
        return seencheck.unseen_verified(self.am, self.am.notifications.get_list("ann"))

    def shown(self):
        return {n.subject for n in self.am.get_by_recipient("ann")}

    def test_public_content_is_verified_until_a_transition(self):
        self.tell(self.public)
        self.assertTrue(self.fast())
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 2)
        api.content.transition(self.public, "retract")
        transaction.commit()
        self.assertFalse(self.fast())  # the fallback runs, and the count follows View
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)
        self.am.mark_all_seen("ann")
        transaction.commit()
        self.assertTrue(self.fast())  # nothing unseen about content: verified again
        api.content.transition(self.public, "publish")
        self.tell(self.public)
        self.assertTrue(self.fast())

    def test_intranet_content_for_authenticated_users_is_verified(self):
        """An intranet's View for Authenticated (no Anonymous) needs no check either."""
        for permission in ("View", "Access contents information"):  # the catalog's
            self.private.manage_permission(permission, ["Authenticated", "Manager"], acquire=0)
        self.private.reindexObjectSecurity()
        transaction.commit()
        self.tell(self.private)
        self.assertTrue(self.fast())
        self.assertIn("About private", self.shown())
        for permission in ("View", "Access contents information"):
            self.private.manage_permission(permission, ["Manager"], acquire=0)
        self.private.reindexObjectSecurity()
        transaction.commit()
        self.assertFalse(self.fast())  # checked again, and the count follows View
        self.assertNotIn("About private", self.shown())

    def test_local_role_without_an_event(self):
        """plone.api and manage_setLocalRoles raise no event: the catalog's counter moves."""
        self.private.manage_setLocalRoles("ann", ["Reader"])
        self.private.reindexObjectSecurity()
        transaction.commit()
        self.tell(self.private)
        self.assertTrue(self.fast())  # user:ann is in the security entry
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 2)
        self.private.manage_delLocalRoles(["ann"])
        self.private.reindexObjectSecurity()
        transaction.commit()
        self.assertFalse(self.fast())
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)
        self.assertEqual(self.shown(), {"Not about content"})

    def test_move_and_removal(self):
        self.tell(self.public)
        api.content.rename(self.public, new_id="renamed")
        transaction.commit()
        self.assertFalse(self.fast())
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 2)
        self.am.mark_all_seen("ann")
        self.tell(self.folder["renamed"])
        self.assertTrue(self.fast())
        api.content.delete(self.folder["renamed"])
        transaction.commit()
        self.assertFalse(self.fast())
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)

    def test_group_membership_events(self):
        api.group.create(groupname="editors")
        api.group.add_user(groupname="editors", username="ann")
        api.group.grant_roles(groupname="editors", obj=self.private, roles=["Reader"])
        self.private.reindexObjectSecurity()
        self.tell(self.public)
        self.assertTrue(self.fast())
        before = seencheck.sequence(self.am)
        api.group.remove_user(groupname="editors", username="ann")  # no reindex
        transaction.commit()
        self.assertGreater(seencheck.sequence(self.am), before)
        self.assertFalse(self.fast())
        self.am.mark_all_seen("ann")
        self.tell(self.public)
        before = seencheck.sequence(self.am)
        api.group.add_user(groupname="editors", username="ann")
        transaction.commit()
        self.assertGreater(seencheck.sequence(self.am), before)
        self.assertFalse(self.fast())

    def test_visible_only_through_a_group_is_checked(self):
        api.group.create(groupname="editors")
        api.group.add_user(groupname="editors", username="ann")
        api.group.grant_roles(groupname="editors", obj=self.private, roles=["Reader"])
        self.private.reindexObjectSecurity()
        self.tell(self.private)
        notification_list = self.am.notifications.get_list("ann")
        self.assertEqual(notification_list.unseen_verified_since(), UNKNOWN)
        self.assertFalse(self.fast())
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 2)

    def test_operator_way_out(self):
        self.tell(self.public)
        self.assertTrue(self.fast())
        seencheck.security_changed()  # e.g. after changing global roles or LDAP groups
        transaction.commit()
        self.assertFalse(self.fast())

    def test_marked_unseen_again_is_checked(self):
        self.tell(self.public)
        notification = next(n for n in self.am.get_by_recipient("ann") if n.context)
        self.am.mark_seen("ann", notification.id)
        self.am.mark_unseen("ann", notification.id)
        transaction.commit()
        self.assertFalse(self.fast())

    def test_list_of_an_earlier_release(self):
        self.tell(self.public)
        notification_list = self.am.notifications.get_list("ann")
        del notification_list._floor  # as stored before this release
        transaction.commit()
        self.assertEqual(notification_list.unseen_verified_since(), UNKNOWN)
        self.assertFalse(self.fast())
        self.am.mark_all_seen("ann")
        self.assertEqual(notification_list.unseen_verified_since(), CLEAR)

"""Issue 13 goal 5: no repeated user lookups in one request, and the answers stay exact."""

from plone import api
from plone.app.testing import login
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from Products.PluggableAuthService.PluggableAuthService import PluggableAuthService
from tests.rest import RestClient
from unittest import mock
from zope.component import getUtility

import transaction
import unittest


class LookupCounter:
    """Count the user folder's lookups of members by id (PAS getUserById)."""

    def __init__(self):
        self.calls = []
        original = PluggableAuthService.getUserById
        calls = self.calls

        def counted(folder, user_id, default=None):
            calls.append(user_id)
            return original(folder, user_id, default)

        self.patch = mock.patch.object(PluggableAuthService, "getUserById", counted)

    def __enter__(self):
        self.patch.start()
        return self.calls

    def __exit__(self, *exc_info):
        self.patch.stop()


class TestCountOfTheReader(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "ben"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        api.group.create(groupname="editors")
        self.am = getUtility(IActivityLocator).get_manager()
        self.public = api.content.create(self.portal, "Document", "public", title="Public")
        api.content.transition(self.public, "publish")
        self.private = api.content.create(self.portal, "Document", "private", title="Private")
        api.group.grant_roles(groupname="editors", obj=self.private, roles=["Reader"])
        self.private.reindexObjectSecurity()
        for obj in (self.public, self.private):
            self.am.notify(["ann"], subject=f"About {obj.getId()}", context=obj.UID())
        transaction.commit()

    def test_the_count_looks_nobody_up_and_follows_view(self):
        ann = RestClient(self.layer["app"], "ann")
        with LookupCounter() as calls:
            answer = ann.get(f"{self.portal.absolute_url()}/@notifications/count")
        self.assertEqual(answer.status_int, 200)
        self.assertEqual(answer.json["not_seen"], 1)  # not the private document
        self.assertEqual(answer.json["new"], 1)
        self.assertEqual(calls, [])
        api.group.add_user(groupname="editors", username="ann")
        transaction.commit()
        answer = ann.get(f"{self.portal.absolute_url()}/@notifications/count")
        self.assertEqual((answer.json["not_seen"], answer.json["new"]), (2, 2))

    def test_a_group_change_in_the_request_is_seen(self):
        """The user the request was authenticated as holds the groups it was found
        with: once they change, the count looks the reader up again."""
        login(self.portal, "ann")
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)
        api.group.add_user(groupname="editors", username="ann")
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 2)
        api.group.remove_user(groupname="editors", username="ann")
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)

    def test_someone_else_is_looked_up(self):
        """Counting for another user than the one logged in reads that user's groups."""
        api.group.add_user(groupname="editors", username="ann")
        login(self.portal, "ben")
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 2)

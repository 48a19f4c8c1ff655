"""Issue 13 goal 5: what a REST request costs (no repeated user lookups, no needless
recomputation), and that the answers stay exact."""

from plone import api
from plone.app.testing import login
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.protect.interfaces import IDisableCSRFProtection
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.interfaces import IPlonesocialLayer
from plonesocial.restapi.base import disable_automatic_check
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from Products.PluggableAuthService.PluggableAuthService import PluggableAuthService
from tests.rest import RestClient
from unittest import mock
from zope.component import getUtility
from zope.interface import alsoProvides
from zope.interface import directlyProvidedBy
from zope.publisher.browser import TestRequest
from zope.publisher.interfaces.browser import IDefaultBrowserLayer

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


class TestDisableAutomaticCheck(unittest.TestCase):
    """The services' own CSRF check marks the request as alsoProvides would."""

    def request(self):
        request = TestRequest()
        alsoProvides(request, IDefaultBrowserLayer, IPlonesocialLayer)
        return request

    def test_marks_the_request_and_keeps_its_layers(self):
        first, second = self.request(), self.request()
        before = list(directlyProvidedBy(first))
        for request in (first, second):
            disable_automatic_check(request)
            self.assertEqual(list(directlyProvidedBy(request)),
                             [*before, IDisableCSRFProtection])
            self.assertTrue(IPlonesocialLayer.providedBy(request))
        # The second request with the same layers reuses the first one's declaration.
        self.assertIs(second.__provides__, first.__provides__)
        disable_automatic_check(second)  # again: nothing changes
        self.assertEqual(list(directlyProvidedBy(second)), [*before, IDisableCSRFProtection])

    def test_a_request_without_own_interfaces(self):
        request = TestRequest()
        disable_automatic_check(request)
        self.assertTrue(IDisableCSRFProtection.providedBy(request))


class TestTheActingUser(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def test_the_services_act_for_the_authenticated_user_only(self):
        portal = self.layer["portal"]
        api.user.create(email="ann@example.org", username="ann", password="secret-password")
        getUtility(IActivityLocator).get_manager().notify(["ann"], subject="Hello")
        transaction.commit()
        url = f"{portal.absolute_url()}/@notifications/count"
        self.assertEqual(RestClient(self.layer["app"], "ann").get(url).json["not_seen"], 1)
        self.assertEqual(RestClient(self.layer["app"]).get(url).status_int, 401)
        self.assertEqual(RestClient(self.layer["app"], "ann", "wrong").get(url).status_int, 401)


class TestFindingAMember(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def test_one_lookup_and_the_member_plone_api_finds(self):
        from plone.app.testing import SITE_OWNER_NAME
        from plonesocial import people

        api.user.create(email="ann@example.org", username="ann", password="secret-password",
                        properties={"fullname": "Ann Archer"})
        with LookupCounter() as calls:
            member = people.get_user("ann")
        self.assertEqual(calls, ["ann"])
        expected = api.user.get(userid="ann")
        self.assertEqual(member.getId(), expected.getId())
        self.assertEqual(member.getProperty("email"), "ann@example.org")
        self.assertEqual(people.display_name("ann"), "Ann Archer")
        self.assertEqual(member.getUser().getGroups(), expected.getUser().getGroups())
        # A Zope root user, not in the site's folder, as plone.api finds it.
        self.assertEqual(people.get_user(SITE_OWNER_NAME).getId(), SITE_OWNER_NAME)
        self.assertIsNone(people.get_user("nobody-here"))


class TestBodyLimits(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def test_a_message_body_over_its_limit_is_refused(self):
        """The limit of a message's body is computed from the settings only for a
        body over the general limit; it still refuses what it refused."""
        portal = self.layer["portal"]
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        api.portal.set_registry_record("plonesocial.messaging.max_attachments", 0)
        api.portal.set_registry_record("plonesocial.messaging.max_message_length", 100)
        transaction.commit()
        ann = RestClient(self.layer["app"], "ann")
        url = f"{portal.absolute_url()}/@inbox/bob"
        refused = ann.post(url, {"text": "x" * 70_000})
        self.assertEqual(refused.status_int, 400)
        self.assertIn("at most 65536 are accepted", refused.json["message"])
        self.assertEqual(ann.post(url, {"text": "hello"}).status_int, 201)

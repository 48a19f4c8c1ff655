"""@notifications: the authenticated user's notification list, over HTTP."""

from plone import api
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from zope.component import getUtility

import transaction
import unittest


class TestNotifications(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        manager = getUtility(IActivityLocator).get_manager()
        manager.notify(["ann"], subject="first")
        manager.notify(["ann"], subject="second")
        manager.notify(["bob"], subject="bob's own")
        transaction.commit()
        self.url = self.portal.absolute_url() + "/@notifications"
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")

    def manager(self):
        """The manager as committed (begin() drops anything uncommitted)."""
        transaction.begin()
        return getUtility(IActivityLocator).get_manager()

    def test_page(self):
        page = self.ann.get(self.url).json
        self.assertEqual(page["type"], "OrderedCollectionPage")
        self.assertEqual([n["subject"] for n in page["orderedItems"]], ["second", "first"])
        self.assertEqual(page["orderedItems"][0]["reasons"], ["addressed"])
        self.assertEqual(page["not_seen"], 2)
        first = self.ann.get(f"{self.url}?limit=1").json
        self.assertEqual([n["subject"] for n in first["orderedItems"]], ["second"])
        rest = self.ann.testapp.get(first["next"], headers=self.ann.headers).json
        self.assertEqual([n["subject"] for n in rest["orderedItems"]], ["first"])
        self.assertEqual(self.ann.get(f"{self.url}?limit=0").status_int, 400)
        self.assertEqual(self.ann.get(f"{self.url}?before=x").status_int, 400)

    def test_count_etag(self):
        response = self.ann.get(f"{self.url}/count")
        self.assertEqual(response.json["not_seen"], 2)
        etag = response.headers["ETag"]
        again = self.ann.get(f"{self.url}/count", headers={"If-None-Match": etag})
        self.assertEqual(again.status_int, 304)
        self.manager().notify(["ann"], subject="third")
        transaction.commit()
        changed = self.ann.get(f"{self.url}/count", headers={"If-None-Match": etag})
        self.assertEqual((changed.status_int, changed.json["not_seen"]), (200, 3))
        self.assertNotEqual(changed.headers["ETag"], etag)

    def test_seen_unseen_all(self):
        ids = [n["id"] for n in self.ann.get(self.url).json["orderedItems"]]
        response = self.ann.post(f"{self.url}/seen", {"ids": ids[:1]})
        self.assertEqual(response.json["not_seen"], 1)
        self.assertEqual(self.ann.post(f"{self.url}/unseen", {"ids": ids[:1]}).json["not_seen"], 2)
        self.assertEqual(self.ann.post(f"{self.url}/seen", {"all": True}).json["not_seen"], 0)
        last = self.ann.post(f"{self.url}/last-seen", {})
        self.assertIsNotNone(last.json["previous_last_seen"])

    def test_another_users_notification_is_404_and_nothing_changes(self):
        mine = self.ann.get(self.url).json["orderedItems"][0]["id"]
        bobs = self.bob.get(self.url).json["orderedItems"][0]["id"]
        response = self.ann.post(f"{self.url}/seen", {"ids": [mine, bobs]})
        self.assertEqual(response.status_int, 404)
        self.assertNotIn(b"bob's own", response.body)
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 2)
        self.assertEqual(self.manager().count_not_seen_by_recipient("bob"), 1)

    def test_bad_bodies_are_400(self):
        for body in ({}, {"ids": []}, {"ids": "1"}, {"ids": [True]}, {"all": "yes"}):
            with self.subTest(body=body):
                self.assertEqual(self.ann.post(f"{self.url}/seen", body).status_int, 400)
        self.assertEqual(self.ann.post(self.url, {}).status_int, 400)
        self.assertEqual(self.ann.post(f"{self.url}/dance", {}).status_int, 404)

    def test_anonymous_is_401(self):
        self.assertEqual(RestClient(self.layer["app"]).get(f"{self.url}/count").status_int, 401)

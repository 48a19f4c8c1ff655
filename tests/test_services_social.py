"""@stream, @subscriptions and @notification-settings over HTTP."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.push import AUTH
from tests.push import enable_push
from tests.push import KEYS
from tests.push import OTHER_AUTH
from tests.push import OTHER_P256DH
from tests.push import P256DH
from tests.push import PUBLIC
from tests.rest import RestClient
from zope.component import getUtility

import transaction
import unittest


class SocialTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        self.folder = api.content.create(self.portal, "Folder", "team", title="Team")
        self.page = api.content.create(self.folder, "Document", "plan", title="Plan")
        self.secret = api.content.create(self.folder, "Document", "secret", title="Secret")
        for obj in (self.folder, self.page):
            api.content.transition(obj, "publish")
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")

    def manager(self):
        transaction.begin()
        return getUtility(IActivityLocator).get_manager()


class TestStream(SocialTestCase):
    def test_context_stream_with_filters_and_permissions(self):
        page = self.ann.get(f"{self.folder.absolute_url()}/@stream").json
        self.assertEqual(page["type"], "OrderedCollectionPage")
        summaries = [a["summary"] for a in page["orderedItems"]]
        self.assertIn("test_user_1_ created Plan", summaries)
        self.assertNotIn("test_user_1_ created Secret", summaries)  # private
        self.assertEqual(page["orderedItems"][0]["@context"],
                         "https://www.w3.org/ns/activitystreams")
        creates = self.ann.get(f"{self.folder.absolute_url()}/@stream?verb=Create").json
        self.assertEqual({a["type"] for a in creates["orderedItems"]}, {"Create"})
        self.assertIn("verb=Create", creates["id"])
        none = self.ann.get(f"{self.folder.absolute_url()}/@stream?actor=bob").json
        self.assertEqual(none["orderedItems"], [])
        self.assertEqual(self.ann.get(f"{self.secret.absolute_url()}/@stream").status_int, 401)

    def test_personal_timeline(self):
        self.assertEqual(self.ann.get(f"{self.site}/@stream").json["orderedItems"], [])
        self.ann.post(f"{self.site}/@subscriptions", {"watch": self.folder.UID()})
        items = self.ann.get(f"{self.site}/@stream?limit=2").json["orderedItems"]
        self.assertEqual([a["type"] for a in items], ["Update", "Update"])


class TestSubscriptions(SocialTestCase):
    def test_follow_watch_list_delete(self):
        follow = self.ann.post(f"{self.site}/@subscriptions", {"follow": "bob", "verbs": ["Create"]})
        self.assertEqual(follow.status_int, 201, follow.body)
        self.assertEqual((follow.json["kind"], follow.json["verbs"]), ("user", ["Create"]))
        watch = self.ann.post(f"{self.site}/@subscriptions",
                              {"watch": self.folder.UID(), "portal_types": ["Document"]})
        self.assertEqual((watch.status_int, watch.json["subtree"]), (201, True))
        listing = self.ann.get(f"{self.site}/@subscriptions").json
        self.assertEqual(listing["items_total"], 2)
        self.assertEqual(self.bob.get(f"{self.site}/@subscriptions").json["items"], [])
        self.assertTrue(self.manager().subscriptions.is_following("ann", "bob"))
        self.assertEqual(self.ann.delete(f"{self.site}/@subscriptions/user/bob").status_int, 204)
        self.assertEqual(self.ann.delete(f"{self.site}/@subscriptions/user/bob").status_int, 404)
        self.assertEqual(
            self.ann.delete(f"{self.site}/@subscriptions/content/{self.folder.UID()}").status_int,
            204)

    def test_bad_requests(self):
        for body in ({}, {"follow": "bob", "watch": "x"}, {"follow": "nobody"},
                     {"follow": "ann"}, {"watch": "no-such-uuid"}, {"watch": self.secret.UID()},
                     {"follow": "bob", "verbs": "Create"}, {"follow": "bob", "color": "red"},
                     {"watch": self.page.UID(), "subtree": "yes"}):
            with self.subTest(body=body):
                response = self.ann.post(f"{self.site}/@subscriptions", body)
                self.assertEqual(response.status_int, 400, response.body)
        self.assertEqual(list(self.manager().subscriptions.get_subscriptions("ann")), [])


class TestNotificationSettings(SocialTestCase):
    def test_get_patch(self):
        url = f"{self.site}/@notification-settings"
        self.assertEqual(self.ann.get(url).json, {
            "notify_myself": False, "mail_mode": None, "mail_modes": {},
            "digest_hour": 7, "digest_weekday": 0, "timezone": "UTC",
            "dnd_start": None, "dnd_end": None,
        })
        self.assertIsNone(self.manager().preferences.get_stored("ann"))  # a GET writes nothing
        changed = self.ann.patch(url, {"mail_mode": "daily", "mail_modes": {"message": "immediately"},
                                       "timezone": "Europe/Madrid"})
        self.assertEqual(changed.status_int, 200, changed.body)
        self.assertEqual(changed.json["mail_modes"], {"message": "immediately"})
        self.assertEqual(self.bob.get(url).json["mail_mode"], None)
        for body in ({"mail_mode": "loud"}, {"digest_hour": "7"}, {"owner": "bob"},
                     {"timezone": "Nowhere/Land"}):
            with self.subTest(body=body):
                self.assertEqual(self.ann.patch(url, body).status_int, 400)
        self.assertEqual(self.ann.get(url).json["timezone"], "Europe/Madrid")


class TestPushSubscriptions(SocialTestCase):
    def setUp(self):
        super().setUp()
        enable_push()
        transaction.commit()

    def test_register_list_delete(self):
        url = f"{self.site}/@push-subscriptions"
        body = {"endpoint": f"{PUBLIC}/abc", "language": "en", "keys": KEYS}
        created = self.ann.post(url, body, headers={"User-Agent": "Firefox"})
        self.assertEqual(created.status_int, 201, created.body)
        self.assertEqual(created.json["user_agent"], "Firefox")
        self.assertEqual([s["endpoint"] for s in self.ann.get(url).json["items"]],
                         [f"{PUBLIC}/abc"])
        self.assertEqual(self.bob.get(url).json["items"], [])
        for bad in ({"endpoint": f"{PUBLIC}/x"}, {"endpoint": "ftp://x", "keys": KEYS},
                    {"endpoint": f"{PUBLIC}/x", "keys": {"p256dh": "not base64!", "auth": AUTH}},
                    {"endpoint": f"{PUBLIC}/x", "keys": {"p256dh": P256DH, "auth": "c2hvcnQ"}}):
            with self.subTest(bad=bad):
                self.assertEqual(self.ann.post(url, bad).status_int, 400)
        self.assertEqual(self.bob.request("DELETE", url, json={"endpoint": body["endpoint"]})
                         .status_int, 404)
        self.assertEqual(self.ann.request("DELETE", url, json={"endpoint": body["endpoint"]})
                         .status_int, 204)
        self.assertEqual(self.manager().get_push_subscriptions("ann"), [])

    def test_at_most_twenty_per_user(self):
        from plonesocial.restapi.services.push_subscriptions.service import MAX_PER_USER

        url = f"{self.site}/@push-subscriptions"
        for n in range(MAX_PER_USER):
            body = {"endpoint": f"{PUBLIC}/{n}", "keys": KEYS}
            self.assertEqual(self.ann.post(url, body).status_int, 201)
        refused = self.ann.post(url, {"endpoint": f"{PUBLIC}/more", "keys": KEYS})
        self.assertEqual(refused.status_int, 400)
        self.assertEqual(refused.json["message"], "At most 20 browsers can be registered for "
                         "push notifications: remove one first")
        transaction.begin()
        endpoints = [s.endpoint for s in self.manager().get_push_subscriptions("ann")]
        self.assertEqual(len(endpoints), MAX_PER_USER)
        self.assertNotIn(f"{PUBLIC}/more", endpoints)
        # A registered browser renews its keys; another user has their own twenty.
        renewed = self.ann.post(url, {"endpoint": f"{PUBLIC}/0",
                                      "keys": {"p256dh": OTHER_P256DH, "auth": OTHER_AUTH}})
        self.assertEqual(renewed.status_int, 201)
        self.assertEqual(self.bob.post(url, {"endpoint": f"{PUBLIC}/more",
                                             "keys": KEYS}).status_int, 201)
        # Removing one makes room.
        self.ann.request("DELETE", url, json={"endpoint": f"{PUBLIC}/1"})
        self.assertEqual(self.ann.post(url, {"endpoint": f"{PUBLIC}/more",
                                             "keys": KEYS}).status_int, 201)

    def test_service_worker_and_button(self):
        from plone.testing.zope import Browser

        browser = Browser(self.layer["app"])
        browser.addHeader("Authorization", "Basic ann:secret-password")
        browser.open(f"{self.site}/@@plonesocial-sw.js")
        self.assertTrue(browser.headers["Content-Type"].startswith("text/javascript"))
        self.assertIn("showNotification", browser.contents)
        browser.open(f"{self.site}/@@notification-preferences")
        self.assertNotIn("plonesocial-push-enable", browser.contents)
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", True)
        api.portal.set_registry_record("plonesocial.delivery.vapid_public_key", P256DH)
        transaction.commit()
        browser.open(f"{self.site}/@@notification-preferences")
        self.assertIn(f'data-key="{P256DH}"', browser.contents)
        self.assertIn("plonesocial-push-enable", browser.contents)

"""@inbox: conversations and messages of the authenticated user, over HTTP."""

from plone import api
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from zope.component import getUtility

import transaction
import unittest


class TestInbox(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob", "cat"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        transaction.commit()
        self.url = self.portal.absolute_url() + "/@inbox"
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")
        self.cat = RestClient(self.layer["app"], "cat")

    def inboxes(self):
        transaction.begin()
        return getUtility(IMessagingLocator).get_inboxes()

    def test_send_builds_no_member(self):
        # Issue 13: the recipient is checked with one exact search of the user
        # folder, not a member lookup (properties, groups, roles) per request.
        from Products.CMFCore.MembershipTool import MembershipTool
        from unittest import mock

        original = MembershipTool.getMemberById
        with mock.patch.object(MembershipTool, "getMemberById", autospec=True,
                               side_effect=original) as lookups:
            sent = self.ann.post(f"{self.url}/bob", {"text": "Hi"})
            self.assertEqual(sent.status_int, 201, sent.body)
            self.assertEqual(lookups.call_count, 0)
            missing = self.ann.post(f"{self.url}/nobody", {"text": "Hi"})
        self.assertEqual(missing.status_int, 400, missing.body)  # UnknownUser

    def test_send_list_read_delete(self):
        sent = self.ann.post(f"{self.url}/bob", {"text": "Hi <b>Bob</b>"})
        self.assertEqual(sent.status_int, 201, sent.body)
        self.assertEqual(sent.json["content"], "Hi <b>Bob</b>")
        self.assertEqual((sent.json["attributedTo"], sent.json["to"]), ("ann", ["bob"]))
        listing = self.bob.get(self.url).json
        self.assertEqual(listing["new_messages_count"], 1)
        [item] = listing["items"]
        self.assertEqual((item["userid"], item["fullname"], item["new_messages_count"]),
                         ("ann", "Ann", 1))
        self.assertEqual(item["last_message"]["excerpt"], "Hi <b>Bob</b>")
        page = self.bob.get(f"{self.url}/ann").json
        self.assertEqual(page["type"], "OrderedCollectionPage")
        self.assertEqual([m["content"] for m in page["orderedItems"]], ["Hi <b>Bob</b>"])
        self.assertEqual(self.bob.patch(f"{self.url}/ann", {"read": True}).status_int, 204)
        self.assertEqual(self.bob.get(self.url).json["new_messages_count"], 0)
        message_id = page["orderedItems"][0]["id"]
        self.assertEqual(self.bob.delete(f"{self.url}/ann/{message_id}").status_int, 204)
        self.assertEqual(self.bob.get(f"{self.url}/ann").json["orderedItems"], [])
        self.assertEqual(self.bob.delete(f"{self.url}/ann").status_int, 204)
        self.assertEqual(self.bob.get(f"{self.url}/ann").status_int, 404)
        # Ann's copy is hers.
        self.assertEqual(len(self.ann.get(f"{self.url}/bob").json["orderedItems"]), 1)

    def test_paging(self):
        for i in range(5):
            self.ann.post(f"{self.url}/bob", {"text": f"m{i}"})
        first = self.bob.get(f"{self.url}/ann?limit=2").json
        self.assertEqual([m["content"] for m in first["orderedItems"]], ["m4", "m3"])
        second = self.bob.testapp.get(first["next"], headers=self.bob.headers).json
        self.assertEqual([m["content"] for m in second["orderedItems"]], ["m2", "m1"])
        back = self.bob.testapp.get(second["prev"], headers=self.bob.headers).json
        self.assertEqual([m["content"] for m in back["orderedItems"]], ["m4", "m3"])

    def test_bad_input_is_400_and_writes_nothing(self):
        for body in ({"text": ""}, {"text": "   "}, {"text": 42}, {}, {"text": "x" * 10001}):
            with self.subTest(body=body):
                response = self.ann.post(f"{self.url}/bob", body)
                self.assertEqual(response.status_int, 400)
                self.assertEqual(response.json["type"], "BadRequest")
                self.assertTrue(response.json["message"])
        self.assertEqual(self.ann.post(f"{self.url}/ann", {"text": "me"}).status_int, 400)
        response = self.ann.request("POST", f"{self.url}/bob",
                                    headers={"Content-Type": "application/json"})
        self.assertIn(response.status_int, (400,))
        self.assertNotIn("ann", self.inboxes())

    def test_another_users_conversation_is_404(self):
        self.ann.post(f"{self.url}/bob", {"text": "private"})
        # Cat cannot reach Ann's or Bob's conversation: only her own inbox exists for her.
        for method, url in (("GET", f"{self.url}/bob"), ("GET", f"{self.url}/ann"),
                            ("DELETE", f"{self.url}/bob"), ("PATCH", f"{self.url}/ann")):
            with self.subTest(method=method, url=url):
                json = {"read": True} if method == "PATCH" else None
                response = self.cat.request(method, url, json=json)
                self.assertEqual(response.status_int, 404)
                self.assertNotIn(b"private", response.body)
        message_id = self.ann.get(f"{self.url}/bob").json["orderedItems"][0]["id"]
        self.assertEqual(self.bob.delete(f"{self.url}/cat/{message_id}").status_int, 404)
        self.assertEqual(len(self.inboxes()["bob"]["ann"]), 1)

    def test_anonymous_is_401(self):
        anonymous = RestClient(self.layer["app"])
        self.assertEqual(anonymous.get(self.url).status_int, 401)
        self.assertEqual(anonymous.post(f"{self.url}/bob", {"text": "hi"}).status_int, 401)

    def test_cookie_write_needs_csrf_token(self):
        from plone.testing.zope import Browser

        # Log in through the login form, as a person in a browser does.
        browser = Browser(self.layer["app"])
        browser.open(self.portal.absolute_url() + "/login")
        browser.getControl(name="__ac_name").value = "ann"
        browser.getControl(name="__ac_password").value = "secret-password"
        browser.getControl(name="buttons.login").click()
        headers = {"Accept": "application/json"}
        app = browser.testapp
        self.assertEqual(app.get(self.url, headers=headers).status_int, 200)
        refused = app.post_json(f"{self.url}/bob", {"text": "forged"}, headers=headers,
                                expect_errors=True)
        self.assertEqual(refused.status_int, 403)
        self.assertNotIn("ann", self.inboxes())
        # With the page's token it goes through.
        browser.open(self.portal.absolute_url() + "/@@notification-preferences")
        token = browser.getControl(name="_authenticator").value
        accepted = app.post_json(f"{self.url}/bob", {"text": "real"},
                                 headers=dict(headers, **{"X-CSRF-TOKEN": token}),
                                 expect_errors=True)
        self.assertEqual(accepted.status_int, 201, accepted.body)

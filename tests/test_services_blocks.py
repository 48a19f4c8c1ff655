"""@blocks and @@blocked: blocking over REST and on a page, the same rule in both."""

from plone import api
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from tests.test_views import ViewsTestCase

import transaction
import unittest


class TestBlocksService(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob", "cat"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.url = f"{self.site}/@blocks"
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")

    def test_the_refusal_in_german(self):
        """REST answers a block in the site's language, as other errors (400 still)."""
        messaging.block("ann", "bob")
        api.portal.set_registry_record("plone.available_languages", ["de"])
        api.portal.set_registry_record("plone.default_language", "de")
        transaction.commit()
        refused = self.bob.post(f"{self.site}/@inbox/ann", {"text": "hallo?"})
        self.assertEqual(refused.status_int, 400)
        self.assertEqual(refused.json["type"], "BadRequest")
        self.assertEqual(refused.json["message"], "Ann nimmt keine Nachrichten von Ihnen an, "
                         "daher wurde Ihre Nachricht nicht gesendet.")

    def blocked(self, userid):
        transaction.begin()
        return messaging.get_blocked(userid)

    def test_block_list_unblock(self):
        self.assertEqual(self.ann.get(self.url).json["items"], [])
        response = self.ann.post(self.url, {"userid": "bob"})
        self.assertEqual(response.status_int, 201, response.body)
        self.assertEqual(response.json, {"@id": "http://nohost:80/plone/@blocks/bob",
                                         "userid": "bob", "fullname": "Bob"})
        # Blocking twice is blocking once.
        self.assertEqual(self.ann.post(self.url, {"userid": "bob"}).status_int, 201)
        listing = self.ann.get(self.url).json
        self.assertEqual((listing["items_total"], [i["userid"] for i in listing["items"]]),
                         (1, ["bob"]))
        refused = self.bob.post(f"{self.site}/@inbox/ann", {"text": "hello?"})
        self.assertEqual(refused.status_int, 400)
        # A sentence Bob can act on, naming Ann by her full name (not "'ann' ... 'bob'").
        self.assertEqual(refused.json["message"],
                         "Ann does not accept messages from you, so your message was not sent.")
        # Bob's list is his own, and blocking is one way.
        self.assertEqual(self.bob.get(self.url).json["items"], [])
        self.assertEqual(self.ann.post(f"{self.site}/@inbox/bob", {"text": "x"}).status_int, 201)
        self.assertEqual(self.ann.delete(f"{self.url}/bob").status_int, 204)
        self.assertEqual(self.blocked("ann"), [])
        self.assertEqual(self.bob.post(f"{self.site}/@inbox/ann", {"text": "hi"}).status_int,
                         201)

    def test_bad_input_writes_nothing(self):
        for body, message in (
                ({"userid": "nobody"}, "There is no user nobody."),
                ({"userid": "ann"}, "You cannot block yourself."),
                ({"userid": " bob"}, None),
                ({"userid": 7}, None),
                ({"userid": "bob", "also": 1}, None),
                ({}, None)):
            with self.subTest(body=body):
                response = self.ann.post(self.url, body)
                self.assertEqual(response.status_int, 400, response.body)
                if message:
                    self.assertEqual(response.json["message"], message)
        transaction.begin()
        self.assertIsNone(messaging.get_inbox("ann"), "a refused block created an inbox")

    def test_unblocking_whom_one_does_not_block_is_404(self):
        self.assertEqual(self.ann.delete(f"{self.url}/bob").status_int, 404)
        self.assertEqual(self.ann.post(self.url, {"userid": "bob"}).status_int, 201)
        # Ann's block is not Cat's to lift.
        cat = RestClient(self.layer["app"], "cat")
        self.assertEqual(cat.delete(f"{self.url}/bob").status_int, 404)
        self.assertEqual(self.ann.delete(self.url).status_int, 404)
        self.assertEqual(self.blocked("ann"), ["bob"])

    def test_anonymous(self):
        self.assertEqual(RestClient(self.layer["app"]).get(self.url).status_int, 401)


class TestBlockedPage(ViewsTestCase):
    def test_block_from_the_conversation_and_unblock_on_the_page(self):
        messaging.send(sender="bob", recipient="ann", text="Buy my stuff")
        transaction.commit()
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@conversation?with=bob")
        ann.getControl("Block Bob Baker").click()
        self.assertIn("@@conversation?with=bob", ann.url)
        self.assertIn("Bob Baker can no longer send you messages.", ann.contents)
        self.assertEqual(self.inboxes()["ann"].is_blocked("bob"), True)
        ann.open(f"{self.site}/@@blocked")
        self.assertIn("Bob Baker", ann.contents)
        ann.getControl("Unblock").click()
        self.assertIn("You accept messages from Bob Baker again.", ann.contents)
        self.assertEqual(list(self.inboxes()["ann"].get_blocked()), [])
        self.assertIn("You block nobody.", ann.contents)

    def test_block_by_user_name_and_errors(self):
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@blocked")
        ann.getControl(name="block").value = "nobody"
        ann.getForm(id="block-form").submit()
        self.assertIn("There is no user nobody.", ann.contents)
        ann.getControl(name="block").value = "ann"
        ann.getForm(id="block-form").submit()
        self.assertIn("You cannot block yourself.", ann.contents)
        self.assertNotIn("ann", self.inboxes())
        ann.getControl(name="block").value = "bob"
        ann.getForm(id="block-form").submit()
        self.assertEqual(list(self.inboxes()["ann"].get_blocked()), ["bob"])

    def test_back_only_to_a_conversation_of_this_site(self):
        from plone.protect.authenticator import createToken

        with api.env.adopt_user(username="ann"):
            token = createToken()
        ann = self.browser("ann")
        ann.followRedirects = False
        ann.post(f"{self.site}/@@blocked",
                 f"block=bob&back=https://evil.example.org/&_authenticator={token}")
        self.assertEqual(ann.headers["Location"], f"{self.site}/@@blocked")

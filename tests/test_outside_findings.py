"""The findings 3, 4, 6, 7, 8, 9 and 12 of the outside security test (issue 12), over REST.

Each test failed before its fix; the mail and push findings (1, 2, 5, 10,
11) are in test_delivery.py, against real servers.
"""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.delivery.outbox import create_outbox
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from zope.component import getUtility

import transaction
import unittest


class FindingsTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.app = self.layer["app"]
        self.site = self.portal.absolute_url()
        for userid, role in (("ann", None), ("bob", None), ("cat", None),
                             ("sadie", "Site Administrator"), ("boss", "Manager"),
                             ("max", "Manager")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
            if role:
                setRoles(self.portal, userid, ["Member", role])
        transaction.commit()
        self.ann = RestClient(self.app, "ann")
        self.bob = RestClient(self.app, "bob")

    def inboxes(self):
        transaction.begin()
        return getUtility(IMessagingLocator).get_inboxes()

    def manager(self):
        return getUtility(IActivityLocator).get_manager()


class TestTargetsAreCheckedForView(FindingsTestCase):
    """Finding 3: a page moved out of a private folder does not name that folder."""

    def test_stream_hides_a_private_target(self):
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        private = api.content.create(self.portal, "Folder", "skunkworks",
                                     title="Skunkworks Zephyr")
        public = api.content.create(self.portal, "Folder", "team", title="Team")
        api.content.transition(public, "publish")
        transaction.commit()
        page = api.content.create(private, "Document", "plan", title="The plan")
        transaction.commit()
        page = api.content.move(page, public)
        api.content.transition(page, "publish")
        transaction.commit()
        response = self.bob.get(f"{page.absolute_url()}/@stream")
        self.assertEqual(response.status_int, 200)
        create = [a for a in response.json["orderedItems"] if a["type"] == "Create"]
        self.assertEqual(len(create), 1)
        self.assertEqual(create[0]["target"], {"type": "Object", "id": "urn:plonesocial:hidden"})
        self.assertNotIn("Skunkworks", response.text)
        # Who may View the folder still sees it named.
        admin = RestClient(self.app, "max")
        shown = admin.get(f"{page.absolute_url()}/@stream").json["orderedItems"]
        [create] = [a for a in shown if a["type"] == "Create"]
        self.assertEqual(create["target"]["name"], "Skunkworks Zephyr")


class TestPendingComments(FindingsTestCase):
    """Finding 7: a comment awaiting moderation is quoted only to who may View it."""

    def test_pending_comment_not_quoted_to_watchers(self):
        from plone.app.discussion.interfaces import IConversation
        from plone.app.discussion.interfaces import IDiscussionSettings
        from plone.registry.interfaces import IRegistry
        from zope.component import createObject
        from zope.component import getUtility as get_utility

        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        settings = get_utility(IRegistry).forInterface(IDiscussionSettings)
        settings.globally_enabled = True
        self.portal.portal_workflow.setChainForPortalTypes(
            ("Discussion Item",), ("comment_review_workflow",))
        page = api.content.create(self.portal, "Document", "plan", title="The plan",
                                  allow_discussion=True)
        api.content.transition(page, "publish")
        transaction.commit()
        self.manager().subscriptions.watch("cat", page.UID())
        self.manager().subscriptions.watch("max", page.UID())
        transaction.commit()
        with api.env.adopt_user(username="bob"):
            comment = createObject("plone.Comment")
            comment.text = "SECRET-PENDING the launch slips"
            comment.author_username = "bob"
            IConversation(page).addComment(comment)
        transaction.commit()
        self.assertEqual(api.content.get_state(comment), "pending")
        cat = RestClient(self.app, "cat")
        for url in (f"{self.site}/@notifications", f"{page.absolute_url()}/@stream"):
            with self.subTest(url=url):
                response = cat.get(url)
                self.assertEqual(response.status_int, 200)
                self.assertNotIn("SECRET-PENDING", response.text)
        # A moderator (Manager) sees it, to review it.
        moderator = RestClient(self.app, "max")
        self.assertIn("SECRET-PENDING", moderator.get(f"{self.site}/@notifications").text)


class TestOnlyManagersEraseManagers(FindingsTestCase):
    """Finding 4: Plone's rule, as for DELETE @users/boss."""

    def setUp(self):
        super().setUp()
        getUtility(IMessagingLocator).get_inboxes().send("boss", "ann", "From the boss")
        transaction.commit()

    def test_site_administrator_may_not_erase_a_manager(self):
        sadie = RestClient(self.app, "sadie")
        response = sadie.delete(f"{self.site}/@personal-data/boss")
        self.assertEqual(response.status_int, 403)
        self.assertIn("Only a Manager", response.json["message"])
        self.assertIn("boss", self.inboxes())
        # The page refuses it too.
        from plone.testing.zope import Browser

        browser = Browser(self.app)
        browser.handleErrors = False
        browser.addHeader("Authorization", "Basic sadie:secret-password")
        browser.open(f"{self.site}/@@erase-personal-data")
        browser.getControl(name="userid").value = "boss"
        browser.getControl("Erase").click()
        self.assertIn("Only a Manager", browser.contents)
        self.assertIn("boss", self.inboxes())
        # A member's data the Site Administrator may erase.
        self.assertEqual(sadie.delete(f"{self.site}/@personal-data/bob").status_int, 200)

    def test_manager_may(self):
        response = RestClient(self.app, "max").delete(f"{self.site}/@personal-data/boss")
        self.assertEqual(response.status_int, 200, response.body)
        self.assertNotIn("boss", self.inboxes())


class TestBoundedSettings(FindingsTestCase):
    """Finding 6: known names only, capped lists and bodies, a rate of settings writes."""

    def test_mail_modes_of_known_types_only(self):
        url = f"{self.site}/@notification-settings"
        many = {f"type-{n}": "daily" for n in range(1000)}
        response = self.ann.patch(url, {"mail_modes": many})
        self.assertEqual(response.status_int, 400)
        self.assertIn("unknown message types", response.json["message"])
        self.assertEqual(self.manager().get_preferences("ann", create=False).mail_modes, {})
        response = self.ann.patch(url, {"mail_modes": {"message": "immediately",
                                                       "comment": "daily"}})
        self.assertEqual(response.status_int, 200, response.body)

    def test_subscription_filters_capped_and_known(self):
        url = f"{self.site}/@subscriptions"
        for body, reason in (
                ({"follow": "bob", "portal_types": [f"T{n}" for n in range(200_00)]},
                 "bytes"),
                ({"follow": "bob", "portal_types": [f"T{n}" for n in range(31)]},
                 "at most 30"),
                ({"follow": "bob", "portal_types": ["Document", "Spaceship"]},
                 "unknown 'Spaceship'"),
                ({"follow": "bob", "verbs": ["Create", "Explode"]}, "unknown 'Explode'")):
            with self.subTest(reason=reason):
                response = self.ann.post(url, body)
                self.assertEqual(response.status_int, 400)
                self.assertIn(reason, response.json["message"])
        transaction.begin()
        self.assertEqual(list(self.manager().subscriptions._following.get("ann", {})), [])
        response = self.ann.post(url, {"follow": "bob", "verbs": ["Create", "Update"],
                                       "portal_types": ["Document"]})
        self.assertEqual(response.status_int, 201, response.body)

    def test_body_size_capped(self):
        response = self.ann.patch(f"{self.site}/@notification-settings",
                                  {"timezone": "UTC", "padding": "x" * 70_000})
        self.assertEqual(response.status_int, 400)
        self.assertIn("at most 65536 are accepted", response.json["message"])
        # A long message is still accepted up to its own limit.
        text = "é" * 10_000
        response = self.ann.post(f"{self.site}/@inbox/bob", {"text": text})
        self.assertEqual(response.status_int, 201, response.body[:300])

    def test_settings_writes_rate_limited(self):
        api.portal.set_registry_record("plonesocial.delivery.settings_writes_per_minute", 3)
        transaction.commit()
        url = f"{self.site}/@notification-settings"
        for hour in (1, 2, 3):
            self.assertEqual(self.ann.patch(url, {"digest_hour": hour}).status_int, 200)
        refused = self.ann.patch(url, {"digest_hour": 4})
        self.assertEqual(refused.status_int, 429)
        self.assertGreaterEqual(int(refused.headers["Retry-After"]), 1)
        self.assertEqual(self.manager().get_preferences("ann").digest_hour, 3)
        # Per person: Bob is not held back by Ann.
        self.assertEqual(self.bob.patch(url, {"digest_hour": 5}).status_int, 200)
        self.assertEqual(self.bob.post(f"{self.site}/@subscriptions",
                                       {"follow": "ann"}).status_int, 201)


class TestIdempotentSends(FindingsTestCase):
    """Finding 8: a retried POST @inbox with the same Idempotency-Key stores one message."""

    def send(self, client, text, key):
        return client.post(f"{self.site}/@inbox/bob", {"text": text},
                           headers={"Idempotency-Key": key})

    def test_a_retry_gets_the_first_answer(self):
        first = self.send(self.ann, "Lunch?", "client-42")
        again = self.send(self.ann, "Lunch?", "client-42")
        self.assertEqual((first.status_int, again.status_int), (201, 201))
        self.assertEqual(again.json, first.json)
        self.assertEqual(again.headers["Idempotent-Replayed"], "true")
        inboxes = self.inboxes()
        self.assertEqual(len(inboxes["bob"]["ann"]), 1)
        self.assertEqual(inboxes["bob"].new_messages_count, 1)
        self.assertEqual(len(inboxes["ann"]["bob"]), 1)
        # Another message needs another key; the same key for another text is refused.
        reused = self.send(self.ann, "Dinner?", "client-42")
        self.assertEqual(reused.status_int, 400)
        self.assertIn("used for another request", reused.json["message"])
        self.assertEqual(self.send(self.ann, "Dinner?", "client-43").status_int, 201)
        # Keys are per sender.
        cat = RestClient(self.app, "cat")
        self.assertEqual(self.send(cat, "Lunch?", "client-42").status_int, 201)
        self.assertEqual(len(self.inboxes()["bob"]), 2)
        bad = self.send(self.ann, "x", "k" * 201)
        self.assertEqual(bad.status_int, 400)


class TestBidiInPages(FindingsTestCase):
    """Finding 9: names are isolated in HTML."""

    def test_names_isolated(self):
        from plone.testing.zope import Browser

        user = api.user.get(userid="bob")
        user.setMemberProperties({"fullname": "Bob\u202eevil"})
        getUtility(IMessagingLocator).get_inboxes().send("bob", "ann", "hi")
        transaction.commit()
        browser = Browser(self.app)
        browser.addHeader("Authorization", "Basic ann:secret-password")
        browser.open(f"{self.site}/@@inbox")
        self.assertIn("<bdi>Bob\u202eevil</bdi>", browser.contents)
        browser.open(f"{self.site}/@@conversation?with=bob")
        self.assertIn("<bdi>Bob\u202eevil</bdi>", browser.contents)


class TestCompleteExport(FindingsTestCase):
    """Finding 12: the export has everything erasure touches."""

    def test_messages_deleted_from_my_inbox_are_exported_and_erased(self):
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        inboxes.send("ann", "bob", "SECRET-SENT from ann, deleted on her side")
        transaction.commit()
        self.assertEqual(self.ann.delete(f"{self.site}/@inbox/bob").status_int, 204)
        data = self.ann.get(f"{self.site}/@personal-data").json
        [elsewhere] = data["sent_messages_elsewhere"]
        self.assertEqual(elsewhere["inbox_of"], "bob")
        self.assertEqual([m["text"] for m in elsewhere["messages"]],
                         ["SECRET-SENT from ann, deleted on her side"])
        response = RestClient(self.app, "max").delete(f"{self.site}/@personal-data/ann")
        self.assertEqual(response.status_int, 200)
        inboxes = self.inboxes()
        texts = [m.text for c in inboxes["bob"].get_conversations() for m in c.get_messages()]
        self.assertNotIn("SECRET-SENT from ann, deleted on her side", texts)

    def test_outbox_entries_and_idempotency_keys_exported_and_erased(self):
        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        self.manager().get_preferences("ann").set(mail_mode="immediately")
        transaction.commit()
        self.bob.post(f"{self.site}/@inbox/ann", {"text": "hi"})
        self.ann.post(f"{self.site}/@inbox/bob", {"text": "hello"},
                      headers={"Idempotency-Key": "ann-1"})
        data = self.ann.get(f"{self.site}/@personal-data").json
        self.assertEqual([(e["kind"], e["state"]) for e in data["outbox"]],
                         [("mail", "pending")])
        self.assertEqual([k["key"] for k in data["idempotency_keys"]], ["ann-1"])
        response = RestClient(self.app, "max").delete(f"{self.site}/@personal-data/ann")
        self.assertEqual((response.json["outbox"], response.json["idempotency_keys"]), (1, 1))
        transaction.begin()
        self.assertEqual(create_outbox(self.portal).for_recipient("ann"), [])

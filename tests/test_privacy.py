"""Personal data: export and erase from Python, over REST and in the pages; on user removal."""

from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.testing.zope import Browser
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.messaging import exc as messaging_exc
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.privacy import erase_user_data
from plonesocial.privacy import ERASED_TEXT
from plonesocial.privacy import exc
from plonesocial.privacy import export_user_data
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.push import AUTH
from tests.push import P256DH
from tests.rest import RestClient
from zExceptions import Forbidden
from zExceptions import Unauthorized
from zope.component import getUtility

import json
import transaction
import unittest


PREFIX = "plonesocial.activitystream"


class PrivacyTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker"), ("cat", "Cat Cole")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        api.user.grant_roles(username="cat", roles=["Site Administrator"])
        transaction.commit()
        inboxes = self.inboxes()
        inboxes.send("ann", "bob", "Hello Bob, it is Ann")
        inboxes.send("bob", "ann", "Hi Ann")
        inboxes.send("ann", "cat", "Hello Cat")
        transaction.commit()  # the message notifications are written at commit
        manager = self.manager()
        manager.subscriptions.follow("ann", "bob")
        manager.subscriptions.follow("cat", "ann")
        manager.subscriptions.watch("ann", "page-uuid")
        manager.get_preferences("ann").set(mail_mode="daily", timezone="Europe/Berlin")
        manager.add_push_subscription("ann", "https://fcm.googleapis.com/fcm/send/ann", P256DH,
                                      AUTH)
        manager.create(actor="ann", verb="Announce", object=("user", "ann"),
                       summary="Ann Ames announced a party", actor_name="Ann Ames")
        transaction.commit()
        self.site = self.portal.absolute_url()

    def inboxes(self):
        return getUtility(IMessagingLocator).get_inboxes()

    def manager(self):
        return getUtility(IActivityLocator).get_manager()

    def fresh(self):
        transaction.begin()
        return self.inboxes(), self.manager()

    def assert_ann_untouched(self):
        inboxes, manager = self.fresh()
        self.assertIn("ann", inboxes)
        self.assertIn("ann", inboxes["bob"])
        self.assertIsNotNone(manager.notifications.get_list("ann"))
        self.assertEqual(manager.subscriptions.follower_count("ann"), 1)
        self.assertEqual(len(list(manager.get_by_actor("ann", None))), 1)


class TestExport(PrivacyTestCase):
    def test_everything_about_ann(self):
        data = export_user_data("ann")
        json.dumps(data)  # JSON-ready
        self.assertEqual(data["userid"], "ann")
        conversations = {c["with"]: c for c in data["inbox"]["conversations"]}
        self.assertEqual(set(conversations), {"bob", "cat"})
        self.assertEqual([m["text"] for m in conversations["bob"]["messages"]],
                         ["Hello Bob, it is Ann", "Hi Ann"])
        self.assertEqual(data["inbox"]["new_messages_count"], 1)
        [notification] = data["notifications"]["items"]
        self.assertEqual((notification["type"], notification["actors"]), ("message", ["bob"]))
        subscriptions = data["subscriptions"]
        self.assertEqual([s["target"] for s in subscriptions["following"]], ["bob"])
        self.assertEqual([s["subscriber"] for s in subscriptions["followers"]], ["cat"])
        self.assertEqual([s["target"] for s in subscriptions["watching"]], ["page-uuid"])
        self.assertEqual(data["preferences"]["mail_mode"], "daily")
        self.assertEqual(data["preferences"]["timezone"], "Europe/Berlin")
        [push] = data["push_subscriptions"]
        self.assertEqual(push["endpoint"], "https://fcm.googleapis.com/fcm/send/ann")
        self.assertNotIn("keys", push)
        self.assertNotIn(P256DH, json.dumps(data))  # no push secrets
        [activity] = data["activities"]
        self.assertEqual(activity["summary"], "Ann Ames announced a party")

    def test_reads_only(self):
        transaction.begin()
        export_user_data("dan")  # nobody: empty, nothing created
        export_user_data("ann")
        self.assertEqual(self.portal._p_jar._registered_objects, [])
        self.assertIsNone(self.manager().preferences.get_stored("dan"))
        self.assertNotIn("dan", self.inboxes())

    def test_bad_userid(self):
        with self.assertRaises(exc.InvalidUserId):
            export_user_data(" ann")


class TestErase(PrivacyTestCase):
    def test_anonymise(self):
        bob_inbox = self.inboxes()["bob"]
        counts = (len(bob_inbox), bob_inbox.new_messages_count)
        followers_of_bob = self.manager().subscriptions.follower_count("bob")
        activities = len(self.manager())
        summary = erase_user_data("ann")
        transaction.commit()
        inboxes, manager = self.fresh()
        placeholder = summary["placeholder"]
        self.assertTrue(placeholder.startswith("[deleted]-"))
        self.assertEqual((summary["conversations"], summary["subscriptions"],
                          summary["activities"], summary["notifications"]), (2, 3, 1, True))

        # Ann's inbox is gone; Bob's copy of the conversation is anonymised.
        self.assertNotIn("ann", inboxes)
        bob_inbox = inboxes["bob"]
        self.assertNotIn("ann", bob_inbox)
        conversation = bob_inbox[placeholder]
        self.assertEqual(conversation.username, placeholder)
        self.assertEqual(
            [(m.sender, m.recipient, m.text) for m in conversation.get_messages()],
            [(placeholder, "bob", ERASED_TEXT), ("bob", placeholder, "Hi Ann")])
        self.assertEqual([c.username for c in bob_inbox.get_conversations()], [placeholder])
        # Counters stay exact: nothing was added or removed.
        self.assertEqual((len(bob_inbox), bob_inbox.new_messages_count), counts)
        self.assertEqual(bob_inbox.new_messages_count,
                         sum(c.new_messages_count for c in bob_inbox.get_conversations()))
        self.assertEqual(len(conversation), 2)
        self.assertIn(placeholder, inboxes["cat"])
        with self.assertRaises(messaging_exc.RecipientErased):
            inboxes.send("bob", placeholder, "anyone there?")

        # Bob's notification of Ann's message no longer quotes nor names her.
        [notification] = manager.get_by_recipient("bob").all()
        self.assertEqual(notification.body, ERASED_TEXT)
        self.assertNotIn("Ann", notification.subject)
        self.assertEqual(notification.actors, (placeholder,))
        self.assertEqual(notification.owner.id, placeholder)
        self.assertEqual(manager.count_not_seen_by_recipient("bob"), 1)

        # Ann's own things are gone, the follower counters are exact.
        self.assertIsNone(manager.notifications.get_list("ann"))
        self.assertIsNone(manager.preferences.get_stored("ann"))
        self.assertEqual(manager.get_push_subscriptions("ann"), [])
        self.assertEqual(list(manager.subscriptions.get_subscriptions("ann")), [])
        self.assertEqual(manager.subscriptions.follower_count("bob"), followers_of_bob - 1)
        self.assertEqual(manager.subscriptions.follower_count("ann"), 0)
        self.assertFalse(manager.subscriptions.is_following("cat", "ann"))
        self.assertEqual(list(manager.subscriptions.watchers("page-uuid")), [])

        # Her activity stays, anonymous.
        self.assertEqual(len(manager), activities)
        self.assertEqual(list(manager.get_by_actor("ann", None)), [])
        [activity] = manager.get_by_actor(placeholder, None)
        self.assertEqual(activity.summary, "[deleted] announced a party")

        # The export of an erased user is empty.
        data = export_user_data("ann")
        self.assertEqual(data["inbox"]["conversations"], [])
        self.assertEqual(data["activities"], [])

    def test_keep(self):
        summary = erase_user_data("ann", messages="keep")
        transaction.commit()
        inboxes, manager = self.fresh()
        self.assertEqual(summary["conversations"], 0)
        self.assertNotIn("ann", inboxes)
        self.assertEqual([m.text for m in inboxes["bob"]["ann"].get_messages()],
                         ["Hello Bob, it is Ann", "Hi Ann"])
        self.assertIsNone(manager.notifications.get_list("ann"))

    def test_names_are_scrubbed_as_words(self):
        manager = self.manager()
        manager.create(actor="ann", verb="Announce", object=("user", "ann"),
                       summary="Annie (ann) announced the annual party")
        erase_user_data("ann", names=["Annie"])
        summaries = sorted(a.summary for a in manager.get_site_stream(None))
        self.assertEqual(summaries, ["[deleted] ([deleted]) announced the annual party",
                                     "[deleted] announced a party"])

    def test_setting_decides(self):
        api.portal.set_registry_record("plonesocial.privacy.erase_messages", "keep")
        self.assertEqual(erase_user_data("ann")["messages"], "keep")
        self.assertIn("ann", self.inboxes()["bob"])

    def test_removed_from_queued_fanout(self):
        manager = self.manager()
        api.portal.set_registry_record(f"{PREFIX}.fanout_threshold", 1)
        # Followers in userid order: abe now, ann and eve queued.
        for follower in ("abe", "ann", "eve"):
            manager.subscriptions.follow(follower, "star")
        manager.create(actor="star", verb="Announce", object=("user", "star"))
        self.assertEqual(manager.queued(), 2)
        erase_user_data("ann")
        self.assertEqual(manager.queued(), 1)
        manager.deliver_queued()
        self.assertIsNone(manager.notifications.get_list("ann"))

    def test_refusals_write_nothing(self):
        for userid, messages, error in (("ann", "shred", exc.InvalidErasure),
                                        ("[deleted]-1234", None, exc.InvalidErasure),
                                        ("", None, exc.InvalidUserId)):
            with self.assertRaises(error):
                erase_user_data(userid, messages=messages)
        with self.assertRaises(exc.InvalidErasure):
            erase_user_data("ann", names="Ann")  # a string, not a list of names
        self.assertEqual(self.portal._p_jar._registered_objects, [])
        self.assert_ann_untouched()


class TestUserRemoval(PrivacyTestCase):
    def test_removing_a_user_erases_their_data(self):
        with api.env.adopt_roles(["Manager"]):
            api.user.delete(username="ann")
        transaction.commit()
        inboxes, manager = self.fresh()
        self.assertNotIn("ann", inboxes)
        [conversation] = inboxes["bob"].get_conversations()
        self.assertEqual(next(conversation.get_messages()).text, ERASED_TEXT)
        self.assertIsNone(manager.notifications.get_list("ann"))
        self.assertEqual(manager.subscriptions.follower_count("bob"), 0)
        [activity] = manager.get_site_stream(None)
        self.assertNotIn("Ann", activity.summary)
        # Nobody can write the removed user a new inbox into being.
        transaction.commit()
        response = RestClient(self.layer["app"], "bob").post(f"{self.site}/@inbox/ann",
                                                              {"text": "Still there?"})
        self.assertEqual(response.status_int, 400)
        self.assertEqual(response.json["message"], "There is no user ann.")
        self.assertNotIn("ann", self.fresh()[0])

    def test_setting_off_keeps_them(self):
        api.portal.set_registry_record("plonesocial.privacy.erase_on_user_removal", False)
        with api.env.adopt_roles(["Manager"]):
            api.user.delete(username="ann")
        transaction.commit()
        self.assert_ann_untouched()


class TestRest(PrivacyTestCase):
    def test_export_own_data(self):
        response = RestClient(self.layer["app"], "ann").get(f"{self.site}/@personal-data")
        self.assertEqual(response.status_int, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertEqual(response.json["userid"], "ann")
        self.assertEqual(len(response.json["inbox"]["conversations"]), 2)

    def test_no_export_of_others(self):
        bob = RestClient(self.layer["app"], "bob")
        self.assertEqual(bob.get(f"{self.site}/@personal-data/ann").status_int, 404)
        self.assertEqual(RestClient(self.layer["app"]).get(
            f"{self.site}/@personal-data").status_int, 401)

    def test_erase_by_an_administrator(self):
        cat = RestClient(self.layer["app"], "cat")  # Site Administrator
        response = cat.delete(f"{self.site}/@personal-data/ann")
        self.assertEqual(response.status_int, 200, response.body)
        self.assertEqual(response.json["userid"], "ann")
        self.assertEqual(response.json["conversations"], 2)
        inboxes, manager = self.fresh()
        self.assertNotIn("ann", inboxes)

    def test_erase_keep_by_the_site_owner(self):
        owner = RestClient(self.layer["app"], SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
        response = owner.delete(f"{self.site}/@personal-data/ann?messages=keep")
        self.assertEqual(response.status_int, 200, response.body)
        inboxes, manager = self.fresh()
        self.assertNotIn("ann", inboxes)
        self.assertIn("ann", inboxes["bob"])

    def test_erase_refusals_write_nothing(self):
        bob = RestClient(self.layer["app"], "bob")
        self.assertEqual(bob.delete(f"{self.site}/@personal-data/ann").status_int, 401)
        self.assertEqual(bob.delete(f"{self.site}/@personal-data/bob").status_int, 401)
        cat = RestClient(self.layer["app"], "cat")
        response = cat.delete(f"{self.site}/@personal-data/ann?messages=shred")
        self.assertEqual(response.status_int, 400)
        self.assertIn("anonymise, keep", response.json["message"])
        self.assertEqual(cat.delete(f"{self.site}/@personal-data").status_int, 400)
        self.assert_ann_untouched()


class TestPages(PrivacyTestCase):
    def browser(self, userid, password="secret-password"):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {userid}:{password}")
        return browser

    def test_download_from_the_preferences_page(self):
        browser = self.browser("bob")
        browser.open(f"{self.site}/@@notification-preferences")
        browser.getLink(url="@@personal-data").click()
        self.assertIn("attachment", browser.headers["Content-Disposition"])
        data = json.loads(browser.contents)
        self.assertEqual(data["userid"], "bob")
        self.assertEqual(data["preferences"], None)
        # A download writes nothing: bob still has no stored preferences.
        inboxes, manager = self.fresh()
        self.assertIsNone(manager.preferences.get_stored("bob"))

    def test_erase_form(self):
        browser = self.browser("cat")
        browser.open(f"{self.site}/@@erase-personal-data")
        browser.getControl(name="userid").value = "ann"
        browser.getControl(name="messages").value = ["anonymise"]
        browser.getControl(name="erase").click()
        self.assertIn("The data of ann was erased.", browser.contents)
        self.assertIn("plonesocial-erase-summary", browser.contents)
        inboxes, manager = self.fresh()
        self.assertNotIn("ann", inboxes)
        self.assertNotIn("ann", inboxes["bob"])

    def test_erase_form_errors_and_refusals(self):
        browser = self.browser("cat")
        url = f"{self.site}/@@erase-personal-data"
        browser.open(url)
        browser.getControl(name="erase").click()
        self.assertIn("Name the user whose data to erase.", browser.contents)
        token = browser.getControl(name="_authenticator").value
        browser.post(url, f"userid=ann&messages=shred&_authenticator={token}")
        self.assertIn("messages must be one of anonymise, keep", browser.contents)
        self.assertNotIn("plonesocial-erase-summary", browser.contents)
        self.assert_ann_untouched()
        # A forged POST without the token is refused.
        with self.assertRaises(Forbidden):
            browser.post(url, "userid=ann&messages=keep")
        self.assert_ann_untouched()
        # Members may not.
        with self.assertRaises(Unauthorized):
            self.browser("bob").open(f"{self.site}/@@erase-personal-data")
        self.assert_ann_untouched()

"""Issue 16 over HTTP and in a Plone site: @mutes, @fixed-watches, the watch frequency,
"Do not disturb" held in the outbox, the new-since-last-look badge."""

from datetime import timedelta
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.clock import utcnow
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from tests.test_delivery import DeliveryTestCase
from zope.component import getUtility

import transaction
import unittest


class MutesTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob", "sadie"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        api.user.grant_roles(username="sadie", roles=["Site Administrator"])
        self.folder = api.content.create(self.portal, "Folder", "news", title="News")
        self.page = api.content.create(self.folder, "Document", "plan", title="Plan")
        self.secret = api.content.create(self.portal, "Document", "secret", title="Secret")
        for obj in (self.folder, self.page):
            api.content.transition(obj, "publish")
        api.group.create(groupname="staff", title="Staff")
        api.group.add_user(groupname="staff", username="ann")
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")
        self.sadie = RestClient(self.layer["app"], "sadie")

    def manager(self):
        transaction.begin()
        return getUtility(IActivityLocator).get_manager()

    def edit_page(self, title="Plan 2"):
        self.page.setTitle(title)
        self.page.reindexObject()
        from zope.event import notify
        from zope.lifecycleevent import ObjectModifiedEvent

        notify(ObjectModifiedEvent(self.page))
        transaction.commit()


class TestMutesService(MutesTestCase):
    def test_mute_list_get_unmute(self):
        url = f"{self.site}/@mutes"
        created = self.ann.post(url, {"kind": "content", "target": self.folder.UID(),
                                      "duration": "day", "hide": True})
        self.assertEqual(created.status_int, 201, created.body)
        self.assertEqual((created.json["kind"], created.json["hide"]), ("content", True))
        self.assertTrue(created.json["until"].endswith("Z"))
        listing = self.ann.get(url).json
        self.assertEqual([m["target"] for m in listing["items"]], [self.folder.UID()])
        self.assertEqual(self.bob.get(url).json["items"], [])  # only one's own
        one = f"{url}/content/{self.folder.UID()}"
        self.assertEqual(self.ann.get(one).json["target"], self.folder.UID())
        self.assertEqual(self.bob.get(one).status_int, 404)
        self.assertEqual(self.bob.delete(one).status_int, 404)  # not bob's
        self.assertEqual(self.ann.delete(one).status_int, 204)
        self.assertEqual(self.ann.delete(one).status_int, 404)
        self.assertEqual(self.ann.get(url).json["items"], [])

    def test_refusals_name_the_problem(self):
        url = f"{self.site}/@mutes"
        for body, words in (
                ({"kind": "planet", "target": "x"}, "kind must be one of"),
                ({"kind": "content", "target": self.page.UID(), "duration": "year"},
                 "duration must be"),
                ({"kind": "content", "target": self.page.UID(), "hide": "yes"},
                 "hide must be"),
                ({"kind": "content"}, "Send {"),
                ({"kind": "content", "target": self.secret.UID()}, "No content you may view"),
                ({"kind": "conversation", "target": "nobody-here"}, "There is no user nobody-here"),
                ({"kind": "activity", "target": "12"}, "")):
            with self.subTest(body=body):
                answer = self.ann.post(url, body)
                self.assertIn(answer.status_int, (400, 404), answer.body)
                self.assertIn(words, answer.json["message"])
        mutes = self.manager().mutes
        self.assertTrue(mutes is None or mutes.mutes("ann") == [])

    def test_a_muted_folder_sends_no_notification_and_hides_from_the_timeline(self):
        self.bob.post(f"{self.site}/@subscriptions", {"watch": self.folder.UID()})
        self.bob.post(f"{self.site}/@mutes", {"kind": "content", "target": self.folder.UID(),
                                               "hide": True})
        self.edit_page()
        self.assertEqual(self.bob.get(f"{self.site}/@notifications").json["orderedItems"], [])
        self.assertEqual(self.bob.get(f"{self.site}/@stream").json["orderedItems"], [])
        self.bob.delete(f"{self.site}/@mutes/content/{self.folder.UID()}")
        self.edit_page("Plan 3")
        self.assertEqual(len(self.bob.get(f"{self.site}/@notifications").json["orderedItems"]), 1)

    def test_group_conversation_mute_is_the_groups_mute_for_a_time(self):
        group = messaging.create_group("bob", ["ann", "sadie"], title="Lunch")
        transaction.commit()
        target = f"group:{group.id}"
        answer = self.ann.post(f"{self.site}/@mutes", {"kind": "conversation", "target": target,
                                                        "duration": "hour"})
        self.assertEqual(answer.status_int, 201, answer.body)
        transaction.begin()
        membership = messaging.get_groups().get(group.id).get_membership("ann")
        self.assertTrue(membership.is_muted())
        self.assertFalse(membership.is_muted(utcnow() + timedelta(hours=2)))
        self.assertEqual(self.ann.delete(f"{self.site}/@mutes/conversation/{target}").status_int,
                         204)
        transaction.begin()
        self.assertFalse(messaging.get_groups().get(group.id).get_membership("ann").is_muted())
        # Muted on the group's own (PATCH @conversations): unmuted through @mutes too.
        self.assertEqual(self.ann.patch(f"{self.site}/@conversations/{group.id}",
                                        {"muted": True}).status_int, 200)
        self.assertEqual(self.ann.delete(f"{self.site}/@mutes/conversation/{target}").status_int,
                         204)
        transaction.begin()
        self.assertFalse(messaging.get_groups().get(group.id).get_membership("ann").is_muted())
        # Bob is no participant of a group of ann's making: refused.
        other = messaging.create_group("ann", ["sadie", "test_user_1_"], title="Other")
        transaction.commit()
        self.assertEqual(self.bob.post(f"{self.site}/@mutes", {
            "kind": "conversation", "target": f"group:{other.id}"}).status_int, 404)

    def test_watch_frequency_over_rest(self):
        answer = self.bob.post(f"{self.site}/@subscriptions",
                               {"watch": self.folder.UID(), "frequency": "stream"})
        self.assertEqual((answer.status_int, answer.json["frequency"]), (201, "stream"), answer.body)
        self.edit_page()
        self.assertEqual(self.bob.get(f"{self.site}/@notifications").json["orderedItems"], [])
        self.assertEqual(self.bob.get(f"{self.site}/@stream").json["orderedItems"][0]["type"],
                         "Update")
        bad = self.bob.post(f"{self.site}/@subscriptions",
                            {"watch": self.folder.UID(), "frequency": "hourly"})
        self.assertEqual(bad.status_int, 400)
        self.assertIn("frequency must be", bad.json["message"])


class TestFixedWatches(MutesTestCase):
    def test_fixed_for_a_group(self):
        url = f"{self.site}/@fixed-watches"
        body = {"uuid": self.folder.UID(), "group": "staff"}
        self.assertIn(self.bob.post(url, body).status_int, (401, 403))
        self.assertEqual(self.sadie.post(url, {"uuid": self.folder.UID(), "group": "nope"}
                                         ).status_int, 400)
        answer = self.sadie.post(url, body)
        self.assertEqual(answer.status_int, 201, answer.body)
        self.assertEqual(answer.json["title"], "News")
        self.assertEqual([i["group"] for i in self.sadie.get(url).json["items"]], ["staff"])
        transaction.begin()
        self.assertTrue(activitystream.is_watching("ann", self.folder.UID()))
        self.assertEqual(self.ann.get(f"{self.site}/@subscriptions").json["fixed"],
                         [{"target": self.folder.UID(), "groups": ["staff"]}])
        self.assertEqual(self.bob.get(f"{self.site}/@subscriptions").json["fixed"], [])
        self.assertFalse(activitystream.is_watching("bob", self.folder.UID()))
        self.edit_page()
        notes = self.ann.get(f"{self.site}/@notifications").json["orderedItems"]
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes[0]["reasons"], [f"fixed:{self.folder.UID()}"])
        self.assertEqual(self.ann.get(f"{self.site}/@stream").json["orderedItems"][0]["type"],
                         "Update")
        self.assertEqual(self.bob.get(f"{self.site}/@stream").json["orderedItems"], [])
        # Ann cannot stop watching, and is told why.
        refused = self.ann.delete(f"{self.site}/@subscriptions/content/{self.folder.UID()}")
        self.assertEqual(refused.status_int, 403)
        self.assertIn("You cannot stop watching this: a site administrator made everybody in "
                      "Staff watch it.", refused.json["message"])
        # New members join at once; leaving the group ends it at once.
        api.group.add_user(groupname="staff", username="bob")
        api.group.remove_user(groupname="staff", username="ann")
        transaction.commit()
        self.edit_page("Plan 3")
        self.assertEqual(len(self.bob.get(f"{self.site}/@notifications").json["orderedItems"]), 1)
        self.assertEqual(len(self.ann.get(f"{self.site}/@notifications").json["orderedItems"]), 1)
        self.assertEqual(
            self.ann.delete(f"{self.site}/@subscriptions/content/{self.folder.UID()}").status_int,
            404)
        delete = f"{url}/{self.folder.UID()}/staff"
        self.assertIn(self.bob.delete(delete).status_int, (401, 403))
        self.assertEqual(self.sadie.delete(delete).status_int, 204)
        self.assertEqual(self.sadie.delete(delete).status_int, 404)


class TestBadge(MutesTestCase):
    def test_new_since_last_look_beside_unseen(self):
        for n in range(3):
            activitystream.notify(recipients=["ann"], subject=f"Note {n}")
        transaction.commit()
        count = self.ann.get(f"{self.site}/@notifications/count").json
        self.assertEqual((count["new"], count["not_seen"]), (3, 3))
        self.ann.post(f"{self.site}/@notifications/last-seen", {})
        count = self.ann.get(f"{self.site}/@notifications/count").json
        self.assertEqual((count["new"], count["not_seen"]), (0, 3))  # the list keeps them
        activitystream.notify(recipients=["ann"], subject="Note 4")
        transaction.commit()
        count = self.ann.get(f"{self.site}/@notifications/count").json
        self.assertEqual((count["new"], count["not_seen"]), (1, 4))

    def test_what_was_seen_is_not_new(self):
        """A message read as it came (its conversation open) is not news on the bell."""
        messaging.send("bob", "ann", "Hello")
        transaction.commit()
        count_url = f"{self.site}/@notifications/count"
        self.assertEqual(self.ann.get(count_url).json["new"], 1)
        read = f"{self.site}/@inbox/bob"
        self.assertEqual(self.ann.patch(read, {"read": True}).status_int, 204)
        messaging.send("bob", "ann", "Still there?")
        transaction.commit()
        self.assertEqual(self.ann.patch(read, {"read": True}).status_int, 204)
        activitystream.notify(recipients=["ann"], subject="Note")
        transaction.commit()
        count = self.ann.get(count_url).json
        self.assertEqual((count["new"], count["not_seen"]), (1, 1))


class TestDoNotDisturb(DeliveryTestCase):
    def test_held_until_the_quiet_hours_end_then_sent_once(self):
        now = utcnow()
        start, end = now - timedelta(hours=1), now + timedelta(hours=1)
        self.am.get_preferences("ann").set(mail_mode="immediately", timezone="UTC",
                                           dnd_start=start.strftime("%H:%M"),
                                           dnd_end=end.strftime("%H:%M"))
        self.am.get_preferences("cat").set(mail_mode="immediately")
        self.comment(["ann", "cat"], "bob")
        transaction.commit()
        self.assertEqual(self.outbox().counts()["waiting"], 2)
        self.assertEqual(self.deliver(now + timedelta(minutes=1))["sent"], 1)  # cat's only
        self.assertEqual([r for r, _ in self.smtp.messages], [["cat@example.org"]])
        self.assertEqual(self.deliver(now + timedelta(minutes=30))["sent"], 0)
        later = now + timedelta(hours=1, minutes=1)
        self.assertEqual(self.deliver(later)["sent"], 1)
        self.assertEqual(self.deliver(later + timedelta(minutes=5))["sent"], 0)  # never twice
        self.assertEqual(sorted(r[0] for r, _ in self.smtp.messages),
                         ["ann@example.org", "cat@example.org"])

    def test_digests_are_not_held(self):
        now = utcnow()
        self.am.get_preferences("ann").set(
            mail_mode="daily", dnd_start=(now - timedelta(hours=1)).strftime("%H:%M"),
            dnd_end=(now + timedelta(hours=1)).strftime("%H:%M"))
        self.comment(["ann"], "bob")
        transaction.commit()
        self.assertEqual(self.outbox().counts()["waiting"], 0)
        self.assertEqual(list(self.manager().digest_candidates()), ["ann"])


class TestBroadcastMail(DeliveryTestCase):
    def test_broadcasts_are_mailed_when_the_site_says_so(self):
        activitystream.broadcast(subject="Nobody mails this")
        transaction.commit()
        self.assertEqual(self.outbox().counts()["waiting"], 0)  # off by default
        api.portal.set_registry_record("plonesocial.delivery.broadcast_mail", True)
        activitystream.broadcast(subject="Server restarts at noon")
        transaction.commit()
        self.assertEqual(self.deliver(utcnow() + timedelta(minutes=1))["sent"], 3)
        self.assertEqual(sorted(r[0] for r, _ in self.smtp.messages),
                         ["ann@example.org", "bob@example.org", "cat@example.org"])
        self.assertIn("Server restarts at noon", self.smtp.messages[0][1]["Subject"])
        self.assertEqual(self.deliver(utcnow() + timedelta(minutes=2))["sent"], 0)


class TestPersonalData(MutesTestCase):
    def test_export_and_erasure_cover_mutes_dnd_and_fixed_watches(self):
        from plonesocial.privacy.personal_data import erase_user_data

        activitystream.mute("ann", "content", self.folder.UID(), duration="week", hide=True)
        activitystream.mute("bob", "conversation", "ann")
        activitystream.set_preferences("ann", dnd_start="22:00", dnd_end="07:00")
        activitystream.fix_watch(self.folder.UID(), "staff")
        transaction.commit()
        data = self.ann.get(f"{self.site}/@personal-data").json
        self.assertEqual([(m["kind"], m["target"], m["hide"]) for m in data["mutes"]],
                         [("content", self.folder.UID(), True)])
        self.assertEqual((data["preferences"]["dnd_start"], data["preferences"]["dnd_end"]),
                         ("22:00", "07:00"))
        self.assertEqual(data["fixed_watches"], [self.folder.UID()])
        transaction.begin()
        summary = erase_user_data("ann")
        self.assertEqual(summary["mutes"], 1)
        self.assertEqual(activitystream.get_mutes("ann"), [])
        self.assertEqual(activitystream.get_mutes("bob"), [])  # it named ann

"""@conversations: groups over HTTP: create, send, read, rename, add, kick, leave,
transfer, mute, delete; the mixed list with keyset paging; who may do what."""

from plone import api
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient

import transaction
import unittest


PEOPLE = ("ann", "bob", "cat", "dan", "eve")


class TestConversations(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in PEOPLE:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        transaction.commit()
        self.url = self.portal.absolute_url() + "/@conversations"
        self.clients = {userid: RestClient(self.layer["app"], userid) for userid in PEOPLE}

    def __getattr__(self, name):
        if name in PEOPLE:
            return self.clients[name]
        raise AttributeError(name)

    def create(self, participants=("bob", "cat"), title="Trip"):
        response = self.ann.post(self.url, {"participants": list(participants), "title": title})
        self.assertEqual(response.status_int, 201, response.body)
        return response.json

    def test_create_send_read(self):
        group = self.create()
        self.assertEqual((group["type"], group["title"], group["owner"], group["group"]),
                         ("Collection", "Trip", "ann", True))
        self.assertEqual([p["userid"] for p in group["participants"]], ["ann", "bob", "cat"])
        gid = group["id"]
        sent = self.bob.post(f"{self.url}/{gid}/messages", {"text": "Hi <all>"})
        self.assertEqual(sent.status_int, 201, sent.body)
        self.assertEqual((sent.json["content"], sent.json["attributedTo"]), ("Hi <all>", "bob"))
        # Cat has the creation and Bob's message; Bob has read up to his own.
        self.assertEqual(self.cat.get(self.url).json["new_messages_count"], 2)
        self.assertEqual(self.bob.get(self.url).json["new_messages_count"], 0)
        page = self.cat.get(f"{self.url}/{gid}/messages").json
        self.assertEqual([m["content"] for m in page["orderedItems"]],
                         ["Hi <all>", "Ann created the conversation with Bob and Cat"])
        self.assertEqual(page["orderedItems"][1]["action"], "created")
        self.assertEqual(self.cat.patch(f"{self.url}/{gid}", {"read": True}).status_int, 200)
        self.assertEqual(self.cat.get(self.url).json["new_messages_count"], 0)
        one = self.cat.get(f"{self.url}/{gid}/messages/{sent.json['id']}")
        self.assertEqual(one.json["content"], "Hi <all>")

    def test_the_list_mixes_one_to_one_and_groups_with_keyset_paging(self):
        self.bob.post(f"{self.portal.absolute_url()}/@inbox/ann", {"text": "1:1 first"})
        first = self.create()
        self.cat.post(f"{self.portal.absolute_url()}/@inbox/ann", {"text": "1:1 second"})
        second = self.create(("dan", "eve"), "Other")
        listing = self.ann.get(f"{self.url}?limit=3").json
        self.assertEqual(listing["type"], "OrderedCollectionPage")
        self.assertEqual([i.get("id") or i["userid"] for i in listing["orderedItems"]],
                         [second["id"], "cat", first["id"]])
        self.assertEqual(listing["new_messages_count"], 2)
        rest = self.ann.get(listing["next"]).json
        self.assertEqual([i["userid"] for i in rest["orderedItems"]], ["bob"])
        self.assertNotIn("next", rest)
        self.assertEqual(self.ann.get(f"{self.url}?before=x").status_int, 400)

    def test_owner_menu(self):
        gid = self.create()["id"]
        self.assertEqual(self.ann.patch(f"{self.url}/{gid}", {"title": "Hike"}).json["title"],
                         "Hike")
        added = self.ann.post(f"{self.url}/{gid}/participants", {"userids": ["dan"]})
        self.assertEqual(added.status_int, 200, added.body)
        self.assertEqual(added.json["participants_count"], 4)
        # Dan sees from his joining on.
        texts = [m["content"] for m in self.dan.get(f"{self.url}/{gid}/messages").json[
            "orderedItems"]]
        self.assertEqual(texts, ["Ann added Dan"])
        # Only the owner kicks, renames, adds, transfers and deletes.
        for response in (self.bob.patch(f"{self.url}/{gid}", {"title": "Mine"}),
                         self.bob.delete(f"{self.url}/{gid}/participants/cat"),
                         self.bob.post(f"{self.url}/{gid}/participants", {"userids": ["eve"]}),
                         self.bob.patch(f"{self.url}/{gid}", {"owner": "bob"}),
                         self.bob.delete(f"{self.url}/{gid}")):
            self.assertEqual(response.status_int, 400, response.body)
            self.assertEqual(response.json["message"],
                             "Only the owner of the conversation may do this")
        self.assertEqual(self.ann.delete(f"{self.url}/{gid}/participants/cat").status_int, 204)
        # Cat keeps what she received, read-only, and gets nothing new.
        self.bob.post(f"{self.url}/{gid}/messages", {"text": "after the kick"})
        cat_page = self.cat.get(f"{self.url}/{gid}/messages").json
        self.assertNotIn("after the kick", [m["content"] for m in cat_page["orderedItems"]])
        self.assertEqual(cat_page["orderedItems"][0]["content"], "Ann removed Cat")
        refused = self.cat.post(f"{self.url}/{gid}/messages", {"text": "still here?"})
        self.assertEqual(refused.status_int, 400)
        self.assertFalse(cat_page["conversation"]["active"])
        # The owner leaves: ownership passes to the longest-standing participant.
        self.assertEqual(self.ann.delete(f"{self.url}/{gid}/participants/ann").status_int, 204)
        group = self.bob.get(f"{self.url}/{gid}").json
        self.assertEqual(group["owner"], "bob")
        self.assertEqual([p["userid"] for p in group["participants"]], ["bob", "dan"])
        self.assertEqual([m["content"] for m in self.bob.get(
            f"{self.url}/{gid}/messages?limit=2").json["orderedItems"]],
            ["Bob is now the owner", "Ann left the conversation"])
        self.assertEqual(self.bob.patch(f"{self.url}/{gid}", {"owner": "dan"}).json["owner"],
                         "dan")
        self.assertEqual(self.dan.delete(f"{self.url}/{gid}").status_int, 204)
        self.assertEqual(self.bob.get(f"{self.url}/{gid}").status_int, 404)
        self.assertEqual(self.ann.get(f"{self.url}/{gid}").status_int, 404)

    def test_mute(self):
        gid = self.create()["id"]
        self.assertEqual(self.bob.patch(f"{self.url}/{gid}", {"muted": True}).json["muted"], True)
        self.cat.post(f"{self.url}/{gid}/messages", {"text": "ping"})
        self.assertEqual(self.bob.get(self.url).json["new_messages_count"], 0)
        self.assertEqual(self.bob.get(f"{self.url}/{gid}").json["new_messages_count"], 2)
        self.bob.patch(f"{self.url}/{gid}", {"muted": False})
        self.assertEqual(self.bob.get(self.url).json["new_messages_count"], 2)

    def test_blocks_apply(self):
        self.assertEqual(self.cat.post(f"{self.portal.absolute_url()}/@blocks",
                                       {"userid": "ann"}).status_int, 201)
        refused = self.ann.post(self.url, {"participants": ["bob", "cat"]})
        self.assertEqual(refused.status_int, 400)
        self.assertEqual(refused.json["message"],
                         "Cat does not accept messages from you; try again without them.")
        gid = self.create(("bob", "dan"))["id"]
        refused = self.ann.post(f"{self.url}/{gid}/participants", {"userids": ["cat"]})
        self.assertEqual(refused.status_int, 400)
        # Someone who blocks a participant later can leave at once.
        self.assertEqual(self.dan.post(f"{self.portal.absolute_url()}/@blocks",
                                       {"userid": "bob"}).status_int, 201)
        self.assertEqual(self.dan.delete(f"{self.url}/{gid}/participants/dan").status_int, 204)

    def test_bad_input_writes_nothing(self):
        for body, message in (
                ({"participants": ["bob"]}, "A group needs at least 2 other participants"),
                ({"participants": ["bob", "nobody"]}, "There is no user nobody."),
                ({"participants": "bob,cat"}, "participants must be a list of user ids"),
                ({"participants": ["bob", "cat"], "title": "x" * 201},
                 "The title has 201 characters; at most 200 are allowed"),
                ({"participants": ["bob", "cat"], "color": "red"}, None),
                ({}, None)):
            with self.subTest(body=body):
                response = self.ann.post(self.url, body)
                self.assertEqual(response.status_int, 400, response.body)
                if message:
                    self.assertEqual(response.json["message"], message)
        transaction.begin()
        self.assertIsNone(messaging.get_groups(), "a refused create wrote the groups root")
        gid = self.create()["id"]
        for body in ({"text": "  "}, {"text": 3}, {"text": "a", "b": 1}):
            with self.subTest(body=body):
                self.assertEqual(self.bob.post(f"{self.url}/{gid}/messages", body).status_int,
                                 400)
        for body in ({"read": False}, {"muted": "yes"}, {"owner": "nobody"},
                     {"title": "a", "owner": "bob"}):
            with self.subTest(body=body):
                self.assertEqual(self.ann.patch(f"{self.url}/{gid}", body).status_int, 400)

    def test_limit_from_the_registry(self):
        api.portal.set_registry_record("plonesocial.messaging.max_group_participants", 2)
        transaction.commit()
        refused = self.ann.post(self.url, {"participants": ["bob", "cat", "dan"]})
        self.assertEqual(refused.json["message"],
                         "A group has at most 2 other participants, not 3")
        gid = self.create()["id"]
        self.assertEqual(self.ann.post(f"{self.url}/{gid}/participants",
                                       {"userids": ["dan"]}).status_int, 400)

    def test_strangers_and_foreign_ids(self):
        gid = self.create()["id"]
        other = self.create(("dan", "eve"), "Other")["id"]
        message_id = self.bob.post(f"{self.url}/{gid}/messages", {"text": "x"}).json["id"]
        for path in (f"{gid}", f"{gid}/messages", f"{gid}/messages/{message_id}",
                     f"{gid}/participants", "0" * 32, f"{gid}/other"):
            with self.subTest(path=path):
                self.assertEqual(self.dan.get(f"{self.url}/{path}").status_int, 404)
        # A message id of one group under another group's address.
        self.assertEqual(self.dan.get(f"{self.url}/{other}/messages/{message_id}").status_int,
                         404)
        self.assertEqual(self.dan.post(f"{self.url}/{gid}/messages",
                                       {"text": "let me in"}).status_int, 404)
        self.assertEqual(self.dan.delete(f"{self.url}/{gid}/participants/bob").status_int, 404)
        self.assertEqual(RestClient(self.layer["app"]).get(self.url).status_int, 401)


class TestGroupPrivacy(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        for userid in PEOPLE:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        self.group = messaging.create_group("ann", ["bob", "cat"], "Trip")
        messaging.send_to_group("bob", self.group.id, "Bob's secret")
        messaging.send_to_group("cat", self.group.id, "Cat's words")

    def test_export(self):
        from plonesocial.privacy.personal_data import export_user_data

        [group] = export_user_data("bob")["groups"]
        self.assertEqual((group["title"], group["owner"], group["participants"]),
                         ("Trip", "ann", ["ann", "bob", "cat"]))
        self.assertEqual([m["content"] for m in group["messages"]][1:],
                         ["Bob's secret", "Cat's words"])
        self.assertEqual(group["unread"], 1)
        self.assertEqual(export_user_data("dan")["groups"], [])

    def test_erase_anonymises_and_passes_ownership(self):
        from plonesocial.privacy.personal_data import erase_user_data

        summary = erase_user_data("ann", messages="anonymise")
        self.assertEqual(summary["groups"], 1)
        group = messaging.get_groups().get(self.group.id)
        self.assertEqual(group.owner, "bob")
        self.assertIsNone(group.get_membership("ann"))
        self.assertEqual(messaging.get_groups().group_ids("ann"), [])
        [created] = [m for m in group.all_messages() if m.action == "created"]
        self.assertTrue(created.sender.startswith("[deleted]"))
        summary = erase_user_data("bob", messages="anonymise")
        texts = [m.text for m in group.all_messages() if m.text]
        self.assertEqual(texts, ["[deleted]", "Cat's words"])
        self.assertNotIn("bob", [m.sender for m in group.all_messages()])
        group.check_invariants()
        messaging.get_groups().check_invariants()

    def test_erase_keeping_messages(self):
        from plonesocial.privacy.personal_data import erase_user_data

        erase_user_data("bob", messages="keep")
        group = messaging.get_groups().get(self.group.id)
        self.assertIn("Bob's secret", [m.text for m in group.all_messages()])
        self.assertEqual([m.userid for m in group.participants()], ["ann", "cat"])

"""Read receipts: markers visible to the other participants, 1:1 and in groups, through
the API, REST and the pages; the preference that hides them both ways."""

from plone import api
from plonesocial import exc
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from tests.test_views import ViewsTestCase

import transaction
import unittest


class ReceiptsTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob", "cat", "dan", "eve", "fay"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})

    def test_one_to_one(self):
        first = messaging.send(sender="ann", recipient="bob", text="one")
        second = messaging.send(sender="ann", recipient="bob", text="two")
        self.assertIsNone(messaging.seen_by_other("ann", "bob"))
        messaging.open_conversation("bob", "ann")
        self.assertEqual(messaging.seen_by_other("ann", "bob"), second.id)
        messaging.send(sender="ann", recipient="bob", text="three")
        # Bob has not read the third: the receipt stays on the second.
        self.assertEqual(messaging.seen_by_other("ann", "bob"), second.id)
        self.assertNotEqual(first.id, second.id)
        # Who hides their receipts shows none and sees none.
        messaging.set_receipts_hidden("bob", True)
        messaging.open_conversation("ann", "bob")
        self.assertIsNone(messaging.seen_by_other("ann", "bob"))
        self.assertIsNone(messaging.seen_by_other("bob", "ann"))
        messaging.set_receipts_hidden("bob", False)
        self.assertIsNotNone(messaging.seen_by_other("ann", "bob"))
        with self.assertRaises(exc.InvalidInput):
            messaging.set_receipts_hidden("bob", "yes")

    def test_group(self):
        group = messaging.create_group("ann", ["bob", "cat", "dan", "eve", "fay"])
        message = messaging.send_to_group("ann", group.id, "Seen?")
        self.assertEqual(messaging.group_seen_by("ann", group.id, message.id), [])
        for userid in ("bob", "cat", "dan", "eve"):
            messaging.mark_group_read(userid, group.id)
        self.assertEqual(messaging.group_seen_by("ann", group.id, message.id),
                         ["bob", "cat", "dan", "eve"])
        messaging.set_receipts_hidden("cat", True)
        self.assertEqual(messaging.group_seen_by("ann", group.id, message.id),
                         ["bob", "dan", "eve"])
        self.assertEqual(messaging.group_read_markers("cat", group.id), {})
        from plonesocial.messaging.group_rendering import seen_by_text

        self.assertEqual(seen_by_text(["bob", "dan"]), "Seen by Bob and Dan")
        self.assertEqual(seen_by_text(["bob", "dan", "eve", "fay"]),
                         "Seen by Bob, Dan and 2 others")

    def test_rest(self):
        transaction.commit()
        ann, bob = (RestClient(self.layer["app"], u) for u in ("ann", "bob"))
        site = self.portal.absolute_url()
        sent = ann.post(f"{site}/@inbox/bob", {"text": "hi"}).json
        self.assertIsNone(ann.get(f"{site}/@inbox/bob").json["seen"])
        bob.patch(f"{site}/@inbox/ann", {"read": True})
        self.assertEqual(ann.get(f"{site}/@inbox/bob").json["seen"], sent["id"])
        group = ann.post(f"{site}/@conversations", {"participants": ["bob", "cat"]}).json
        message = ann.post(f"{group['@id']}/messages", {"text": "all"}).json
        bob.patch(group["@id"], {"read": True})
        markers = ann.get(group["@id"]).json["read_markers"]
        self.assertEqual(markers, [{"userid": "bob", "last_read": message["id"]}])
        settings = bob.patch(f"{site}/@messaging-settings", {"hide_read_receipts": True})
        self.assertEqual(settings.json["hide_read_receipts"], True)
        self.assertEqual(ann.get(group["@id"]).json["read_markers"], [])
        self.assertIsNone(ann.get(f"{site}/@inbox/bob").json["seen"])
        self.assertEqual(bob.patch(f"{site}/@messaging-settings",
                                   {"hide_read_receipts": "no"}).status_int, 400)
        self.assertEqual(bob.get(f"{site}/@messaging-settings").json["hide_read_receipts"], True)


class TestReceiptPages(ViewsTestCase):
    def test_seen_on_the_pages_and_the_setting(self):
        api.user.create(email="cat@example.org", username="cat", password="secret-password",
                        properties={"fullname": "Cat Cole"})
        messaging.send(sender="ann", recipient="bob", text="Lunch?")
        group = messaging.create_group("ann", ["bob", "cat"])
        messaging.send_to_group("ann", group.id, "Picnic?")
        transaction.commit()
        ann, bob = self.browser("ann"), self.browser("bob")
        ann.open(f"{self.site}/@@conversation?with=bob")
        self.assertNotIn("read-receipt", ann.contents)
        bob.open(f"{self.site}/@@conversation?with=ann")
        bob.open(f"{self.site}/@@group?id={group.id}")
        ann.open(f"{self.site}/@@conversation?with=bob")
        self.assertIn(">Seen</p>", ann.contents)
        ann.open(f"{self.site}/@@group?id={group.id}")
        self.assertIn("Seen by Bob Baker", ann.contents)
        bob.open(f"{self.site}/@@messaging-settings")
        bob.getControl("Hide my read receipts").selected = True
        bob.getControl("Save").click()
        self.assertIn("Your message settings were saved.", bob.contents)
        transaction.begin()
        self.assertTrue(messaging.receipts_hidden("bob"))
        ann.open(f"{self.site}/@@group?id={group.id}")
        self.assertNotIn("Seen by", ann.contents)
        ann.open(f"{self.site}/@@conversation?with=bob")
        self.assertNotIn(">Seen</p>", ann.contents)

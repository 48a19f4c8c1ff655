"""Edit and unsend (issue 15): the sender only, in every copy; "edited" with the earlier
versions; tombstones in place with text and files gone; the Python API, REST, pages."""

from datetime import timedelta
from plone import api
from plone.testing.zope import Browser
from plonesocial import exc
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.messaging.attachments import Upload
from plonesocial.messaging.interfaces import IMessageChangedEvent
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from tests.rest import RestClient
from unittest import mock
from zope.component import getGlobalSiteManager

import base64
import transaction
import unittest


PEOPLE = ("ann", "bob", "cat", "dan")
PDF = b"%PDF-1.4\n%%EOF\n"


class TestEditApi(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        for userid in PEOPLE:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        self.events = []
        getGlobalSiteManager().registerHandler(self.events.append, (IMessageChangedEvent,))

    def tearDown(self):
        getGlobalSiteManager().unregisterHandler(self.events.append, (IMessageChangedEvent,))

    def test_edit_changes_both_copies_and_keeps_versions(self):
        message = messaging.send("ann", "bob", "Helo")
        messaging.edit_message("ann", "bob", message.id, "Hello")
        messaging.edit_message("ann", "bob", message.id, "Hello!")
        for owner, other in (("ann", "bob"), ("bob", "ann")):
            copy = messaging.get_message(owner, other, message.id)
            self.assertEqual(copy.text, "Hello!")
            self.assertIsNotNone(copy.edited)
            self.assertEqual([text for _, text in copy.versions], ["Helo", "Hello"])
            self.assertEqual(copy.versions[0][0], message.created)
        # Counters and read state do not move: Bob still has one unread message.
        self.assertEqual(messaging.count_unread("bob"), 1)
        messaging.get_inbox("bob").check_invariants()
        self.assertEqual([e.change for e in self.events], ["edited", "edited"])
        self.assertEqual(self.events[0].other_copy.__parent__.owner, "bob")

    def test_saving_the_same_text_is_no_edit(self):
        message = messaging.send("ann", "bob", "Hello")
        messaging.edit_message("ann", "bob", message.id, "Hello")
        group = messaging.create_group("ann", ["bob", "cat"])
        said = messaging.send_to_group("ann", group.id, "Hi all")
        messaging.edit_group_message("ann", group.id, said.id, "Hi all")
        for copy in (messaging.get_message("ann", "bob", message.id),
                     messaging.get_message("bob", "ann", message.id),
                     messaging.get_group_message("cat", group.id, said.id)):
            self.assertEqual((copy.edited, copy.versions), (None, ()))
        self.assertEqual(self.events, [])

    def test_who_and_when(self):
        message = messaging.send("ann", "bob", "Hi")
        with self.assertRaises(exc.NotTheSender):
            messaging.edit_message("bob", "ann", message.id, "Changed by Bob")
        with self.assertRaises(exc.NotTheSender):
            messaging.unsend_message("bob", "ann", message.id)
        with self.assertRaises(exc.MessagingNotFound):  # Cat has no such conversation
            messaging.edit_message("cat", "bob", message.id, "x")
        with self.assertRaises(exc.EmptyMessage):
            messaging.edit_message("ann", "bob", message.id, "  ")
        later = message.created + timedelta(minutes=16)
        with mock.patch("plonesocial.messaging.edits.utcnow", return_value=later):
            with self.assertRaises(exc.EditWindowClosed):
                messaging.edit_message("ann", "bob", message.id, "Too late")
            self.assertFalse(messaging.can_edit("ann", message))
        api.portal.set_registry_record("plonesocial.messaging.edit_window_minutes", 0)
        with self.assertRaises(exc.EditWindowClosed):
            messaging.edit_message("ann", "bob", message.id, "Never")
        api.portal.set_registry_record("plonesocial.messaging.edit_window_minutes", 60)
        with mock.patch("plonesocial.messaging.edits.utcnow", return_value=later):
            messaging.edit_message("ann", "bob", message.id, "Within the hour")
        self.assertEqual(messaging.get_message("bob", "ann", message.id).text, "Within the hour")
        self.assertEqual(self.events[-1].change, "edited")

    def test_unsend_leaves_tombstones_and_removes_files(self):
        message = messaging.send("ann", "bob", "Oops", attachments=[Upload("a.pdf", "", PDF)])
        attachment_id = message.attachments[0]
        messaging.edit_message("ann", "bob", message.id, "Oops, edited")
        messaging.unsend_message("ann", "bob", message.id)
        for owner, other in (("ann", "bob"), ("bob", "ann")):
            copy = messaging.get_message(owner, other, message.id)
            self.assertEqual((copy.unsent, copy.text, copy.versions, copy.attachments),
                             (True, "", (), ()))
        self.assertIsNone(files.get(attachment_id))
        self.assertEqual(messaging.count_unread("bob"), 1)  # in place: nothing moved
        with self.assertRaises(exc.MessageRemoved):
            messaging.edit_message("ann", "bob", message.id, "back")
        with self.assertRaises(exc.MessageRemoved):
            messaging.unsend_message("ann", "bob", message.id)
        # "Delete for me" stays: the tombstone goes from Bob's copy only.
        messaging.delete_message("bob", "ann", message.id)
        self.assertIn(message.id, messaging.get_conversation("ann", "bob"))

    def test_unsend_after_the_other_deleted_their_copy(self):
        message = messaging.send("ann", "bob", "x", attachments=[Upload("a.pdf", "", PDF)])
        messaging.delete_message("bob", "ann", message.id)
        messaging.unsend_message("ann", "bob", message.id)
        self.assertIsNone(files.get(message.attachments[0]))
        self.assertIsNone(self.events[-1].other_copy)

    def test_copies_found_when_their_ids_differ(self):
        """A copy whose id was taken in one inbox moved to the next µs: found by uid."""
        first = messaging.send("cat", "bob", "first")
        inboxes = messaging.get_inboxes()
        message = inboxes.send("ann", "bob", "second", created=first.created)
        theirs = messaging.get_conversation("bob", "ann").find_copy(message.uid, message.created)
        self.assertIsNotNone(theirs)
        messaging.edit_message("ann", "bob", message.id, "second, edited")
        self.assertEqual(theirs.__parent__[theirs.id].text, "second, edited")

    def test_group(self):
        group = messaging.create_group("ann", ["bob", "cat"])
        message = messaging.send_to_group("bob", group.id, "Hi all", attachments=[
            Upload("a.pdf", "", PDF)])
        with self.assertRaises(exc.NotTheSender):
            messaging.edit_group_message("ann", group.id, message.id, "x")
        system = messaging.get_group_messages("ann", group.id, 10)[-1]
        with self.assertRaises(exc.NotTheSender):
            messaging.unsend_group_message("ann", group.id, system.id)
        messaging.edit_group_message("bob", group.id, message.id, "Hi everyone")
        seen = messaging.get_group_message("cat", group.id, message.id)
        self.assertEqual((seen.text, [t for _, t in seen.versions]), ("Hi everyone", ["Hi all"]))
        messaging.leave_group("bob", group.id)
        with self.assertRaises(exc.NotAParticipant):
            messaging.edit_group_message("bob", group.id, message.id, "after leaving")
        messaging.unsend_group_message("bob", group.id, message.id)  # still his to take back
        seen = messaging.get_group_message("cat", group.id, message.id)
        self.assertEqual((seen.unsent, seen.text, seen.attachments), (True, "", ()))
        self.assertIsNone(files.get(message.attachments[0]))
        with self.assertRaises(exc.MessagingNotFound):  # Dan never was in it
            messaging.unsend_group_message("dan", group.id, message.id)
        group.check_invariants()


class TestEditRest(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in PEOPLE:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        transaction.commit()
        self.base = self.portal.absolute_url()
        self.clients = {userid: RestClient(self.layer["app"], userid) for userid in PEOPLE}

    def test_one_to_one(self):
        ann, bob = self.clients["ann"], self.clients["bob"]
        sent = ann.post(f"{self.base}/@inbox/bob", {"text": "Helo"}).json
        url = f"{self.base}/@inbox/bob/{sent['id']}"
        edited = ann.patch(url, {"text": "Hello"})
        self.assertEqual(edited.status_int, 200, edited.body)
        self.assertEqual(edited.json["content"], "Hello")
        self.assertIsNotNone(edited.json["edited"])
        self.assertEqual([v["content"] for v in edited.json["versions"]], ["Helo"])
        theirs = bob.get(f"{self.base}/@inbox/ann/{sent['id']}").json
        self.assertEqual((theirs["content"], theirs["versions"][0]["content"]), ("Hello", "Helo"))
        # Bob's notification quotes the text as it is now.
        notifications = f"{self.base}/@notifications"
        self.assertEqual(bob.get(notifications).json["orderedItems"][0]["body"], "Hello")
        # Not the sender: 403; someone else's conversation: 404; bad bodies: 400.
        self.assertEqual(bob.patch(f"{self.base}/@inbox/ann/{sent['id']}",
                                   {"text": "mine now"}).status_int, 403)
        self.assertEqual(self.clients["cat"].patch(url, {"text": "x"}).status_int, 404)
        for body in ({"text": 3}, {"text": "a", "read": True}, {}):
            self.assertEqual(ann.patch(url, body).status_int, 400)
        self.assertEqual(ann.delete(url + "?for=somebody").status_int, 400)
        self.assertEqual(bob.delete(f"{self.base}/@inbox/ann/{sent['id']}?for=everyone")
                         .status_int, 403)
        # Unsend: a Tombstone for both.
        self.assertEqual(ann.delete(url + "?for=everyone").status_int, 204)
        for client, other in ((ann, "bob"), (bob, "ann")):
            data = client.get(f"{self.base}/@inbox/{other}/{sent['id']}").json
            self.assertEqual((data["type"], data["content"], data["unsent"], data["versions"]),
                             ("Tombstone", None, True, []))
        self.assertNotIn("Hello", bob.get(notifications).body.decode())
        self.assertEqual(ann.patch(url, {"text": "again"}).status_int, 400)

    def test_group(self):
        ann, bob = self.clients["ann"], self.clients["bob"]
        group = ann.post(f"{self.base}/@conversations", {"participants": ["bob", "cat"]}).json
        messages = f"{self.base}/@conversations/{group['id']}/messages"
        sent = bob.post(messages, {"text": "Hi"}).json
        url = f"{messages}/{sent['id']}"
        self.assertEqual(ann.patch(url, {"text": "x"}).status_int, 403)
        self.assertEqual(self.clients["dan"].patch(url, {"text": "x"}).status_int, 404)
        self.assertEqual(self.clients["dan"].delete(url).status_int, 404)
        edited = bob.patch(url, {"text": "Hi there"})
        self.assertEqual(edited.status_int, 200, edited.body)
        self.assertEqual(self.clients["cat"].get(url).json["versions"][0]["content"], "Hi")
        self.assertEqual(ann.delete(url).status_int, 403)
        self.assertEqual(bob.delete(url).status_int, 204)
        self.assertEqual(self.clients["cat"].get(url).json["type"], "Tombstone")


class TestEditPages(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in PEOPLE:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        transaction.commit()
        self.base = self.portal.absolute_url()

    def post(self, userid, url, fields):
        testapp = Browser(self.layer["app"]).testapp
        auth = {"Authorization": "Basic " + base64.b64encode(
            f"{userid}:secret-password".encode()).decode()}
        page = testapp.get(url, headers=auth)
        token = page.html.find("input", {"name": "_authenticator"})["value"]
        return testapp.post(url, params=dict(fields, _authenticator=token), headers=auth,
                            expect_errors=True), testapp, auth

    def test_conversation_page(self):
        message = messaging.send("ann", "bob", "Helo")
        transaction.commit()
        url = f"{self.base}/@@conversation?with=bob"
        answer, testapp, auth = self.post("ann", url, {"edit_message": str(message.id),
                                                       "edited_text": "Hello"})
        self.assertEqual(answer.status_int, 302)
        html = testapp.get(f"{self.base}/@@conversation?with=ann", headers={
            "Authorization": "Basic " + base64.b64encode(b"bob:secret-password").decode()}).text
        self.assertIn("Hello", html)
        self.assertIn("plonesocial-versions", html)  # "edited", the earlier text inside
        self.assertIn("Helo", html)
        self.assertNotIn('name="edit_message"', html)  # not Bob's to edit
        page = testapp.get(url, headers=auth).text
        self.assertIn('name="edit_message"', page)
        self.assertIn("<strong>You</strong>,", page)  # not "You ," (a space before the comma)
        self.assertIn('name="unsend_message"', page)
        answer, testapp, auth = self.post("ann", url, {"unsend_message": str(message.id)})
        self.assertEqual(answer.status_int, 302)
        html = testapp.get(url, headers=auth).text
        self.assertIn("plonesocial-removed", html)
        self.assertNotIn("Hello", html.split('id="plonesocial-conversation"')[1].split("<form")[0])
        # Without the token: refused, nothing changed.
        other = messaging.send("ann", "bob", "Keep me")
        transaction.commit()
        forged = testapp.post(url, params={"unsend_message": str(other.id)}, headers=auth,
                              expect_errors=True)
        self.assertEqual(forged.status_int, 403)
        self.assertFalse(messaging.get_message("bob", "ann", other.id).unsent)

    def test_group_page(self):
        group = messaging.create_group("ann", ["bob", "cat"])
        message = messaging.send_to_group("bob", group.id, "Draft")
        transaction.commit()
        url = f"{self.base}/@@group?id={group.id}"
        answer, testapp, auth = self.post("bob", url, {"edit_message": str(message.id),
                                                       "edited_text": "Final"})
        self.assertEqual(answer.status_int, 302)
        self.assertEqual(messaging.get_group_message("cat", group.id, message.id).text, "Final")
        answer, testapp, auth = self.post("ann", url, {"unsend_message": str(message.id)})
        self.assertEqual(answer.status_int, 302)  # refused with a message, nothing done
        self.assertFalse(messaging.get_group_message("cat", group.id, message.id).unsent)
        answer, testapp, auth = self.post("bob", url, {"unsend_message": str(message.id)})
        self.assertTrue(messaging.get_group_message("cat", group.id, message.id).unsent)

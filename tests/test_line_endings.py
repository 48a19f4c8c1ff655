"""Line breaks are stored as "\\n", whichever way they came in: a page's textarea sends
"\\r\\n", an old client a lone "\\r". Normalised once where user text enters the
messaging store (1:1 messages) and the messaging and activity stream APIs, and counted
so against the length limits."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.testing.zope import Browser
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from plonesocial.text import normalize_newlines
from tests.rest import RestClient
from tests.test_messaging import StorageTestCase
from urllib.parse import urlencode

import transaction
import unittest


MIXED = "a\r\nb\rc"  # Windows', old Mac's and Unix's line breaks in one text
STORED = "a\nb\nc"


class TestNormalizeNewlines(unittest.TestCase):
    def test_each_line_break_becomes_one_newline(self):
        self.assertEqual(normalize_newlines(MIXED), STORED)
        self.assertEqual(normalize_newlines("a\r\n\r\nb\r\r\nc\n"), "a\n\nb\n\nc\n")
        self.assertEqual(normalize_newlines("no breaks"), "no breaks")
        # Not text: the caller's own check refuses it.
        for value in (None, 5, b"a\r\nb"):
            self.assertIs(normalize_newlines(value), value)


class TestStore(StorageTestCase):
    """Integrators who send through the store (getUtility(IMessagingLocator)) store
    the same text as the API does, counted as stored."""

    def test_a_message_sent_through_the_store(self):
        self.inboxes.send_message("ann", "ben", MIXED)
        for owner, other in (("ann", "ben"), ("ben", "ann")):
            [message] = self.inboxes[owner][other].get_messages()
            self.assertEqual(message.text, STORED)
        self.inboxes.max_message_length = 5
        self.inboxes.send_message("ann", "ben", "a\r\nb\r\nc")  # 7 as typed, 5 as stored
        with self.assertRaises(exc.MessageTooLong):
            self.inboxes.send_message("ann", "ben", "a\r\nb\r\ncd")
        self.assertEqual(len(self.inboxes["ben"]["ann"]), 2)


class TestApis(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        setRoles(self.layer["portal"], TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob", "cat"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")

    def limit_messages(self, length):
        api.portal.set_registry_record("plonesocial.messaging.max_message_length", length)

    def test_a_broadcast(self):
        activitystream.broadcast(subject="Maintenance tonight", body=MIXED)
        self.assertEqual(activitystream.get_notifications("bob").first().body, STORED)

    def test_a_message_and_its_edit(self):
        message = messaging.send("ann", "bob", MIXED)
        for owner, other in (("ann", "bob"), ("bob", "ann")):
            self.assertEqual(messaging.get_message(owner, other, message.id).text, STORED)
        messaging.edit_message("ann", "bob", message.id, "x\r\ny")
        for owner, other in (("ann", "bob"), ("bob", "ann")):
            copy = messaging.get_message(owner, other, message.id)
            self.assertEqual(copy.text, "x\ny")
            self.assertEqual([text for _, text in copy.versions], [STORED])
        # The same text with other line breaks is no edit.
        messaging.edit_message("ann", "bob", message.id, "x\ry")
        self.assertEqual(len(messaging.get_message("bob", "ann", message.id).versions), 1)

    def test_a_group_message_and_its_edit(self):
        group = messaging.create_group("ann", ["bob", "cat"])
        said = messaging.send_to_group("ann", group.id, MIXED)
        self.assertEqual(messaging.get_group_message("bob", group.id, said.id).text, STORED)
        messaging.edit_group_message("ann", group.id, said.id, "x\r\ny")
        self.assertEqual(messaging.get_group_message("cat", group.id, said.id).text, "x\ny")

    def test_message_lengths_count_the_stored_text(self):
        self.limit_messages(5)
        text = "a\r\nb\r\nc"  # 7 characters as typed, 5 as stored
        message = messaging.send("ann", "bob", text)
        messaging.edit_message("ann", "bob", message.id, "c\r\nb\r\na")
        group = messaging.create_group("ann", ["bob", "cat"])
        said = messaging.send_to_group("ann", group.id, text)
        messaging.edit_group_message("ann", group.id, said.id, "c\r\nb\r\na")
        with self.assertRaises(exc.MessageTooLong):
            messaging.send("ann", "bob", "abc\r\ndef")
        with self.assertRaises(exc.MessageTooLong):
            messaging.send_to_group("ann", group.id, "abc\r\ndef")

    def test_a_post_and_its_edit(self):
        activity = activitystream.post("ann", MIXED)
        self.assertEqual(activitystream.post_of(activity).text, STORED)
        edited = activitystream.edit_post("ann", activity.id, "x\r\ny")
        self.assertEqual(edited.text, "x\ny")

    def test_a_comment_and_its_edit(self):
        activity = activitystream.post("ann", "Lunch?")
        comment = activitystream.comment("bob", activity.id, MIXED)
        self.assertEqual(comment.text, STORED)
        reply = activitystream.comment("cat", activity.id, "\r\nyes\r\n", reply_to=comment.id)
        self.assertEqual(reply.text, "yes")
        edited = activitystream.edit_comment("bob", activity.id, comment.id, "x\ry")
        self.assertEqual(edited.text, "x\ny")
        [first, _] = activitystream.get_comments("ann", activity.id)
        self.assertEqual(first.text, "x\ny")

    def test_post_lengths_count_the_stored_text(self):
        api.portal.set_registry_record("plonesocial.activitystream.max_post_length", 5)
        activity = activitystream.post("ann", "a\r\nb\r\nc")
        activitystream.comment("bob", activity.id, "a\r\nb\r\nc")
        with self.assertRaises(exc.InvalidInput):
            activitystream.post("ann", "abc\r\ndef")


class TestFormToRest(unittest.TestCase):
    """What a page's form sends is what a REST client reads."""

    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob", "cat"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.ann = Browser(self.layer["app"])
        self.ann.handleErrors = False
        self.ann.addHeader("Authorization", "Basic ann:secret-password")

    def post_form(self, page, to=None, **fields):
        """POST `fields` from `page`'s form (to `to`, else itself) as a browser sends
        them: line breaks "\\r\\n"."""
        self.ann.open(page)
        token = self.ann.getControl(name="_authenticator", index=0).value
        self.ann.open(to or page, data=urlencode({"_authenticator": token, **fields}))

    def test_a_broadcast_sent_by_rest(self):
        api.user.create(email="sadie@example.org", username="sadie", password="secret-password")
        api.user.grant_roles(username="sadie", roles=["Site Administrator"])
        transaction.commit()
        sadie = RestClient(self.layer["app"], "sadie")
        answer = sadie.post(f"{self.site}/@broadcasts",
                            json={"subject": "Fire drill", "body": "Stairs B,\r\nnot A"})
        self.assertEqual((answer.status_int, answer.json["body"]), (201, "Stairs B,\nnot A"))
        page = RestClient(self.layer["app"], "bob").get(f"{self.site}/@notifications").json
        self.assertEqual(page["orderedItems"][0]["body"], "Stairs B,\nnot A")
        # The length counts the stored text: 2,000 characters with "\r\n" breaks pass.
        body = "ab\r\n" * 500  # 2,500 sent, 1,500 stored
        self.assertEqual(sadie.post(f"{self.site}/@broadcasts",
                                    json={"subject": "Long", "body": body}).status_int, 201)

    def test_messages_and_posts_sent_by_forms(self):
        self.post_form(f"{self.site}/@@inbox", recipient="bob", text="Hi Bob,\r\nlunch?")
        self.assertIn("@@conversation?with=bob", self.ann.url)
        group = messaging.create_group("ann", ["bob", "cat"])
        transaction.commit()
        self.post_form(f"{self.site}/@@group?id={group.id}", text="Hi all,\r\nlunch?")
        self.post_form(f"{self.site}/@@stream", f"{self.site}/@@social-action", action="post",
                       text="Lunch\r\nat noon")
        bob = RestClient(self.layer["app"], "bob")
        [message] = bob.get(f"{self.site}/@inbox/ann").json["orderedItems"]
        self.assertEqual(message["content"], "Hi Bob,\nlunch?")
        messages = bob.get(f"{self.site}/@conversations/{group.id}/messages").json
        self.assertEqual([m["content"] for m in messages["orderedItems"]
                          if m["type"] == "Note"], ["Hi all,\nlunch?"])
        [post] = bob.get(f"{self.site}/@stream?actor=ann").json["orderedItems"]
        self.assertEqual(post["object"]["source"]["content"], "Lunch\nat noon")

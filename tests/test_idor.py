"""IDOR probes: another member uses the owner's ids everywhere an id is taken.

Each probe answers 404 (or acts on the intruder's own data only), and the owner's
data (counters, lists, seen states, settings) is the same before and after.
"""

from plone import api
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.messaging import attachments
from plonesocial.messaging.interfaces import IMessagingLocator
from tests import security
from tests.security import CORRESPONDENT
from tests.security import OWNER
from tests.security import PUSH_ENDPOINT
from tests.security import SECURITY_FUNCTIONAL_TESTING
from tests.security import VICTIM
from zope.component import getUtility

import transaction
import unittest


INTRUDER = "bob"


class IDORTestCase(unittest.TestCase):
    layer = SECURITY_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.site = self.portal.absolute_url()
        self.ids = security.owner_ids(self.portal)
        self.app = security.Browser(self.layer["app"]).testapp
        self.headers = dict(security.basic_auth(INTRUDER), Accept="application/json")
        self.before = security.owner_snapshot()

    def tearDown(self):
        self.assertEqual(security.owner_snapshot(), self.before,
                         "the intruder changed the owner's data")

    def rest(self, method, path, body=None, status=404):
        url = f"{self.site}/{path}"
        if body is None:
            response = self.app.request(url, method=method, headers=self.headers,
                                        expect_errors=True)
        else:
            response = getattr(self.app, f"{method.lower()}_json")(
                url, body, headers=self.headers, expect_errors=True)
        self.assertEqual(response.status_int, status, f"{method} {path}: {response.body[:300]}")
        self.assertEqual(security.leaks(response, f"{path} {body}"), [])
        return response

    def page(self, path, form=None, status=404):
        headers = dict(security.basic_auth(INTRUDER), Accept="text/html")
        url = f"{self.site}/{path}"
        if form is None:
            response = self.app.get(url, headers=headers, expect_errors=True)
        else:
            form = dict(form, _authenticator=security.csrf_token(INTRUDER))
            response = self.app.post(url, form, headers=headers, expect_errors=True)
        self.assertEqual(response.status_int, status, f"{path}: {response.status}")
        self.assertEqual(security.leaks(response, f"{path} {form}"), [])
        return response


class TestConversationsAndMessages(IDORTestCase):
    def test_the_owners_conversation_by_the_other_party_in_the_url(self):
        # @inbox/{userid} names the other party in *my* inbox: the intruder has
        # no conversation with the correspondent, nor with the owner.
        for other in (CORRESPONDENT, OWNER):
            self.rest("GET", f"@inbox/{other}")
            self.rest("PATCH", f"@inbox/{other}", {"read": True})
            self.rest("DELETE", f"@inbox/{other}")
        listing = self.rest("GET", "@inbox", status=200).json
        self.assertEqual((listing["items"], listing["new_messages_count"]), ([], 0))

    def test_the_owners_message_id(self):
        msg = self.ids["msg"]
        for other in (CORRESPONDENT, OWNER):
            self.rest("GET", f"@inbox/{other}/{msg}")
            self.rest("DELETE", f"@inbox/{other}/{msg}")
        # With a conversation of their own with the correspondent, the owner's
        # message id still names nothing of theirs.
        self.rest("POST", f"@inbox/{CORRESPONDENT}", {"text": "hello Carl"}, status=201)
        self.rest("GET", f"@inbox/{CORRESPONDENT}/{msg}")
        self.rest("DELETE", f"@inbox/{CORRESPONDENT}/{msg}")

    def test_conversation_page_with_the_owners_correspondent(self):
        response = self.page(f"@@conversation?with={CORRESPONDENT}", status=200)
        self.assertNotIn("SECRET-MSG", response.text)
        self.page("@@conversation", {"with": CORRESPONDENT, "delete_message": self.ids["msg"]})
        self.page("@@conversation", {"with": OWNER, "delete_message": self.ids["msg"]})
        self.page("@@conversation", {"with": CORRESPONDENT, "delete_conversation": "1"})

    def test_the_same_message_in_two_inboxes_is_two_copies(self):
        # The correspondent deletes their copy of the message (same id in both
        # inboxes): the owner's copy stays. (The tearDown check does not apply.)
        carl = dict(security.basic_auth(CORRESPONDENT), Accept="application/json")
        response = self.app.delete(f"{self.site}/@inbox/{OWNER}/{self.ids['msg']}",
                                   headers=carl, expect_errors=True)
        self.assertEqual(response.status_int, 204)
        transaction.begin()
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        self.assertIn(self.ids["msg"], inboxes[OWNER][CORRESPONDENT])
        self.assertNotIn(self.ids["msg"], inboxes[CORRESPONDENT][OWNER])
        self.before = security.owner_snapshot()


    def test_no_inbox_for_a_userid_nobody_has(self):
        response = self.rest("POST", "@inbox/newhire", {"text": "planted"}, status=400)
        self.assertEqual(response.json["message"], "There is no user newhire.")
        # Refused: the inbox shows its form again (400), no conversation page for nobody (404).
        self.page("@@conversation", {"with": "newhire", "text": "planted"}, status=404)
        self.page("@@inbox", {"recipient": "newhire", "text": "planted"}, status=400)
        transaction.begin()
        self.assertNotIn("newhire", getUtility(IMessagingLocator).get_inboxes())


class TestMessageRequests(IDORTestCase):
    """Issue 15: the owner's request (from gus) is named by its sender, in *my* requests."""

    def test_the_owners_request_by_its_sender_or_the_owner(self):
        for other in (security.GROUP_MEMBER, OWNER):
            self.rest("GET", f"@message-requests/{other}")
            for action in ("accept", "decline", "block"):
                self.rest("POST", f"@message-requests/{other}", {"action": action})
        listing = self.rest("GET", "@message-requests", status=200).json
        self.assertEqual((listing["items"], listing["items_total"]), ([], 0))
        self.rest("GET", f"@message-requests/groups/{self.ids['group']}")
        self.rest("POST", f"@message-requests/groups/{self.ids['group']}", {"action": "accept"})

    def test_request_page(self):
        for action in ("accept", "decline", "block"):
            self.page("@@message-requests", {"with": security.GROUP_MEMBER, action: "1"})
            self.page("@@message-requests", {"group": self.ids["group"], action: "1"})
        self.page("@@message-requests", status=200)


class TestAttachmentsAndEdits(IDORTestCase):
    """Issue 15: attachment ids, and edit and unsend of the owner's messages."""

    def download(self, path):
        headers = dict(security.basic_auth(INTRUDER), Accept="*/*")
        response = self.app.get(f"{self.site}/@@message-attachment/{path}", headers=headers,
                                expect_errors=True)
        self.assertEqual(response.status_int, 404, path)
        self.assertNotIn(b"SECRET-FILE", response.body)

    def test_the_owners_attachment_ids(self):
        ids = self.ids
        own = self.rest("POST", f"@inbox/{CORRESPONDENT}", {"text": "mine", "attachments": [
            {"filename": "mine.txt", "content-type": "text/plain", "data": "aGk="}]},
            status=201).json
        for path in (f"direct/{CORRESPONDENT}/{ids['filemsg']}/{ids['file']}",
                     f"direct/{OWNER}/{ids['filemsg']}/{ids['file']}",
                     f"direct/{CORRESPONDENT}/{ids['filemsg']}/{ids['file']}/preview",
                     # the intruder's own message with the owner's file id
                     f"direct/{CORRESPONDENT}/{own['id']}/{ids['file']}",
                     f"direct/{CORRESPONDENT}/{own['id']}/{ids['gfile']}",
                     f"group/{ids['group']}/{ids['gfilemsg']}/{ids['gfile']}",
                     f"group/{ids['group']}/{ids['gfilemsg']}/{ids['file']}",
                     f"group/{ids['group']}/{own['id']}/{ids['gfile']}"):
            self.download(path)
        # The intruder's own file is theirs to fetch, and only through their message.
        mine = own["attachments"][0]
        headers = dict(security.basic_auth(INTRUDER), Accept="*/*")
        self.assertEqual(self.app.get(mine["download"], headers=headers).body, b"hi")

    def test_editing_and_unsending_the_owners_messages(self):
        ids = self.ids
        self.rest("POST", f"@inbox/{CORRESPONDENT}", {"text": "hello Carl"}, status=201)
        for other in (CORRESPONDENT, OWNER):
            self.rest("PATCH", f"@inbox/{other}/{ids['mine']}", {"text": "forged"})
            self.rest("DELETE", f"@inbox/{other}/{ids['mine']}?for=everyone")
        self.rest("PATCH", f"@conversations/{ids['group']}/messages/{ids['gmine']}",
                  {"text": "forged"})
        self.rest("DELETE", f"@conversations/{ids['group']}/messages/{ids['gmine']}")
        self.page("@@conversation", {"with": CORRESPONDENT, "edit_message": ids["mine"],
                                     "edited_text": "forged"})
        self.page("@@conversation", {"with": CORRESPONDENT, "unsend_message": ids["mine"]})
        self.page("@@group", {"id": ids["group"], "unsend_message": ids["gmine"]})
        transaction.begin()
        self.assertIsNotNone(attachments.get(ids["file"]))
        self.assertIsNotNone(attachments.get(ids["gfile"]))


class TestNotifications(IDORTestCase):
    def test_marking_the_owners_notification_ids(self):
        note = self.ids["note"]
        self.rest("POST", "@notifications/seen", {"ids": [note]})
        self.rest("POST", "@notifications/unseen", {"ids": [note]})

    def test_a_foreign_id_among_own_ids_changes_nothing(self):
        transaction.begin()
        manager = getUtility(IActivityLocator).get_manager()
        manager.notify([INTRUDER], "for bob")
        transaction.commit()
        [own] = [n for n in manager.get_by_recipient(INTRUDER).all() if n.subject == "for bob"]
        self.rest("POST", "@notifications/seen", {"ids": [own.id, self.ids["note"]]})
        transaction.begin()
        self.assertFalse(manager.get_notification(INTRUDER, own.id).seen)

    def test_notification_pages(self):
        self.page("@@notifications", {"mark_seen": self.ids["note"]})
        self.page("@@notifications", {"mark_unseen": self.ids["note"]})
        # @@see with the owner's id: goes on (a stale link), marks nothing of the owner's.
        response = self.page(f"@@see?id={self.ids['note']}&target={self.site}", status=302)
        self.assertFalse(security.is_login_redirect(response))

    def test_a_broadcast_seen_by_one_is_unseen_for_the_other(self):
        transaction.begin()
        manager = getUtility(IActivityLocator).get_manager()
        broadcast = manager.broadcast("Site news")
        transaction.commit()
        self.before = security.owner_snapshot()
        self.rest("POST", "@notifications/seen", {"ids": [broadcast.id]}, status=200)
        self.rest("POST", "@notifications/seen", {"all": True}, status=200)
        self.page(f"@@see?id={broadcast.id}&target={self.site}", status=302)
        transaction.begin()
        self.assertFalse(manager.get_notification(OWNER, broadcast.id).seen)
        self.assertTrue(manager.get_notification(INTRUDER, broadcast.id).seen)


class TestStreams(IDORTestCase):
    def test_the_timeline_shows_only_what_the_reader_may_view(self):
        # The intruder follows the author of the public and the private page.
        text = self.rest("GET", "@stream", status=200).text
        self.assertIn("Public page", text)
        self.assertNotIn(security.PRIVATE_TITLE, text)
        self.page("private-doc/@@stream", status=302)
        self.rest("GET", "private-doc/@stream", status=401)


class TestSubscriptionsAndSettings(IDORTestCase):
    def test_the_owners_follow_and_watch(self):
        self.rest("DELETE", f"@subscriptions/user/{CORRESPONDENT}")
        self.rest("DELETE", f"@subscriptions/content/{self.ids['uuid']}")
        items = self.rest("GET", "@subscriptions", status=200).json["items"]
        self.assertEqual([i["target"] for i in items], [security.TEST_USER_ID])

    def test_watching_private_content_is_refused_like_missing_content(self):
        # Same answer for a private UUID and one that does not exist: no oracle.
        private = self.rest("POST", "@subscriptions", {"watch": self.ids["uuid"]}, status=400)
        missing = self.rest("POST", "@subscriptions", {"watch": "0" * 32}, status=400)
        self.assertEqual(private.json["message"].replace(self.ids["uuid"], "X"),
                         missing.json["message"].replace("0" * 32, "X"))

    def test_the_owners_push_endpoint(self):
        self.rest("DELETE", "@push-subscriptions", {"endpoint": PUSH_ENDPOINT})
        self.assertEqual(self.rest("GET", "@push-subscriptions", status=200).json["items"], [])
        # Registering the same endpoint keeps it under the intruder's name only.
        self.rest("POST", "@push-subscriptions",
                  {"endpoint": PUSH_ENDPOINT, "keys": security.KEYS}, status=201)

    def test_settings_are_per_user(self):
        own = self.rest("GET", "@notification-settings", status=200).json
        self.assertNotEqual(own["timezone"], security.OWNER_TIMEZONE)
        self.rest("PATCH", "@notification-settings", {"timezone": "Europe/Rome"}, status=200)
        headers = dict(security.basic_auth(INTRUDER), Accept="text/html")
        self.app.post(f"{self.site}/@@notification-preferences",
                      dict(security.FORM, _authenticator=security.csrf_token(INTRUDER)),
                      headers=headers)

    def test_follow_and_watch_pages_act_for_the_intruder(self):
        self.page("@@follow", {"userid": CORRESPONDENT}, status=302)
        self.page("public-doc/@@watch", {"action": "watch"}, status=302)
        # The private page: the intruder may not View it, so not watch it either.
        response = self.page("private-doc/@@watch", {"action": "unwatch"}, status=302)
        self.assertTrue(security.is_login_redirect(response))
        transaction.begin()
        subscriptions = getUtility(IActivityLocator).get_manager().subscriptions
        self.assertTrue(subscriptions.is_following(INTRUDER, CORRESPONDENT))
        self.assertTrue(subscriptions.is_watching(INTRUDER, api.content.get_uuid(
            self.portal["public-doc"])))


class TestPersonalData(IDORTestCase):
    """Export is one's own only; erasing someone's data takes an administrator."""

    def setUp(self):
        super().setUp()
        self.victim_before = security.owner_snapshot(VICTIM)

    def assert_victim_untouched(self):
        self.assertEqual(security.owner_snapshot(VICTIM), self.victim_before)

    def test_no_export_of_someone_else(self):
        for userid in (VICTIM, OWNER):
            self.rest("GET", f"@personal-data/{userid}")
        own = self.rest("GET", "@personal-data", status=200).json
        self.assertEqual(own["userid"], INTRUDER)
        self.assertEqual(own["inbox"]["conversations"], [])
        self.assert_victim_untouched()

    def test_a_member_may_not_erase(self):
        for userid in (VICTIM, OWNER, INTRUDER):
            self.rest("DELETE", f"@personal-data/{userid}", status=401)
            self.rest("DELETE", f"@personal-data/{userid}?messages=keep", status=401)
        # The form refuses them too (with their own valid token): the login form.
        response = self.page("@@erase-personal-data", {"userid": VICTIM}, status=302)
        self.assertTrue(security.is_login_redirect(response))
        self.assert_victim_untouched()

    def test_the_administrators_erase_probes_erase_the_victim(self):
        # The matrix makes these probes; here each allowed actor starts afresh
        # and the victim's data is shown gone, the owner's unchanged.
        probes = [(endpoint, probe) for endpoint in security.discover()
                  for probe in security.PROBES[endpoint.key] if probe.method != "GET"
                  and "{victim}" in f"{probe.path} {probe.body}"]
        self.assertEqual(sorted(e.key for e, _ in probes),
                         ["@@erase-personal-data on site", "DELETE @personal-data on site"])
        empty = {"unread": 0, "conversations": {}, "notifications": (), "not_seen": 0,
                 "subscriptions": (), "push": ()}
        for endpoint, probe in probes:
            for actor in ("siteadmin", "manager"):
                with self.subTest(endpoint=endpoint.key, actor=actor):
                    portal, app = security.fresh(self.layer)
                    self.assertNotEqual(security.owner_snapshot(VICTIM)["conversations"], {})
                    userid = security.USERIDS[actor]
                    response = security.send(app, portal, endpoint, probe, self.ids,
                                             security.basic_auth(userid),
                                             security.csrf_token(userid))
                    self.assertEqual(response.status_int, 200, response.body[:300])
                    self.assertEqual(security.leaks(response, "", actor), [])
                    after = security.owner_snapshot(VICTIM)
                    self.assertEqual({k: after[k] for k in empty}, empty)
                    self.assertNotEqual(after["preferences"][:2], ("Asia/Kathmandu", 9))
                    self.assertEqual(security.owner_snapshot(), self.before)

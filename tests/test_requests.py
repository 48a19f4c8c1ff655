"""Message requests (issue 15, part 5) through the Python API, on a plain ZODB and on
the Plone layer: the preference, the request box, accept, decline, block, groups,
notifications and what export and erasure say."""

from plone import api
from plonesocial import exc
from plonesocial.activitystream import api as activity
from plonesocial.messaging import api as messaging
from plonesocial.messaging.interfaces import IMessageRequests
from plonesocial.messaging.messaging import Inboxes
from plonesocial.messaging.requests import MessageRequests
from plonesocial.privacy.personal_data import erase_user_data
from plonesocial.privacy.personal_data import export_user_data
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient
from tests.test_views import ViewsTestCase
from zope.interface.verify import verifyObject

import transaction
import unittest


class TestRequestStore(unittest.TestCase):
    """The store's rules: screened first messages wait apart from the inbox."""

    def setUp(self):
        self.inboxes = Inboxes()

    def test_interfaces(self):
        verifyObject(IMessageRequests, MessageRequests("bob"))

    def test_screened_first_message_waits(self):
        self.inboxes.send("ann", "bob", "hello", screened=True)
        bob = self.inboxes["bob"]
        self.assertEqual(bob.new_messages_count, 0)
        self.assertEqual(len(bob), 0)
        self.assertEqual(len(bob.get_requests()), 1)
        # Further messages of the sender join the request, screened or not.
        self.inboxes.send("ann", "bob", "again")
        self.assertEqual(len(bob.get_requests().get("ann")), 2)
        self.assertEqual(bob.new_messages_count, 0)
        # The sender's copy is as always.
        self.assertEqual(len(self.inboxes["ann"]["bob"]), 2)
        self.inboxes.check_invariants()
        # Accepting: counted from now on.
        bob.adopt(bob.get_requests().pop("ann"))
        self.assertEqual(bob.new_messages_count, 2)
        self.assertEqual([c.username for c in bob.get_conversations()], ["ann"])
        self.assertEqual(len(bob.get_requests()), 0)
        self.inboxes.check_invariants()
        # An accepted conversation takes screened sends.
        self.inboxes.send("ann", "bob", "third", screened=True)
        self.assertEqual(bob.new_messages_count, 3)

    def test_existing_conversation_is_never_screened(self):
        self.inboxes.send("bob", "ann", "hi Ann")
        self.inboxes.send("ann", "bob", "hi Bob", screened=True)
        self.assertEqual(self.inboxes["bob"].new_messages_count, 1)
        self.assertIsNone(self.inboxes["bob"].get_requests())

    def test_writing_back_accepts(self):
        self.inboxes.send("ann", "bob", "hello", screened=True)
        self.inboxes.send("bob", "ann", "hello to you")
        bob = self.inboxes["bob"]
        self.assertEqual(len(bob.get_requests()), 0)
        self.assertEqual(len(bob["ann"]), 2)
        self.inboxes.check_invariants()

    def test_blocked_sender_cannot_request(self):
        self.inboxes.get_inbox("bob", create=True).block("ann")
        with self.assertRaises(exc.SenderBlocked):
            self.inboxes.send("ann", "bob", "hello", screened=True)
        self.assertIsNone(self.inboxes["bob"].get_requests())


class RequestsTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob", "cat", "dan", "eve", "boss"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        api.user.grant_roles(username="boss", roles=["Site Administrator"])

    def notified(self, userid):
        """The types of `userid`'s notifications, once the transaction committed
        (notifications are recorded before commit)."""
        transaction.commit()
        return [n.message_type for n in activity.get_notifications(userid)]


class TestPolicy(RequestsTestCase):
    def test_default_everyone(self):
        self.assertEqual(messaging.message_policy("bob"), "everyone")
        messaging.send(sender="ann", recipient="bob", text="hi")
        self.assertEqual(messaging.count_unread("bob"), 1)
        self.assertEqual(messaging.count_requests("bob"), 0)

    def test_site_default_from_registry(self):
        api.portal.set_registry_record("plonesocial.messaging.accept_messages_from", "nobody")
        self.assertEqual(messaging.message_policy("bob"), "nobody")
        messaging.send(sender="ann", recipient="bob", text="hi")
        self.assertEqual(messaging.count_requests("bob"), 1)
        messaging.set_message_policy("bob", "everyone")
        messaging.send(sender="cat", recipient="bob", text="hi")
        self.assertEqual(messaging.count_unread("bob"), 1)
        messaging.set_message_policy("bob", None)
        self.assertEqual(messaging.message_policy("bob"), "nobody")

    def test_invalid_policy(self):
        with self.assertRaises(exc.InvalidInput):
            messaging.set_message_policy("bob", "friends")
        self.assertIsNone(messaging.get_inbox("bob"))

    def test_following(self):
        messaging.set_message_policy("bob", "following")
        activity.follow("bob", "ann")
        messaging.send(sender="ann", recipient="bob", text="followed")
        messaging.send(sender="cat", recipient="bob", text="stranger")
        self.assertEqual(messaging.count_unread("bob"), 1)
        self.assertEqual([c.username for c in messaging.get_requests("bob")], ["cat"])
        self.assertEqual(self.notified("bob"), ["message"])  # ann's only
        # Who Bob has written to reaches him: the conversation is in his inbox.
        messaging.send(sender="bob", recipient="dan", text="hi Dan")
        messaging.send(sender="dan", recipient="bob", text="hi Bob")
        self.assertEqual(messaging.count_unread("bob"), 2)
        self.assertEqual(messaging.count_requests("bob"), 1)

    def test_administrators_always_arrive(self):
        messaging.set_message_policy("bob", "nobody")
        messaging.send(sender="boss", recipient="bob", text="from the admin")
        self.assertEqual(messaging.count_unread("bob"), 1)
        self.assertEqual(messaging.count_requests("bob"), 0)


class TestAcceptDecline(RequestsTestCase):
    def setUp(self):
        super().setUp()
        messaging.set_message_policy("bob", "nobody")
        self.first = messaging.send(sender="ann", recipient="bob", text="one")
        messaging.send(sender="ann", recipient="bob", text="two")

    def test_request_makes_no_notification(self):
        from plonesocial.delivery.outbox import create_outbox

        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        activity.set_preferences("bob", mail_mode="immediately")
        messaging.send(sender="ann", recipient="bob", text="three")
        transaction.commit()
        self.assertEqual(list(create_outbox(self.portal).for_recipient("bob")), [])
        self.assertEqual(messaging.count_unread("bob"), 0)
        self.assertEqual(self.notified("bob"), [])
        with self.assertRaises(exc.ConversationNotFound):
            messaging.get_conversation("bob", "ann")
        request = messaging.get_request("bob", "ann")
        self.assertEqual([m.text for m in request.get_messages()], ["one", "two", "three"])
        # Nobody sees Bob read it: no receipt for the sender.
        self.assertIsNone(messaging.seen_by_other("ann", "bob"))

    def test_accept(self):
        messaging.accept_request("bob", "ann")
        self.assertEqual(messaging.count_unread("bob"), 2)
        self.assertEqual(messaging.count_requests("bob"), 0)
        self.assertEqual(len(messaging.get_conversation("bob", "ann")), 2)
        messaging.send(sender="ann", recipient="bob", text="three")
        self.assertEqual(messaging.count_unread("bob"), 3)
        self.assertEqual(self.notified("bob"), ["message"])
        messaging.get_inboxes().check_invariants()
        with self.assertRaises(exc.RequestNotFound):
            messaging.accept_request("bob", "ann")

    def test_decline(self):
        messaging.decline_request("bob", "ann")
        self.assertEqual(messaging.count_requests("bob"), 0)
        self.assertFalse(messaging.is_blocked("bob", "ann"))
        # Ann is not told: her copy stays; her next message is a new request.
        self.assertEqual(len(messaging.get_conversation("ann", "bob")), 2)
        messaging.send(sender="ann", recipient="bob", text="three")
        self.assertEqual([m.text for m in messaging.get_request("bob", "ann").get_messages()],
                         ["three"])
        messaging.get_inboxes().check_invariants()

    def test_decline_and_block(self):
        messaging.decline_request("bob", "ann", block_sender=True)
        self.assertTrue(messaging.is_blocked("bob", "ann"))
        with self.assertRaises(exc.SenderBlocked):
            messaging.send(sender="ann", recipient="bob", text="let me in")
        self.assertEqual(messaging.count_requests("bob"), 0)

    def test_block_drops_waiting_request(self):
        messaging.block("bob", "ann")
        self.assertEqual(messaging.count_requests("bob"), 0)
        with self.assertRaises(exc.SenderBlocked):
            messaging.send(sender="ann", recipient="bob", text="again")

    def test_unknown_request(self):
        for call in (messaging.accept_request, messaging.decline_request,
                     messaging.get_request):
            with self.assertRaises(exc.RequestNotFound):
                call("bob", "cat")
        with self.assertRaises(exc.RequestNotFound):
            messaging.get_request("ann", "bob")  # Ann's copy is no request

    def test_export_and_erasure(self):
        exported = export_user_data("bob")
        self.assertEqual(exported["inbox"]["accept_messages_from"], "nobody")
        self.assertEqual([r["with"] for r in exported["inbox"]["requests"]], ["ann"])
        self.assertEqual([m["text"] for m in exported["inbox"]["requests"][0]["messages"]],
                         ["one", "two"])
        # Erasing the sender takes their unanswered requests with them.
        erase_user_data("ann")
        self.assertEqual(messaging.count_requests("bob"), 0)
        messaging.get_inboxes().check_invariants()


class TestGroupRequests(RequestsTestCase):
    """Being added to a group by someone one does not accept is a request too."""

    def setUp(self):
        super().setUp()
        messaging.set_message_policy("cat", "nobody")
        self.group = messaging.create_group("ann", ["bob", "cat"], "Trip")
        messaging.send_to_group("ann", self.group.id, "Hello all")

    def test_group_waits(self):
        self.assertEqual(messaging.count_requests("cat"), 1)
        self.assertEqual(messaging.count_unread("cat"), 0)
        self.assertEqual(messaging.count_unread("bob"), 2)  # created + hello
        self.assertEqual(messaging.list_conversations("cat", 10), [])
        self.assertEqual(messaging.get_requests("cat"), [self.group])
        self.assertEqual(self.notified("cat"), [])
        self.assertEqual(self.notified("bob"), ["message"])

    def test_accept(self):
        messaging.accept_group_request("cat", self.group.id)
        self.assertEqual(messaging.count_requests("cat"), 0)
        self.assertEqual(messaging.count_unread("cat"), 2)
        self.assertEqual([c for _k, c in messaging.list_conversations("cat", 10)],
                         [self.group])
        messaging.send_to_group("bob", self.group.id, "Welcome")
        self.assertEqual(self.notified("cat"), ["message"])

    def test_export(self):
        [exported] = export_user_data("cat")["groups"]
        self.assertEqual((exported["request"], exported["invited_by"]), (True, "ann"))
        [exported] = export_user_data("bob")["groups"]
        self.assertEqual(exported["request"], False)

    def test_decline_leaves_and_blocks(self):
        messaging.decline_group_request("cat", self.group.id, block_sender=True)
        self.assertFalse(self.group.is_participant("cat"))
        self.assertTrue(messaging.is_blocked("cat", "ann"))
        self.assertEqual(messaging.count_requests("cat"), 0)
        with self.assertRaises(exc.SenderBlocked):
            messaging.add_participants("ann", self.group.id, ["cat"])
        with self.assertRaises(exc.RequestNotFound):
            messaging.accept_group_request("cat", self.group.id)
        with self.assertRaises(exc.RequestNotFound):
            messaging.accept_group_request("bob", self.group.id)

    def test_writing_in_it_accepts(self):
        messaging.send_to_group("cat", self.group.id, "Hi all")
        self.assertEqual(messaging.count_requests("cat"), 0)
        self.assertEqual(len(messaging.list_conversations("cat", 10)), 1)

    def test_added_later_by_a_stranger(self):
        messaging.set_message_policy("dan", "following")
        messaging.add_participants("ann", self.group.id, ["dan"])
        self.assertEqual(messaging.count_requests("dan"), 1)
        activity.follow("eve", "ann")
        messaging.set_message_policy("eve", "following")
        messaging.add_participants("ann", self.group.id, ["eve"])
        self.assertEqual(messaging.count_requests("eve"), 0)


class TestGroupNotifications(RequestsTestCase):
    """Part B: a group send notifies the others, grouped per conversation."""

    def manager(self):
        return activity.get_manager()

    def test_small_group_notified_at_once(self):
        group = messaging.create_group("ann", ["bob", "cat"], "Trip")
        messaging.send_to_group("ann", group.id, "one")
        messaging.send_to_group("ann", group.id, "two")
        transaction.commit()
        bob = list(activity.get_notifications("bob"))
        self.assertEqual(len(bob), 1)  # grouped per conversation
        self.assertEqual(bob[0].owner.kind, "group")
        self.assertEqual(bob[0].count, 2)
        self.assertEqual(self.notified("ann"), [])
        from plonesocial.activitystream.rendering import render_subject
        from plonesocial.urls import notification_url

        self.assertEqual(render_subject(bob[0], "en"), "Ann wrote 2 messages in Trip")
        self.assertIn(f"@@group?id={group.id}", notification_url(bob[0]))
        self.assertEqual(activity.count_unseen("bob"), 2)  # each message counts
        messaging.open_group("bob", group.id)
        self.assertEqual(activity.count_unseen("bob"), 0)

    def test_mailed_by_preference_with_a_link_to_the_group(self):
        from plonesocial.delivery.mail import compose_notification
        from plonesocial.delivery.outbox import create_outbox

        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        activity.set_preferences("bob", mail_mode="immediately")
        activity.set_preferences("cat", mail_mode="never")
        group = messaging.create_group("ann", ["bob", "cat"], "Trip")
        messaging.send_to_group("ann", group.id, "Bring boots")
        transaction.commit()
        outbox = create_outbox(self.portal)
        self.assertEqual([e.kind for e in outbox.for_recipient("bob")], ["mail"])
        self.assertEqual(list(outbox.for_recipient("cat")), [])
        [notification] = list(activity.get_notifications("bob"))
        mail = compose_notification(notification, "bob@example.org", "en")
        self.assertIn("Ann wrote in Trip", mail["Subject"])
        text = mail.get_body(("plain",)).get_content()
        self.assertIn(f"@@group?id={group.id}", text)
        self.assertIn("Bring boots", text)

    def test_mute_and_block(self):
        group = messaging.create_group("ann", ["bob", "cat", "dan"])
        messaging.mute_group("bob", group.id)
        messaging.block("cat", "ann")
        messaging.send_to_group("ann", group.id, "hello")
        transaction.commit()
        self.assertEqual(self.notified("bob"), [])
        self.assertEqual(self.notified("cat"), [])
        self.assertEqual(self.notified("dan"), ["message"])
        from plonesocial.activitystream.rendering import render_subject

        self.assertEqual(render_subject(list(activity.get_notifications("dan"))[0], "en"),
                         "Ann wrote in a group conversation")

    def test_edit_and_unsend_follow_in_the_notification(self):
        """As for 1:1 messages: the notification quotes the newest message as it is
        now: the new text of an edit, nothing of an unsent message."""
        group = messaging.create_group("ann", ["bob", "cat"], "Trip")
        first = messaging.send_to_group("ann", group.id, "first")
        last = messaging.send_to_group("ann", group.id, "Helo all")
        transaction.commit()

        def bodies():
            transaction.commit()
            return [(n.recipient, n.body) for userid in ("ann", "bob", "cat")
                    for n in activity.get_notifications(userid)]

        self.assertEqual(bodies(), [("bob", "Helo all"), ("cat", "Helo all")])
        # An earlier message is not the one quoted: nothing changes.
        messaging.edit_group_message("ann", group.id, first.id, "first!")
        self.assertEqual(bodies(), [("bob", "Helo all"), ("cat", "Helo all")])
        messaging.edit_group_message("ann", group.id, last.id, "Hello all")
        self.assertEqual(bodies(), [("bob", "Hello all"), ("cat", "Hello all")])
        messaging.unsend_group_message("ann", group.id, last.id)
        self.assertEqual(bodies(), [("bob", ""), ("cat", "")])
        # Another group's notification about the same words is not touched.
        other = messaging.create_group("cat", ["bob", "ann"])
        messaging.send_to_group("cat", other.id, "same")
        again = messaging.send_to_group("ann", group.id, "same")
        transaction.commit()
        messaging.edit_group_message("ann", group.id, again.id, "changed")
        transaction.commit()
        bob = {n.owner.id: n.body for n in activity.get_notifications("bob")}
        self.assertEqual(bob, {group.id: "changed", other.id: "same"})

    def test_edit_reaches_the_queued_notifications(self):
        others = [f"user{n}" for n in range(5)]
        for userid in others:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        group = messaging.create_group("ann", others)
        sent = messaging.send_to_group("ann", group.id, "Meet at 5")
        transaction.commit()
        manager = self.manager()
        self.assertEqual(manager.queued(), len(others))  # not delivered yet
        messaging.edit_group_message("ann", group.id, sent.id, "Meet at 6")
        transaction.commit()
        manager.deliver_queued()
        transaction.commit()
        self.assertEqual({n.body for u in others for n in activity.get_notifications(u)},
                         {"Meet at 6"})

    def test_large_group_goes_through_the_queue(self):
        others = [f"user{n}" for n in range(8)]
        for userid in others:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        group = messaging.create_group("ann", others)
        messaging.mute_group("user7", group.id)
        messaging.send_to_group("ann", group.id, "to many")
        transaction.commit()
        manager = self.manager()
        # More than three others: none at once, all through the queue (one job).
        self.assertEqual([u for u in others if self.notified(u)], [])
        self.assertEqual(manager.queued(), len(others))
        manager.deliver_queued()
        self.assertEqual([u for u in others if self.notified(u)], others[:7])
        self.assertEqual(manager.queued(), 0)


class TestQueuedQuotes(unittest.TestCase):
    """An edited group message's quote in the fan-out queue: its own job only."""

    def test_only_the_groups_waiting_job_changes(self):
        from plonesocial.activitystream.activity import Reference
        from plonesocial.activitystream.fanout import FanoutQueue
        from plonesocial.clock import utcnow

        queue = FanoutQueue()
        group, other = Reference("group", "g1"), Reference("group", "g2")
        template = {"message_type": "message", "owner": group, "body": "old", "actor": "ann"}
        mine = queue.add(template, [("bob", ("addressed",))], utcnow())
        theirs = queue.add(dict(template, owner=other), [("bob", ("addressed",))], utcnow())
        queue.add_feed_post(object(), 5)  # a feed post quotes nothing
        queue.add_feed_slices(object(), [("f1", ("follower",))], utcnow(), size=10)
        self.assertEqual(queue.replace_body("message", group, "old", "new"), 1)
        self.assertEqual((mine.template["body"], theirs.template["body"]), ("new", "old"))
        self.assertEqual(queue.replace_body("message", group, "old", "newer"), 0)


class TestRest(RequestsTestCase):
    def setUp(self):
        super().setUp()
        messaging.set_message_policy("bob", "following")
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.ann, self.bob, self.cat = (RestClient(self.layer["app"], u)
                                        for u in ("ann", "bob", "cat"))

    def test_request_accept(self):
        sent = self.ann.post(f"{self.site}/@inbox/bob", {"text": "Hello <b>Bob</b>"})
        self.assertEqual(sent.status_int, 201)  # as any send: Ann is not told
        listing = self.bob.get(f"{self.site}/@inbox").json
        self.assertEqual((listing["items"], listing["new_messages_count"],
                          listing["requests_count"]), ([], 0, 1))
        requests = self.bob.get(f"{self.site}/@message-requests").json
        self.assertEqual(requests["items_total"], 1)
        [item] = requests["items"]
        self.assertEqual((item["kind"], item["userid"]), ("direct", "ann"))
        self.assertTrue(item["@id"].endswith("/plone/@message-requests/ann"))
        one = self.bob.get(item["@id"]).json
        self.assertEqual([m["content"] for m in one["messages"]], ["Hello <b>Bob</b>"])
        self.assertEqual(self.bob.get(f"{self.site}/@inbox/ann").status_int, 404)
        accepted = self.bob.post(item["@id"], {"action": "accept"})
        self.assertEqual(accepted.status_int, 200)
        self.assertEqual(accepted.json["new_messages_count"], 1)
        self.assertEqual(self.bob.get(f"{self.site}/@inbox").json["new_messages_count"], 1)
        self.assertEqual(self.bob.get(f"{self.site}/@message-requests").json["items_total"], 0)
        self.assertEqual(self.bob.post(item["@id"], {"action": "accept"}).status_int, 404)

    def test_decline_block_and_bad_input(self):
        self.ann.post(f"{self.site}/@inbox/bob", {"text": "Hi"})
        url = f"{self.site}/@message-requests/ann"
        for body in ({"action": "maybe"}, {}, {"action": "accept", "x": 1}):
            self.assertEqual(self.bob.post(url, body).status_int, 400)
        self.assertEqual(self.bob.post(url, {"action": "block"}).status_int, 204)
        self.assertEqual(self.bob.get(f"{self.site}/@blocks").json["items_total"], 1)
        refused = self.ann.post(f"{self.site}/@inbox/bob", {"text": "again"})
        self.assertEqual(refused.status_int, 400)  # SenderBlocked, as for any block
        self.assertEqual(self.bob.get(url).status_int, 404)

    def test_nobody_else_answers_my_requests(self):
        self.ann.post(f"{self.site}/@inbox/bob", {"text": "Hi"})
        url = f"{self.site}/@message-requests/ann"
        self.assertEqual(self.cat.get(url).status_int, 404)
        self.assertEqual(self.cat.post(url, {"action": "decline"}).status_int, 404)
        self.assertEqual(self.ann.get(f"{self.site}/@message-requests/bob").status_int, 404)
        self.assertEqual(self.bob.get(f"{self.site}/@message-requests/a/b/c").status_int, 404)
        transaction.begin()
        self.assertEqual(messaging.count_requests("bob"), 1)

    def test_group_request(self):
        group = self.ann.post(f"{self.site}/@conversations",
                              {"participants": ["bob", "cat"], "title": "Trip"}).json
        gid = group["@id"].rsplit("/", 1)[1]
        [item] = self.bob.get(f"{self.site}/@message-requests").json["items"]
        self.assertEqual(item["kind"], "group")
        self.assertTrue(item["@id"].endswith(f"/plone/@message-requests/groups/{gid}"))
        self.assertEqual(self.bob.get(f"{self.site}/@conversations").json["orderedItems"], [])
        self.assertEqual(self.cat.get(item["@id"]).status_int, 404)  # Cat accepts everyone
        self.assertEqual(self.bob.post(item["@id"], {"action": "accept"}).status_int, 200)
        self.assertEqual(len(self.bob.get(f"{self.site}/@conversations").json["orderedItems"]), 1)

    def test_settings(self):
        settings = self.bob.get(f"{self.site}/@messaging-settings").json
        self.assertEqual((settings["accept_messages_from"],
                          settings["accept_messages_from_effective"],
                          settings["accept_messages_from_default"]),
                         ("following", "following", "everyone"))
        changed = self.bob.patch(f"{self.site}/@messaging-settings",
                                 {"accept_messages_from": "nobody"}).json
        self.assertEqual(changed["accept_messages_from"], "nobody")
        self.assertEqual(self.bob.patch(f"{self.site}/@messaging-settings",
                                        {"accept_messages_from": "friends"}).status_int, 400)
        self.assertEqual(self.bob.patch(
            f"{self.site}/@messaging-settings",
            {"accept_messages_from": None, "hide_read_receipts": "x"}).status_int, 400)
        settings = self.bob.get(f"{self.site}/@messaging-settings").json
        self.assertEqual(settings["accept_messages_from"], "nobody")  # nothing kept of a 400
        reset = self.bob.patch(f"{self.site}/@messaging-settings",
                               {"accept_messages_from": None}).json
        self.assertEqual(reset["accept_messages_from_effective"], "everyone")


class TestControlPanel(ViewsTestCase):
    def test_site_default_in_the_messages_fieldset(self):
        from plone.app.testing import SITE_OWNER_NAME
        from plone.app.testing import SITE_OWNER_PASSWORD
        from plone.testing.zope import Browser

        admin = Browser(self.layer["app"])
        admin.handleErrors = False
        admin.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
        admin.open(f"{self.site}/@@plonesocial-controlpanel")
        control = admin.getControl("Accept messages from")
        self.assertIn("People I follow or have written to", control.displayOptions)
        self.assertEqual(control.displayValue, ["Everyone"])
        control.displayValue = ["People I follow or have written to"]
        admin.getControl("Save").click()
        transaction.begin()
        self.assertEqual(messaging.default_message_policy(), "following")
        self.assertEqual(messaging.message_policy("bob"), "following")


class TestPages(ViewsTestCase):
    def setUp(self):
        super().setUp()
        api.user.create(email="cat@example.org", username="cat", password="secret-password",
                        properties={"fullname": "Cat Cole"})
        transaction.commit()

    def test_preference_and_requests_tab(self):
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@messaging-settings")
        self.assertIn("People I follow or have written to", bob.contents)
        bob.getControl(name="accept_messages_from").value = ["nobody"]
        bob.getControl("Save").click()
        transaction.begin()
        self.assertEqual(messaging.message_policy("bob"), "nobody")
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@inbox")
        ann.getControl(name="recipient").value = "bob"
        ann.getControl(name="text").value = "Hi <script>x</script>"
        ann.getControl("Send").click()
        self.assertIn("Message sent.", ann.contents)  # Ann is not told
        bob.open(f"{self.site}/@@inbox")
        self.assertIn("No conversations yet", bob.contents)
        tab = bob.getLink(url="@@message-requests")
        self.assertIn("1", tab.text)
        tab.click()
        self.assertIn("Ann Ames", bob.contents)
        self.assertIn("Hi &lt;script&gt;x&lt;/script&gt;", bob.contents)
        bob.getControl("Accept").click()
        self.assertIn("@@conversation?with=ann", bob.url)
        transaction.begin()
        self.assertEqual(messaging.count_unread("bob"), 0)  # opened: read
        self.assertEqual(len(messaging.get_conversation("bob", "ann")), 1)

    def test_conversation_page_shows_a_waiting_request(self):
        """Opening the conversation with someone whose request waits for me shows
        the request (its messages, Accept, Decline, Block), not an empty page."""
        transaction.begin()
        messaging.set_message_policy("bob", "nobody")
        messaging.send(sender="ann", recipient="bob", text="About <the> trip")
        messaging.send(sender="cat", recipient="bob", text="Cat's other request")
        transaction.commit()
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@conversation?with=ann")
        self.assertIn("@@message-requests?with=ann", bob.url)
        self.assertIn("About &lt;the&gt; trip", bob.contents)
        self.assertNotIn("Cat's other request", bob.contents)  # that one request only
        self.assertTrue(bob.getLink("All requests").url.endswith("/@@message-requests"))
        bob.getControl("Accept").click()
        self.assertIn("@@conversation?with=ann", bob.url)
        self.assertIn("About &lt;the&gt; trip", bob.contents)
        transaction.begin()
        self.assertEqual(len(messaging.get_conversation("bob", "ann")), 1)
        self.assertEqual(messaging.count_requests("bob"), 1)
        # Answered, or never mine: the list of all requests; no request: the empty page.
        bob.open(f"{self.site}/@@message-requests?with=ann")
        self.assertIn("Cat's other request", bob.contents)
        self.assertNotIn("All requests", bob.contents)
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@conversation?with=cat")
        self.assertIn("@@conversation?with=cat", ann.url)
        # A group request is named by ?group=.
        transaction.begin()
        group = messaging.create_group("cat", ["bob", "ann"], "Cat's group")
        transaction.commit()
        bob.open(f"{self.site}/@@group?id={group.id}")  # the group's page: the request too
        self.assertIn(f"@@message-requests?group={group.id}", bob.url)
        self.assertIn("added you to this group", bob.contents)
        self.assertIn("All requests", bob.contents)
        self.assertNotIn("Cat's other request", bob.contents)

    def test_decline_and_block_on_the_page(self):
        transaction.begin()
        messaging.set_message_policy("bob", "nobody")
        messaging.send(sender="ann", recipient="bob", text="one")
        group = messaging.create_group("cat", ["bob", "ann"], "Cat's group")
        transaction.commit()
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@message-requests")
        self.assertIn("Cat's group", bob.contents)
        self.assertIn("added you to this group", bob.contents)
        bob.getForm(index=1).getControl("Decline and block").click()  # the group (newest)
        self.assertIn("the sender is blocked", bob.contents)
        bob.getControl(name="decline").click()
        self.assertIn("No message requests.", bob.contents)
        transaction.begin()
        self.assertTrue(messaging.is_blocked("bob", "cat"))
        self.assertFalse(messaging.is_blocked("bob", "ann"))
        self.assertFalse(group.is_participant("bob"))
        self.assertEqual(messaging.count_requests("bob"), 0)
        # Someone else's request is not found.
        ann = self.browser("ann")
        with self.assertRaises(Exception) as raised:
            ann.open(f"{self.site}/@@message-requests",
                     data=f"with=bob&decline=1&_authenticator={self.token('ann')}")
        self.assertIn("NotFound", repr(raised.exception))

    def token(self, userid):
        from plone.protect.authenticator import createToken

        with api.env.adopt_user(username=userid):
            return createToken()


class TestConcurrentRequests(unittest.TestCase):
    """8 strangers write first messages to one person at once on a real FileStorage,
    retrying conflicts as Zope does: every request kept, counters exact, few conflicts."""

    THREADS = 8
    SENDS = 15

    def test_concurrent_requests(self):
        from ZODB.FileStorage import FileStorage
        from ZODB.POSException import ConflictError

        import random
        import tempfile
        import threading
        import time
        import ZODB

        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        db = ZODB.DB(FileStorage(f"{tmp.name}/Data.fs"), pool_size=self.THREADS + 1)
        self.addCleanup(db.close)
        with db.transaction() as conn:
            conn.root.inboxes = Inboxes()
            conn.root.inboxes.get_inbox("vip", create=True).get_requests(create=True)
        conflicts, errors, lock = [], [], threading.Lock()
        barrier = threading.Barrier(self.THREADS)

        def work(index):
            tm = transaction.TransactionManager()
            conn = db.open(tm)
            sender = f"s{index}"
            try:
                barrier.wait()
                for n in range(self.SENDS):
                    for attempt in range(50):
                        try:
                            tm.begin()
                            conn.root.inboxes.send(sender, "vip", f"{sender} {n}", screened=True)
                            tm.commit()
                            break
                        except ConflictError:
                            tm.abort()
                            with lock:
                                conflicts.append(sender)
                            time.sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 6)))
                    else:
                        raise AssertionError("still conflicting after 50 attempts")
            except Exception as error:  # reported by the main thread
                errors.append(error)
            finally:
                conn.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(self.THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        with db.transaction() as conn:
            inboxes = conn.root.inboxes
            inboxes.check_invariants()
            vip = inboxes["vip"]
            self.assertEqual((len(vip), vip.new_messages_count), (0, 0))
            requests = vip.get_requests()
            self.assertEqual(len(requests), self.THREADS)
            self.assertEqual(sorted(len(c) for c in requests.get_conversations()),
                             [self.SENDS] * self.THREADS)
        # Sends by different people to one person share only resolvable structures.
        self.assertLess(len(conflicts), self.THREADS * self.SENDS / 4, conflicts)


class TestRequestsPage(RequestsTestCase):
    def test_files_and_removed_messages_are_told(self):
        """The UX walk: a stranger's first message of files only, or one they unsent,
        was an empty line on the requests page: nothing to decide by."""
        from plone.testing.zope import Browser
        from plonesocial.messaging.attachments import Upload

        messaging.set_message_policy("bob", "nobody")
        messaging.send("ann", "bob", "", attachments=[
            Upload("plan-v2.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")])
        gone = messaging.send("ann", "bob", "Oops, wrong person")
        messaging.unsend_message("ann", "bob", gone.id)
        transaction.commit()
        bob = Browser(self.layer["app"])
        bob.handleErrors = False
        bob.addHeader("Authorization", "Basic bob:secret-password")
        bob.open(f"{self.portal.absolute_url()}/@@message-requests")
        self.assertIn("Attached: plan-v2.pdf", bob.contents)
        self.assertIn("Message removed", bob.contents)
        self.assertNotIn("Oops", bob.contents)
        self.assertNotIn("@@message-attachment", bob.contents)  # names only, no files

    def test_unsend_and_edit_reach_a_waiting_request(self):
        """The UX walk: "Unsend" (for everyone) left the text in the recipient's waiting
        request, and accepting it brought the unsent text into the inbox; an edit was
        not seen there either."""
        messaging.set_message_policy("bob", "nobody")
        gone = messaging.send("ann", "bob", "Oops, wrong person")
        changed = messaging.send("ann", "bob", "Meet at 10")
        messaging.unsend_message("ann", "bob", gone.id)
        messaging.edit_message("ann", "bob", changed.id, "Meet at 11")
        waiting = [m for m in messaging.get_request("bob", "ann").get_messages()]
        self.assertEqual([(m.unsent, m.text) for m in waiting],
                         [(True, ""), (False, "Meet at 11")])
        self.assertEqual(self.notified("bob"), [])  # a request still tells nobody
        messaging.accept_request("bob", "ann")
        texts = [m.text for m in messaging.get_conversation("bob", "ann").get_messages()]
        self.assertNotIn("Oops, wrong person", texts)
        self.assertIn("Meet at 11", texts)

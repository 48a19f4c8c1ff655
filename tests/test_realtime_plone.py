"""Realtime on a Plone site with a real RabbitMQ: what is published, when, and to whom.

Events leave only after a successful commit, each once; an aborted transaction
publishes nothing; a broker that is down or hangs never fails the user's write.
Without RabbitMQ on 127.0.0.1:5672 these skip, except under CI=true.
"""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.realtime import tickets
from plonesocial.realtime.publisher import pending
from plonesocial.realtime.publisher import SENDER
from plonesocial.realtime.routing import BROADCAST
from plonesocial.realtime.routing import stream_key
from plonesocial.realtime.routing import user_key
from plonesocial.realtime.settings import get_settings
from plonesocial.realtime.settings import rotate_secret
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import profile_version
from tests.realtime import BROKER_URL
from tests.realtime import BrokerTap
from tests.realtime import delete_exchange
from tests.realtime import exchange_name
from tests.realtime import require_broker
from tests.rest import RestClient
from zope.component import getUtility

import logging
import socket
import threading
import transaction
import unittest


class RealtimeSite(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        self.settings = get_settings()
        self.settings.enabled = True
        self.settings.gateway_url = "ws://localhost:8090"
        transaction.commit()

    def inboxes(self):
        return getUtility(IMessagingLocator).get_inboxes()

    def manager(self):
        return getUtility(IActivityLocator).get_manager()


class TestPublishAfterCommit(RealtimeSite):
    def setUp(self):
        require_broker(self)
        super().setUp()
        self.exchange = exchange_name()
        self.addCleanup(delete_exchange, self.exchange)
        self.settings.broker_url = BROKER_URL
        self.settings.exchange = self.exchange
        transaction.commit()
        self.tap = BrokerTap(self.exchange, [user_key("ann"), user_key("bob"), BROADCAST,
                                             "stream.*"])
        self.addCleanup(self.tap.close)

    def published(self):
        self.assertTrue(SENDER.flush(10))
        return self.tap.drain(0.3)

    def test_an_aborted_transaction_publishes_nothing(self):
        self.inboxes().send("ann", "bob", "Never sent")
        self.manager().broadcast("Never said")
        transaction.abort()
        self.assertEqual(self.published(), [])

    def test_a_committed_send_publishes_once_to_both_parties(self):
        sender_copy = self.inboxes().send("ann", "bob", "Lunch? " + "x" * 300)
        transaction.commit()
        events = self.published()
        messages = {key: event for key, event in events if event["type"] == "message"}
        self.assertEqual(len([e for _k, e in events if e["type"] == "message"]), 2)
        bobs = messages[user_key("bob")]
        recipient_copy = self.inboxes()["bob"]["ann"].get(bobs["id"])
        self.assertEqual(recipient_copy.text, sender_copy.text)
        self.assertEqual((bobs["conversation"], bobs["sender"], bobs["unread"]),
                         ("ann", "ann", 1))
        self.assertEqual(bobs["excerpt"], ("Lunch? " + "x" * 300)[:140])
        anns = messages[user_key("ann")]
        self.assertEqual((anns["id"], anns["conversation"], anns["unread"]),
                         (sender_copy.id, "bob", 0))
        self.assertIn("committed_at", bobs)
        # Bob's notification about it, with his new badge count.
        notifications = [e for k, e in events if e["type"] == "notification"]
        self.assertEqual([(n["count"]) for n in notifications], [1])
        page = self.manager().get_by_recipient("bob").limit(1).all()
        self.assertEqual(notifications[0]["id"], page[0].id)
        # Committing again publishes nothing more.
        transaction.commit()
        self.assertEqual(self.published(), [])

    def test_a_message_request_publishes_to_its_sender_only(self):
        """Issue 15: a request shows the recipient no badge and no message until accepted."""
        self.inboxes().send("ann", "bob", "May I?", screened=True)
        transaction.commit()
        events = self.published()
        self.assertEqual([(key, e["type"]) for key, e in events],
                         [(user_key("ann"), "message")])

    def test_a_failing_transaction_publishes_nothing(self):
        self.inboxes().send("ann", "bob", "Doomed")
        transaction.get().join(FailingDataManager())
        with self.assertRaises(RuntimeError):
            transaction.commit()
        transaction.abort()
        self.assertEqual(self.published(), [])

    def test_read_receipt(self):
        self.inboxes().send("ann", "bob", "Hi")
        transaction.commit()
        self.published()
        self.inboxes()["bob"]["ann"].mark_read()
        transaction.commit()
        reads = {key: event for key, event in self.published() if event["type"] == "read"}
        self.assertEqual(reads[user_key("bob")]["unread"], 0)
        self.assertEqual(reads[user_key("ann")]["reader"], "bob")
        self.assertEqual(reads[user_key("ann")]["id"],
                         next(self.inboxes()["ann"]["bob"].get_messages()).id)
        # Nothing new to read: no marker moved, no receipt.
        self.inboxes()["bob"]["ann"].mark_read()
        transaction.commit()
        self.assertEqual(self.published(), [])

    def test_edit_and_unsend_reach_both_open_pages(self):
        """Issue 15: a message_changed event to both parties."""
        from plonesocial.messaging import api as messaging

        sent = messaging.send("ann", "bob", "Helo")
        transaction.commit()
        self.published()
        messaging.edit_message("ann", "bob", sent.id, "Hello")
        transaction.commit()
        changed = {key: e for key, e in self.published() if e["type"] == "message_changed"}
        self.assertEqual(set(changed), {user_key("ann"), user_key("bob")})
        bobs = changed[user_key("bob")]
        self.assertEqual((bobs["conversation"], bobs["change"], bobs["excerpt"], bobs["id"]),
                         ("ann", "edited", "Hello", sent.id))
        self.assertIsNotNone(bobs["edited"])
        messaging.unsend_message("ann", "bob", sent.id)
        transaction.commit()
        changed = {key: e for key, e in self.published() if e["type"] == "message_changed"}
        self.assertEqual([(e["change"], e["excerpt"]) for e in changed.values()],
                         [("unsent", ""), ("unsent", "")])

    def test_group_message_edit_and_unsend_reach_the_group(self):
        """Issue 15: a group's message, edit and unsend go to its participants'
        pages; muted, departed and pending (request) members hear nothing."""
        from plonesocial.messaging import api as messaging

        others = ("bob", "cat", "dan", "eve")
        for userid in others[1:]:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        messaging.set_message_policy("eve", "nobody")  # the group waits in her requests
        group = messaging.create_group("ann", list(others), "Trip")
        messaging.mute_group("cat", group.id)
        messaging.leave_group("dan", group.id)
        messaging.mark_group_read("bob", group.id)  # the system messages read
        transaction.commit()
        tap = BrokerTap(self.exchange, [user_key(u) for u in others[1:]])
        self.addCleanup(tap.close)
        self.published()
        sent = messaging.send_to_group("ann", group.id, "Trip at 9 " + "x" * 300)
        transaction.commit()
        self.assertTrue(SENDER.flush(10))
        events = [(key, e) for key, e in self.tap.drain(0.3) + tap.drain(0.3)
                  if e["type"] == "group_message"]
        self.assertEqual(sorted(key for key, _e in events), [user_key("ann"), user_key("bob")])
        bobs = dict(events)[user_key("bob")]
        self.assertEqual((bobs["id"], bobs["group"], bobs["title"], bobs["sender"],
                          bobs["excerpt"], bobs["conversation_unread"], bobs["unread"]),
                         (sent.id, group.id, "Trip", "ann", ("Trip at 9 " + "x" * 300)[:140],
                          1, 1))
        self.assertEqual(dict(events)[user_key("ann")]["conversation_unread"], 0)
        messaging.edit_group_message("ann", group.id, sent.id, "Trip at 10")
        transaction.commit()
        self.assertTrue(SENDER.flush(10))
        changed = [(key, e) for key, e in self.tap.drain(0.3) + tap.drain(0.3)
                   if e["type"] == "message_changed"]
        # Cat muted the group: she still sees her open page change; Dan and Eve do not.
        self.assertEqual(sorted(key for key, _e in changed),
                         [user_key("ann"), user_key("bob"), user_key("cat")])
        self.assertEqual({(e["group"], e["id"], e["change"], e["excerpt"]) for _k, e in changed},
                         {(group.id, sent.id, "edited", "Trip at 10")})
        messaging.unsend_group_message("ann", group.id, sent.id)
        transaction.commit()
        self.assertTrue(SENDER.flush(10))
        changed = [e for _k, e in self.tap.drain(0.3) + tap.drain(0.3)
                   if e["type"] == "message_changed"]
        self.assertEqual([(e["change"], e["excerpt"]) for e in changed], [("unsent", "")] * 3)
        # Eve accepts: from then on she hears of the group's messages.
        messaging.accept_group_request("eve", group.id)
        messaging.send_to_group("bob", group.id, "Welcome")
        transaction.commit()
        self.assertTrue(SENDER.flush(10))
        heard = sorted(key for key, e in self.tap.drain(0.3) + tap.drain(0.3)
                       if e["type"] == "group_message")
        self.assertEqual(heard, [user_key(u) for u in ("ann", "bob", "eve")])
        # Eve reads the group: her other pages get her count, nobody else hears of it.
        messaging.set_message_policy("eve", "everyone")
        messaging.send("ann", "eve", "And a direct one")
        messaging.open_group("eve", group.id)
        transaction.commit()
        self.assertTrue(SENDER.flush(10))
        reads = [(key, e) for key, e in self.tap.drain(0.3) + tap.drain(0.3)
                 if e["type"] == "group_read"]
        self.assertEqual([(key, e["group"], e["reader"], e["unread"]) for key, e in reads],
                         [(user_key("eve"), group.id, "eve", 1)])

    def test_broadcast(self):
        notification = self.manager().broadcast("Maintenance at noon")
        transaction.commit()
        [(key, event)] = self.published()
        self.assertEqual(key, BROADCAST)
        self.assertIsInstance(event.pop("committed_at"), float)
        self.assertEqual(event, {"type": "broadcast", "id": notification.id,
                                 "subject": "Maintenance at noon", "body": ""})

    def test_new_content_signals_its_streams_without_content(self):
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        folder = api.content.create(self.portal, "Folder", "team", title="Team")
        transaction.commit()
        self.published()
        page = api.content.create(folder, "Document", "secret-plan", title="Secret plan")
        transaction.commit()
        streams = {key: event for key, event in self.published() if event["type"] == "stream"}
        self.assertIn(stream_key("site"), streams)
        self.assertIn(stream_key(page.UID()), streams)
        self.assertIn(stream_key(folder.UID()), streams)
        for event in streams.values():
            self.assertEqual(set(event), {"type", "stream", "id", "committed_at"})
            self.assertNotIn("Secret", repr(event))


class TestBroadcastService(RealtimeSite):
    """POST @broadcasts: administrators tell every connected page at once."""

    def setUp(self):
        require_broker(self)
        super().setUp()
        self.exchange = exchange_name()
        self.addCleanup(delete_exchange, self.exchange)
        self.settings.broker_url = BROKER_URL
        self.settings.exchange = self.exchange
        api.user.create(email="sadie@example.org", username="sadie", password="secret-password")
        api.user.grant_roles(username="sadie", roles=["Site Administrator"])
        transaction.commit()
        self.tap = BrokerTap(self.exchange, [BROADCAST])
        self.addCleanup(self.tap.close)
        self.url = self.portal.absolute_url() + "/@broadcasts"

    def test_administrator_broadcasts_members_may_not(self):
        member = RestClient(self.layer["app"], "ann").post(self.url, json={"subject": "Hi"})
        self.assertIn(member.status_int, (401, 403))
        sadie = RestClient(self.layer["app"], "sadie")
        for bad in ({}, {"subject": " "}, {"subject": "x" * 201}, {"subject": "a", "body": 1},
                    {"subject": "a", "to": "bob"}):
            self.assertEqual(sadie.post(self.url, json=bad).status_int, 400, bad)
        self.assertTrue(SENDER.flush(10))
        self.assertEqual(self.tap.drain(0.3), [])
        response = sadie.post(self.url, json={"subject": "Fire drill at 3", "body": "Stairs B"})
        self.assertEqual(response.status_int, 201, response.body)
        self.assertTrue(SENDER.flush(10))
        [(key, event)] = self.tap.drain(0.5)
        self.assertEqual((event["type"], event["id"], event["subject"], event["body"]),
                         ("broadcast", response.json["id"], "Fire drill at 3", "Stairs B"))
        # Stored once, in everybody's notifications.
        page = RestClient(self.layer["app"], "bob").get(
            self.portal.absolute_url() + "/@notifications").json
        self.assertEqual(page["orderedItems"][0]["subject"], "Fire drill at 3")
        self.assertTrue(page["orderedItems"][0]["broadcast"])


class FailingDataManager:
    """A resource whose vote fails: the transaction aborts after the hooks ran."""

    transaction_manager = transaction.manager

    def abort(self, txn):
        pass

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        raise RuntimeError("the storage refused")

    def tpc_finish(self, txn):
        pass

    def tpc_abort(self, txn):
        pass

    def sortKey(self):
        return "~rt_failing"


class HangingBroker:
    """A TCP server that accepts and never answers: a broker that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)
        for conn in self.accepted:
            conn.close()


class TestBrokerDown(RealtimeSite):
    def send_with_broker(self, url):
        self.settings.broker_url = url
        self.settings.exchange = exchange_name()
        transaction.commit()
        failed = SENDER.failed
        with self.assertLogs("plonesocial", logging.WARNING) as logs:
            self.inboxes().send("ann", "bob", "Still delivered")
            transaction.commit()  # no exception
            busy = not SENDER.flush(0)
            self.assertTrue(SENDER.flush(10))
        transaction.begin()
        self.assertEqual(self.inboxes()["bob"]["ann"].new_messages_count, 1)
        self.assertGreater(SENDER.failed, failed)
        self.assertIn("not published", "\n".join(logs.output))
        return busy

    def test_refused_broker_does_not_fail_the_send(self):
        port = socket.socket()
        port.bind(("127.0.0.1", 0))
        url = f"amqp://guest:guest@127.0.0.1:{port.getsockname()[1]}/%2F"
        port.close()
        self.send_with_broker(url)

    def test_hanging_broker_does_not_hold_the_request(self):
        broker = HangingBroker()
        self.addCleanup(broker.close)
        # The commit returned while the sender thread still waited on the
        # broker: the request never waits on it.
        busy = self.send_with_broker(f"amqp://guest:guest@127.0.0.1:{broker.port}/%2F")
        self.assertTrue(busy)

    def test_disabled_publishes_nothing(self):
        self.settings.enabled = False
        self.settings.broker_url = "amqp://guest:guest@127.0.0.1:1/%2F"
        transaction.commit()
        failed, sent = SENDER.failed, SENDER.sent
        self.inboxes().send("ann", "bob", "Quiet")
        transaction.commit()
        self.assertTrue(SENDER.flush(10))
        self.assertEqual((SENDER.failed, SENDER.sent), (failed, sent))


class TestTicketService(RealtimeSite):
    def setUp(self):
        super().setUp()
        self.url = self.portal.absolute_url() + "/@realtime-ticket"
        self.ann = RestClient(self.layer["app"], "ann")

    def test_ticket_for_the_authenticated_user(self):
        response = self.ann.post(self.url, json={"streams": ["site"]})
        self.assertEqual(response.status_int, 200, response.body)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertEqual(response.json["gateway_url"], "ws://localhost:8090")
        transaction.begin()
        payload = tickets.verify([get_settings().secret], response.json["ticket"])
        self.assertEqual(payload["u"], "ann")
        self.assertEqual(payload["s"], ["site"])
        self.assertEqual(payload["o"], ["http://nohost"])
        self.assertLessEqual(payload["e"] - tickets.time.time(), 60)

    def test_streams_only_of_content_one_may_view(self):
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        private = api.content.create(self.portal, "Document", "private", title="Private")
        transaction.commit()
        response = self.ann.post(self.url, json={"streams": [private.UID()]})
        self.assertEqual(response.status_int, 400)
        self.assertIn("you may view", response.json["message"])
        api.content.transition(private, "publish")
        transaction.commit()
        self.assertEqual(self.ann.post(self.url, json={"streams": [private.UID()]}).status_int,
                         200)
        for bad in ({"streams": "site"}, {"streams": [1]}, {"streams": ["site"] * 11}):
            self.assertEqual(self.ann.post(self.url, json=bad).status_int, 400, bad)

    def test_disabled_or_anonymous(self):
        self.assertEqual(RestClient(self.layer["app"]).post(self.url).status_int, 401)
        self.settings.enabled = False
        transaction.commit()
        self.assertEqual(self.ann.post(self.url).status_int, 404)

    def test_secret_generated_at_install_and_rotated(self):
        first = self.settings.secret
        self.assertGreaterEqual(len(first), 40)
        second = rotate_secret()
        self.assertNotEqual(first, second)
        self.assertEqual((self.settings.secret, self.settings.previous_secret),
                         (second, first))


class TestUpgrade(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def test_1006_to_1007(self):
        setup = api.portal.get_tool("portal_setup")
        registry = api.portal.get_tool("portal_registry")
        for name in list(registry.records.keys()):
            if name.startswith("plonesocial.realtime."):
                del registry.records[name]
        self.assertIsNone(get_settings())
        # Not upgraded yet: sends work, and publish nothing.
        getUtility(IMessagingLocator).get_inboxes().send("ann", "bob", "Before the upgrade")
        self.assertEqual(pending(), [])
        setup.setLastVersionForProfile("plonesocial:default", "1006")
        [step] = [s for s in setup.listUpgrades("plonesocial:default") if s["source"] == ("1006",)]
        self.assertEqual(step["dest"], ("1007",))
        setup.upgradeProfile("plonesocial:default")
        self.assertEqual(setup.getLastVersionForProfile("plonesocial:default"), (profile_version(),))
        settings = get_settings()
        self.assertFalse(settings.enabled)
        self.assertGreaterEqual(len(settings.secret), 40)
        # Running it again keeps the secret the gateways have.
        secret = settings.secret
        setup.setLastVersionForProfile("plonesocial:default", "1006")
        setup.upgradeProfile("plonesocial:default")
        self.assertEqual(get_settings().secret, secret)

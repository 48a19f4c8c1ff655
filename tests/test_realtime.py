"""The realtime gateway with a real RabbitMQ: tickets, origins, caps, routing, typing.

The gateway runs as its own process (``python -m plonesocial.realtime.gateway``);
clients are real WebSockets; Zope's side is the real publisher (pika).
Without RabbitMQ on 127.0.0.1:5672 the broker tests skip, except under CI=true.
"""

from plonesocial.realtime import routing
from plonesocial.realtime import tickets
from plonesocial.realtime.publisher import Config
from plonesocial.realtime.publisher import SENDER
from tests.realtime import BROKER_URL
from tests.realtime import connect
from tests.realtime import delete_exchange
from tests.realtime import exchange_name
from tests.realtime import GatewayProcess
from tests.realtime import receive_all
from tests.realtime import require_broker
from websockets.exceptions import ConnectionClosed

import json
import time
import unittest
import urllib.request


class TestTickets(unittest.TestCase):
    def test_round_trip(self):
        secret = tickets.new_secret()
        ticket = tickets.issue(secret, "ann", origins=["http://a.example"], streams=["site"])
        payload = tickets.verify([secret], ticket)
        self.assertEqual(payload["u"], "ann")
        self.assertEqual(payload["o"], ["http://a.example"])
        self.assertEqual(payload["s"], ["site"])
        self.assertLessEqual(payload["e"] - time.time(), tickets.DEFAULT_TTL)

    def test_forged_expired_other_secret(self):
        secret = tickets.new_secret()
        ticket = tickets.issue(secret, "ann")
        body, signature = ticket.split(".")
        # Another user's id with Ann's signature.
        forged = tickets.issue("not the secret", "bob").split(".")[0] + "." + signature
        for bad in (forged, body + ".x", "garbage", "", body):
            with self.assertRaises(tickets.TicketError):
                tickets.verify([secret], bad)
        with self.assertRaises(tickets.TicketError):
            tickets.verify([tickets.new_secret()], ticket)
        old = tickets.issue(secret, "ann", ttl=10, now=time.time() - 11)
        with self.assertRaisesRegex(tickets.TicketError, "expired"):
            tickets.verify([secret], old)

    def test_rotation_accepts_the_previous_secret(self):
        old, new = tickets.new_secret(), tickets.new_secret()
        ticket = tickets.issue(old, "ann")
        self.assertEqual(tickets.verify([new, old], ticket)["u"], "ann")

    def test_ttl_is_capped(self):
        secret = tickets.new_secret()
        payload = tickets.verify([secret], tickets.issue(secret, "ann", ttl=3600))
        self.assertLessEqual(payload["e"] - time.time(), tickets.MAX_TTL)


class TestEvents(unittest.TestCase):
    """The events realtime listens to, as the stores fire them (a plain ZODB-less setup)."""

    def test_events_provide_their_interfaces(self):
        from plonesocial.activitystream.events import ActivityCreatedEvent
        from plonesocial.activitystream.events import BroadcastEvent
        from plonesocial.activitystream.interfaces import IActivityCreatedEvent
        from plonesocial.activitystream.interfaces import IBroadcastEvent
        from plonesocial.activitystream.manager import ActivityManager
        from plonesocial.messaging.events import ConversationReadEvent
        from plonesocial.messaging.interfaces import IConversationReadEvent
        from plonesocial.messaging.messaging import Inboxes
        from zope.component import getGlobalSiteManager
        from zope.interface.verify import verifyObject

        import zope.component.event  # noqa: F401 (zope.event dispatches to handlers)

        fired = []
        handler = fired.append
        manager = getGlobalSiteManager()
        for interface in (IConversationReadEvent, IActivityCreatedEvent, IBroadcastEvent):
            manager.registerHandler(handler, (interface,))
            self.addCleanup(manager.unregisterHandler, handler, (interface,))
        inboxes = Inboxes()
        inboxes.send("ann", "bob", "Hi")
        conversation = inboxes["bob"]["ann"]
        conversation.mark_read()
        conversation.mark_read()  # the marker did not move: an event, not a moved one
        am = ActivityManager()
        activity = am.create("ann", "Like", ("user", "bob"))
        notification = am.broadcast("Hello all")
        self.assertEqual([type(e) for e in fired],
                         [ConversationReadEvent, ConversationReadEvent, ActivityCreatedEvent,
                          BroadcastEvent])
        read, again, created, broadcast = fired
        self.assertTrue(verifyObject(IConversationReadEvent, read))
        self.assertEqual((read.object, read.owner, read.username), (conversation, "bob", "ann"))
        # Only a moved marker makes a read receipt (realtime.subscribers.conversation_read).
        self.assertEqual((read.moved, again.moved), (True, False))
        self.assertTrue(verifyObject(IActivityCreatedEvent, created))
        self.assertEqual((created.object, created.streams), (activity, ()))
        self.assertTrue(verifyObject(IBroadcastEvent, broadcast))
        self.assertIs(broadcast.object, notification)


class TestRouting(unittest.TestCase):
    def test_no_userid_escapes_its_key(self):
        for userid in ("ann", "a.b", "a*", "#", "x.#", "é ü", "a%2Eb"):
            key = routing.user_key(userid)
            self.assertEqual(key.count("."), 1, key)
            self.assertNotIn("*", key)
            self.assertNotIn("#", key)
            self.assertEqual(routing.parse(key), ("user", userid))
        self.assertNotEqual(routing.user_key("a.b"), routing.user_key("a%2Eb"))
        self.assertEqual(routing.parse("broadcast"), ("broadcast", None))
        with self.assertRaises(ValueError):
            routing.parse("user.a.b")


class GatewayTestCase(unittest.TestCase):
    broker = True

    def setUp(self):
        if self.broker:
            require_broker(self)
            self.exchange = exchange_name()
            self.addCleanup(delete_exchange, self.exchange)
            self.gateway = GatewayProcess(BROKER_URL, self.exchange)
        else:
            self.gateway = GatewayProcess()
        self.gateway.start()
        self.addCleanup(self.gateway.stop)

    def open(self, userid, **kw):
        websocket = connect(self.gateway, self.gateway.ticket(userid, **kw))
        self.addCleanup(websocket.close)
        hello = json.loads(websocket.recv(timeout=5))
        self.assertEqual(hello, {"type": "hello", "userid": userid})
        return websocket

    def refused_code(self, ticket, origin="http://localhost"):
        websocket = connect(self.gateway, ticket, origin=origin)
        with self.assertRaises(ConnectionClosed) as caught:
            websocket.recv(timeout=5)
        return caught.exception.rcvd.code

    def config(self):
        if self.broker:
            return Config(BROKER_URL, self.exchange, "", "")
        return Config("", "", f"{self.gateway.url}/publish", self.gateway.secret)

    def publish(self, messages):
        """Publish as Zope does after a commit, and wait for the sender thread."""
        SENDER.submit(self.config(), messages)
        self.assertTrue(SENDER.flush(10))


class TestGatewayAuth(GatewayTestCase):
    def test_valid_ticket_connects(self):
        self.open("ann")
        self.assertEqual(self.gateway.stats()["connections"], 1)

    def test_forged_expired_reused_and_other_users_tickets_are_refused(self):
        good = self.gateway.ticket("ann")
        body, signature = good.split(".")
        bob_body = self.gateway.ticket("bob").split(".")[0]
        other_secret = tickets.issue(tickets.new_secret(), "ann", origins=["http://localhost"])
        expired = self.gateway.ticket("ann", ttl=5, now=time.time() - 6)
        for bad in (bob_body + "." + signature, other_secret, expired, "nonsense", ""):
            self.assertEqual(self.refused_code(bad), 4401, bad)
        self.open_with(good)
        # A ticket opens one connection: a copied one is useless.
        self.assertEqual(self.refused_code(good), 4401)
        self.assertEqual(self.gateway.stats()["connections"], 1)

    def open_with(self, ticket):
        websocket = connect(self.gateway, ticket)
        self.addCleanup(websocket.close)
        self.assertEqual(json.loads(websocket.recv(timeout=5))["type"], "hello")

    def test_origin_is_checked(self):
        ticket = self.gateway.ticket("ann", origins=["https://intranet.example"])
        self.assertEqual(self.refused_code(ticket, origin="https://evil.example"), 4401)
        self.assertEqual(self.refused_code(self.gateway.ticket("ann"), origin=None), 4401)
        websocket = connect(self.gateway, self.gateway.ticket(
            "ann", origins=["https://intranet.example"]), origin="https://intranet.example")
        self.addCleanup(websocket.close)
        self.assertEqual(json.loads(websocket.recv(timeout=5))["type"], "hello")

    def test_connections_per_user_are_capped(self):
        self.open("ann", cap=2)
        self.open("ann", cap=2)
        self.assertEqual(self.refused_code(self.gateway.ticket("ann", cap=2)), 4429)
        self.open("bob", cap=2)  # the cap is per user

    def test_sse_refuses_a_bad_ticket_and_streams_with_a_good_one(self):
        request = urllib.request.Request(f"{self.gateway.url}/sse?ticket=forged.ticket")
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        self.assertEqual(caught.exception.code, 401)
        ticket = self.gateway.ticket("ann")
        request = urllib.request.Request(f"{self.gateway.url}/sse?ticket={ticket}",
                                         headers={"Origin": "http://localhost"})
        with urllib.request.urlopen(request, timeout=5) as response:
            self.assertEqual(response.headers["Content-Type"].split(";")[0],
                             "text/event-stream")
            self.assertEqual(response.headers["Access-Control-Allow-Origin"],
                             "http://localhost")
            hello = json.loads(response.readline().decode()[len("data: "):])
            self.assertEqual(hello["type"], "hello")
            response.readline()
            self.publish([(routing.user_key("ann"), {"type": "notification", "id": 7,
                                                     "count": 1})])
            event = json.loads(response.readline().decode()[len("data: "):])
            self.assertEqual(event["id"], 7)


class TestGatewayRouting(GatewayTestCase):
    def test_three_users_each_receive_only_their_own_events(self):
        people = ("ann", "bob", "carol")
        sockets = {userid: self.open(userid) for userid in people}
        self.publish([(routing.user_key(userid), {"type": "notification", "id": n,
                                                  "count": n, "for": userid})
                      for n, userid in enumerate(people * 3)])
        for userid, websocket in sockets.items():
            received = receive_all(websocket, 1.0)
            self.assertEqual(len(received), 3, (userid, received))
            self.assertEqual({event["for"] for event in received}, {userid})
            self.assertTrue(all("committed_at" not in e or e for e in received))

    def test_broadcast_reaches_everyone_streams_only_their_followers(self):
        ann = self.open("ann", streams=["site"])
        bob = self.open("bob")
        self.publish([(routing.BROADCAST, {"type": "broadcast", "id": 1, "subject": "Hi"}),
                      (routing.stream_key("site"), {"type": "stream", "stream": "site",
                                                    "id": 2})])
        self.assertEqual([e["type"] for e in receive_all(ann)], ["broadcast", "stream"])
        self.assertEqual([e["type"] for e in receive_all(bob)], ["broadcast"])

    def test_typing_goes_to_the_peer_only_and_is_rate_limited(self):
        ann = self.open("ann")
        bob = self.open("bob")
        carol = self.open("carol")
        for _ in range(3):
            ann.send(json.dumps({"type": "typing", "to": "bob"}))
        ann.send(json.dumps({"type": "typing", "to": "ann"}))  # oneself: ignored
        ann.send("not json")
        received = receive_all(bob, 1.0)
        self.assertEqual(received, [{"type": "typing", "from": "ann",
                                     "conversation": "ann", "id": None}])
        self.assertEqual(receive_all(carol, 0.2), [])
        self.assertEqual(receive_all(ann, 0.2), [])

    def test_a_user_without_connections_is_unbound(self):
        ann = self.open("ann")
        ann.close()
        deadline = time.monotonic() + 5
        while self.gateway.stats()["users"] and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.gateway.stats()["users"], 0)
        bob = self.open("bob")
        self.publish([(routing.user_key("ann"), {"type": "notification", "id": 1})])
        self.assertEqual(receive_all(bob, 0.5), [])


class TestGatewayWithoutBroker(GatewayTestCase):
    """One machine: Zope POSTs signed batches to the gateway's /publish."""

    broker = False

    def test_signed_publish_reaches_the_user(self):
        ann = self.open("ann")
        bob = self.open("bob")
        self.publish([(routing.user_key("ann"), {"type": "message", "id": 5})])
        self.assertEqual([e["id"] for e in receive_all(ann)], [5])
        self.assertEqual(receive_all(bob, 0.2), [])

    def test_unsigned_or_wrongly_signed_publish_is_refused(self):
        ann = self.open("ann")
        body = json.dumps({"messages": [{"key": routing.user_key("ann"),
                                         "event": {"type": "message", "id": 1}}]}).encode()
        for signature in ("", tickets.sign(tickets.new_secret(), body)):
            request = urllib.request.Request(
                f"{self.gateway.url}/publish", data=body, method="POST",
                headers={"X-Plonesocial-Signature": signature})
            with self.assertRaises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=5)
            self.assertEqual(caught.exception.code, 403)
        self.assertEqual(receive_all(ann, 0.3), [])

    def test_typing_without_a_broker(self):
        ann = self.open("ann")
        bob = self.open("bob")
        ann.send(json.dumps({"type": "typing", "to": "bob"}))
        self.assertEqual([e["from"] for e in receive_all(bob)], ["ann"])

    def test_the_secret_file_is_reread_on_rotation(self):
        old = self.gateway.secret
        new = tickets.new_secret()
        self.gateway.secret_file.write_text(f"{new}\n{old}\n")
        time.sleep(1.2)  # the gateway looks at the file at most once a second
        self.gateway.secret = new
        self.open("ann")
        self.gateway.secret = old  # the previous secret still works during a rotation
        self.open("bob")
        self.gateway.secret_file.write_text(f"{new}\n")
        time.sleep(1.2)
        self.assertEqual(self.refused_code(self.gateway.ticket("carol")), 4401)


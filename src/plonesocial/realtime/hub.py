"""The gateway's state: its secrets, the connections of each user (``Hub``) and its
RabbitMQ queue (``Broker``); ``gateway`` re-exports these names."""

from plonesocial.realtime import routing
from plonesocial.realtime import tickets

import aio_pika
import asyncio
import contextlib
import json
import logging
import os
import secrets
import time


logger = logging.getLogger("plonesocial.realtime.gateway")

QUEUE_SIZE = 256  # events waiting for one slow client; beyond, it must resync
BIND_TIMEOUT = 5  # seconds for the broker to bind a connection's keys
# The WebSocket close code of a client that fell behind (gateway.py has the others).
CLOSE_RESYNC = 4409  # the client fell behind: reconnect and resync through REST


class Secrets:
    """The shared secrets, from a file re-read when it changes (rotation needs no restart).

    The file holds the current secret on its first line and, during a
    rotation, the previous one on the second.
    """

    def __init__(self, path=None, values=()):
        self.path = path
        self.values = tuple(v for v in values if v)
        self.mtime = None
        self.checked = 0.0

    def current(self):
        if self.path is not None and time.monotonic() - self.checked > 1.0:
            self.checked = time.monotonic()
            try:
                mtime = os.stat(self.path).st_mtime_ns
                if mtime != self.mtime:
                    with open(self.path, encoding="utf-8") as f:
                        self.values = tuple(line.strip() for line in f if line.strip())[:2]
                    self.mtime = mtime
            except OSError as error:
                logger.warning("cannot read the secret file %s: %s", self.path, error)
        return self.values


class Connection:
    """One open page: where its events go and what it listens to."""

    __slots__ = ("id", "userid", "streams", "queue", "typing", "kind")

    def __init__(self, userid, streams, kind):
        self.id = secrets.token_urlsafe(16)  # SSE clients name their connection with it
        self.userid = userid
        self.streams = tuple(streams)
        self.queue = asyncio.Queue(QUEUE_SIZE)
        self.typing = {}  # peer userid -> monotonic time of the last indicator sent
        self.kind = kind

    def put(self, event):
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # Dropping silently would make the page miss events: make it resync.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait({"type": "close", "code": CLOSE_RESYNC})


class TooManyConnections(Exception):
    """The user has as many connections as the ticket allows."""


class Hub:
    """The connections of this gateway, by user and by stream, and the events' routes."""

    def __init__(self):
        self.users = {}  # userid -> set of Connection
        self.streams = {}  # stream id -> set of Connection
        self.connections = {}  # connection id -> Connection
        self.binder = None  # the broker: bind(key) / unbind(key) coroutines, or None
        self.nonces = {}  # ticket nonce -> expiry (unix time): a ticket opens one connection
        self.pruned = 0.0  # when expired nonces were last forgotten
        self.delivered = 0

    def use_ticket(self, payload):
        """Refuse a ticket seen before; forget nonces whose tickets expired."""
        now = time.time()
        if now - self.pruned > 1.0:  # at most once a second, however many connect
            self.pruned = now
            self.nonces = {n: e for n, e in self.nonces.items() if e > now}
        nonce = payload.get("n")
        if not isinstance(nonce, str) or nonce in self.nonces:
            raise tickets.TicketError("ticket already used")
        self.nonces[nonce] = payload["e"]

    async def add(self, connection, cap):
        mine = self.users.setdefault(connection.userid, set())
        if len(mine) >= cap:
            if not mine:
                del self.users[connection.userid]
            raise TooManyConnections()
        mine.add(connection)
        self.connections[connection.id] = connection
        # Every connection waits for its keys' bindings (the broker binds each
        # key once): its hello, and so its REST resync, come after them.
        keys = [routing.user_key(connection.userid)]
        for stream in connection.streams:
            self.streams.setdefault(stream, set()).add(connection)
            keys.append(routing.stream_key(stream))
        if self.binder is not None:
            try:
                for key in keys:
                    await asyncio.wait_for(self.binder.bind(key), BIND_TIMEOUT)
            except BaseException:
                await self.remove(connection)
                raise

    async def remove(self, connection):
        self.connections.pop(connection.id, None)
        keys = []
        mine = self.users.get(connection.userid)
        if mine is not None and connection in mine:
            mine.discard(connection)
            if not mine:
                del self.users[connection.userid]
                keys.append(routing.user_key(connection.userid))
        for stream in connection.streams:
            followers = self.streams.get(stream)
            if followers is not None and connection in followers:
                followers.discard(connection)
                if not followers:
                    del self.streams[stream]
                    keys.append(routing.stream_key(stream))
        if self.binder is not None:
            for key in keys:
                with contextlib.suppress(Exception):
                    await self.binder.unbind(key)

    def dispatch(self, key, event):
        """Hand an event to the connections its routing key names."""
        try:
            kind, ident = routing.parse(key)
        except ValueError:
            logger.warning("event with an unknown routing key %r dropped", key)
            return
        if kind == routing.BROADCAST:
            targets = list(self.connections.values())
        elif kind == "user":
            targets = list(self.users.get(ident, ()))
        else:
            targets = list(self.streams.get(ident, ()))
        for connection in targets:
            connection.put(event)
        self.delivered += len(targets)

    def tell_everyone(self, event):
        for connection in list(self.connections.values()):
            connection.put(event)


class Broker:
    """RabbitMQ through aio-pika: one exclusive queue, bound while someone listens."""

    def __init__(self, url, exchange, hub):
        self.url = url
        self.exchange_name = exchange
        self.hub = hub
        self.connection = None
        self.exchange = None
        self.queue = None
        self.binding = {}  # routing key -> task binding it (done once bound)

    async def start(self):
        self.connection = await aio_pika.connect_robust(self.url, timeout=5)
        self.connection.reconnect_callbacks.add(self._reconnected)
        channel = await self.connection.channel()
        self.exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        self.queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await self.queue.bind(self.exchange, routing.BROADCAST)
        await self.queue.consume(self._received, no_ack=True)

    def _reconnected(self, *args):
        # Events published while the broker was away are gone: every page
        # fetches what it missed through REST.
        logger.warning("reconnected to the broker: pages resync")
        self.hub.tell_everyone({"type": "resync"})

    async def _received(self, message):
        try:
            event = json.loads(message.body)
        except ValueError:
            logger.warning("undecodable event on %s dropped", message.routing_key)
            return
        self.hub.dispatch(message.routing_key, event)

    async def bind(self, key):
        """Bind `key`, or wait for the binding already under way: a second tab of
        a user gets its hello only once the first tab's binding is in place."""
        task = self.binding.get(key)
        if task is None:
            task = self.binding[key] = asyncio.ensure_future(self.queue.bind(self.exchange, key))
        try:
            await asyncio.shield(task)
        except Exception:
            if self.binding.get(key) is task:
                del self.binding[key]
            raise

    async def unbind(self, key):
        task = self.binding.pop(key, None)
        if task is None:
            return
        try:
            await task
        except Exception:
            return
        if key not in self.binding:  # nobody bound it again meanwhile
            await self.queue.unbind(self.exchange, key)

    async def publish(self, key, event):
        await self.exchange.publish(
            aio_pika.Message(json.dumps(event).encode("utf-8"),
                             content_type="application/json"), routing_key=key)

    async def stop(self):
        if self.connection is not None:
            await self.connection.close()

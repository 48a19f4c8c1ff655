"""Publishing realtime events after a successful commit, off the request's thread.

Subscribers call :func:`publish` while the transaction runs; the events wait
in the transaction (``Transaction.data``) and leave only from an after-commit
hook whose transaction committed: an aborted or retried transaction (ZODB
conflict, error) publishes nothing, a committed one publishes each event once.

The after-commit hook only hands the batch to one sender thread per process:
the request never waits on the broker. A broker that is down or hangs costs
the sender a short connect timeout and a warning in the log, never the
user's write; the events of that batch are lost, and pages fetch what they
missed through the REST API's ``after`` cursors when they reconnect.

Two transports, chosen by the registry: RabbitMQ (``broker_url``: a topic
exchange, one routing key per user, through pika) for several Zope clients
and gateways, or, with no broker configured, an HTTP POST to one gateway's
publish endpoint signed with the shared secret (one machine, ``make run``).
"""

from plonesocial import logger
from plonesocial.realtime.settings import get_settings
from plonesocial.realtime.tickets import sign

import atexit
import http.client
import json
import pika
import queue
import threading
import time
import transaction
import urllib.parse


CONNECT_TIMEOUT = 0.5  # seconds: a broker that does not answer is down
SEND_TIMEOUT = 2.0  # seconds for one batch once connected
QUEUE_SIZE = 10000  # batches waiting for the sender; beyond, new ones are dropped
WARN_EVERY = 60  # seconds between two warnings about the same unreachable transport
EXCERPT = 140  # characters of a message's text in its event


class Config:
    """Where one batch goes: an immutable copy of the registry's settings."""

    __slots__ = ("broker_url", "exchange", "publish_url", "secret")

    def __init__(self, broker_url, exchange, publish_url, secret):
        self.broker_url = broker_url or ""
        self.exchange = exchange or "plonesocial"
        self.publish_url = publish_url or ""
        self.secret = secret or ""

    def key(self):
        return (self.broker_url, self.exchange, self.publish_url, self.secret)

    @classmethod
    def from_registry(cls):
        """The current site's configuration, or None when realtime is off."""
        settings = get_settings()
        if settings is None or not settings.enabled:
            return None
        if not settings.broker_url and not (settings.publish_url and settings.secret):
            return None
        return cls(settings.broker_url, settings.exchange, settings.publish_url,
                   settings.secret)


def publish(key, event, config=None):
    """Queue `event` (a JSON-serialisable dict) for routing key `key` until commit.

    Does nothing when realtime is off for the current site. Returns whether
    the event was queued.
    """
    config = config or Config.from_registry()
    if config is None:
        return False
    txn = transaction.get()
    try:
        batch = txn.data(_HOOK)
    except KeyError:
        batch = {"config": config, "messages": []}
        txn.set_data(_HOOK, batch)
        txn.addAfterCommitHook(_after_commit, (batch,))
    batch["messages"].append((key, event))
    return True


def pending():
    """The (routing key, event) pairs the current transaction will publish."""
    try:
        return list(transaction.get().data(_HOOK)["messages"])
    except KeyError:
        return []


def _after_commit(committed, batch):
    if not committed or not batch["messages"]:
        return
    committed_at = time.time()
    for _key, event in batch["messages"]:
        event["committed_at"] = committed_at
    SENDER.submit(batch["config"], batch["messages"])


class _HookKey:
    """The key of a transaction's batch in ``Transaction.data``."""


_HOOK = _HookKey()


class BrokerTransport:
    """RabbitMQ through pika: one connection, kept by the sender thread."""

    def __init__(self, config):
        self.config = config
        self.connection = None
        self.channel = None

    def _connect(self):
        parameters = pika.URLParameters(self.config.broker_url)
        parameters.socket_timeout = CONNECT_TIMEOUT
        parameters.stack_timeout = CONNECT_TIMEOUT * 4
        parameters.connection_attempts = 1
        parameters.retry_delay = 0
        parameters.blocked_connection_timeout = SEND_TIMEOUT
        # The sender does not process I/O while idle: no heartbeats to miss;
        # a connection the broker dropped is noticed at the next publish.
        parameters.heartbeat = 0
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        self.channel.exchange_declare(self.config.exchange, exchange_type="topic",
                                      durable=True)

    def send(self, messages):
        for attempt in (1, 2):
            try:
                if self.channel is None or self.channel.is_closed:
                    self._connect()
                for key, event in messages:
                    self.channel.basic_publish(
                        self.config.exchange, key, json.dumps(event).encode("utf-8"),
                        pika.BasicProperties(content_type="application/json",
                                             delivery_mode=1))
                return
            except pika.exceptions.AMQPError:
                self.close()
                # A connection kept from before a broker restart fails at once;
                # one fresh connection is worth a try, a second failure is not.
                if attempt == 2:
                    raise

    def close(self):
        connection, self.connection, self.channel = self.connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:
                pass


class HTTPTransport:
    """No broker: POST the batch to one gateway's publish endpoint, signed."""

    def __init__(self, config):
        self.config = config
        url = urllib.parse.urlsplit(config.publish_url)
        self.host, self.port = url.hostname, url.port or 80
        self.path = url.path or "/publish"
        self.connection = None

    def send(self, messages):
        body = json.dumps({"messages": [{"key": key, "event": event}
                                        for key, event in messages]}).encode("utf-8")
        headers = {"Content-Type": "application/json",
                   "X-Plonesocial-Signature": sign(self.config.secret, body)}
        for attempt in (1, 2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(
                        self.host, self.port, timeout=CONNECT_TIMEOUT)
                    self.connection.connect()
                    self.connection.sock.settimeout(SEND_TIMEOUT)
                self.connection.request("POST", self.path, body, headers)
                response = self.connection.getresponse()
                response.read()
                if response.status != 204:
                    raise OSError(f"the gateway answered {response.status}")
                return
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Sender:
    """One thread per process that sends the committed batches, in commit order."""

    def __init__(self):
        self.queue = queue.Queue(QUEUE_SIZE)
        self.lock = threading.Lock()
        self.thread = None
        self.transports = {}  # Config.key() -> transport, used by the thread only
        self.warned = {}  # Config.key() -> time of the last warning
        self.sent = 0
        self.failed = 0

    def submit(self, config, messages):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, daemon=True,
                                               name="plonesocial-realtime-sender")
                self.thread.start()
                # A short-lived process (plonesocial-jobs' fan-out) sends what its
                # last commits published before it exits.
                atexit.register(self.flush, 5)
        try:
            self.queue.put_nowait((config, list(messages)))
        except queue.Full:
            self.failed += len(messages)
            self._warn(config, "the realtime sender is %d batches behind: events dropped",
                       QUEUE_SIZE)

    def flush(self, timeout=10):
        """Wait until every submitted batch was sent or given up; return whether it was."""
        deadline = time.monotonic() + timeout
        with self.queue.all_tasks_done:
            while self.queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.queue.all_tasks_done.wait(left)
        return True

    def _run(self):
        while True:
            config, messages = self.queue.get()
            try:
                self._send(config, messages)
            finally:
                self.queue.task_done()

    def _send(self, config, messages):
        transport = self.transports.get(config.key())
        if transport is None:
            kind = BrokerTransport if config.broker_url else HTTPTransport
            transport = self.transports[config.key()] = kind(config)
        try:
            transport.send(messages)
            self.sent += len(messages)
        except Exception as error:
            self.failed += len(messages)
            where = config.broker_url.rpartition("@")[2] or config.publish_url
            self._warn(config, "realtime events not published to %s (%s): pages catch "
                       "up when they reconnect", where, error or type(error).__name__)

    def _warn(self, config, message, *args):
        now = time.monotonic()
        if now - self.warned.get(config.key(), -WARN_EVERY) >= WARN_EVERY:
            self.warned[config.key()] = now
            logger.warning(message, *args)


SENDER = Sender()

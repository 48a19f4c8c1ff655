"""Real servers for the realtime tests: RabbitMQ on loopback, the gateway as a process."""

from pathlib import Path
from plonesocial.realtime import tickets
from tests.servers import free_port

import json
import os
import pika
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid


BROKER_HOST = "127.0.0.1"
BROKER_PORT = 5672
BROKER_URL = f"amqp://guest:guest@{BROKER_HOST}:{BROKER_PORT}/%2F"


def broker_available():
    try:
        with socket.create_connection((BROKER_HOST, BROKER_PORT), timeout=1):
            return True
    except OSError:
        return False


def require_broker(testcase):
    """Skip without RabbitMQ on 127.0.0.1:5672, except in CI, where that fails."""
    if broker_available():
        return
    message = f"no RabbitMQ on {BROKER_HOST}:{BROKER_PORT} (apt-get install rabbitmq-server)"
    if os.environ.get("CI") == "true":
        testcase.fail(f"CI needs {message}")
    testcase.skipTest(message)


def exchange_name():
    """A fresh exchange per test: tests running at once never hear each other."""
    return f"rt_test_{uuid.uuid4().hex[:12]}"


def delete_exchange(exchange):
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        connection.channel().exchange_delete(exchange)
    finally:
        connection.close()


class BrokerTap:
    """An exclusive queue on the exchange, bound to some keys: what Zope published."""

    def __init__(self, exchange, keys):
        self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        for key in keys:
            self.channel.queue_bind(self.queue, exchange, key)

    def drain(self, wait=0.5):
        """Return the (routing key, event) pairs that arrive within `wait` seconds."""
        received = []
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            method, _props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.02)
                continue
            received.append((method.routing_key, json.loads(body)))
        return received

    def close(self):
        if self.connection.is_open:
            self.connection.close()


class GatewayProcess:
    """``plonesocial-realtime`` on a free port, with its own secret file."""

    def __init__(self, broker_url=None, exchange="plonesocial", secret=None, port=None):
        self.secret = secret or tickets.new_secret()
        self.directory = tempfile.mkdtemp(prefix="rt_gateway_")
        self.secret_file = Path(self.directory) / "secret"
        self.secret_file.write_text(self.secret + "\n")
        self.port = port or free_port()
        self.broker_url = broker_url
        self.exchange = exchange
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self):
        command = [sys.executable, "-m", "plonesocial.realtime.gateway", "--port",
                   str(self.port), "--secret-file", str(self.secret_file),
                   "--exchange", self.exchange, "--log-level", "warning"]
        if self.broker_url:
            command += ["--broker-url", self.broker_url]
        self.log = open(Path(self.directory) / "gateway.log", "ab")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the gateway exited: " + self.output())
            try:
                self.stats()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the gateway did not start: " + self.output())

    def output(self):
        return (Path(self.directory) / "gateway.log").read_text(errors="replace")

    def stats(self):
        with urllib.request.urlopen(f"{self.url}/stats", timeout=2) as response:
            return json.loads(response.read())

    def stop(self, kill=False):
        if self.process is not None and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None

    def ticket(self, userid, origins=("http://localhost",), cap=10, streams=(), ttl=30,
               now=None):
        return tickets.issue(self.secret, userid, origins=origins, max_connections=cap,
                             streams=streams, ttl=ttl, now=now)


def connect(gateway, ticket, origin="http://localhost"):
    """A WebSocket client (the websockets library's sync client) with a ticket."""
    from websockets.sync.client import connect as ws_connect

    return ws_connect(f"{gateway.ws_url}?ticket={ticket}", origin=origin, proxy=None,
                      open_timeout=5, legacy=True)


def receive_all(websocket, wait=0.5):
    """The events a WebSocket receives within `wait` seconds."""
    received = []
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return received
        try:
            received.append(json.loads(websocket.recv(timeout=left)))
        except TimeoutError:
            return received


"""S7 of `make bench`: many WebSocket clients on one realtime gateway, sends at a steady rate.

    .venv/bin/python scripts/bench_realtime.py [--clients 1000] [--rate 50] [--seconds 30]

Three processes on loopback: the gateway (``plonesocial-realtime``, fed by
RabbitMQ on 127.0.0.1:5672 when it answers, else by Zope's signed POSTs),
one asyncio process holding ``--clients`` WebSocket connections (one user
each), and this one, which sends private messages between random users at
``--rate`` per second on a FileStorage, each in its own transaction, through
plonesocial's own subscriber and after-commit publisher. Every send is one
event to each of its two parties.

Measured: commit-to-client latency (the after-commit hook's clock to the
client's, p50 and p99), events lost (published but never received: must be
0), and the gateway's resident memory per idle connection.

``python scripts/bench_realtime.py clients ...`` is the client process.
"""

from pathlib import Path

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT / "src")]

BROKER = ("127.0.0.1", 5672)
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
ORIGIN = "http://localhost"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def broker_available():
    try:
        socket.create_connection(BROKER, 1).close()
        return True
    except OSError:
        return False


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def stats(url):
    with urllib.request.urlopen(f"{url}/stats", timeout=5) as response:
        return json.loads(response.read())


# -- the client process --------------------------------------------------------------

async def hold_clients(ws_url, secret, count, ready_file, stop_file, out_file):
    """Open `count` connections, record what arrives until `stop_file` exists."""
    from plonesocial.realtime import tickets
    from websockets.asyncio.client import connect

    received = []  # (userid, event id, latency in s)
    gate = asyncio.Semaphore(100)  # connection attempts at once
    sockets = []
    failures = []

    async def client(index):
        userid = f"u{index}"
        async with gate:
            for attempt in range(5):
                try:
                    ticket = tickets.issue(secret, userid, origins=[ORIGIN])
                    websocket = await connect(f"{ws_url}?ticket={ticket}", origin=ORIGIN,
                                              proxy=None, open_timeout=30)
                    hello = json.loads(await websocket.recv())
                    assert hello["type"] == "hello", hello
                    break
                except Exception as error:
                    if attempt == 4:
                        failures.append(repr(error))
                        return
                    await asyncio.sleep(0.2 * (attempt + 1))
        sockets.append(websocket)
        try:
            async for text in websocket:
                now = time.time()
                event = json.loads(text)
                if event.get("type") == "message":
                    received.append((userid, event["id"], now - event["committed_at"]))
        except Exception:
            pass

    tasks = [asyncio.ensure_future(client(i)) for i in range(count)]
    while len(sockets) + len(failures) < count:
        await asyncio.sleep(0.05)
    Path(ready_file).write_text(json.dumps({"connected": len(sockets), "failed": failures[:5]}))
    while not os.path.exists(stop_file):
        await asyncio.sleep(0.1)
    for websocket in sockets:
        await websocket.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    Path(out_file).write_text(json.dumps({"received": received, "failed": len(failures)}))


# -- the driver ----------------------------------------------------------------------

def wait_for(path, process, what, timeout=300):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not finish in {timeout} s")
        time.sleep(0.05)


def send_messages(workdir, clients, rate, seconds):
    """Send rate * seconds messages between random users, one transaction each."""
    from plonesocial.messaging.interfaces import IMessagingLocator
    from plonesocial.messaging.messaging import Inboxes
    from ZODB import DB
    from ZODB.FileStorage import FileStorage
    from zope.component import getGlobalSiteManager
    from zope.interface import implementer

    import transaction

    @implementer(IMessagingLocator)
    class Locator:
        """The subscriber's unread counts find these inboxes, as a site's would."""

        def get_inboxes(self):
            return inboxes

    db = DB(FileStorage(str(workdir / "Data.fs")))
    connection = db.open()
    locator = Locator()
    getGlobalSiteManager().registerUtility(locator, IMessagingLocator)
    try:
        root = connection.root()
        root["inboxes"] = inboxes = Inboxes()
        transaction.commit()
        rnd = random.Random(7)
        start = time.monotonic()
        for n in range(rate * seconds):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sender, recipient = rnd.sample(range(clients), 2)
            inboxes.send(f"u{sender}", f"u{recipient}", f"Message {n}")
            transaction.commit()
        return time.monotonic() - start
    finally:
        transaction.abort()  # nothing half-done keeps the connection joined
        getGlobalSiteManager().unregisterUtility(locator, IMessagingLocator)
        connection.close()
        db.close()


def s7_realtime(clients=1000, rate=50, seconds=30, use_broker=None):
    """Run S7; return its figures as a dict."""
    from plonesocial.messaging.interfaces import IMessageSentEvent
    from plonesocial.realtime import subscribers
    from plonesocial.realtime import tickets
    from plonesocial.realtime.publisher import Config
    from plonesocial.realtime.publisher import SENDER
    from zope.component import getGlobalSiteManager
    from zope.component import provideHandler

    import zope.component.event  # noqa: F401 (zope.event dispatches to zope.component)

    if use_broker is None:
        use_broker = broker_available()
    failed_before = SENDER.failed
    workdir = Path(tempfile.mkdtemp(prefix="plonesocial-bench-s7-"))
    secret = tickets.new_secret()
    (workdir / "secret").write_text(secret + "\n")
    port = free_port()
    exchange = f"rt_bench_{os.getpid()}"
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "plonesocial.realtime.gateway", "--port", str(port),
               "--secret-file", str(workdir / "secret"), "--exchange", exchange,
               "--log-level", "warning"]
    if use_broker:
        command += ["--broker-url", BROKER_URL]
        config = Config(BROKER_URL, exchange, "", "")
    else:
        config = Config("", "", f"{url}/publish", secret)
    log = open(workdir / "gateway.log", "wb")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"),
                                                       os.environ.get("PYTHONPATH", "")]))
    gateway = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    holder = None
    try:
        for _ in range(200):
            try:
                idle = stats(url)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the gateway did not start: " + (workdir / "gateway.log").read_text())
        holder = subprocess.Popen(
            [sys.executable, __file__, "clients", f"ws://127.0.0.1:{port}/ws", secret,
             str(clients), str(workdir / "ready"), str(workdir / "stop"), str(workdir / "out")],
            env=env)
        began = time.monotonic()
        wait_for(workdir / "ready", holder, "the client process")
        ready = json.loads((workdir / "ready").read_text())
        connect_seconds = time.monotonic() - began
        time.sleep(1)
        connected = stats(url)

        # The sends: plonesocial's subscriber builds each party's event, the
        # publisher sends it after the commit, as on a site.
        expected = []

        def message_sent(event):
            for message, other in ((event.object, event.sender),
                                   (event.sender_message, event.recipient)):
                subscribers._message(message, other, config)
                expected.append((message.__parent__.owner, message.id))

        provideHandler(message_sent, (IMessageSentEvent,))
        try:
            send_seconds = send_messages(workdir, clients, rate, seconds)
        finally:
            # Global: left registered, it would publish every later send of
            # the process (the tests run S7 in theirs).
            getGlobalSiteManager().unregisterHandler(message_sent, (IMessageSentEvent,))
        SENDER.flush(60)
        deadline = time.monotonic() + 10
        while stats(url)["delivered"] < len(expected) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        (workdir / "stop").write_text("")
        wait_for(workdir / "out", holder, "the client process", timeout=120)
        holder.wait(60)
        out = json.loads((workdir / "out").read_text())
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
        gateway.terminate()
        try:
            gateway.wait(10)
        except subprocess.TimeoutExpired:
            gateway.kill()
        log.close()
        if use_broker:
            import pika

            broker = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
            broker.channel().exchange_delete(exchange)
            broker.close()
    received = {(userid, event_id) for userid, event_id, _ in out["received"]}
    latencies = [latency for _, _, latency in out["received"]]
    duplicates = len(out["received"]) - len(received)
    per_connection = None
    if idle.get("rss_bytes") and connected.get("rss_bytes") and connected["connections"]:
        per_connection = (connected["rss_bytes"] - idle["rss_bytes"]) / connected["connections"]
    return {
        "transport": "RabbitMQ" if use_broker else "direct POST",
        "clients": clients,
        "connected": connected["connections"],
        "connect_failures": ready["failed"],
        "connect_seconds": round(connect_seconds, 1),
        "sends": rate * seconds,
        "sends_per_second": round(rate * seconds / send_seconds, 1),
        "events_published": len(expected),
        "events_received": len(received),
        "events_lost": len(set(expected) - received),
        "duplicates": duplicates,
        "publish_failures": SENDER.failed - failed_before,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "gateway_rss_idle_mib": round(idle["rss_bytes"] / 2 ** 20, 1) if idle.get("rss_bytes") else None,
        "gateway_rss_connected_mib": round(connected["rss_bytes"] / 2 ** 20, 1)
        if connected.get("rss_bytes") else None,
        "kib_per_connection": round(per_connection / 1024, 1) if per_connection else None,
    }


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "clients":
        ws_url, secret, count, ready, stop, out = argv[1:7]
        asyncio.run(hold_clients(ws_url, secret, int(count), ready, stop, out))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="sends per second")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--direct", action="store_true",
                        help="no broker: Zope posts to the gateway even if RabbitMQ answers")
    args = parser.parse_args(argv)
    result = s7_realtime(args.clients, args.rate, args.seconds,
                         use_broker=False if args.direct else None)
    print(json.dumps(result, indent=2))
    return 1 if result["events_lost"] or result["duplicates"] else 0


if __name__ == "__main__":
    sys.exit(main())

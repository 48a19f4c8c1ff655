"""The outside fault test: REST clients sending while Zope is killed with SIGKILL and restarted.

    .venv/bin/python scripts/fault.py [--clients 4] [--messages 20] [--kills 1]

Builds a Zope instance with a Plone site (FileStorage under a temporary
directory), an SMTP server on loopback that counts what it receives, and
starts Zope with the outbox worker thread, as ``make run`` does. Every member
wants each message mailed at once. Four clients send private messages over
REST, each with an ``Idempotency-Key``, and retry with the same key until the
site acknowledges (201): a send whose answer was lost in the kill is
answered from the key after the restart. Midway Zope is killed with SIGKILL
and started again. Afterwards, with Zope stopped, the site is read back:

- every acknowledged message is in both inboxes, once; no message twice;
- every counter equals the real count;
- the outbox has one entry per stored message, each sent exactly once (the
  Message-IDs the SMTP server received), except an entry interrupted while
  sending by the kill: at most one per kill, failed, received at most once.

Exits 1 and says what is wrong otherwise. ``tests/test_fault.py`` runs it.
"""

from pathlib import Path

import argparse
import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


# zconsole runs this file without __file__: it is then its fourth argument.
SCRIPT = Path(globals().get("__file__") or sys.argv[3]).resolve()
ROOT = SCRIPT.parent.parent
SITE = "Plone"
PASSWORD = "secret-password"


# -- inside Zope (zconsole run): create the site, or read it back ------------------------


def setup_site(app, smtp_port, site_url, users):
    """Create the site, its users and their preferences (zconsole's `app`)."""
    from AccessControl.SecurityManagement import newSecurityManager
    from plone import api
    from plone.distribution.api import site as site_api
    from plonesocial.activitystream.interfaces import IActivityLocator
    from zope.component import getUtility
    from zope.component.hooks import setSite

    import transaction

    app.acl_users._doAddUser("admin", "admin", ["Manager"], [])
    newSecurityManager(None, app.acl_users.getUserById("admin").__of__(app.acl_users))
    site = site_api.create(app, "classic", {
        "site_id": SITE, "title": "Fault test", "default_language": "en",
        "portal_timezone": "UTC", "setup_content": False})
    setSite(site)
    site.unrestrictedTraverse("@@installer").install_product("plonesocial")
    for name, value in (("plone.email_from_address", "site@example.org"),
                        ("plone.smtp_host", "127.0.0.1"), ("plone.smtp_port", smtp_port),
                        ("plonesocial.delivery.site_url", site_url),
                        # The clients send as fast as they can: no rate limit.
                        ("plonesocial.messaging.max_messages_per_minute", 0)):
        api.portal.set_registry_record(name, value)
    manager = getUtility(IActivityLocator).get_manager()
    for userid in users:
        api.user.create(email=f"{userid}@example.org", username=userid, password=PASSWORD)
        manager.get_preferences(userid).set(mail_mode="immediately")
    transaction.commit()
    app._p_jar.db().close()


def read_site(app):
    """Everything the checks need, as JSON on stdout (zconsole's `app`)."""
    from plonesocial.delivery.outbox import get_outbox
    from plonesocial.messaging.locator import get_storage
    from zope.component.hooks import setSite

    site = app[SITE]
    setSite(site)
    inboxes = get_storage(site)
    messages = []  # (owner, other, sender, text)
    counters = []  # problems with counters
    for owner in inboxes.keys():
        inbox = inboxes[owner]
        total = 0
        for conversation in inbox.get_conversations():
            real = sum(1 for m in conversation.get_messages() if m.new and m.incoming)
            if conversation.new_messages_count != real:
                counters.append(f"{owner}/{conversation.username}: "
                                f"{conversation.new_messages_count} != {real}")
            if len(conversation) != sum(1 for _ in conversation.get_messages()):
                counters.append(f"{owner}/{conversation.username}: message count")
            total += conversation.new_messages_count
            for message in conversation.get_messages():
                messages.append([owner, conversation.username, message.sender, message.text])
        if inbox.new_messages_count != total:
            counters.append(f"{owner}: {inbox.new_messages_count} != {total}")
    outbox = get_outbox(site)
    entries = [{"id": e.id, "state": e.state, "message_id": e.message_id, "error": e.error,
                "recipient": e.recipient}
               for e in outbox._entries.values()]
    counts = outbox.counts()
    real = {"waiting": sum(1 for e in entries if e["state"] in ("pending", "sending")),
            "failed": sum(1 for e in entries if e["state"] == "failed"),
            "sent": sum(1 for e in entries if e["state"] == "sent")}
    if counts != real:
        counters.append(f"outbox counters {counts} != {real}")
    print("FAULT-RESULT " + json.dumps({"messages": messages, "counters": counters,
                                        "entries": entries}))
    app._p_jar.db().close()


# -- outside: the servers, the clients, the kill ---------------------------------------------


class MailCounter:
    """An SMTP server on loopback that keeps the Message-ID of every mail it accepts."""

    def __init__(self, port):
        from aiosmtpd.controller import Controller

        self.message_ids = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email import policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.message_ids.append(message["Message-ID"])
        return "250 Message accepted for delivery"


class Zope:
    """One runwsgi process of the instance, with the outbox worker thread."""

    def __init__(self, home, port):
        self.home = home
        self.port = port
        self.process = None
        self.log = None

    def start(self):
        from backends import wait_for_port

        env = dict(os.environ, PLONESOCIAL_OUTBOX_WORKER="1")
        if self.log is None:
            self.log = open(self.home / "var" / "log" / "runwsgi.log", "a")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "runwsgi"), str(self.home / "etc" / "zope.ini")],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, "Zope", tries=1200)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.log is not None:
            self.log.close()
            self.log = None


def zconsole(home, *args):
    """Run this script inside Zope (zconsole run); return its stdout."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "zconsole"), "run", str(home / "etc" / "zope.conf"),
         str(SCRIPT), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)])))
    if result.returncode:
        raise RuntimeError(f"zconsole {args[0]} failed:\n{result.stdout[-3000:]}")
    return result.stdout


class Client(threading.Thread):
    """Sends `count` messages from `sender` to `recipient`, each retried until acknowledged."""

    def __init__(self, base, sender, recipient, count, deadline):
        super().__init__(daemon=True)
        self.base, self.sender, self.recipient = base, sender, recipient
        self.count, self.deadline = count, deadline
        self.acknowledged = []  # (text, message id)
        self.retries = 0
        self.replayed = 0
        self.error = None  # what stopped this client, if anything did
        token = base64.b64encode(f"{sender}:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Accept": "application/json",
                        "Content-Type": "application/json"}

    def run(self):
        try:
            self.send_all()
        except Exception as error:  # reported as a problem, not lost with the thread
            self.error = f"{type(error).__name__}: {error}"

    def send_all(self):
        for n in range(self.count):
            text = f"{self.sender}-{n}"
            body = json.dumps({"text": text}).encode()
            headers = dict(self.headers, **{"Idempotency-Key": text})
            while time.monotonic() < self.deadline:
                request = urllib.request.Request(f"{self.base}/@inbox/{self.recipient}",
                                                 data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        answer = json.loads(response.read())
                        if response.headers.get("Idempotent-Replayed"):
                            self.replayed += 1
                    if answer.get("content") != text:
                        raise RuntimeError(f"answer for {text!r}: {answer}")
                    self.acknowledged.append((text, answer["id"]))
                    break
                except (OSError, http.client.HTTPException, ValueError) as error:
                    # Refused, reset, cut off mid-answer (IncompleteRead, a truncated
                    # JSON body) while the server dies or restarts: send again, with
                    # the same key.
                    if isinstance(error, urllib.error.HTTPError) and error.code < 500:
                        raise RuntimeError(f"{text}: {error.code} {error.read()[:300]}")
                    self.retries += 1
                    time.sleep(0.2)


def check(result, clients, mails, kills):
    """Return the list of problems."""
    problems = list(result["counters"])
    problems += [f"client {c.sender} stopped: {c.error}" for c in clients if c.error]
    stored = {}  # text -> owners holding a copy
    for owner, other, sender, text in result["messages"]:
        stored.setdefault(text, []).append(owner)
    for client in clients:
        for text, _ in client.acknowledged:
            if sorted(stored.get(text, [])) != sorted([client.sender, client.recipient]):
                problems.append(f"acknowledged {text!r} stored in {stored.get(text)}")
    for text, owners in stored.items():
        if len(owners) != 2:
            problems.append(f"{text!r} stored {len(owners)} times: {owners}")
    entries = result["entries"]
    if len(entries) != len(stored):
        problems.append(f"{len(entries)} outbox entries for {len(stored)} messages")
    received = {}
    for message_id in mails:
        received[message_id] = received.get(message_id, 0) + 1
    twice = [m for m, n in received.items() if n > 1]
    if twice:
        problems.append(f"mailed twice: {twice}")
    interrupted = [e for e in entries if e["state"] in ("sending", "failed")]
    for entry in entries:
        got = received.get(entry["message_id"], 0)
        if entry["state"] == "sent" and got != 1:
            problems.append(f"entry {entry['id']} sent, mailed {got} times")
        if entry["state"] == "pending":
            problems.append(f"entry {entry['id']} still pending: {entry['error']}")
    if len(interrupted) > kills:
        problems.append(f"{len(interrupted)} entries interrupted or failed, "
                        f"more than {kills} kill(s) explain: {interrupted}")
    unknown = set(received) - {e["message_id"] for e in entries}
    if unknown:
        problems.append(f"mails of no entry: {sorted(unknown)}")
    return problems


def run(clients=4, messages=20, kills=1, keep=False):
    """Run the fault test; return a dict of what happened (problems included)."""
    sys.path.insert(0, str(SCRIPT.parent))
    from backends import free_port
    from instance import write_instance

    workdir = Path(tempfile.mkdtemp(prefix="plonesocial-fault-"))
    port, smtp_port = free_port(), free_port()
    home = write_instance(workdir / "instance", "127.0.0.1", port)
    base = f"http://127.0.0.1:{port}/{SITE}"
    users = [f"user{n}" for n in range(clients)]
    smtp = MailCounter(smtp_port)
    smtp.controller.start()
    zope = Zope(home, port)
    started = time.monotonic()
    try:
        zconsole(home, "--setup", str(smtp_port), base, *users)
        zope.start()
        deadline = time.monotonic() + 600
        pool = [Client(base, users[n], users[(n + 1) % clients], messages, deadline)
                for n in range(clients)]
        for client in pool:
            client.start()
        total = clients * messages
        restarts = 0
        for kill in range(kills):
            # Kill in the middle of the burst: when a share of the sends is acknowledged.
            target = total * (kill + 1) // (kills + 1)
            while sum(len(c.acknowledged) for c in pool) < target:
                if time.monotonic() > deadline:
                    raise RuntimeError("the clients stalled before the kill")
                time.sleep(0.02)
            zope.kill()
            time.sleep(0.5)
            zope.start()
            restarts += 1
        for client in pool:
            client.join(max(1, deadline - time.monotonic()))
        acknowledged = sum(len(c.acknowledged) for c in pool)
        # The worker thread sends what is left; wait until every message is mailed,
        # or no mail came for 15 s (an entry interrupted by the kill is never sent
        # again on its own).
        expected = acknowledged
        wait_until = time.monotonic() + 180
        seen, quiet_since = -1, time.monotonic()
        while len(smtp.message_ids) < expected and time.monotonic() < wait_until:
            if len(smtp.message_ids) != seen:
                seen, quiet_since = len(smtp.message_ids), time.monotonic()
            elif time.monotonic() - quiet_since > 15:
                break
            time.sleep(0.2)
        time.sleep(2)  # anything sent twice would arrive now
        zope.stop()
        result = json.loads(zconsole(home, "--read").split("FAULT-RESULT ", 1)[1]
                            .splitlines()[0])
        problems = check(result, pool, list(smtp.message_ids), kills)
        if acknowledged != total:
            problems.append(f"{acknowledged} of {total} sends acknowledged")
        states = {}
        for entry in result["entries"]:
            states[entry["state"]] = states.get(entry["state"], 0) + 1
        return dict(clients=clients, messages=total, acknowledged=acknowledged,
                    kills=restarts, retries=sum(c.retries for c in pool),
                    replayed=sum(c.replayed for c in pool), mails=len(smtp.message_ids),
                    outbox=states, seconds=round(time.monotonic() - started, 1),
                    problems=problems, workdir=str(workdir))
    finally:
        zope.stop()
        smtp.controller.stop()
        if not keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--messages", type=int, default=20, help="per client")
    parser.add_argument("--kills", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the instance directory")
    args = parser.parse_args(argv)
    result = run(args.clients, args.messages, args.kills, args.keep)
    print(json.dumps(result, indent=2))
    return 1 if result["problems"] else 0


if "app" in globals():  # zconsole run scripts/fault.py --setup|--read ...
    _args = sys.argv[4:]  # zconsole run <zope.conf> <script> <args>
    if _args[0] == "--setup":
        setup_site(globals()["app"], int(_args[1]), _args[2], _args[3:])
    else:
        read_site(globals()["app"])
elif __name__ == "__main__":
    sys.exit(main())

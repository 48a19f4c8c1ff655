"""Profile plonesocial's REST requests in one process, through Zope's WSGI publisher.

    PYTHONPATH=$PWD/src:$PWD .venv/bin/python scripts/profile_rest.py
        [--requests 100] [--warmup 20] [--rounds 3] [--top 25]
        [--data-dir DIR] [--only send,count] [--sort cumulative]

The site is the one bench S6 serves (scripts/instance.py on FileStorage,
scripts/create_site.py: Plone, plonesocial, the demo users and their data,
mail to a local SMTP server, the rate limit of sends lifted as S6 does), but
the requests go straight to Zope's WSGI application (``publish_module``) in
this process: no HTTP, no waitress, no other clients. Each request is a fresh
WSGI environ with HTTP Basic credentials of a demo member, as S6 sends them:

- ``site``: ``GET /Plone/@site`` (plone.restapi, no plonesocial code), as alice;
- ``write``: the same request, committing one small change besides (a one-key
  insert into a small tree, bench S0's floor, made by a subscriber of this
  script's process): the cheapest request that writes;
- ``send``: ``POST /Plone/@inbox/{next user}`` with a JSON body, each of the
  four demo users writing to the next, as S6 does;
- ``count``: ``GET /Plone/@notifications/count`` as bob.

Prints, for each kind, the median and mean milliseconds per request over
--rounds rounds of --requests requests (the kinds interleaved round by round,
so that a change of the machine's load hits all of them), the ratio of
``site`` to each (the in-process analogue of S6's throughput ratio; issue 13
asks for >= 0.67 for the send, >= 0.91 for the count), the same for the CPU
time of the request (steadier on a shared machine: time spent waiting for a
core or the disk is left out, FileStorage's fsync among it), the user-folder
lookups per request (PAS ``_findUser``, ``searchUsers``/``enumerateUsers``,
``getUserById``, ``plone.api.user.get``), the objects a send writes, and a
cProfile of --requests more requests of the send and of the count, top --top
functions by --sort (saved for pstats with --dump); with --breakdown, the
inclusive time of the parts of a request (traversal, the service, the commit's
phases) over --requests more requests of each kind. The data directory (a temporary one by default) holds the
instance; given with --data-dir, an existing instance there is reused.
"""

from io import BytesIO
from pathlib import Path

import argparse
import base64
import collections
import cProfile
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


ROOT = Path(__file__).resolve().parent.parent
# PYTHONPATH decides which plonesocial is profiled (another checkout's, to compare);
# this tree's only as the last resort.
sys.path[:0] = [str(Path(__file__).resolve().parent)]
sys.path.append(str(ROOT / "src"))

from backends import free_port  # noqa: E402


USERS = ("alice", "bob", "carol", "dave")
SITE = "/Plone"


def prepare(home):
    """Write the instance below `home` and create the site, unless it is there."""
    marker = home / "site-created"
    smtp_port = free_port()
    smtp = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                             f"127.0.0.1:{smtp_port}"], stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "instance.py"), str(home),
                    "--port", str(free_port()), "--storage", "filestorage"],
                   check=True, stdout=subprocess.DEVNULL)
    if not marker.exists():
        zconsole = str(Path(sys.executable).parent / "zconsole")
        subprocess.run([zconsole, "run", str(home / "etc" / "zope.conf"),
                        str(ROOT / "scripts" / "create_site.py"), "Plone"],
                       check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
                       env=dict(os.environ, SMTP_PORT=str(smtp_port)))
        marker.write_text("yes\n")
    return smtp, smtp_port


def wsgi_app(home):
    from Zope2.Startup.run import make_wsgi_app

    return make_wsgi_app({}, str(home / "etc" / "zope.conf"))


def environ(method, path, user, password=None, body=None):
    data = b"" if body is None else json.dumps(body).encode()
    credentials = base64.b64encode(f"{user}:{password or user + '-secret'}".encode())
    env = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "localhost", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost:8080", "HTTP_ACCEPT": "application/json",
        "HTTP_AUTHORIZATION": "Basic " + credentials.decode(),
        "wsgi.url_scheme": "http", "wsgi.input": BytesIO(data), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "REMOTE_ADDR": "127.0.0.1",
    }
    if body is not None:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(data))
    return env


def call(app, env):
    """Publish one request; return (status, body bytes)."""
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    result = app(env, start_response)
    try:
        answer = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return int(status[0].split()[0]), answer


WRITE_FLAG = "plonesocial.profile.write"  # environ key of the `write` kind
FLOOR_KEYS = 8  # the `write` kind's small tree keeps this many keys (one bucket)


def install_write_floor(app):
    """Make a `write` request commit one small change: the floor of any request that
    writes (bench S0's one-key insert into a small tree), on top of `@site`'s work.
    A subscriber of this process only (publication events), never in the product."""
    from BTrees.OOBTree import OOBTree
    from plone.protect.utils import safeWrite
    from zope.component import provideHandler
    from ZPublisher.interfaces import IPubAfterTraversal

    import transaction

    env = environ("GET", f"{SITE}/@site", "alice")
    env[WRITE_FLAG] = 0
    call(app, env)  # opens the database; the tree goes into its root below

    def write_one(event):
        request = event.request
        number = request.environ.get(WRITE_FLAG)
        if number is None:
            return
        root = request["PARENTS"][-1]._p_jar.root()
        tree = root.get("plonesocial_profile_floor")
        if tree is None:
            tree = root["plonesocial_profile_floor"] = OOBTree()
        tree[number] = number
        tree.pop(number - FLOOR_KEYS, None)
        safeWrite(tree, request)

    provideHandler(write_one, (IPubAfterTraversal,))
    call(app, env)
    transaction.abort()


class Kinds:
    """The requests; `make(kind, n)` is the environ of the n-th of a kind."""

    names = ("site", "write", "send", "count")

    def make(self, kind, n):
        if kind == "site":
            return environ("GET", f"{SITE}/@site", "alice")
        if kind == "write":
            env = environ("GET", f"{SITE}/@site", "alice")
            env[WRITE_FLAG] = n
            return env
        if kind == "send":
            sender = USERS[n % len(USERS)]
            recipient = USERS[(n + 1) % len(USERS)]
            return environ("POST", f"{SITE}/@inbox/{recipient}", sender,
                           body={"text": f"profile {n}"})
        return environ("GET", f"{SITE}/@notifications/count", "bob")


def run(app, kinds, kind, count, start=0, cpu=None):
    """Time `count` requests of `kind`; return the seconds of each (wall clock), and
    append the CPU seconds of this thread of each to `cpu`."""
    times = []
    for n in range(start, start + count):
        env = kinds.make(kind, n)
        began, began_cpu = time.perf_counter(), time.thread_time()
        status, answer = call(app, env)
        times.append(time.perf_counter() - began)
        if cpu is not None:
            cpu.append(time.thread_time() - began_cpu)
        if status >= 400:
            raise RuntimeError(f"{kind} {n}: {status} {answer[:300]!r}")
    return times


class Lookups:
    """Count the user-folder lookups of each request (monkey-patched, for this run only)."""

    def __init__(self):
        self.counts = collections.Counter()
        self.patched = []

    def install(self):
        from plone.api import user as api_user
        from Products.PlonePAS.pas import PluggableAuthService as PAS  # noqa: N814

        for owner, name in ((PAS, "_findUser"), (PAS, "searchUsers"), (PAS, "getUserById"),
                            (api_user, "get")):
            self.wrap(owner, name)
        from Products.PluggableAuthService.plugins.ZODBUserManager import ZODBUserManager

        self.wrap(ZODBUserManager, "enumerateUsers")

    def wrap(self, owner, name):
        original = getattr(owner, name)
        counts = self.counts
        label = f"{getattr(owner, '__name__', owner)}.{name}"

        def counted(*args, **kw):
            counts[label] += 1
            return original(*args, **kw)

        counted.__wrapped__ = original
        setattr(owner, name, counted)
        self.patched.append((owner, name, original))

    def uninstall(self):
        for owner, name, original in reversed(self.patched):
            setattr(owner, name, original)
        self.patched = []


# Where a request's time goes: inclusive wall-clock time of these functions.
BREAKDOWN = (
    "ZPublisher.BaseRequest:BaseRequest.traverse",
    "Products.PluggableAuthService.PluggableAuthService:PluggableAuthService.validate",
    "plone.rest.service:Service.__call__",
    "plonesocial.restapi.base:SocialService.check_csrf",
    "plonesocial.restapi.base:SocialService.body",
    "plonesocial.messaging.api:send",
    "plonesocial.restapi.services.inbox:InboxService.serialize",
    "plonesocial.restapi.base:SocialService.render",
    "plonesocial.restapi.services.notifications:NotificationsService.count",
    "plonesocial.activitystream.api:count_unseen",
    "plonesocial.activitystream.api:count_new",
    "plonesocial.messaging.api:count_unread",
    "plonesocial.activitystream.visibility:count_invisible",
    "plonesocial.activitystream.seencheck:unseen_verified",
    "transaction._transaction:Transaction._callBeforeCommitHooks",
    "transaction._transaction:Transaction._callAfterCommitHooks",
    "ZODB.Connection:Connection.commit",
    "ZODB.Connection:Connection.tpc_vote",
    "ZODB.Connection:Connection.tpc_finish",
)


class Breakdown(Lookups):
    """Inclusive wall-clock seconds of the BREAKDOWN functions (patched for a run)."""

    def install(self):
        import importlib

        self.seconds = collections.Counter()
        for spec in BREAKDOWN:
            module, _, path = spec.partition(":")
            owner = importlib.import_module(module)
            *parents, name = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            self.time(owner, name, path)

    def time(self, owner, name, label):
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        seconds = self.seconds

        def timed(*args, **kw):
            began = time.perf_counter()
            try:
                return original(*args, **kw)
            finally:
                seconds[label] += time.perf_counter() - began

        setattr(owner, name, timed)
        self.patched.append((owner, name, original))


def lift_rate_limit(app):
    status, answer = call(app, _admin_patch())
    if status != 204:
        raise RuntimeError(f"could not lift the rate limit: {status} {answer[:300]!r}")


def _admin_patch():
    env = environ("PATCH", f"{SITE}/@registry", "admin", password="admin",
                  body={"plonesocial.messaging.max_messages_per_minute": 0})
    return env


def written_per_send(app, kinds, count=20, start=0):
    """Objects the storage is given per send (the commit's size), over `count` sends."""
    from ZODB.Connection import Connection

    stored, classes = [], collections.Counter()
    original = Connection._store_objects  # noqa: SLF001 - counting, restored below

    def counting(self, writer, transaction):
        before = len(self._modified)  # noqa: SLF001
        result = original(self, writer, transaction)
        oids = self._modified[before:]  # noqa: SLF001
        stored.append(len(oids))
        for oid in oids:
            classes[type(self.get(oid)).__name__] += 1
        return result

    Connection._store_objects = counting  # noqa: SLF001
    try:
        run(app, kinds, "send", count, start)
    finally:
        Connection._store_objects = original  # noqa: SLF001
    return sum(stored) / count, {name: n / count for name, n in classes.most_common()}


def profile(app, kinds, kind, count, start, top, sort, dump=None):
    profiler = cProfile.Profile()
    profiler.enable()
    run(app, kinds, kind, count, start)
    profiler.disable()
    if dump:
        Path(dump).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(Path(dump) / f"{kind}.prof"))
    print(f"\n## cProfile: {count} x {kind}, top {top} by {sort}\n")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(sort).print_stats(top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--only", default="send,count",
                        help="the kinds to profile with cProfile (none: 'none')")
    parser.add_argument("--data-dir", help="instance directory (reused if it has a site)")
    parser.add_argument("--breakdown", action="store_true",
                        help="time the parts of a request (BREAKDOWN) over --requests more")
    parser.add_argument("--dump", help="a directory for the profiles (KIND.prof, for pstats)")
    args = parser.parse_args(argv)

    temporary = args.data_dir is None
    home = Path(args.data_dir or tempfile.mkdtemp(prefix="plonesocial-profile-rest-"))
    home = home / "instance" if not temporary else home
    home.mkdir(parents=True, exist_ok=True)
    smtp = None
    try:
        smtp, _ = prepare(home)
        app = wsgi_app(home)
        lift_rate_limit(app)
        install_write_floor(app)
        kinds = Kinds()
        n = 0
        for kind in kinds.names:  # warm the caches (ZODB, templates, PAS)
            run(app, kinds, kind, args.warmup, n)
        n += args.warmup
        times = {kind: [] for kind in kinds.names}
        cpu = {kind: [] for kind in kinds.names}
        for _ in range(args.rounds):
            for kind in kinds.names:
                times[kind].extend(run(app, kinds, kind, args.requests, n, cpu[kind]))
            n += args.requests
        lookups = Lookups()
        lookups.install()
        per_request = {}
        try:
            for kind in kinds.names:
                lookups.counts.clear()
                run(app, kinds, kind, 20, n)
                per_request[kind] = {k: v / 20 for k, v in sorted(lookups.counts.items())}
        finally:
            lookups.uninstall()
        n += 20
        breakdown = {}
        if args.breakdown:
            timers = Breakdown()
            timers.install()
            try:
                for kind in kinds.names:
                    timers.seconds.clear()
                    run(app, kinds, kind, args.requests, n)
                    n += args.requests
                    breakdown[kind] = {k: v / args.requests for k, v in timers.seconds.items()}
            finally:
                timers.uninstall()
        written = written_per_send(app, kinds, 20, n)
        n += 20

        print(f"# plonesocial REST in one process: {args.rounds} rounds x {args.requests} "
              f"requests of each kind (after {args.warmup} to warm up); load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| request | median ms | mean ms | ratio to @site | median CPU ms "
              "| ratio to @site (CPU) |")
        print("|---|---|---|---|---|---|")
        site = statistics.median(times["site"])
        site_cpu = statistics.median(cpu["site"])
        labels = {"site": "GET @site", "write": "GET @site + a one-key commit (write floor)",
                  "send": "POST @inbox/{userid}", "count": "GET @notifications/count"}
        for kind in kinds.names:
            median, median_cpu = statistics.median(times[kind]), statistics.median(cpu[kind])
            print(f"| {labels[kind]} | {median * 1000:.2f} | "
                  f"{statistics.fmean(times[kind]) * 1000:.2f} | {site / median:.2f}x | "
                  f"{median_cpu * 1000:.2f} | {site_cpu / median_cpu:.2f}x |")
        floor = statistics.median(times["write"])
        print(f"\nThe send against the write floor (the cheapest request that commits): "
              f"{floor / statistics.median(times['send']):.2f}x; the write floor against "
              f"@site: {site / floor:.2f}x")
        written, classes = written
        print(f"\nObjects a send writes (commit): {written:.1f} ("
              + ", ".join(f"{name} {n:.2g}" for name, n in classes.items()) + ")")
        print("\nUser lookups per request:")
        for kind in kinds.names:
            shown = ", ".join(f"{k} {v:g}" for k, v in per_request[kind].items()) or "none"
            print(f"  {labels[kind]}: {shown}")
        for kind, parts in breakdown.items():
            print(f"\nWhere {labels[kind]} spends its time (ms per request, inclusive):")
            for label in (spec.partition(":")[2] for spec in BREAKDOWN):
                if label in parts:
                    print(f"  {parts[label] * 1000:7.3f}  {label}")
        only = [] if args.only == "none" else args.only.split(",")
        for kind in only:
            profile(app, kinds, kind, args.requests, n, args.top, args.sort, args.dump)
            n += args.requests
    finally:
        if smtp is not None:
            smtp.terminate()
            smtp.wait(30)
        try:
            import Zope2

            Zope2.DB.close()
        except Exception:  # noqa: BLE001, S110 - the app may not have started
            pass
        if temporary:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

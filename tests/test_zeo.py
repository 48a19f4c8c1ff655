"""Conflict resolution on a real ZEO server process (runzeo), with clients in threads.

The ZEO server resolves conflicts itself, so it must be able to import the
classes that define _p_resolveConflict (BTrees.Length, plonesocial's
LastSeen): runzeo runs from the project's environment, as `make run
STORAGE=zeo` starts it.
"""

from plonesocial.activitystream.manager import ActivityManager
from plonesocial.activitystream.manager import LastSeen
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.messaging.messaging import Inboxes
from tests.servers import free_port
from ZODB.POSException import ConflictError

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import transaction
import unittest
import ZEO


RUNZEO = os.path.join(os.path.dirname(sys.executable), "runzeo")


class ZEOServerTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.port = free_port()
        config = os.path.join(self.tmp.name, "zeo.conf")
        with open(config, "w") as f:
            f.write(f"<zeo>\n  address 127.0.0.1:{self.port}\n</zeo>\n"
                    f"<filestorage 1>\n  path {self.tmp.name}/Data.fs\n</filestorage>\n")
        self.server = subprocess.Popen([RUNZEO, "-C", config], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_server)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        self.db = ZEO.DB(("127.0.0.1", self.port), wait_timeout=10)
        self.addCleanup(self.db.close)
        with self.db.transaction() as conn:
            conn.root.am = ActivityManager()
            conn.root.inboxes = Inboxes()
            conn.root.marker = LastSeen()

    def stop_server(self):
        self.server.terminate()
        self.server.wait(10)

    def two_connections(self):
        pairs = []
        for _ in range(2):
            tm = transaction.TransactionManager()
            conn = self.db.open(tm)
            self.addCleanup(conn.close)
            self.addCleanup(tm.abort)
            tm.begin()
            pairs.append((tm, conn))
        return pairs

    def test_last_seen_conflicts_resolve_on_the_server(self):
        (tm1, c1), (tm2, c2) = self.two_connections()
        earlier, later = to_key(utcnow()), to_key(utcnow()) + 1000
        c1.root.marker.value = later
        c2.root.marker.value = earlier
        tm1.commit()
        tm2.commit()  # would raise ConflictError without server-side resolution
        with self.db.transaction() as conn:
            self.assertEqual(conn.root.marker.value, later)

    def test_concurrent_sends_and_counters_resolve(self):
        (tm1, c1), (tm2, c2) = self.two_connections()
        c1.root.inboxes.send_message("ann", "hot", "one")
        tm1.commit()
        tm1.begin()
        tm2.begin()
        c1.root.inboxes.send_message("bob", "hot", "two")
        c2.root.inboxes.send_message("cat", "hot", "three")
        tm1.commit()
        tm2.commit()  # Length counters and BTree buckets resolve on the server
        with self.db.transaction() as conn:
            hot = conn.root.inboxes["hot"]
            self.assertEqual(hot.new_messages_count, 3)
            self.assertEqual(sorted(hot), ["ann", "bob", "cat"])

    def test_threads_notifying_one_user_stay_exact(self):
        errors, conflicts = [], [0]

        def work(index):
            tm = transaction.TransactionManager()
            conn = self.db.open(tm)
            try:
                for n in range(15):
                    for _ in range(100):
                        try:
                            tm.begin()
                            am = conn.root.am
                            am.notify(["hot"], subject=f"{index}-{n}")
                            if n % 4 == 0:
                                am.mark_all_seen("hot")
                            tm.commit()
                            break
                        except ConflictError:
                            tm.abort()
                            conflicts[0] += 1
            except Exception as error:
                errors.append(error)
            finally:
                tm.abort()
                conn.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(errors, [])
        with self.db.transaction() as conn:
            am = conn.root.am
            items = am.get_by_recipient("hot").all()
            self.assertEqual(len(items), 6 * 15)
            unseen = sum(1 for n in items if not n.seen)
            self.assertEqual(am.count_not_seen_by_recipient("hot"), unseen)


class TestPrefetch(ZEOServerTestCase):
    """A fan-out asks the server for the lists it will touch in a few round trips."""

    def test_prefetch_paths_loads_the_buckets_holding_the_keys(self):
        from BTrees.OOBTree import OOBTree
        from plonesocial.prefetch import prefetch_paths

        with self.db.transaction() as conn:
            conn.root.tree = tree = OOBTree()
            for n in range(3000):
                tree[f"user{n:05}"] = n
        with self.db.transaction() as conn:
            holder = {}  # key -> oid of the bucket that holds it
            bucket = conn.root.tree._firstbucket
            while bucket is not None:
                for key in bucket.keys():
                    holder[key] = bucket._p_oid
                bucket = bucket._next
        wanted = ["user00007", "user01500", "user02999"]
        self.assertEqual(len({holder[key] for key in wanted}), 3)
        # A second client with an empty cache.
        cold = ZEO.DB(("127.0.0.1", self.port), wait_timeout=10)
        self.addCleanup(cold.close)
        cache = cold.storage._cache
        with cold.transaction() as conn:
            tree = conn.root.tree
            self.assertTrue(all(cache.load(holder[key]) is None for key in wanted))
            prefetch_paths(conn, [(tree, wanted)])
            deadline = time.time() + 10  # ZEO's prefetch answers asynchronously
            while time.time() < deadline and not all(cache.load(holder[key]) for key in wanted):
                time.sleep(0.01)
            self.assertTrue(all(cache.load(holder[key]) for key in wanted))
            others = set(holder.values()) - {holder[key] for key in wanted}
            self.assertEqual([oid for oid in others if cache.load(oid)], [])

    def test_fan_out_on_a_cold_client_prefetches_every_list(self):
        with self.db.transaction() as conn:
            am = conn.root.am
            for first in range(0, 400, 100):  # at most 100 named people a call
                am.notify([f"user{n}" for n in range(first, first + 100)], "Welcome")
        with self.db.transaction() as conn:
            oids = [conn.root.am.notifications.get_list(f"user{n}")._p_oid
                    for n in range(0, 400, 7)]
        cold = ZEO.DB(("127.0.0.1", self.port), wait_timeout=10)
        self.addCleanup(cold.close)
        cache = cold.storage._cache
        with cold.transaction() as conn:
            am = conn.root.am
            am.notifications.prefetch(conn, [f"user{n}" for n in range(0, 400, 7)],
                                      {"message_type": "notice", "owner": None},
                                      am.preferences)
            deadline = time.time() + 10
            while time.time() < deadline and not all(cache.load(oid) for oid in oids):
                time.sleep(0.01)
            self.assertTrue(all(cache.load(oid) for oid in oids))

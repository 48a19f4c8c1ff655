"""RelStorage's commit query against the real PostgreSQL: no full scan of object_state.

Issue 13: RelStorage joins its per-connection temp table ``temp_store`` with
``object_state`` in every commit (``lock_objects_and_detect_conflicts``).
The temp table is never analysed, so PostgreSQL plans it as hundreds of rows
and, on a database of a few thousand objects, hash-joins: one full scan of
``object_state`` per commit, also after a large transaction on the
connection. ``plonesocial.relstorage_tuning`` analyses the temp tables when
a store connection opens; then small commits probe the index. Counted from
``pg_stat_user_tables``, the statistics PostgreSQL keeps itself.

Without PostgreSQL on 127.0.0.1:5432 this skips, except in CI (CI=true).
"""

from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping
from plonesocial.relstorage_tuning import tune_storage
from tests.scripts import load_script

import os
import time
import transaction
import unittest
import ZODB


backends = load_script("backends")
DATABASE = f"plonesocial_test_plan_{os.getpid()}"
OBJECTS = 6000  # what a small site holds at least
SMALL_COMMITS = 40


class TestTempTablePlan(unittest.TestCase):
    def setUp(self):
        if not backends.postgresql_available():
            if os.environ.get("CI") == "true":
                self.fail("CI=true needs PostgreSQL on 127.0.0.1:5432")
            self.skipTest("no PostgreSQL on 127.0.0.1:5432")
        backends.psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        backends.psql(f"CREATE DATABASE {DATABASE}")
        self.addCleanup(backends.psql, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        self.spec = {"storage": "relstorage", "tuned": False,
                     "dsn": f"dbname='{DATABASE}' host='127.0.0.1' user='postgres'"}
        db = ZODB.DB(backends.open_storage(self.spec))
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        tree = conn.root()["tree"] = OOBTree()
        for n in range(OBJECTS):
            tree[n] = PersistentMapping({"n": n})
        tm.commit()
        conn.close()
        db.close()
        # As after any bulk load of ours: the planner knows object_state.
        backends.psql("VACUUM ANALYZE", DATABASE)

    def scans(self):
        time.sleep(0.5)  # a closed connection's backend reports as it exits
        return int(backends.psql("SELECT seq_scan FROM pg_stat_user_tables "
                                 "WHERE relname = 'object_state'", DATABASE))

    def small_commits_after_a_large_one(self, tuned):
        """Full scans of object_state by one connection: a large transaction, then
        SMALL_COMMITS commits of one object each."""
        storage = backends.open_storage(self.spec)
        if tuned:
            self.assertTrue(tune_storage(storage))
        db = ZODB.DB(storage)
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        root = conn.root()
        before = self.scans()
        # A large transaction on this connection (a bulk load, a fan-out chunk):
        # new objects only, which the commit query filters out (prev_tid 0) ...
        bulk = root["bulk"] = OOBTree()
        for n in range(2000):
            bulk[n] = PersistentMapping({"n": n})
        tm.commit()
        tree = root["tree"]
        for n in range(SMALL_COMMITS):  # ... then small commits, one object each
            tree[n]["seen"] = n
            tm.commit()
        conn.close()
        db.close()
        return self.scans() - before

    def test_untuned_commits_scan_object_state(self):
        # The problem, reproduced: a full scan per commit.
        self.assertGreaterEqual(self.small_commits_after_a_large_one(tuned=False),
                                SMALL_COMMITS)

    def test_tuned_commits_probe_the_index(self):
        # At most the large transaction's own join may scan (a bulk join may
        # rightly hash); the small commits probe the primary key.
        self.assertLessEqual(self.small_commits_after_a_large_one(tuned=True), 1)

    def unanalysed_temp_tables(self):
        return int(backends.psql("SELECT count(*) FROM pg_class WHERE relname = 'temp_store' "
                                 "AND reltuples < 0", DATABASE))

    def test_connections_opened_before_tuning(self):
        # Zope opens the database, and may create its root, before the
        # database-opened event tunes the storage: a store connection opened
        # then is analysed at its next transaction.
        storage = backends.open_storage(self.spec)
        db = ZODB.DB(storage)
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        tree = conn.root()["tree"]
        tree[0]["before"] = True
        tm.commit()  # a store connection, opened untuned
        self.assertEqual(self.unanalysed_temp_tables(), 1)
        self.assertTrue(tune_storage(storage))
        tree[1]["after"] = True
        tm.commit()
        self.assertEqual(self.unanalysed_temp_tables(), 0)
        tree[2]["after"] = True
        tm.commit()  # the connection works on as before
        conn.close()
        db.close()

    def test_conflicts_are_still_detected(self):
        # Two connections change one object: the second commit conflicts.
        from ZODB.POSException import ConflictError

        db = ZODB.DB(storage_tuned(self.spec))
        first, second = transaction.TransactionManager(), transaction.TransactionManager()
        a, b = db.open(first), db.open(second)
        a.root()["tree"][1]["x"] = "a"
        b.root()["tree"][1]["x"] = "b"
        first.commit()
        with self.assertRaises(ConflictError):
            second.commit()
        second.abort()
        a.close()
        b.close()
        db.close()

    def test_other_storages_are_left_alone(self):
        from ZODB.MappingStorage import MappingStorage

        self.assertFalse(tune_storage(MappingStorage()))


def storage_tuned(spec):
    storage = backends.open_storage(spec)
    tune_storage(storage)
    return storage

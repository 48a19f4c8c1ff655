"""Prefetching (plonesocial.prefetch) leaves out what this transaction made: it has
no oid yet, and RelStorage's and ZEO's prefetch refuse that (the stress run on
RelStorage met it: a fan-out chunk prefetched through a tree that an earlier chunk
of the same transaction had split)."""

from BTrees.OOBTree import OOBTree
from plonesocial.prefetch import prefetch_paths
from plonesocial.prefetch import prefetch_stored
from ZODB.FileStorage import FileStorage
from ZODB.utils import u64

import tempfile
import transaction
import unittest
import ZODB


class TestPrefetchStored(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.db = ZODB.DB(FileStorage(f"{self.tmp.name}/Data.fs"))
        self.addCleanup(self.db.close)
        self.tm = transaction.TransactionManager()
        self.conn = self.db.open(self.tm)
        self.addCleanup(self.conn.close)
        self.addCleanup(self.tm.abort)
        self.asked = []

        def prefetch(objects):  # as RelStorage's does: every oid as an int
            self.asked.append([u64(found._p_oid) for found in objects])

        # FileStorage has no prefetch of its own: stand in for RelStorage's.
        self.conn.prefetch = prefetch

    def test_what_this_transaction_made_is_left_out(self):
        self.conn.root.stored = stored = OOBTree()
        self.tm.commit()
        stored["made"] = made = OOBTree()  # stored by the commit: no oid until then
        self.assertIsNone(made._p_oid)
        prefetch_stored(self.conn, [stored, made])
        self.assertEqual(self.asked, [[u64(stored._p_oid)]])
        prefetch_stored(self.conn, [OOBTree()])  # nothing stored: no round trip
        prefetch_stored(None, [stored])  # no connection: nothing
        self.assertEqual(len(self.asked), 1)

    def test_a_path_through_a_bucket_split_in_this_transaction(self):
        self.conn.root.tree = tree = OOBTree()
        for n in range(200):  # buckets of their own
            tree[f"k{n:03}"] = n
        self.tm.commit()
        for n in range(200, 400):  # splits the last bucket: new buckets, no oid yet
            tree[f"k{n:03}"] = n
        keys = [f"k{n:03}" for n in range(0, 400, 7)]
        prefetch_paths(self.conn, [(tree, keys)])
        asked = [oid for batch in self.asked for oid in batch]
        self.assertIn(u64(tree._p_oid), asked)
        self.assertGreater(len(asked), 2)  # the tree and stored buckets on the way
        self.assertEqual(len(asked), len(set(asked)))


if __name__ == "__main__":
    unittest.main()

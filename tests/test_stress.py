"""A reduced run of scripts/stress.py (`make stress` runs the full one).

Several worker processes x threads against a real ZEO server and a real
PostgreSQL (RelStorage), once plainly and once with a worker killed with
SIGKILL and the server (or every database connection) restarted mid-run.
Without PostgreSQL the RelStorage runs skip, except in CI (CI=true).
"""

from tests.scripts import load_script

import os
import unittest


# The script's own check: the same psql call the runs make.
postgresql_available = load_script("backends").postgresql_available


class TestStress(unittest.TestCase):
    def run_stress(self, storage, **kw):
        result = load_script("stress").run(storage, processes=2, threads=3, ops=25, **kw)
        self.assertEqual(result["problems"], [])
        self.assertGreater(result["sends"], 0)
        self.assertGreater(result["activities"], 0)
        return result

    def needs_postgresql(self):
        if not postgresql_available():
            if os.environ.get("CI") == "true":
                self.fail("CI needs PostgreSQL on 127.0.0.1:5432")
            self.skipTest("no PostgreSQL on 127.0.0.1:5432")

    def test_zeo(self):
        self.run_stress("zeo")

    def test_zeo_killed_client_and_restarted_server(self):
        result = self.run_stress("zeo", kill=True, restart=True)
        self.assertTrue(result["killed"])

    def test_relstorage(self):
        self.needs_postgresql()
        self.run_stress("relstorage")

    def test_relstorage_killed_client_and_dropped_connections(self):
        self.needs_postgresql()
        result = self.run_stress("relstorage", kill=True, restart=True)
        self.assertTrue(result["killed"])

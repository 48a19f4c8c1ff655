"""`make bench` keeps working: scripts/bench.py at a tiny size on FileStorage.

The real run (10^6 items, ZEO and RelStorage, HTTP) is `make bench`; here
every scenario but S6 runs once on a few hundred items, and its figures are
checked for what must hold at any size: every count exact, every follower
reached once, every operation accounted for.
"""

from pathlib import Path
from tests.scripts import load_script
from unittest import mock

import json
import os
import sys
import tempfile
import unittest


class TestBench(unittest.TestCase):
    def test_tiny_run_on_filestorage(self):
        bench = load_script("bench")
        with tempfile.TemporaryDirectory() as tmp:
            bench.main(["--storages", "filestorage", "--items", "1500", "--followers", "300,700,1200",
                        "--ops", "16", "--scenarios", "S0,S1,S1w,S2,S3,S4,S5,S8",
                        "--data-dir", tmp, "--json", f"{tmp}/results.json",
                        "--markdown", f"{tmp}/results.md"])
            results = json.loads(Path(f"{tmp}/results.json").read_text())
            table = Path(f"{tmp}/results.md").read_text()
        figures = results["storages"]["filestorage"]
        for scenario, writers in (("S0", (1, 4, 8, 16)), ("S1", (1, 4, 8)), ("S2", (8, 16))):
            for n in writers:
                self.assertEqual(figures[scenario][str(n)]["ops"], 16, (scenario, n))
        self.assertEqual(figures["S3"]["small"]["unread"], 1000)
        self.assertEqual(figures["S3"]["big"]["unread"], 1500)
        self.assertEqual(figures["S3"]["big"]["not_seen"], 1500)
        self.assertEqual(figures["S5"]["300"]["missing"], 0)
        self.assertEqual(figures["S5"]["700"]["missing"], 0)
        self.assertEqual(figures["S5"]["700"]["queued"], 200)  # beyond the 500 inline
        self.assertIn("| S5 fan-out | 700 followers", table)
        # 1,200 followers: over the feed threshold (1,000), fan-out on read; the
        # workers split the post and do every follower's digest bookkeeping.
        self.assertEqual(figures["S5"]["1200"]["missing"], 0)
        self.assertEqual(figures["S5"]["1200"]["queued"], 1201)
        group = figures["S8"]
        self.assertEqual((group["ops"], group["failed"], group["unread_wrong"]), (16, 0, 0))
        self.assertEqual(group["messages"], group["stored_messages"])
        self.assertEqual(group["messages"], group["expected_messages"])
        self.assertLessEqual(group["objects_per_send_max"], 5)
        self.assertIn("| S8 group | 200-person group, 8 writers |", table)
        # Issue 13: what one operation writes, counted at the storage.
        written = figures["written"]
        self.assertEqual(written["S0"]["objects_max"], 1)
        # The two conversations and the recipient's counter: a small inbox's
        # order is its conversations' own.
        self.assertEqual(written["S1e"]["objects_max"], 3)
        # A first message between two who have inboxes, and one that makes both.
        # 5: the sender's counter is not written while its conversations are one tree.
        self.assertLessEqual(written["S1"]["objects_max"], 5)
        # 9, and the site's tree of inboxes when a bucket of it splits.
        self.assertLessEqual(written["S1n"]["objects"], 9.5)
        self.assertLessEqual(written["S1n"]["objects_max"], 11)
        self.assertIn("| written | per first message that makes both inboxes (S1n) | 9", table)
        self.assertEqual(figures["S1"]["1"]["retries"], 0)
        # S1w: the same sends after each writer loaded the inboxes, every one stored.
        self.assertEqual([(figures["S1w"][n]["ops"], figures["S1w"][n]["failed"])
                          for n in ("1", "4", "8")], [(16, 0), (16, 0), (16, 0)])
        self.assertIn("| S1w spread sends, warm | 1 writers, each first loaded", table)
        # The message notification: grown in place (the notification and the
        # counter), moved to the top, a new row.
        self.assertEqual(written["N1"]["objects_max"], 2)
        self.assertLessEqual(written["N1m"]["objects_max"], 4)
        # A new row: 5, and 7 when a bucket of the list's trees splits (no tree of
        # ids waiting for a digest: the notification says it waits).
        self.assertLessEqual(written["N1n"]["objects"], 5.5)
        self.assertLessEqual(written["N1n"]["objects_max"], 7)
        self.assertIn("| written | per 1:1 send in an existing conversation (S1e) | 3 objects", table)
        self.assertTrue(all(figures["rss_mib"][key]["bench"] > 0 for key in ("S0", "S1", "S8")))
        self.assertEqual(results["preparation"]["items"], 1500)
        self.assertIn("| S3 counts | unread count: 1,000 vs 1,500 items |", table)

    def test_writers_in_two_zope_processes_on_relstorage(self):
        """--zope-processes 2: the writers are threads of 2 processes, one database each.

        Without PostgreSQL on 127.0.0.1:5432 this skips, except in CI (CI=true).
        """
        if not load_script("backends").postgresql_available():
            if os.environ.get("CI") == "true":
                self.fail("CI=true needs PostgreSQL on 127.0.0.1:5432")
            self.skipTest("no PostgreSQL on 127.0.0.1:5432")
        bench = load_script("bench")
        # The writer processes find the bench's write_loop by its module's name,
        # as they find __main__'s when bench.py runs as a script.
        with mock.patch.dict(sys.modules, {"bench": bench}), \
                tempfile.TemporaryDirectory() as tmp:
            bench.main(["--storages", "relstorage", "--items", "1500", "--followers", "300",
                        "--ops", "16", "--scenarios", "S0,S1", "--zope-processes", "2",
                        "--data-dir", tmp, "--json", f"{tmp}/results.json",
                        "--markdown", f"{tmp}/results.md"])
            results = json.loads(Path(f"{tmp}/results.json").read_text())
            table = Path(f"{tmp}/results.md").read_text()
        self.assertEqual(results["zope_processes"], 2)
        figures = results["storages"]["relstorage"]
        for scenario, writers, threads in (("S0", 1, [1]), ("S0", 4, [2, 2]),
                                           ("S0", 16, [8, 8]), ("S1", 1, [1]),
                                           ("S1", 4, [2, 2]), ("S1", 8, [4, 4])):
            run = figures[scenario][str(writers)]
            self.assertEqual((run["processes"], run["threads_per_process"]),
                             (len(threads), threads), (scenario, writers))
            self.assertEqual((run["ops"], run["failed"]), (16, 0), (scenario, writers))
            self.assertGreater(run["per_second"], 0)
        self.assertEqual(figures["S1"]["4"]["mode"], "4 writers in 2 processes")
        self.assertEqual(figures["S1"]["1"]["mode"], "1 writer in 1 process")
        self.assertIn("| S0 floor | one-key insert into a small tree + commit, "
                      "8 writers in 2 processes |", table)
        self.assertRegex(table, r"\| S1 spread sends \| 4 writers in 2 processes, 2,000 users with inboxes "
                                r"\| [\d,]+/s \(\d+\.\d\dx S0\), ")
        self.assertEqual(results["problems"], [])

    def test_tiny_realtime_s7(self):
        # S7 alone: a few WebSocket clients on a real gateway process (fed by
        # RabbitMQ when it answers on 127.0.0.1:5672, else by direct POSTs).
        bench = load_script("bench")
        with tempfile.TemporaryDirectory() as tmp:
            bench.main(["--scenarios", "S7", "--s7-clients", "20", "--s7-rate", "10",
                        "--s7-seconds", "2", "--json", f"{tmp}/results.json",
                        "--markdown", f"{tmp}/results.md"])
            results = json.loads(Path(f"{tmp}/results.json").read_text())
            table = Path(f"{tmp}/results.md").read_text()
        s7 = results["S7"]
        self.assertEqual(s7["connected"], 20)
        self.assertEqual(s7["events_published"], 40)  # each send: both parties
        self.assertEqual((s7["events_received"], s7["events_lost"], s7["duplicates"]),
                         (40, 0, 0))
        self.assertEqual(results["problems"], [])
        self.assertIn("| S7 realtime | 20 WebSocket clients, 20 sends", table)

    def test_tiny_plone_counts_s11(self):
        # S11 alone: a Plone site in a child process; every count asserted exact there.
        bench = load_script("bench")
        with tempfile.TemporaryDirectory() as tmp:
            bench.main(["--scenarios", "S11", "--s11-unseen", "200",
                        "--json", f"{tmp}/results.json", "--markdown", f"{tmp}/results.md"])
            results = json.loads(Path(f"{tmp}/results.json").read_text())
            table = Path(f"{tmp}/results.md").read_text()
        s11 = results["S11"]
        self.assertEqual((s11["few"]["unseen"], s11["many"]["unseen"]), (10, 200))
        self.assertEqual(s11["many_after_change"]["unseen"], 198)  # page 0 retracted
        self.assertEqual((s11["few"]["fast"], s11["many"]["fast"],
                          s11["many_after_change"]["fast"]), (True, True, False))
        self.assertEqual(results["problems"], [])
        self.assertIn("| S11 counts | not-seen count under Plone, 10 vs 200 unseen", table)

    def test_social_scenarios_tiny(self):
        """S9 (16 likes at once: none fails, all counted) and S10 (a tag timeline)."""
        bench = load_script("bench")
        with tempfile.TemporaryDirectory() as tmp:
            bench.main(["--storages", "filestorage", "--items", "1500", "--followers", "300",
                        "--scenarios", "S9,S10", "--data-dir", tmp,
                        "--json", f"{tmp}/results.json", "--markdown", f"{tmp}/results.md"])
            results = json.loads(Path(f"{tmp}/results.json").read_text())
            table = Path(f"{tmp}/results.md").read_text()
        figures = results["storages"]["filestorage"]
        self.assertEqual((figures["S9"]["failed"], figures["S9"]["counted"]), (0, 16))
        self.assertGreater(figures["S10"]["found"], 0)
        self.assertIn("| S9 likes | 16 people like one post at once | 0 failed", table)
        self.assertEqual(results["problems"], [])



class TestHotConflicts(unittest.TestCase):
    def test_many_senders_to_one_person(self):
        # scripts/hot_conflicts.py: threads on a real FileStorage, every send
        # stored and counted once, the inbox sound (check_invariants).
        import subprocess

        root = Path(__file__).resolve().parent.parent
        done = subprocess.run(
            [sys.executable, str(root / "scripts" / "hot_conflicts.py"), "--threads", "4",
             "--sends", "30", "--users", "60"],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONPATH": str(root / "src")})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("0 failed, 120 unread of 120 sent", done.stdout)

    def test_own_senders_on_a_warm_inbox(self):
        # --warm: the hot person has conversations first (counted apart from the
        # sends); --own-senders: no two threads send as one person, so no two
        # threads ever write the same conversation.
        import subprocess

        root = Path(__file__).resolve().parent.parent
        done = subprocess.run(
            [sys.executable, str(root / "scripts" / "hot_conflicts.py"), "--threads", "4",
             "--sends", "30", "--users", "60", "--warm", "60", "--own-senders"],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONPATH": str(root / "src")})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("0 failed, 120 unread of 120 sent", done.stdout)
        self.assertNotIn("Conversation", done.stdout)

"""The outside fault test, reduced: scripts/fault.py against a real Zope process.

Four REST clients send private messages (each with an Idempotency-Key,
retried until acknowledged) while Zope is killed with SIGKILL and started
again; every acknowledged message must be in both inboxes once, every
counter exact, and every outbox entry mailed exactly once (the Message-IDs
the SMTP server received).
"""

from tests.scripts import load_script

import unittest


class TestKilledZope(unittest.TestCase):
    def test_four_clients_and_a_sigkill(self):
        result = load_script("fault").run(clients=4, messages=15, kills=1)
        self.assertEqual(result["problems"], [], result)
        self.assertEqual(result["acknowledged"], 60)
        self.assertEqual(result["kills"], 1)
        self.assertGreater(result["retries"], 0)  # the clients did meet the dead server
        self.assertGreaterEqual(result["mails"], result["outbox"].get("sent", 0))

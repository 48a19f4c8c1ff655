"""Issue 14, defect 12: the package declares its data folders (no setuptools warnings that
templates, static files, locales and profiles are "absent from the packages configuration")
and a build carries them."""

from pathlib import Path

import subprocess
import sys
import tempfile
import unittest


ROOT = Path(__file__).resolve().parent.parent


class TestPackaging(unittest.TestCase):
    def test_build_declares_and_carries_the_data_folders(self):
        with tempfile.TemporaryDirectory() as build:
            result = subprocess.run(
                [sys.executable, "setup.py", "-q", "build_py", "-d", build],
                cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertNotIn("absent from the", result.stdout + result.stderr)
            package = Path(build) / "plonesocial"
            for path in ("browser/templates/menu.pt", "browser/static/times.js",
                         "locales/de/LC_MESSAGES/plonesocial.po",
                         "profiles/default/metadata.xml", "configure.zcml"):
                self.assertTrue((package / path).exists(), path)

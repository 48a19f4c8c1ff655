"""Load a script of scripts/ (not a package) as a module, for the tests that drive it."""

from pathlib import Path

import importlib.util


SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load_script(name):
    """Return scripts/<name>.py as a freshly loaded module."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

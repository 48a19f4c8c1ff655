"""Print the permission matrix into docs/security.md (`make security-matrix`).

The matrix comes from the same discovery and rules as tests/test_security_matrix.py,
which fails when docs/security.md shows another one. Loading the endpoints needs
plonesocial's ZCML, so this sets up the test fixture's layers (a few seconds).
"""

from pathlib import Path

import logging
import sys


ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "security.md"


def layers_in_order(layer, found=None):
    """`layer` after its bases, each once: the order zope.testrunner sets them up."""
    found = [] if found is None else found
    for base in layer.__bases__:
        layers_in_order(base, found)
    if layer not in found:
        found.append(layer)
    return found


def main():
    sys.path.insert(0, str(ROOT))
    from plonesocial.testing import PLONESOCIAL_FIXTURE
    from tests import security

    layers = layers_in_order(PLONESOCIAL_FIXTURE)
    logging.disable(logging.CRITICAL)  # the fixture's setup chatter is not the point here
    for layer in layers:
        layer.setUp()
    try:
        matrix = security.render_matrix(security.discover())
    finally:
        for layer in reversed(layers):
            layer.tearDown()
    text = DOCS.read_text()
    updated = security.replace_matrix(text, matrix)
    if updated != text:
        DOCS.write_text(updated)
        print(f"updated {DOCS.relative_to(ROOT)}")
    else:
        print(f"{DOCS.relative_to(ROOT)} is up to date")


if __name__ == "__main__":
    main()

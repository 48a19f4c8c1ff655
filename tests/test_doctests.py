"""Run the narrative documentation in docs/ as doctests on the Plone functional layer.

The functional layer lets a document commit, which is when Plone events
become activities.
"""

from pathlib import Path
from plone.testing import layered
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING

import doctest
import unittest


DOCS = Path(__file__).resolve().parent.parent / "docs"
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_suite():
    suite = unittest.TestSuite()
    for path in sorted([*DOCS.glob("*.rst"), *DOCS.glob("*.md")]):
        suite.addTest(
            layered(
                doctest.DocFileSuite(
                    str(path),
                    module_relative=False,
                    optionflags=OPTIONFLAGS,
                    encoding="utf-8",
                ),
                layer=PLONESOCIAL_FUNCTIONAL_TESTING,
            )
        )
    return suite

"""Tests of plonesocial: unit tests on a plain ZODB, integration tests on Plone layers."""

"""The permission matrix: every plonesocial page and service, every actor, every verb.

The endpoints are discovered in the component registry (tests/security.py); the
expected status comes from the rule of the endpoint's declared permission.
"""

from pathlib import Path
from tests import security
from tests.security import ACTORS
from tests.security import HTTP_METHODS
from tests.security import PROBES
from tests.security import RULES
from tests.security import SECURITY_FUNCTIONAL_TESTING
from tests.security import USERIDS

import unittest


DOCS = Path(__file__).parent.parent / "docs" / "security.md"
# Actors in the order they act: the owner last, as their writes change the data.
ORDER = ("anonymous", "member", "siteadmin", "manager", "owner")
# Verbs that ZPublisher treats as WebDAV: it looks the last name up as an attribute.
WEBDAV_VERBS = ("PUT", "PATCH", "DELETE")
# Plone's own pages on the same contexts, to compare with.
CONTROL = {"site": "@@search", "public": "@@edit"}


class TestDiscovery(unittest.TestCase):
    layer = SECURITY_FUNCTIONAL_TESTING

    def setUp(self):
        self.endpoints = security.discover()
        self.keys = {e.key for e in self.endpoints}

    def test_finds_pages_and_services(self):
        kinds = {e.kind for e in self.endpoints}
        self.assertEqual(kinds, {"rest", "page"})
        self.assertIn("GET @inbox on site", self.keys)
        self.assertIn("@@conversation on site", self.keys)
        for endpoint in self.endpoints:
            self.assertTrue(endpoint.factory.startswith("plonesocial."), endpoint)

    def test_every_endpoint_has_a_rule(self):
        # A new permission (or none, or zope.Public) needs a rule before it ships.
        self.assertEqual([(e.key, e.permission) for e in self.endpoints
                          if e.permission not in RULES], [])
        self.assertEqual([e.key for e in self.endpoints if e.context == "any"], [])

    def test_probes_cover_exactly_the_endpoints(self):
        self.assertEqual(sorted(self.keys - set(PROBES)), [], "endpoints without probes")
        self.assertEqual(sorted(set(PROBES) - self.keys), [], "probed endpoints that are gone")
        self.assertLessEqual(security.ANONYMOUS_ALLOWED | security.GET_WRITES, self.keys)
        for endpoint in self.endpoints:
            for probe in PROBES[endpoint.key]:
                if endpoint.kind == "rest":
                    self.assertEqual(probe.method, endpoint.method, endpoint.key)
                expected = {"site"} if endpoint.context == "site" else {"public", "private"}
                self.assertIn(probe.context, expected, endpoint.key)

    def test_every_actor_acts(self):
        self.assertEqual(sorted(ORDER), sorted(ACTORS))

    def test_rules_match_the_sites_role_map(self):
        portal = self.layer["portal"]
        for permission, title in security.PERMISSION_TITLES.items():
            granted = {r["name"] for r in portal.rolesOfPermission(title) if r["selected"]}
            self.assertEqual(granted, set(RULES[permission].roles), permission)

    def test_docs_show_the_current_matrix(self):
        text = DOCS.read_text()
        self.assertEqual(security.current_matrix(text), security.render_matrix(self.endpoints),
                         "docs/security.md is out of date: run `make security-matrix`")


class TestMatrix(unittest.TestCase):
    layer = SECURITY_FUNCTIONAL_TESTING

    def check(self, endpoint, probe, actor, response, sent):
        access = security.expected_access(endpoint, actor, probe.context)
        where = f"{actor} {probe.method} {endpoint.key} {probe.path} ({probe.context})"
        if access == "allowed":
            expected = probe.owner if actor == "owner" else probe.foreign
            if endpoint.key in security.ANONYMOUS_ALLOWED:
                expected = probe.owner
            self.assertEqual(response.status_int, expected, f"{where}: {response.body[:300]}")
            if response.status_int == 302:
                self.assertFalse(security.is_login_redirect(response), where)
        elif endpoint.kind == "rest":
            self.assertEqual(response.status_int, 401, where)
        else:
            self.assertEqual(response.status_int, 302, where)
            self.assertTrue(security.is_login_redirect(response), where)
        if actor != "owner":
            self.assertEqual(security.leaks(response, sent, actor), [], where)

    def test_matrix(self):
        endpoints = security.discover()
        for endpoint in endpoints:
            for probe in PROBES[endpoint.key]:
                with self.subTest(endpoint=endpoint.key, probe=probe):
                    portal, app = security.fresh(self.layer)
                    ids = security.owner_ids(portal)
                    sent = f"{security.fill(probe.path, ids)} {security.fill(probe.body, ids)}"
                    for actor in ORDER:
                        userid = USERIDS[actor]
                        headers = security.basic_auth(userid) if userid else {}
                        token = security.csrf_token(userid) if userid else None
                        before = security.owner_snapshot()
                        response = security.send(app, portal, endpoint, probe, ids, headers,
                                                 token)
                        self.check(endpoint, probe, actor, response, sent)
                        if actor != "owner" and endpoint.key not in security.TO_EVERYBODY:
                            # Nobody else changes the owner's data, whatever they send.
                            self.assertEqual(security.owner_snapshot(), before,
                                             f"{actor} changed the owner's data: {endpoint.key}")

    def test_other_verbs_are_refused_without_error(self):
        endpoints = security.discover()
        seen = set()
        for endpoint in endpoints:
            group = (endpoint.kind, endpoint.name, endpoint.context)
            if group in seen:
                continue
            seen.add(group)
            supported = security.supported_methods(endpoints, endpoint)
            context = "site" if endpoint.context == "site" else "public"
            for method in sorted(set(HTTP_METHODS) - supported):
                probe = security.Probe(method, endpoint.name, None, context=context)
                with self.subTest(endpoint=endpoint.key, method=method):
                    portal, app = security.fresh(self.layer)
                    for actor in ("anonymous", "owner"):
                        userid = USERIDS[actor]
                        headers = security.basic_auth(userid) if userid else {}
                        before = security.owner_snapshot()
                        response = security.send(app, portal, endpoint, probe, {}, headers)
                        self.assertEqual(security.owner_snapshot(), before)
                        if actor == "anonymous" and response.status_int in (302, 401):
                            continue  # asked to log in first
                        if response.status_int == 500 and endpoint.kind == "page":
                            # ZPublisher's WebDAV traversal fails before any view is
                            # called (AttributeError): Plone's own pages answer the same.
                            control = security.Probe(method, CONTROL[context], context=context)
                            control = security.send(app, portal, endpoint, control, {}, headers)
                            self.assertEqual(control.status_int, 500, method)
                            self.assertIn(method, WEBDAV_VERBS)
                            continue
                        self.assertIn(response.status_int, (404, 405),
                                      f"{actor} {method} {endpoint.name}: {response.status}")


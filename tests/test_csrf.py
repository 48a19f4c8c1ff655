"""CSRF: writes with the login cookie need plone.protect's token; GETs do not write.

The writing probes of the matrix (tests/security.py) are made with the __ac
cookie of a real login through the login form, no Authorization header: without
the token they are refused and nothing is committed; with it they work. Every
GET probe is shown not to commit a transaction, except the declared mark-read
links (security.GET_WRITES), which are shown to write.
"""

from plone import api
from plone.testing.zope import Browser
from tests import security
from tests.security import PASSWORD
from tests.security import PROBES
from tests.security import SECURITY_FUNCTIONAL_TESTING
from tests.security import USERIDS
from urllib.parse import quote

import dataclasses
import transaction
import unittest


def cookie_login(layer, portal, userid):
    """A webtest app logged in through Plone's login form: it holds the __ac cookie."""
    app = Browser(layer["app"]).testapp
    form = app.get(f"{portal.absolute_url()}/login").forms["LoginForm"]
    form["__ac_name"] = userid
    form["__ac_password"] = PASSWORD
    form.submit("buttons.login")
    assert "__ac" in app.cookies, "the login form set no __ac cookie"
    return app


class CSRFTestCase(unittest.TestCase):
    layer = SECURITY_FUNCTIONAL_TESTING

    def session(self, portal, userid):
        """The Cookie header of `userid`'s plone.session ticket, signed with the site's
        current secret. (A login through the form rotates the secret, which the next
        fresh() forgets; test_control_panel_form logs in through the form.)"""
        cookies = {}

        class Response:
            def setCookie(self, name, value, **options):
                cookies[name] = value

        transaction.begin()
        plugin = portal.acl_users.session
        plugin._setupSession(userid, Response())
        value = cookies[plugin.getProperty("cookie_name")]
        return {"Cookie": f"__ac={quote(value)}"}

    def last_transaction(self):
        return self.layer["zodbDB"].lastTransaction()

    def actor(self, endpoint, probe):
        """The owner, or the first actor the endpoint's rule lets in."""
        for actor in ("owner", "manager"):
            if security.expected_access(endpoint, actor, probe.context) == "allowed":
                return actor
        raise AssertionError(f"nobody may use {endpoint.key}")


class TestWritesNeedTheToken(CSRFTestCase):
    def test_every_write_with_the_cookie(self):
        for endpoint in security.discover():
            for probe in PROBES[endpoint.key]:
                if probe.method == "GET":
                    continue
                with self.subTest(endpoint=endpoint.key, probe=probe):
                    portal, _ = security.fresh(self.layer)
                    ids = security.owner_ids(portal)
                    userid = USERIDS[self.actor(endpoint, probe)]
                    app = Browser(self.layer["app"]).testapp
                    cookie = self.session(portal, userid)
                    if endpoint.kind != "rest":
                        # Plone fixes up its portlet assignments the first time a page
                        # renders (a safe write of its own): let a GET do that first.
                        security.send(app, portal, endpoint, dataclasses.replace(
                            probe, method="GET", body=None), ids, cookie)
                    before, tid = security.owner_snapshot(), self.last_transaction()
                    forged = security.send(app, portal, endpoint, probe, ids, cookie)
                    if probe.writes:
                        self.assertEqual(forged.status_int, 403, forged.body[:300])
                    self.assertEqual(self.last_transaction(), tid, "a forged request committed")
                    self.assertEqual(security.owner_snapshot(), before)
                    token = security.csrf_token(userid)
                    response = security.send(app, portal, endpoint, probe, ids, cookie, token)
                    self.assertEqual(response.status_int, probe.owner, response.body[:300])
                    if probe.writes:
                        self.assertNotEqual(self.last_transaction(), tid, "nothing committed")

    def test_control_panel_form(self):
        portal = self.layer["portal"]
        app = cookie_login(self.layer, portal, USERIDS["manager"])
        url = f"{portal.absolute_url()}/@@plonesocial-controlpanel"
        form = app.get(url).forms["form"]
        field = "form.widgets.max_message_length"
        form[field] = "1234"
        token = form["_authenticator"].value
        tid = self.last_transaction()
        form["_authenticator"] = "forged"
        forged = form.submit("form.buttons.save", expect_errors=True)
        # plone.protect aborts the write; the form still redirects as if saved.
        self.assertIn(forged.status_int, (302, 403))
        self.assertEqual(self.last_transaction(), tid)
        self.assertEqual(self.max_message_length(), 10000)
        form["_authenticator"] = token
        form.submit("form.buttons.save")
        self.assertNotEqual(self.last_transaction(), tid)
        self.assertEqual(self.max_message_length(), 1234)

    def max_message_length(self):
        transaction.begin()
        return api.portal.get_registry_record("plonesocial.messaging.max_message_length")

    def test_basic_credentials_a_browser_cached_do_not_forge_a_post(self):
        # A form on another site can POST text/plain that reads as JSON; the
        # browser adds Basic credentials it has cached. JSON itself cannot be
        # sent cross-site without a CORS preflight.
        portal = self.layer["portal"]
        app = Browser(self.layer["app"]).testapp
        headers = dict(security.basic_auth(USERIDS["owner"]), Accept="application/json")
        url = f"{portal.absolute_url()}/@inbox/{security.CORRESPONDENT}"
        tid = self.last_transaction()
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            with self.subTest(content_type=content_type):
                forged_headers = dict(headers)
                if content_type:
                    forged_headers["Content-Type"] = content_type
                forged = app.post(url, '{"text": "forged"}', headers=forged_headers,
                                  expect_errors=True)
                self.assertEqual(forged.status_int, 403)
                self.assertEqual(self.last_transaction(), tid)
        sent = app.post_json(url, {"text": "mine"}, headers=headers)
        self.assertEqual(sent.status_int, 201)


class TestGetsDoNotWrite(CSRFTestCase):
    def test_every_get(self):
        writers = set()
        for endpoint in security.discover():
            for probe in PROBES[endpoint.key]:
                if probe.method != "GET":
                    continue
                for actor in ("owner", "member"):
                    if security.expected_access(endpoint, actor, probe.context) != "allowed":
                        continue
                    with self.subTest(endpoint=endpoint.key, probe=probe, actor=actor):
                        portal, app = security.fresh(self.layer)
                        ids = security.owner_ids(portal)
                        cookie = self.session(portal, USERIDS[actor])
                        if endpoint.kind == "page":
                            # Plone's first page stores the site's portlet assignments
                            # (a write on read that plone.protect lets through).
                            app.get(portal.absolute_url(), headers=cookie)
                        tid = self.last_transaction()
                        response = security.send(app, portal, endpoint, probe, ids, cookie)
                        expected = probe.owner if actor == "owner" else probe.foreign
                        self.assertEqual(response.status_int, expected, response.body[:300])
                        if self.last_transaction() != tid:
                            writers.add(endpoint.key)
                            self.assertIn(endpoint.key, security.GET_WRITES,
                                          f"GET {endpoint.key} wrote as {actor}")
        # The declared exceptions are real: opening an unread conversation and
        # following a notification link do mark them.
        self.assertEqual(writers, security.GET_WRITES)

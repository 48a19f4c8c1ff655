"""Hostile input, property-based (hypothesis): the Python API, the REST API and the pages.

Three properties, whatever a client sends:

- never a 500: a request is answered 2xx, 3xx or 4xx with a JSON error message;
- never a half-written state: a refused call changes nothing, an accepted one leaves
  every ``Length`` counter equal to the real count and every BTree structurally sound;
- never user text rendered as markup: the pages show it escaped, links only to http(s).

The runs are bounded (derandomized, few examples, no example database) so that the
module takes seconds, not minutes.
"""

from html.parser import HTMLParser
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.testing.zope import Browser
from plonesocial.activitystream import exc as activity_exc
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.browser.views import linkify
from plonesocial.messaging import api as messaging_api
from plonesocial.messaging import exc as messaging_exc
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from tests.push import AUTH
from tests.push import enable_push
from tests.push import P256DH
from tests.push import PUBLIC
from tests.rest import RestClient
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlencode
from urllib.parse import urlparse
from zope.component import getUtility
from ZPublisher.Converters import get_converter

import json
import transaction
import unittest


BOUNDED = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

# Every markup payload carries this marker, so that the page checks can tell
# the user's text from the page's own markup.
MARKER = "pwn1337"
PAYLOADS = [
    f"<script>alert('{MARKER}')</script>",
    f'"><img src=x onerror=alert("{MARKER}")>',
    f"'><svg/onload=alert('{MARKER}')>",
    f"javascript:alert('{MARKER}')",
    f'<a href="javascript:alert(1)">{MARKER}</a>',
    f'https://example.org/{MARKER}"onmouseover="alert(1)',
    f"https://example.org/{MARKER}'><script>alert(1)</script>",
    f"http://example.org/?q=<b>{MARKER}</b>&x=1#frag",
    f"&lt;script&gt;alert('{MARKER}')&lt;/script&gt;",
    f"&#60;script&#62;{MARKER}&#x3C;/script&#x3E;",
    f"<!-- {MARKER} -->",
    f"<![CDATA[{MARKER}]]>",
    f"<style>body{{background:url(javascript:{MARKER})}}</style>",
    f"\u202e{MARKER}\u200f\u2066",  # right-to-left override and marks
    f"\x00{MARKER}\x07\x1b[31m\x7f",  # NUL and other control characters
    f"😀👩\u200d👩\u200d👧{MARKER}\ufeff",
    f"{{{{{MARKER}}}}} ${{{MARKER}}} %(x)s %s",
]

text_pieces = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=30))
hostile_text = st.lists(text_pieces, min_size=1, max_size=5).map("".join)
# Lone surrogates: not Unicode that can be encoded, but JSON can carry them ("\ud800").
surrogate_text = st.builds(
    lambda a, s, b: a + s + b,
    st.text(max_size=5), st.characters(categories=["Cs"]), st.text(max_size=5),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=8), children, max_size=3),
    ),
    max_leaves=8,
)
# Everything that is not a string, where a string is expected.
not_strings = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.binary(max_size=5),
    st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=3),
                                                               st.integers(), max_size=2),
)
# What a query parameter can be made to be, with Zope's :int, :float, :list converters.
query_values = st.one_of(
    st.sampled_from(["abc", "-1", "0", "1", "1.5", "1e9", "", " ", "0x10", "١٢", "NaN",
                     "9" * 30, "9" * 5000, str(2**63), str(2**63 - 1), str(-(2**63)), "%00",
                     "<script>"]),
    st.integers().map(str), hostile_text,
)
query_suffixes = st.sampled_from(["", ":int", ":float", ":list", ":long", ":boolean", ":tokens",
                                  ":record", ":lines", ":required"])


def inboxes():
    return getUtility(IMessagingLocator).get_inboxes()


def manager():
    return getUtility(IActivityLocator).get_manager()


def check_consistency(test, inboxes, manager):
    """Every counter equals the real count; every BTree passes BTrees.check."""
    inboxes.check_invariants()
    manager.check_invariants()
    groups = messaging_api.get_groups()
    if groups is not None:
        groups.check_invariants()


def snapshot(inboxes, manager):
    """Everything a refused request must leave as it was, read through the public API."""
    subscriptions = manager.subscriptions
    people = set(inboxes.keys()) | set(manager.notifications.userids()) | set(
        manager.preferences.userids())
    return {
        "inboxes": {
            userid: (len(inbox), inbox.new_messages_count, tuple(inbox.get_blocked()), tuple(
                (c.username, len(c), c.new_messages_count, c.read_marker, tuple(c))
                for c in inbox.get_conversations()))
            for userid, inbox in ((userid, inboxes[userid]) for userid in inboxes.keys())
        },
        "activities": tuple(a.id for a in manager.get_site_stream(None)),
        "lists": {
            userid: (tuple((n.id, n.seen, n.count) for n in manager.get_by_recipient(userid)),
                     manager.get_last_seen(userid))
            for userid in manager.notifications.userids()
        },
        "preferences": {
            userid: (p.notify_myself, p.mail_mode, dict(p.mail_modes), p.digest_hour,
                     p.digest_weekday, p.timezone)
            for userid, p in ((u, manager.preferences.get_stored(u))
                              for u in manager.preferences.userids())
        },
        "subscriptions": {
            userid: tuple((s.kind, s.target, s.subtree, s.verbs, s.portal_types)
                          for s in subscriptions.get_subscriptions(userid))
            for userid in people
        },
        "push": {userid: tuple(s.endpoint for s in manager.get_push_subscriptions(userid))
                 for userid in people},
        "groups": group_snapshot(),
        # Issue 15: message requests and the messaging settings.
        "requests": {
            userid: (inbox.accept_messages_from, inbox.hide_read_receipts, tuple(
                (c.username, len(c), c.read_marker) for c in (
                    inbox.get_requests().get_conversations()
                    if inbox.get_requests() is not None else ())))
            for userid, inbox in ((userid, inboxes[userid]) for userid in inboxes.keys())
        },
    }


def group_snapshot():
    """Every group as its participants see it (issue 15)."""
    groups = messaging_api.get_groups()
    if groups is None:
        return None
    found = []
    for userid in ("ann", "bob", "cat"):
        for group in groups.groups_of(userid):
            found.append((userid, group.id, group.title, group.owner, group.message_count,
                          tuple((m.userid, m.how_left, m.muted, m.read_count, m.pending)
                                for m in group.memberships()),
                          tuple((m.id, m.text) for m in group.get_messages(userid))))
    return tuple(sorted(found))


class TestPythonAPI(unittest.TestCase):
    """The storage APIs refuse bad input with their own errors, and write nothing then."""

    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        self.inboxes = inboxes()
        self.manager = manager()

    def attempt(self, call, errors):
        """Run `call`; on a refusal (one of `errors`) assert nothing changed."""
        before = snapshot(self.inboxes, self.manager)
        savepoint = transaction.savepoint()
        try:
            result = call()
        except errors:
            self.assertEqual(snapshot(self.inboxes, self.manager), before)
            result = None
        check_consistency(self, self.inboxes, self.manager)
        # Each example starts from the same state.
        savepoint.rollback()
        return result

    @BOUNDED
    @given(text=st.one_of(hostile_text, surrogate_text, not_strings,
                          st.just("x" * 10_000), st.just("x" * 10_001)))
    @example(text="y" * 10_000)
    @example(text=" \n\t\u3000")
    def test_send_any_text(self, text):
        def send():
            message = self.inboxes.send("ann", "bob", text)
            copy = self.inboxes["bob"]["ann"][message.id]
            self.assertEqual((message.text, copy.text), (text, text))
            # What is stored can be written out as UTF-8 (pages, mails).
            message.text.encode("utf-8")
            return message

        result = self.attempt(send, messaging_exc.MessagingError)
        valid = (isinstance(text, str) and text.strip() and len(text) <= 10_000
                 and not any("\ud800" <= c <= "\udfff" for c in text))
        self.assertEqual(result is not None, bool(valid), repr(text)[:80])

    @BOUNDED
    @given(sender=st.one_of(hostile_text, not_strings), recipient=st.one_of(hostile_text,
                                                                            not_strings))
    def test_send_any_userids(self, sender, recipient):
        self.attempt(lambda: self.inboxes.send(sender, recipient, "hi"),
                     messaging_exc.MessagingError)

    @BOUNDED
    @given(key=st.one_of(st.integers(), st.integers(min_value=2**63 - 1), not_strings,
                         st.integers(max_value=-(2**63))))
    @example(key=2**64)
    @example(key=-(2**64))
    def test_lookups_with_any_key(self, key):
        """Keys of the wrong type or beyond 64 bits are "not found", never a TypeError."""
        message = self.inboxes.send("ann", "bob", "hi")
        self.manager.notify(["bob"], subject="hi")
        conversation = self.inboxes["bob"]["ann"]
        self.assertEqual(key in conversation, key == message.id)
        if key != message.id:
            self.assertIsNone(conversation.get(key))
        for lookup, error in (
            (lambda: self.inboxes[key], messaging_exc.NotFound),
            (lambda: self.inboxes["bob"][key], messaging_exc.NotFound),
            (lambda: self.manager.get(key), activity_exc.NotFound),
            (lambda: self.manager.get_notification("bob", key), activity_exc.NotFound),
        ):
            with self.assertRaises(error):
                lookup()
        transaction.abort()

    @BOUNDED
    @given(subject=st.one_of(hostile_text, surrogate_text, not_strings),
           body=st.one_of(hostile_text, not_strings),
           message_type=st.one_of(hostile_text, not_strings),
           recipients=st.one_of(st.lists(st.one_of(hostile_text, not_strings), max_size=3),
                                hostile_text, not_strings))
    def test_notify_anything(self, subject, body, message_type, recipients):
        self.attempt(
            lambda: self.manager.notify(recipients, subject=subject, body=body,
                                        message_type=message_type),
            activity_exc.ActivityStreamError,
        )

    @BOUNDED
    @given(actor=st.one_of(hostile_text, not_strings), verb=st.one_of(hostile_text, not_strings),
           object_=st.one_of(hostile_text, not_strings, st.tuples(hostile_text, hostile_text)),
           summary=st.one_of(hostile_text, not_strings), extra=json_values)
    def test_create_anything(self, actor, verb, object_, summary, extra):
        self.attempt(
            lambda: self.manager.create(actor, verb, object_, summary=summary, extra=extra,
                                        recipients=["bob"]),
            activity_exc.ActivityStreamError,
        )

    @BOUNDED
    @given(changes=st.dictionaries(
        st.sampled_from(["notify_myself", "mail_mode", "mail_modes", "digest_hour",
                         "digest_weekday", "timezone"]),
        json_values, max_size=4))
    @example(changes={"timezone": "../../../etc/passwd"})
    @example(changes={"timezone": "Europe/Berlin\x00"})
    @example(changes={"mail_modes": {"message": "often", "": "daily"}})
    def test_preferences_anything(self, changes):
        self.attempt(lambda: self.manager.set_preferences("ann", **changes),
                     activity_exc.ActivityStreamError)

    @BOUNDED
    @given(target=st.one_of(hostile_text, not_strings), verbs=json_values,
           portal_types=json_values, subtree=json_values)
    @example(target="bob", verbs=5, portal_types=None, subtree=True)
    @example(target="bob", verbs={"Create": 1}, portal_types=True, subtree=True)
    def test_subscriptions_anything(self, target, verbs, portal_types, subtree):
        subscriptions = self.manager.subscriptions
        self.attempt(lambda: subscriptions.follow("ann", target, verbs=verbs,
                                                  portal_types=portal_types),
                     activity_exc.ActivityStreamError)
        self.attempt(lambda: subscriptions.watch("ann", target, subtree, verbs=verbs,
                                                 portal_types=portal_types),
                     activity_exc.ActivityStreamError)

    @BOUNDED
    @given(cursor=st.one_of(st.integers(), st.integers(min_value=2**62), not_strings),
           limit=st.one_of(st.integers(), not_strings))
    @example(cursor=2**64, limit=2**64)
    def test_cursors_anything(self, cursor, limit):
        self.manager.notify(["ann"], subject="hi")
        self.inboxes.send("bob", "ann", "hi")
        for query in (self.manager.get_by_recipient("ann"), self.manager.get_timeline("ann"),
                      self.manager.get_site_stream("ann")):
            for method in ("before", "after"):
                try:
                    items = getattr(query, method)(cursor).limit(limit).all()
                except activity_exc.InvalidCursor:
                    continue
                self.assertIsInstance(items, list)
        transaction.abort()


    @BOUNDED
    @given(subject=st.one_of(hostile_text.filter(str.strip),
                             st.just("Hi\r\nBcc: evil@example.org\r\n\r\nbody")),
           body=hostile_text, name=st.one_of(hostile_text, st.just("Eve\nBcc: x@example.org")))
    def test_mail_of_any_notification(self, subject, body, name):
        """Whatever the text, the mails compose, with one single-line Subject header."""
        from plonesocial.delivery.mail import compose_digest
        from plonesocial.delivery.mail import compose_notification

        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        self.manager.notify(["ann"], subject=subject, body=body, actor="bob", actor_name=name,
                            owner=("user", "bob"))
        self.manager.notify(["ann"], subject=subject, body=body, actor="cat", actor_name=name,
                            owner=("user", "bob"))  # grouped: the subject names the actors
        notification = self.manager.get_by_recipient("ann").first()
        for message in (compose_notification(notification, "ann@example.org"),
                        compose_digest([notification], "ann@example.org")):
            raw = message.as_bytes()
            headers = raw.split(b"\r\n\r\n", 1)[0]
            self.assertEqual(len(message.get_all("Subject")), 1)
            self.assertFalse(set("\r\n") & set(str(message["Subject"])))
            names = [line.split(b":", 1)[0].lower() for line in headers.split(b"\r\n")
                     if not line[:1].isspace()]  # folded lines continue a header
            self.assertNotIn(b"bcc", names)
            self.assertEqual(names.count(b"subject"), 1)
        transaction.abort()


class TestLinkify(unittest.TestCase):
    @BOUNDED
    @given(text=hostile_text)
    @example(text="javascript:alert(1) JAVASCRIPT://x%0aalert(1) data:text/html,<b>")
    @example(text='https://a.example/"><script>x</script> http://b.example/\'onmouseover=x')
    def test_only_escaped_text_and_http_links(self, text):
        html = linkify(text)
        parser = PageParser()
        parser.feed(f"<div>{html}</div>")
        parser.close()
        self.assertEqual(parser.unsafe, [], html)
        tags = {tag for tag, _ in parser.elements}
        self.assertLessEqual(tags, {"div", "a", "br"}, html)
        for tag, attrs in parser.elements:
            if tag == "a":
                self.assertTrue(attrs["href"].startswith(("http://", "https://")), attrs)
                self.assertEqual(set(attrs), {"href", "rel", "target"})


class PageParser(HTMLParser):
    """Collects what user text must never become: markup, script, handlers, js: links."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "xlink:href"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.unsafe = []
        self.elements = []
        self.in_raw = None

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.elements.append((tag, values))
        if MARKER in tag:
            self.unsafe.append(("tag", tag))
        for name, value in attrs:
            value = value or ""
            if MARKER in name:
                self.unsafe.append(("attribute name", name))
            if name.startswith("on") and MARKER in value:
                self.unsafe.append(("handler", name, value))
            if name in self.URL_ATTRIBUTES:
                scheme = "".join(value.split()).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.unsafe.append(("url", name, value))
        if tag in ("script", "style"):
            self.in_raw = tag

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == self.in_raw:
            self.in_raw = None

    def handle_data(self, data):
        if self.in_raw and MARKER in data:
            self.unsafe.append((self.in_raw, data))

    def handle_comment(self, data):
        if MARKER in data:
            self.unsafe.append(("comment", data))

    def unknown_decl(self, data):
        if MARKER in data:
            self.unsafe.append(("declaration", data))


class RestTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.site = self.portal.absolute_url()
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password",
                            properties={"fullname": f"{userid.title()} {PAYLOADS[0]}"})
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.page = api.content.create(self.portal, "Document", "page",
                                       title=f"Page {PAYLOADS[1]}")
        api.content.transition(self.page, "publish")
        enable_push()
        # Hypothesis makes hundreds of writes a minute; the rate has its own test.
        api.portal.set_registry_record("plonesocial.delivery.settings_writes_per_minute", 0)
        transaction.commit()
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")

    def state(self):
        transaction.begin()  # see what the requests committed
        return snapshot(inboxes(), manager())

    def check_consistent(self):
        transaction.begin()
        check_consistency(self, inboxes(), manager())

    def assert_handled(self, response):
        """2xx/3xx, or 4xx with a JSON error message: never a server error."""
        self.assertLess(response.status_int, 500, response.body[:1000])
        if response.status_int >= 400:
            self.assertEqual(response.content_type, "application/json", response.body[:300])
            error = response.json
            self.assertTrue(error.get("message") or error.get("error"), error)

    def request(self, client, method, path, body=None, raw=None, content_type=None):
        """Send `body` as JSON (or `raw` bytes as they are); return the response."""
        url = f"{self.site}/{path}"
        headers = dict(client.headers)
        if raw is None and body is None:
            return client.testapp.request(url, method=method, headers=headers,
                                          expect_errors=True)
        if raw is None:
            # ensure_ascii (the default) lets lone surrogates travel as \udXXX escapes.
            raw = json.dumps(body).encode()
        headers["Content-Type"] = content_type or "application/json"
        return client.testapp.request(url, method=method, headers=headers, body=raw,
                                      expect_errors=True)

    def attempt(self, client, method, path, body=None, raw=None, content_type=None):
        """A request: handled, and if refused nothing changed; consistent either way."""
        before = self.state()
        response = self.request(client, method, path, body, raw, content_type)
        self.assert_handled(response)
        if response.status_int >= 400:
            self.assertEqual(self.state(), before, (method, path, response.body[:300]))
        self.check_consistent()
        return response


class TestRestBodies(RestTestCase):
    @BOUNDED
    @given(text=st.one_of(hostile_text, surrogate_text, json_values,
                          st.sampled_from(["x" * 10_000, "x" * 10_001, "x" * 100_000])))
    @example(text="z" * 10_000)
    def test_send_message(self, text):
        response = self.attempt(self.ann, "POST", "@inbox/bob", {"text": text})
        if response.status_int == 201:
            self.assertEqual(response.json["content"], text)
            got = self.bob.get(f"{self.site}/@inbox/ann?limit=1")
            self.assert_handled(got)
            self.assertEqual(got.json["orderedItems"][0]["content"], text)

    @BOUNDED
    @given(body=json_values)
    @example(body={"text": "hi", "extra": {"a": [1, 2]}})
    def test_any_json_body(self, body):
        for method, path in (("POST", "@inbox/bob"), ("PATCH", "@inbox/bob"),
                             ("PATCH", "@notification-settings"), ("POST", "@subscriptions"),
                             ("POST", "@notifications/seen"), ("POST", "@notifications/unseen"),
                             ("POST", "@push-subscriptions"), ("DELETE", "@push-subscriptions")):
            self.attempt(self.ann, method, path, body)

    @BOUNDED
    @given(changes=st.dictionaries(
        st.sampled_from(["notify_myself", "mail_mode", "mail_modes", "digest_hour",
                         "digest_weekday", "timezone", "unknown"]),
        st.one_of(json_values, st.sampled_from(["often", "daily", "never", "Europe/Berlin",
                                                 23, 24, -1, 6, 7, True])),
        max_size=4))
    @example(changes={"digest_hour": True})
    @example(changes={"mail_modes": {"message": "often", "notice": 5}})
    @example(changes={"mail_modes": []})
    def test_settings(self, changes):
        response = self.attempt(self.ann, "PATCH", "@notification-settings", changes)
        if response.status_int == 200:
            self.assertEqual(self.ann.get(f"{self.site}/@notification-settings").json,
                             response.json)

    @BOUNDED
    @given(body=st.fixed_dictionaries({}, optional={
        "follow": st.one_of(st.just("bob"), st.just("ann"), hostile_text, json_scalars),
        "watch": st.one_of(st.just("UUID"), hostile_text, json_scalars),
        "subtree": json_values, "verbs": json_values, "portal_types": json_values,
    }))
    @example(body={"follow": "bob", "verbs": 5})
    @example(body={"follow": "bob", "portal_types": {"Document": True}})
    @example(body={"watch": "UUID", "subtree": False, "verbs": 1.5})
    def test_subscriptions(self, body):
        if body.get("watch") == "UUID":
            body["watch"] = self.page.UID()
        self.attempt(self.ann, "POST", "@subscriptions", body)

    @BOUNDED
    @given(ids=st.one_of(json_values, st.lists(st.one_of(
        st.integers(), st.integers(min_value=2**63 - 2), st.integers(max_value=-(2**63)),
        st.booleans(), hostile_text), max_size=3)))
    @example(ids=[2**64])
    @example(ids=[-(2**64)])
    def test_notification_ids(self, ids):
        for action in ("seen", "unseen"):
            self.attempt(self.ann, "POST", f"@notifications/{action}", {"ids": ids})

    @BOUNDED
    @given(endpoint=st.one_of(hostile_text, json_scalars,
                              st.just("https://push.example/" + "e" * 100_000)),
           p256dh=st.one_of(st.just("BPub-key_"), hostile_text, json_scalars,
                            st.just("A" * 100_000)),
           auth=st.one_of(st.just("auth"), json_values),
           language=st.one_of(st.just("de"), json_values))
    @example(endpoint="https://push.example/x", p256dh="BPub", auth="a", language=["de"])
    @example(endpoint=PUBLIC + "/x", p256dh=P256DH, auth=AUTH, language="de")
    @example(endpoint="https://push.example/" + "e" * 100_000, p256dh="BPub", auth="a",
             language="de")
    @example(endpoint="https://push.example/x", p256dh="A" * 100_000, auth="a" * 100_000,
             language="de")
    def test_push_subscriptions(self, endpoint, p256dh, auth, language):
        body = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth},
                "language": language}
        response = self.attempt(self.ann, "POST", "@push-subscriptions", body)
        if response.status_int == 201:
            # What a browser sends is short: nothing larger is stored.
            self.assertLessEqual(len(response.json["endpoint"]), 2048)
            self.assertLessEqual(len(p256dh) + len(auth), 512)
            self.attempt(self.ann, "DELETE", "@push-subscriptions", {"endpoint": endpoint})

    @BOUNDED
    @given(raw=st.one_of(
        st.binary(max_size=40),
        st.text(max_size=40).map(str.encode),
        st.sampled_from([b"{", b"{\"text\": ", b"null", b"[]", b"\"text\"", b"1e400",
                         b"{\"text\": \"\\ud800\"}", b"{\"text\": \"\\u0000\"}",
                         b"{\"text\": NaN}", b"{\"text\": Infinity}",
                         b"\xff\xfe{\x00}\x00", b"\xef\xbb\xbf{\"text\": \"bom\"}",
                         b"{\"ids\": [" + b"9" * 5000 + b"]}",
                         # Deep, but not so deep that plone.restapi's own credentials
                         # plugin (which parses every JSON body first) hits the
                         # recursion limit: that 500 is plone.restapi's.
                         b"[" * 900 + b"]" * 900,
                         b"{\"a\":" * 900 + b"1" + b"}" * 900]),
    ), content_type=st.sampled_from(["application/json", "text/plain",
                                     "application/x-www-form-urlencoded"]))
    def test_invalid_json(self, raw, content_type):
        for method, path in (("POST", "@inbox/bob"), ("PATCH", "@notification-settings"),
                             ("POST", "@subscriptions"), ("POST", "@notifications/seen"),
                             ("POST", "@push-subscriptions")):
            self.attempt(self.ann, method, path, raw=raw, content_type=content_type)


class TestRestQueries(RestTestCase):
    def setUp(self):
        super().setUp()
        self.ann.post(f"{self.site}/@inbox/bob", {"text": "hello"})
        self.bob.post(f"{self.site}/@inbox/ann", {"text": "hi"})
        self.ann.post(f"{self.site}/@subscriptions", {"follow": "bob"})
        manager().notify(["ann"], subject="hello", context=self.page.UID())
        transaction.commit()

    @BOUNDED
    @given(params=st.lists(st.tuples(
        st.sampled_from(["limit", "before", "after", "actor", "verb", "with", "b_start"]),
        query_suffixes, query_values), min_size=1, max_size=3))
    @example(params=[("limit", "", "abc")])
    @example(params=[("limit", ":int", "0")])
    @example(params=[("before", "", "-1")])
    @example(params=[("before", "", str(2**64))])
    @example(params=[("after", "", str(2**63))])
    @example(params=[("before", ":float", "inf")])
    @example(params=[("before", ":float", "nan")])
    @example(params=[("limit", ":list", "5"), ("limit", ":list", "6")])
    @example(params=[("limit", ":boolean", "1")])
    @example(params=[("actor", ":list", "ann"), ("actor", ":list", "bob")])
    def test_query_parameters(self, params):
        for _, suffix, value in params:
            # Zope converts :int, :float... before any view runs; what its own
            # converters refuse is Zope's error page on every URL, not ours.
            converter = get_converter(suffix[1:]) if suffix else None
            if converter is not None:
                try:
                    converter(value)
                except (ValueError, TypeError, OverflowError):
                    assume(False)
        query = "&".join(f"{quote(name + suffix)}={quote(value, safe='')}"
                         for name, suffix, value in params)
        for path in ("@inbox", "@inbox/bob", "@notifications", "@notifications/count",
                     "@stream", "page/@stream", "@subscriptions", "@notification-settings",
                     "@push-subscriptions"):
            response = self.attempt(self.ann, "GET", f"{path}?{query}")
            self.assertIn(response.status_int, (200, 400), (path, query, response.body[:300]))

    @BOUNDED
    @given(segments=st.lists(st.one_of(
        hostile_text.map(lambda s: quote(s, safe="") or "%20"),
        st.integers().map(str),
        # NUL, an encoded slash, dots, CR LF (the test client sends UTF-8 paths only).
        st.sampled_from(["%00", "%2F", "..", "%2e%2e", "%0D%0A", "%E2%80%AE",
                         str(2**64), "bob", "ann", "@@view"]),
    ), min_size=1, max_size=3))
    @example(segments=["bob", str(2**64)])
    @example(segments=["bob", str(-(2**64))])
    @example(segments=["bob", "-1"])
    @example(segments=["nobody"])
    @example(segments=["%3Cscript%3E"])
    def test_path_segments(self, segments):
        path = "/".join(segments)
        for method, endpoint in (("GET", "@inbox"), ("DELETE", "@inbox"), ("GET", "@stream"),
                                 ("GET", "@notifications"), ("DELETE", "@subscriptions"),
                                 ("POST", "@notifications")):
            body = None if method in ("GET", "DELETE") else {}
            self.attempt(self.ann, method, f"{endpoint}/{path}", body)
        sent = self.attempt(self.ann, "POST", f"@inbox/{path}", {"text": "hi"})
        if sent.status_int == 201:
            # Messages go to people who exist, never to made-up inboxes.
            self.assertEqual(segments, ["bob"])
        self.attempt(self.ann, "PATCH", f"@inbox/{path}", {"read": True})
        transaction.begin()
        self.assertLessEqual(set(inboxes().keys()), {"ann", "bob"})


class TestPages(RestTestCase):
    """User text on every page that shows it: escaped, never markup."""

    def browser(self, userid):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {userid}:secret-password")
        return browser

    def assert_safe(self, html, where):
        parser = PageParser()
        parser.feed(html)
        parser.close()
        self.assertEqual(parser.unsafe, [], where)

    @settings(BOUNDED, max_examples=8)
    @given(text=hostile_text.filter(lambda t: t.strip()), title=hostile_text)
    @example(text=" ".join(PAYLOADS), title=" ".join(PAYLOADS))
    def test_pages_escape_user_text(self, text, title):
        response = self.ann.post(f"{self.site}/@inbox/bob", {"text": text[:10_000]})
        self.assertEqual(response.status_int, 201, response.body[:300])
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        transaction.begin()
        page = api.content.create(self.portal, "Document", "doc", title=title,
                                  safe_id=True)
        api.content.transition(page, "publish")
        manager().subscriptions.follow("bob", TEST_USER_ID)
        # Two actors about one item: the grouped subject is built from the names.
        for actor, name in ((TEST_USER_ID, title), ("ann", text)):
            manager().notify(["bob"], subject=f"About {title}", body=text,
                             context=page.UID(), owner=("content", page.UID()), actor=actor,
                             actor_name=name, phrase="wrote about", title=title)
        transaction.commit()
        bob = self.browser("bob")
        for url in (
            f"{self.site}/@@inbox",
            f"{self.site}/@@conversation?{urlencode({'with': 'ann'})}",
            f"{self.site}/@@notifications",
            f"{self.site}/@@stream",
            f"{page.absolute_url()}/@@stream",
            f"{self.site}/@@conversation?{urlencode({'with': 'ann'})}",  # read: no badge
        ):
            bob.open(url)
            self.assert_safe(bob.contents, url)
        if MARKER in text:
            # The conversation page shows the text itself, escaped, not dropped.
            self.assertIn(MARKER, bob.contents)
        self.check_consistent()

    @settings(BOUNDED, max_examples=10)
    @given(recipient=st.one_of(hostile_text, st.sampled_from(["bob", " bob ", "nobody", "ann",
                                                               "bob\r\nX-Injected: 1"])),
           text=st.one_of(hostile_text, st.just("")))
    def test_page_forms(self, recipient, text):
        """The send forms of @@inbox and @@conversation: a redirect, never a made-up inbox."""
        from plone.app.testing import login
        from plone.protect.authenticator import createToken

        login(self.portal, "ann")
        token = createToken()
        auth = {"Authorization": self.ann.headers["Authorization"]}
        for url, form in (
            (f"{self.site}/@@inbox", {"recipient": recipient, "text": text}),
            (f"{self.site}/@@conversation?{urlencode({'with': recipient})}", {"text": text}),
        ):
            before = self.state()
            response = self.ann.testapp.post(url, dict(form, _authenticator=token),
                                             headers=auth, expect_errors=True)
            # A refused send shows the form again, filled in (400; issue 14).
            self.assertIn(response.status_int, (302, 303, 400, 404), response.body[:300])
            location = response.headers.get("Location", "")
            self.assertTrue(response.status_int in (400, 404)
                            or urlparse(location).path.startswith(urlparse(self.site).path),
                            location)
            self.assertFalse(set("\r\n") & set(location), location)
            sent = self.state() != before
            # The inbox form strips the recipient it is given; a conversation's
            # address names it exactly (" bob " is nobody).
            named = recipient.strip() if "@@inbox" in url else recipient
            self.assertEqual(sent, named == "bob" and bool(text.strip())
                             and len(text) <= 10_000, (url, recipient, text))
            transaction.begin()
            self.assertLessEqual(set(inboxes().keys()), {"ann", "bob"})
            self.check_consistent()

    @settings(BOUNDED, max_examples=10)
    @given(value=st.one_of(query_values, st.just("ID")), suffix=query_suffixes,
           target=st.one_of(hostile_text, st.sampled_from([
               "javascript:alert(1)", "//evil.example/", "http://evil.example/plone",
               "http://nohost/plone\r\nSet-Cookie: x=1", "http://nohost/plone/page",
               "data:text/html,<script>alert(1)</script>", "http://nohost@evil.example/"])))
    @example(value="inf", suffix=":float", target="")
    @example(value="9" * 5000, suffix="", target="")
    @example(value="ID", suffix="", target="http://nohost/plone/page")
    def test_page_ids_and_redirects(self, value, suffix, target):
        """Ids in the page forms and in @@see: 404 or done, never a 500; @@see stays home."""
        from plone.app.testing import login
        from plone.protect.authenticator import createToken

        converter = get_converter(suffix[1:]) if suffix else None
        if converter is not None:
            try:
                converter(value)
            except (ValueError, TypeError, OverflowError):
                assume(False)  # Zope's own form conversion error, on every URL
        self.bob.post(f"{self.site}/@inbox/ann", {"text": "hi"})
        message_id = self.ann.get(f"{self.site}/@inbox/bob").json["orderedItems"][0]["id"]
        notification_id = self.ann.get(f"{self.site}/@notifications").json["orderedItems"][0]["id"]
        login(self.portal, "ann")
        token = createToken()
        auth = {"Authorization": self.ann.headers["Authorization"]}
        testapp = self.ann.testapp
        for url, name, real_id in (
            (f"{self.site}/@@conversation?with=bob", "delete_message", message_id),
            (f"{self.site}/@@notifications", "mark_seen", notification_id),
            (f"{self.site}/@@notifications", "mark_unseen", notification_id),
        ):
            field = str(real_id) if value == "ID" else value
            before = self.state()
            response = testapp.post(url, {name + suffix: field, "_authenticator": token},
                                    headers=auth, expect_errors=True)
            self.assertIn(response.status_int, (302, 404), (url, name, response.body[:300]))
            if response.status_int == 404:
                self.assertEqual(self.state(), before)
            self.check_consistent()
        field = str(notification_id) if value == "ID" else value
        response = testapp.get(f"{self.site}/@@see?{quote('id' + suffix)}={quote(field)}"
                               f"&{urlencode({'target': target})}", headers=auth,
                               expect_errors=True)
        self.assertEqual(response.status_int, 302, response.body[:300])
        location = response.headers["Location"]
        self.assertTrue(location.startswith(("http://nohost/plone", "http://nohost:80/plone")),
                        location)
        self.assertEqual(urlparse(location).hostname, "nohost", location)
        self.assertFalse(set("\r\n") & set(location), location)
        self.check_consistent()


class TestGroupBodies(RestTestCase):
    """Issue 15: whatever @conversations is sent, no 500 and no half-written group."""

    def setUp(self):
        super().setUp()
        api.user.create(email="cat@example.org", username="cat", password="secret-password")
        transaction.commit()
        response = self.ann.post(f"{self.site}/@conversations",
                                 {"participants": ["bob", "cat"], "title": PAYLOADS[2]})
        self.assertEqual(response.status_int, 201, response.body)
        self.group = response.json["id"]

    @BOUNDED
    @given(body=json_values)
    @example(body={"participants": ["bob", "cat"], "title": {"a": 1}})
    @example(body={"participants": ["bob", ["cat"]]})
    @example(body={"title": "\ud800", "owner": "bob"})
    def test_any_json_body(self, body):
        for method, path in (("POST", "@conversations"),
                             ("POST", f"@conversations/{self.group}/messages"),
                             ("POST", f"@conversations/{self.group}/participants"),
                             ("PATCH", f"@conversations/{self.group}")):
            self.attempt(self.ann, method, path, body)

    @BOUNDED
    @given(title=st.one_of(hostile_text, surrogate_text, json_scalars))
    def test_titles(self, title):
        response = self.attempt(self.ann, "PATCH", f"@conversations/{self.group}",
                                {"title": title})
        if response.status_int == 200:
            self.assertEqual(response.json["title"], " ".join((title or "").split()))

    @BOUNDED
    @given(segments=st.lists(st.one_of(hostile_text, st.sampled_from(
        ["messages", "participants", "0", "-1", "9" * 30, "ann", "bob"])), max_size=4))
    def test_path_segments(self, segments):
        path = "/".join(quote(s, safe="") for s in [self.group, *segments] if s)
        for method in ("GET", "DELETE"):
            self.attempt(self.bob, method, f"@conversations/{path}")


# Ids as a hostile client writes them into a URL: path and control characters,
# bidi overrides, dots, huge numbers (issue 15's request ids are user and group ids).
hostile_ids = st.one_of(
    hostile_text,
    st.sampled_from(["..", ".", "../ann", "ann/..", "ann/x", "groups", "groups/..",
                     "\x00", "ann\x00", "\r\nann", "\u202eann", "ann\u200f", "\u2066ann\u2069",
                     "\ufeffann", "ANN", " ann", "ann ", "9" * 5000, str(2**64), "-1", "%2F",
                     "a" * 100_000]),
)


class TestRequestBodies(RestTestCase):
    """Issue 15: whatever @message-requests and @messaging-settings are sent: a
    clean 400 or 404, never a 500, and nothing written by a refused request."""

    def setUp(self):
        super().setUp()
        api.user.create(email="cat@example.org", username="cat", password="secret-password")
        messaging_api.set_message_policy("bob", "nobody")
        transaction.commit()
        self.assertEqual(self.ann.post(f"{self.site}/@inbox/bob", {"text": "hi"}).status_int, 201)
        transaction.begin()
        self.group = messaging_api.create_group("cat", ["bob", "ann"], "Cat's").id
        transaction.commit()

    def waiting(self):
        transaction.begin()
        return messaging_api.count_requests("bob")

    @BOUNDED
    @given(body=st.one_of(json_values, st.fixed_dictionaries({"action": st.one_of(
        json_values, st.sampled_from(["Accept", "accept ", "ACCEPT", "decline\x00", "\u202eblock",
                                      "x" * 100_000]))})))
    @example(body={"action": "accept", "extra": 1})
    @example(body={"action": ["accept"]})
    @example(body={"action": {"accept": True}})
    @example(body=["accept"])
    @example(body="accept")
    def test_any_json_body(self, body):
        accepted = {"action": "accept"}, {"action": "decline"}, {"action": "block"}
        for path in ("@message-requests/ann", f"@message-requests/groups/{self.group}"):
            response = self.attempt(self.bob, "POST", path, body)
            if body not in accepted:
                # No body at all: refused before the service reads it (no CSRF token).
                self.assertIn(response.status_int, (400,) if body is not None else (400, 403),
                              (path, body, response.body[:300]))
        if body not in accepted:
            self.assertEqual(self.waiting(), 2)

    @BOUNDED
    @given(key=hostile_ids, action=st.sampled_from(["accept", "decline", "block"]))
    @example(key="ann/../cat", action="accept")
    @example(key="\u202eann", action="block")
    def test_request_ids(self, key, action):
        for path in (f"@message-requests/{quote(key, safe='')}",
                     f"@message-requests/groups/{quote(key, safe='')}",
                     f"@message-requests/{quote(key, safe='/')}"):
            # Zope decodes %2F before it traverses: a dot segment, encoded or not, is
            # resolved to another URL (one's own request, the list, the site).
            segments = unquote(path).split("/")[1:]
            if {".", ".."} & set(segments):
                continue
            if [s for s in segments if s] in ([], ["ann"], ["groups"], ["groups", self.group]):
                continue  # the list, or the real requests (empty segments collapse)
            got = self.attempt(self.bob, "GET", path)
            answered = self.attempt(self.bob, "POST", path, {"action": action})
            self.assertIn(got.status_int, (400, 404), (path, got.body[:300]))
            self.assertIn(answered.status_int, (400, 404), (path, answered.body[:300]))
        self.assertEqual(self.waiting(), 2)
        # Nobody answers another's request, whatever the id looks like.
        assume(not {".", ".."} & set(key.split("/")))
        self.attempt(self.ann, "POST", f"@message-requests/{quote(key, safe='')}",
                     {"action": action})
        self.assertEqual(self.waiting(), 2)

    @BOUNDED
    @given(changes=st.dictionaries(
        st.sampled_from(["accept_messages_from", "hide_read_receipts", "unknown"]),
        st.one_of(json_values, hostile_ids, st.sampled_from(
            ["everyone", "following", "nobody", "Everyone", "nobody ", "\u202enobody",
             "everyone\x00", True, False, 0, 1, None, ["nobody"], {"nobody": True}])),
        max_size=3))
    @example(changes={"accept_messages_from": "nobody", "hide_read_receipts": "yes"})
    @example(changes={"hide_read_receipts": True, "accept_messages_from": "friends"})
    @example(changes={"accept_messages_from": ["everyone"]})
    @example(changes={"accept_messages_from": "e" * 100_000})
    def test_messaging_settings(self, changes):
        for userid, client in (("ann", self.ann), ("cat", RestClient(self.layer["app"], "cat"))):
            response = self.attempt(client, "PATCH", "@messaging-settings", changes)
            policy, hidden = changes.get("accept_messages_from"), changes.get("hide_read_receipts")
            valid = changes and set(changes) <= {"accept_messages_from", "hide_read_receipts"} \
                and ("accept_messages_from" not in changes
                     or policy in (None, "everyone", "following", "nobody")) \
                and ("hide_read_receipts" not in changes or isinstance(hidden, bool))
            self.assertEqual(response.status_int, 200 if valid else 400, (changes, response.body))
            if valid:
                self.assertEqual(client.get(f"{self.site}/@messaging-settings").json,
                                 response.json)
                transaction.begin()
                if "accept_messages_from" in changes:
                    inbox = messaging_api.get_inbox(userid)
                    self.assertEqual(None if inbox is None else inbox.accept_messages_from,
                                     policy)

"""Hostile input for the social layer (issue 16), property-based: posts, comments,
mentions and tags from the Python API, REST and the rendering of their text."""

from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.social import get_social
from plonesocial.activitystream.social import render_html
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from tests.rest import RestClient
from tests.test_hostile_input import BOUNDED
from tests.test_hostile_input import hostile_text
from tests.test_hostile_input import json_values
from tests.test_hostile_input import PageParser
from urllib.parse import quote

import transaction
import unittest


# Mentions and tags among the payloads: real users, unknown ones, odd shapes.
social_pieces = st.sampled_from([
    "@bob", "@carol", "@nobody", "@", "@@bob", "email@bob", "@bob.", "@-x", "#budget",
    "#", "##x", "#ÄÖü", "#a-b-", "C#", "https://x.example/#frag", "#" + "t" * 80,
    "@" + "u" * 120, "#<b>", "@<script>", "\n@bob\n#x",
])
social_text = st.lists(st.one_of(social_pieces, hostile_text), min_size=1,
                       max_size=6).map(" ".join)


class TestRendering(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        api.user.create(email="bob@example.org", username="bob", password="secret-password")

    @BOUNDED
    @given(text=social_text)
    @example(text='@bob #x https://a.example/"><script>x</script> javascript:alert(1)')
    def test_only_escaped_text_and_safe_anchors(self, text):
        html = render_html(text)
        parser = PageParser()
        parser.feed(f"<div>{html}</div>")
        parser.close()
        self.assertEqual(parser.unsafe, [], html)
        self.assertLessEqual({tag for tag, _ in parser.elements}, {"div", "a", "br"}, html)
        for tag, attrs in parser.elements:
            if tag == "a":
                self.assertTrue(attrs["href"].startswith(("http://", "https://")), attrs)
                self.assertLessEqual(set(attrs), {"href", "rel", "target", "class"})


class TestPythonAPI(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        portal = self.layer["portal"]
        setRoles(portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob", "carol"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        self.team = api.content.create(portal, "Folder", "team", title="Team")
        for userid in ("ann", "bob"):
            api.user.grant_roles(username=userid, obj=self.team, roles=["Reader"])
        self.team.reindexObjectSecurity()

    @BOUNDED
    @given(text=social_text, edit=social_text, comment=social_text)
    def test_post_edit_comment_anything(self, text, edit, comment):
        try:
            activity = activitystream.post("ann", text, context=self.team.UID())
        except exc.InvalidInput:
            return
        for call in (lambda: activitystream.edit_post("ann", activity.id, edit),
                     lambda: activitystream.comment("bob", activity.id, comment)):
            try:
                call()
            except exc.InvalidInput:
                pass
        # Carol may not View the team folder: no mention, tag or notification reaches her.
        self.assertEqual(activitystream.get_notifications("carol").all(), [])
        for tag in activitystream.post_of(activity).tags:
            self.assertEqual(activitystream.get_tag_stream("carol", tag).all(), [])
        get_social().check_invariants()
        activitystream.get_manager().check_invariants()

    @BOUNDED
    @given(value=json_values)
    def test_any_ids_and_tags(self, value):
        for call in (lambda: activitystream.get_activity("ann", value),
                     lambda: activitystream.like("ann", value),
                     lambda: activitystream.comment("ann", value, "hi"),
                     lambda: activitystream.follow_tag("ann", value),
                     lambda: activitystream.get_tag_stream("ann", value).all()):
            try:
                call()
            except exc.SocialError:
                pass


class TestRest(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        portal = self.layer["portal"]
        api.user.create(email="ann@example.org", username="ann", password="secret-password")
        transaction.commit()
        self.site = portal.absolute_url()
        self.ann = RestClient(self.layer["app"], "ann")
        created = self.ann.post(f"{self.site}/@stream", json={"text": "hello"})
        self.url = created.json["url"]

    @BOUNDED
    @given(body=json_values)
    def test_any_bodies(self, body):
        for method, url in (("post", f"{self.site}/@stream"),
                            ("post", f"{self.url}/comments"),
                            ("patch", self.url)):
            answer = getattr(self.ann, method)(url, json=body)
            self.assertLess(answer.status_int, 500, (method, url, body))
            self.assertIn(answer.status_int, (200, 201, 400), (method, url, body))

    @BOUNDED
    @given(segment=st.one_of(hostile_text, social_pieces))
    def test_any_path_segments(self, segment):
        quoted = quote(segment.replace("/", ""), safe="") or "x"
        for url in (f"{self.site}/@tags/{quoted}", f"{self.site}/@activities/{quoted}",
                    f"{self.url}/comments/{quoted}", f"{self.site}/@stream?tag={quoted}",
                    f"{self.site}/@stream?actor={quoted}", f"{self.site}/@stream?q={quoted}"):
            answer = self.ann.get(url)
            self.assertIn(answer.status_int, (200, 400, 404), url)

"""POST @stream, @activities/{id} (comments, likes, favorites) and @tags over HTTP."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.rest import RestClient

import transaction
import unittest


class PostsTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob", "carol"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password",
                            properties={"fullname": userid.title()})
        self.team = api.content.create(self.portal, "Folder", "team", title="Team")
        for userid in ("ann", "bob"):
            api.user.grant_roles(username=userid, obj=self.team, roles=["Reader"])
        self.team.reindexObjectSecurity()
        transaction.commit()
        self.site = self.portal.absolute_url()
        self.ann = RestClient(self.layer["app"], "ann")
        self.bob = RestClient(self.layer["app"], "bob")
        self.carol = RestClient(self.layer["app"], "carol")

    def post(self, client=None, **data):
        return (client or self.ann).post(f"{self.site}/@stream", json=data)


class TestPosting(PostsTestCase):
    def test_post_read_edit_delete(self):
        answer = self.post(text="Hello https://example.org <i>x</i> #News")
        self.assertEqual(answer.status_int, 201)
        data = answer.json
        self.assertEqual(data["type"], "Create")
        note = data["object"]
        self.assertEqual(note["type"], "Note")
        self.assertEqual(note["source"]["content"], "Hello https://example.org <i>x</i> #News")
        self.assertIn('<a href="https://example.org"', note["content"])
        self.assertIn("&lt;i&gt;", note["content"])
        self.assertEqual(note["tag"][0]["name"], "#news")
        self.assertEqual(data["likes"]["totalItems"], 0)
        self.assertEqual(data["replies"]["totalItems"], 0)
        url = data["url"]
        self.assertEqual(self.bob.get(url).json["object"]["source"]["content"],
                         note["source"]["content"])
        self.assertEqual(self.bob.patch(url, json={"text": "Mine"}).status_int, 403)
        edited = self.ann.patch(url, json={"text": "Hello again"})
        self.assertEqual(edited.json["object"]["source"]["content"], "Hello again")
        self.assertIn("updated", edited.json["object"])
        self.assertEqual(self.bob.delete(url).status_int, 403)
        self.assertEqual(self.ann.delete(url).status_int, 204)
        self.assertEqual(self.ann.get(url).status_int, 404)

    def test_images_by_rest_as_base64_served_to_viewers_only(self):
        from tests.test_social import png

        import base64

        data = base64.b64encode(png()).decode()
        answer = self.post(text="Board", context=self.team.UID(),
                           images=[{"filename": "board.png", "data": data}])
        self.assertEqual(answer.status_int, 201, answer.body)
        (attachment,) = answer.json["object"]["attachment"]
        self.assertEqual((attachment["type"], attachment["mediaType"], attachment["name"]),
                         ("Image", "image/png", "board.png"))
        got = self.bob.get(attachment["url"])
        self.assertEqual(got.status_int, 200)
        self.assertEqual(got.headers["Content-Type"], "image/png")
        self.assertEqual(got.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(got.body, png())
        self.assertEqual(self.carol.get(attachment["url"]).status_int, 404)
        for images in ([{"filename": "a.png", "data": "%%%"}], "x", [{"data": data}],
                       [{"filename": "a.svg", "data": base64.b64encode(b"<svg/>").decode()}]):
            self.assertEqual(self.post(text="x", images=images).status_int, 400, images)

    def test_bad_posts_are_400(self):
        for body in ({}, {"text": ""}, {"text": 5}, {"text": "x", "extra": 1},
                     {"text": "x" * 5001}, {"text": "x", "context": 5}):
            self.assertEqual(self.post(**body).status_int, 400, body)
        # Valid JSON that is no object is told apart from JSON that is not valid.
        for body, message in ((b"[1]", "The body must be a JSON object"),
                              (b"{text", "The body is not valid JSON")):
            answer = self.ann.testapp.post(
                f"{self.site}/@stream", body, expect_errors=True,
                headers=dict(self.ann.headers, **{"Content-Type": "application/json"}))
            self.assertEqual((answer.status_int, answer.json["message"]), (400, message))

    def test_a_post_in_a_private_folder_reaches_nobody_who_may_not_view_it(self):
        answer = self.post(text="@carol @bob see #budget", context=self.team.UID())
        self.assertEqual(answer.status_int, 201)
        url = answer.json["url"]
        on_content = self.ann.post(f"{self.team.absolute_url()}/@stream", json={"text": "Two"})
        self.assertEqual(on_content.status_int, 201)
        self.assertTrue(on_content.json["context"]["id"].endswith("/plone/team"))
        self.assertEqual(self.bob.get(url).status_int, 200)
        for path in ("", "/comments", "/likes"):
            self.assertEqual(self.carol.get(url + path).status_int, 404, path)
        self.assertEqual(self.carol.post(url + "/likes").status_int, 404)
        self.assertEqual(self.carol.post(url + "/comments", json={"text": "hi"}).status_int,
                         404)
        for query in ("", "?actor=ann", "?tag=budget", "?q=see"):
            page = self.carol.get(f"{self.site}/@stream{query}").json
            self.assertEqual(page["orderedItems"], [], query)
        self.assertEqual(self.carol.get(f"{self.site}/@tags/budget").json["orderedItems"], [])
        self.assertEqual(self.carol.get(f"{self.site}/@notifications").json["orderedItems"],
                         [])
        bobs = self.bob.get(f"{self.site}/@stream?tag=budget&actor=ann").json["orderedItems"]
        self.assertEqual([a["url"] for a in bobs], [url])
        # Carol may not post there either.
        self.assertEqual(self.post(self.carol, text="x", context=self.team.UID()).status_int,
                         404)
        self.assertIn(
            self.carol.post(f"{self.team.absolute_url()}/@stream", json={"text": "x"})
            .status_int, (401, 404))

    def test_actor_filter_shows_what_the_reader_may_view_followed_or_not(self):
        public = self.post(text="Public").json["url"]
        self.post(text="Private", context=self.team.UID())
        page = self.carol.get(f"{self.site}/@stream?actor=ann").json
        self.assertEqual([a["url"] for a in page["orderedItems"]], [public])
        self.assertEqual(len(self.bob.get(f"{self.site}/@stream?actor=ann").json[
            "orderedItems"]), 2)
        self.assertEqual(self.bob.get(f"{self.site}/@stream?since=nope").status_int, 400)
        future = self.bob.get(f"{self.site}/@stream?actor=ann&since=2999-01-01").json
        self.assertEqual(future["orderedItems"], [])
        past = self.bob.get(f"{self.site}/@stream?actor=ann&until=2000-01-01").json
        self.assertEqual(past["orderedItems"], [])


class TestSorting(PostsTestCase):
    def test_sort_by_last_activity_with_keyset_pages(self):
        urls = [self.post(text=f"Post {n}").json["url"] for n in range(3)]
        self.bob.post(f"{urls[0]}/comments", json={"text": "up"})
        page = self.carol.get(f"{self.site}/@stream?actor=ann&sort=activity&limit=2").json
        self.assertEqual([a["url"] for a in page["orderedItems"]], [urls[0], urls[2]])
        rest = self.carol.get(page["next"]).json
        self.assertEqual([a["url"] for a in rest["orderedItems"]], [urls[1]])
        self.assertIn("sort=activity", page["next"])
        self.assertEqual(self.carol.get(f"{self.site}/@stream?sort=x").status_int, 400)


class TestCommentsAndReactions(PostsTestCase):
    def test_comments_likes_favorites(self):
        url = self.post(text="Lunch?").json["url"]
        answer = self.bob.post(f"{url}/comments", json={"text": "Yes @ann"})
        self.assertEqual(answer.status_int, 201)
        comment = answer.json
        self.assertEqual(comment["source"]["content"], "Yes @ann")
        self.assertIn('class="mention"', comment["content"])
        reply = self.ann.post(f"{url}/comments", json={"text": "Ok", "reply_to": comment["id"]})
        self.assertEqual(reply.json["inReplyTo"], comment["@id"])
        self.assertEqual(self.ann.post(f"{url}/comments", json={"text": ""}).status_int, 400)
        listed = self.carol.get(f"{url}/comments").json
        self.assertEqual(listed["totalItems"], 2)
        self.assertEqual(self.ann.patch(comment["@id"], json={"text": "No"}).status_int, 403)
        self.assertEqual(self.bob.patch(comment["@id"], json={"text": "Yes!"}).json[
            "source"]["content"], "Yes!")
        liked = self.bob.post(f"{url}/likes")
        self.assertEqual(liked.status_int, 200)
        self.assertEqual(liked.json["totalItems"], 1)
        self.assertEqual(liked.json["summary"], "Liked by you")
        self.carol.post(f"{url}/likes")
        self.assertEqual(self.ann.get(f"{url}/likes").json["summary"],
                         "Liked by Bob and Carol")
        self.assertEqual(self.ann.get(url).json["likes"]["totalItems"], 2)
        subjects = [n["subject"] for n in self.ann.get(f"{self.site}/@notifications").json[
            "orderedItems"]]
        self.assertIn("Bob and 1 other liked your post: Lunch?", subjects)
        self.assertEqual(self.ann.get(url).json["replies"]["totalItems"], 2)
        self.assertEqual(self.bob.delete(f"{url}/likes").status_int, 204)
        self.assertEqual(self.ann.get(url).json["likes"]["totalItems"], 1)
        self.assertEqual(self.ann.post(f"{comment['@id']}/likes").json["totalItems"], 1)
        self.bob.post(f"{url}/favorites")
        favorites = self.bob.get(f"{self.site}/@stream?favorites=true").json["orderedItems"]
        self.assertEqual([a["url"] for a in favorites], [url])
        self.assertTrue(favorites[0]["plonesocial:favorited"])
        subjects = [n["subject"] for n in self.ann.get(f"{self.site}/@notifications").json[
            "orderedItems"]]
        self.assertIn("Bob liked your post: Lunch?", subjects)  # Bob took his back
        self.assertIn("Bob commented on your post: Lunch?", subjects)
        self.assertEqual(self.bob.delete(comment["@id"]).status_int, 204)
        for bad in ("x", "0", "-1", "99999999999999999999", "1/comments/x/likes/y"):
            self.assertEqual(self.ann.get(f"{self.site}/@activities/{bad}").status_int, 404)

    def test_tags_follow_and_page(self):
        url = self.post(text="About #Budget").json["url"]
        self.assertEqual(self.carol.post(f"{self.site}/@tags/budget").status_int, 201)
        self.assertEqual(self.carol.get(f"{self.site}/@tags").json["items"][0]["tag"],
                         "budget")
        page = self.carol.get(f"{self.site}/@tags/budget").json
        self.assertTrue(page["plonesocial:following"])
        self.assertEqual([a["url"] for a in page["orderedItems"]], [url])
        timeline = self.carol.get(f"{self.site}/@stream").json["orderedItems"]
        self.assertIn(url, [a["url"] for a in timeline])
        self.assertEqual(self.carol.delete(f"{self.site}/@tags/budget").status_int, 204)
        self.assertEqual(self.carol.get(f"{self.site}/@tags/a%20b").status_int, 400)

"""The social layer through the Python API: posts, comments, likes, favorites,
mentions and hashtags, with real content and permissions (issue 16)."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.rendering import render_subject
from plonesocial.activitystream.social import get_social
from plonesocial.activitystream.social import liked_by_sentence
from plonesocial.activitystream.social import render_html
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from plonesocial.testing import profile_version

import unittest


def png(color=(200, 30, 30), size=(4, 3), kind="PNG"):
    """The bytes of a small real image."""
    from io import BytesIO
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


class SocialTestCase(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob", "carol", "dan", "eve"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password",
                            properties={"fullname": userid.title()})
        # A private team folder: Ann, Bob and Dan may View it, Carol may not.
        self.team = api.content.create(self.portal, "Folder", "team", title="Team")
        for userid in ("ann", "bob", "dan"):
            api.user.grant_roles(username=userid, obj=self.team, roles=["Reader"])
        self.team.reindexObjectSecurity()
        self.uuid = self.team.UID()

    def subjects(self, userid):
        return [render_subject(n) for n in activitystream.get_notifications(userid)]

    def ids(self, query):
        return [a.id for a in query]


class TestPosts(SocialTestCase):
    def test_a_post_is_a_create_of_a_note_in_the_stream_of_poster_and_followers(self):
        activitystream.follow("bob", "ann")
        activity = activitystream.post("ann", "Hello world")
        self.assertEqual(activity.verb, "Create")
        self.assertEqual(activity.object.kind, "post")
        self.assertEqual(activity.to_json()["object"]["type"], "Note")
        self.assertEqual(activitystream.post_of(activity).text, "Hello world")
        self.assertIn(activity.id, self.ids(activitystream.get_timeline("ann")))
        self.assertIn(activity.id, self.ids(activitystream.get_timeline("bob")))
        self.assertNotIn(activity.id, self.ids(activitystream.get_timeline("carol")))
        self.assertIn(activity.id, self.ids(activitystream.get_stream("carol", actor="ann")))
        self.assertEqual(self.subjects("bob"), ["Ann posted: Hello world"])
        get_social().check_invariants()
        activitystream.get_manager().check_invariants()

    def test_a_post_in_a_context_reaches_its_watchers_who_may_view_it_only(self):
        activitystream.watch("bob", self.uuid)
        activitystream.watch("carol", self.uuid)  # then lost access (or never had it)
        activitystream.follow("carol", "ann")
        activity = activitystream.post("ann", "Budget talk", context=self.uuid)
        self.assertEqual(activity.context, self.uuid)
        self.assertIn(activity.id, self.ids(activitystream.get_stream("bob", context=self.uuid)))
        self.assertIn(activity.id, self.ids(activitystream.get_timeline("bob")))
        self.assertEqual(self.subjects("bob"), ["Ann posted: Budget talk"])
        # Carol follows Ann and watches the folder, but may not View it.
        self.assertNotIn(activity.id, self.ids(activitystream.get_timeline("carol")))
        self.assertNotIn(activity.id, self.ids(activitystream.get_stream("carol", actor="ann")))
        self.assertEqual(self.subjects("carol"), [])
        self.assertEqual(activitystream.count_unseen("carol"), 0)
        with self.assertRaises(exc.NotFound):
            activitystream.get_activity("carol", activity.id)
        with self.assertRaises(exc.NotFound):
            activitystream.post("carol", "let me in", context=self.uuid)

    def test_no_mail_about_a_private_post_to_who_may_not_view_it(self):
        from plonesocial.delivery.outbox import create_outbox

        api.portal.set_registry_record("plone.email_from_address", "site@example.org")
        for userid in ("bob", "carol"):
            activitystream.set_preferences(userid, mail_mode="immediately")
            activitystream.watch(userid, self.uuid)
        activitystream.follow("carol", "ann")
        activity = activitystream.post("ann", "@carol @bob the numbers", context=self.uuid)
        activitystream.comment("bob", activity.id, "@carol see this")
        activitystream.like("bob", activity.id)
        outbox = create_outbox(self.portal)
        self.assertEqual(outbox.for_recipient("carol"), [])
        self.assertGreaterEqual(len(outbox.for_recipient("bob")), 1)
        self.assertEqual(activitystream.count_unseen("carol"), 0)

    def test_the_post_permission_decides_who_may_post_in_a_context(self):
        self.team.manage_permission("plonesocial: Post", roles=["Manager"], acquire=False)
        with self.assertRaises(exc.NotAllowed):
            activitystream.post("ann", "Not here", context=self.uuid)
        activitystream.post("ann", "In my own stream")  # the site still allows it

    def test_text_is_checked_and_the_limit_comes_from_the_registry(self):
        for bad in ("", "   ", None, 42, "\ud800"):
            with self.assertRaises(exc.InvalidInput):
                activitystream.post("ann", bad)
        api.portal.set_registry_record("plonesocial.activitystream.max_post_length", 10)
        with self.assertRaises(exc.InvalidInput) as raised:
            activitystream.post("ann", "x" * 11)
        self.assertIn("at most 10", str(raised.exception))
        activitystream.post("ann", "x" * 10)

    def test_edit_marks_the_post_and_only_the_author_may(self):
        activity = activitystream.post("ann", "First")
        with self.assertRaises(exc.NotAllowed):
            activitystream.edit_post("bob", activity.id, "Mine now")
        activitystream.follow("bob", "ann")
        activity = activitystream.post("ann", "First words")
        record = activitystream.edit_post("ann", activity.id, "Second")
        self.assertEqual(self.subjects("bob"), ["Ann posted: Second"])  # as it is now
        self.assertEqual(record.text, "Second")
        self.assertIsNotNone(record.edited)

    def test_delete_without_comments_removes_with_comments_leaves_a_tombstone(self):
        gone = activitystream.post("ann", "Oops")
        activitystream.like("bob", gone.id)
        with self.assertRaises(exc.NotAllowed):
            activitystream.delete_post("bob", gone.id)
        self.assertTrue(activitystream.delete_post("ann", gone.id))
        with self.assertRaises(exc.NotFound):
            activitystream.get_activity("ann", gone.id)
        # The notifications it made quote it no more.
        self.assertEqual(self.subjects("ann"), ["Bob liked your post: …"])
        kept = activitystream.post("ann", "Discuss")
        activitystream.comment("bob", kept.id, "Sure")
        self.assertFalse(activitystream.delete_post("ann", kept.id))
        record = activitystream.post_of(activitystream.get_activity("bob", kept.id))
        self.assertTrue(record.deleted)
        self.assertEqual(record.text, "")
        self.assertEqual(len(activitystream.get_comments("bob", kept.id)), 1)
        # The last comment going takes the tombstone with it.
        activitystream.delete_comment("bob", kept.id,
                                      activitystream.get_comments("bob", kept.id)[0].id)
        with self.assertRaises(exc.NotFound):
            activitystream.get_activity("ann", kept.id)
        get_social().check_invariants()
        activitystream.get_manager().check_invariants()

    def test_site_administrators_and_the_contexts_editors_may_delete_any_post_in_it(self):
        api.user.grant_roles(username="dan", obj=self.team, roles=["Editor"])
        api.user.grant_roles(username="eve", roles=["Site Administrator"])
        first = activitystream.post("ann", "One", context=self.uuid)
        second = activitystream.post("ann", "Two", context=self.uuid)
        own_stream = activitystream.post("ann", "Three")
        self.assertTrue(activitystream.delete_post("dan", first.id))
        with self.assertRaises(exc.NotAllowed):
            activitystream.delete_post("dan", own_stream.id)  # not in his folder
        self.assertTrue(activitystream.delete_post("eve", second.id))
        self.assertTrue(activitystream.delete_post("eve", own_stream.id))

    def test_links_are_clickable_on_output_and_never_stored_as_markup(self):
        activity = activitystream.post(
            "ann", "See https://example.org/a?b=1&c=2 <b>now</b> @bob #Budget")
        record = activitystream.post_of(activity)
        self.assertNotIn("<a", record.text)
        html = render_html(record.text, reader="carol")
        self.assertIn('<a href="https://example.org/a?b=1&amp;c=2"', html)
        self.assertIn("&lt;b&gt;now&lt;/b&gt;", html)
        self.assertIn('/author/bob"', html)
        self.assertIn('/@@tag/budget"', html)


class TestImages(SocialTestCase):
    def test_images_are_blobs_checked_by_content_and_shown_only_to_viewers(self):
        activity = activitystream.post(
            "ann", "Our board", context=self.uuid,
            images=[("board.png", png()), ("photo.jpg", png(kind="JPEG"))])
        record = activitystream.post_of(activity)
        self.assertEqual([i.contentType for i in record.images], ["image/png", "image/jpeg"])
        self.assertEqual(record.images[0].filename, "board.png")
        self.assertEqual(record.images[0].getImageSize(), (4, 3))
        self.assertEqual(activitystream.get_image("bob", activity.id, 1).contentType,
                         "image/jpeg")
        for reader, index in (("carol", 0), ("bob", 2), ("bob", "x"), ("bob", -1)):
            with self.assertRaises(exc.NotFound):
                activitystream.get_image(reader, activity.id, index)

    def test_images_are_refused_when_not_images_too_many_or_too_large(self):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        for images in ([("evil.png", svg)], [("x.png", b"not an image")],
                       [("a.png", png())] * 5, "abc", [("a.png", "text")], [b"raw"]):
            with self.assertRaises(exc.InvalidInput):
                activitystream.post("ann", "Look", images=images)
        api.portal.set_registry_record("plonesocial.activitystream.max_image_size", 1)
        with self.assertRaises(exc.InvalidInput):
            activitystream.post("ann", "Big", images=[("big.png", png(size=(800, 800)) * 2)])
        activitystream.post("ann", "Small", images=[("s.gif", png(kind="GIF"))])

    def test_a_deleted_post_drops_its_images(self):
        activity = activitystream.post("ann", "Pic", images=[("a.png", png())])
        activitystream.comment("bob", activity.id, "Nice")
        activitystream.delete_post("ann", activity.id)
        with self.assertRaises(exc.NotFound):
            activitystream.get_image("bob", activity.id, 0)


class TestComments(SocialTestCase):
    def test_comments_replies_counts_and_grouped_notifications(self):
        activity = activitystream.post("ann", "Lunch?")
        first = activitystream.comment("bob", activity.id, "Yes")
        activitystream.comment("carol", activity.id, "Me too")
        reply = activitystream.comment("dan", activity.id, "Where?", reply_to=first.id)
        self.assertEqual(reply.parent, first.id)
        # One level: a reply to a reply answers the first comment.
        deeper = activitystream.comment("bob", activity.id, "Here", reply_to=reply.id)
        self.assertEqual(deeper.parent, first.id)
        self.assertEqual(activitystream.count_comments(activity.id), 4)
        self.assertEqual(self.subjects("ann"),
                         ["Bob and 2 others commented on your post: Lunch?"])
        # Earlier commenters hear of later ones; nobody of their own.
        self.assertEqual(self.subjects("bob"), ["Dan and 1 other commented on Lunch?"])
        self.assertEqual(self.subjects("eve"), [])
        get_social().check_invariants()

    def test_comments_on_content_activities(self):
        page = api.content.create(self.team, "Document", "plan", title="Plan")
        created = activitystream.create(actor="dan", verb="Create", object=page,
                                        context=page, notify=False)
        self.assertEqual(created.verb, "Create")
        activitystream.comment("bob", created.id, "Nice plan")
        self.assertEqual(activitystream.count_comments(created.id), 1)
        activitystream.like("bob", created.id)
        self.assertEqual(activitystream.reactions("bob", created.id)["likes"], 1)

    def test_edit_and_delete_own_comment_only(self):
        activity = activitystream.post("ann", "Lunch?")
        mine = activitystream.comment("bob", activity.id, "Yes")
        with self.assertRaises(exc.NotAllowed):
            activitystream.edit_comment("dan", activity.id, mine.id, "No")
        with self.assertRaises(exc.NotAllowed):
            activitystream.delete_comment("dan", activity.id, mine.id)
        edited = activitystream.edit_comment("bob", activity.id, mine.id, "Yes!")
        self.assertEqual(edited.text, "Yes!")
        self.assertIsNotNone(edited.edited)
        activitystream.comment("dan", activity.id, "Ok", reply_to=mine.id)
        activitystream.delete_comment("bob", activity.id, mine.id)  # answered: a tombstone
        comments = activitystream.get_comments("ann", activity.id)
        self.assertEqual([c.deleted for c in comments], [True, False])
        self.assertEqual(activitystream.count_comments(activity.id), 1)
        get_social().check_invariants()

    def test_nobody_comments_on_what_they_may_not_view(self):
        activity = activitystream.post("ann", "Team only", context=self.uuid)
        with self.assertRaises(exc.NotFound):
            activitystream.comment("carol", activity.id, "Hi")
        with self.assertRaises(exc.NotFound):
            activitystream.get_comments("carol", activity.id)
        for bad_id in (None, "x", -1, True, 2**70, activity.id + 1):
            with self.assertRaises(exc.NotFound):
                activitystream.comment("bob", bad_id, "Hi")


class TestReactions(SocialTestCase):
    def test_likes_toggle_count_and_notify_the_author_grouped(self):
        activity = activitystream.post("ann", "Cake in the kitchen")
        self.assertTrue(activitystream.like("bob", activity.id))
        self.assertFalse(activitystream.like("bob", activity.id))  # already
        self.assertEqual(self.subjects("ann"), ["Bob liked your post: Cake in the kitchen"])
        for userid in ("carol", "dan", "eve"):
            activitystream.like(userid, activity.id)
        found = activitystream.reactions("ann", activity.id)
        self.assertEqual(found["likes"], 4)
        self.assertFalse(found["liked"])
        self.assertEqual(self.subjects("ann"),
                         ["Bob and 3 others liked your post: Cake in the kitchen"])
        self.assertTrue(activitystream.unlike("bob", activity.id))
        self.assertEqual(activitystream.reactions("bob", activity.id)["likes"], 3)
        sentence = liked_by_sentence(["carol", "dan", "eve", "bob", "ann"], reader="dan")
        self.assertEqual(str(sentence), "Liked by ${names} and ${others} others")
        self.assertEqual(sentence.mapping, {"names": "you, Ann", "others": 3})
        get_social().check_invariants()

    def test_likes_of_comments_and_favorites(self):
        activity = activitystream.post("ann", "Lunch?")
        said = activitystream.comment("bob", activity.id, "Pizza")
        activitystream.like("ann", activity.id, comment_id=said.id)
        self.assertEqual(self.subjects("bob"), ["Ann liked your comment: Pizza"])
        self.assertEqual(
            activitystream.reactions("bob", activity.id, comment_id=said.id)["likes"], 1)
        activitystream.favorite("bob", activity.id)
        self.assertTrue(activitystream.reactions("bob", activity.id)["favorited"])
        other = activitystream.post("ann", "Other")
        favorites = activitystream.get_timeline_page("bob", favorites=True)
        self.assertEqual(self.ids(favorites), [activity.id])
        self.assertNotIn(other.id, self.ids(favorites))
        activitystream.unfavorite("bob", activity.id)
        self.assertEqual(self.ids(activitystream.get_timeline_page("bob", favorites=True)), [])

    def test_nobody_reacts_to_what_they_may_not_view_and_likes_are_not_told(self):
        activity = activitystream.post("ann", "Team only", context=self.uuid)
        with self.assertRaises(exc.NotFound):
            activitystream.like("carol", activity.id)
        with self.assertRaises(exc.NotFound):
            activitystream.reactions("carol", activity.id)
        from plonesocial.activitystream.social import react

        with self.assertRaises(exc.InvalidInput):
            react("bob", "hate", activity.id)


class TestMentions(SocialTestCase):
    def test_a_mention_notifies_who_may_view_it_once_and_is_retracted_when_removed(self):
        activity = activitystream.post("ann", "Ask @bob and @carol and @nobody", context=self.uuid)
        self.assertEqual(self.subjects("bob")[0],
                         "Ann mentioned you: Ask @bob and @carol and @nobody")
        self.assertEqual(self.subjects("carol"), [])  # may not View the folder
        notification = activitystream.get_notifications("bob").first()
        self.assertEqual(notification.reasons, ("mentioned",))
        activitystream.edit_post("ann", activity.id, "Ask @bob and @dan")
        activitystream.edit_post("ann", activity.id, "Ask @bob and @dan, please")
        self.assertEqual(len([s for s in self.subjects("bob") if "mentioned" in s]), 1)
        self.assertEqual(len([s for s in self.subjects("dan") if "mentioned" in s]), 1)
        activitystream.edit_post("ann", activity.id, "Never mind")
        self.assertEqual([s for s in self.subjects("bob") if "mentioned" in s], [])

    def test_mentions_in_comments_and_blocked_people_cannot_mention(self):
        activity = activitystream.post("ann", "Lunch?")
        activitystream.comment("bob", activity.id, "@dan come along")
        self.assertIn("Bob mentioned you: @dan come along", self.subjects("dan"))
        messaging.block("eve", "bob")
        activitystream.comment("bob", activity.id, "@eve too")
        self.assertEqual([s for s in self.subjects("eve") if "mentioned" in s], [])

    def test_a_mentioned_author_or_commenter_hears_of_a_comment_once(self):
        activity = activitystream.post("ann", "Lunch?")
        activitystream.comment("dan", activity.id, "Yes")
        activitystream.comment("bob", activity.id, "@ann @dan where?")
        self.assertEqual([s for s in self.subjects("ann") if "Bob" in s],
                         ["Bob mentioned you: @ann @dan where?"])
        self.assertEqual([s for s in self.subjects("dan") if "Bob" in s],
                         ["Bob mentioned you: @ann @dan where?"])
        activitystream.comment("eve", activity.id, "Me too")  # no mention: as before
        self.assertIn("Eve and 1 other commented on your post: Lunch?", self.subjects("ann"))
        # A mention edited away: its notification goes, the comment's takes its place.
        said = activitystream.comment("bob", activity.id, "@dan and you?")
        self.assertIn("Bob mentioned you: @dan and you?", self.subjects("dan"))
        activitystream.edit_comment("bob", activity.id, said.id, "and you?")
        dan = self.subjects("dan")
        self.assertNotIn("Bob mentioned you: @dan and you?", dan)
        self.assertTrue(any("commented on" in s and "Bob" in s for s in dan), dan)


    def test_mentions_in_group_conversations_notify_participants_only(self):
        from plonesocial.urls import notification_url

        group = messaging.create_group("ann", ["bob", "dan", "eve"], "Lunch")
        messaging.block("eve", "ann")
        messaging.send_to_group("ann", group.id, "@bob @carol @eve @dan: noon?")
        self.assertEqual(self.subjects("bob"), ["Ann mentioned you: @bob @carol @eve @dan: noon?"])
        self.assertEqual(self.subjects("carol"), [])  # not in the conversation
        self.assertEqual(self.subjects("eve"), [])  # blocks Ann
        notification = activitystream.get_notifications("dan").first()
        self.assertEqual(notification.reasons, ("mentioned",))
        self.assertIn("@@group?id=", notification_url(notification))

    def test_saving_a_post_unchanged_is_no_edit(self):
        activity = activitystream.post("ann", "Budget #q3")
        record = activitystream.edit_post("ann", activity.id, "Budget #q3")
        self.assertIsNone(record.edited)
        self.assertIsNotNone(activitystream.edit_post("ann", activity.id, "Budget #q4").edited)

    def test_notifications_about_posts_link_to_the_post_in_its_stream(self):
        from plonesocial.urls import notification_url

        mine = activitystream.post("ann", "Look @bob")
        team = activitystream.post("ann", "Team @bob", context=self.uuid)
        activitystream.like("bob", mine.id)
        comment = activitystream.comment("bob", team.id, "Seen")
        activitystream.like("dan", team.id, comment.id)
        site = self.portal.absolute_url()
        urls = {render_subject(n): notification_url(n, reader=userid)
                for userid in ("ann", "bob")
                for n in activitystream.get_notifications(userid)}
        self.assertEqual(urls["Ann mentioned you: Look @bob"],
                         f"{site}/@@stream?show=site#activity-{mine.id}")
        self.assertEqual(urls["Ann mentioned you: Team @bob"],
                         f"{self.team.absolute_url()}/@@stream#activity-{team.id}")
        self.assertEqual(urls["Bob liked your post: Look @bob"],
                         f"{site}/@@stream?show=site#activity-{mine.id}")
        self.assertEqual(urls["Bob commented on your post: Team @bob"],
                         f"{self.team.absolute_url()}/@@stream#activity-{team.id}")
        self.assertEqual(urls["Dan liked your comment: Seen"],
                         f"{self.team.absolute_url()}/@@stream#activity-{team.id}")
        # Who may not View the folder is not given its address.
        notification = [n for n in activitystream.get_notifications("bob")
                        if "Team" in render_subject(n)][0]
        self.assertEqual(notification_url(notification, reader="carol"),
                         f"{site}/@@stream?show=site#activity-{team.id}")


class TestTags(SocialTestCase):
    def test_tags_are_indexed_followed_and_only_visible_posts_are_shown(self):
        public = activitystream.post("ann", "Plans for #Budget and #q3")
        private = activitystream.post("ann", "Secret #budget", context=self.uuid)
        activitystream.post("ann", "Nothing tagged, C# or a.b/#c")
        self.assertEqual(self.ids(activitystream.get_tag_stream("bob", "budget")),
                         [private.id, public.id])
        self.assertEqual(self.ids(activitystream.get_tag_stream("carol", "#BUDGET")),
                         [public.id])
        self.assertEqual(self.ids(activitystream.get_tag_stream("bob", "c")), [])
        activitystream.edit_post("ann", public.id, "Plans for #q3")
        self.assertEqual(self.ids(activitystream.get_tag_stream("carol", "budget")), [])
        # Following a tag brings its posts into the timeline.
        activitystream.follow_tag("carol", "#q3")
        self.assertEqual(activitystream.followed_tags("carol"), ["q3"])
        self.assertIn(public.id, self.ids(activitystream.get_timeline_page("carol")))
        self.assertEqual(self.ids(activitystream.get_timeline_page("carol", tag="q3")),
                         [public.id])
        for bad in ("", "#", "a b", None, "x" * 100):
            with self.assertRaises(exc.InvalidInput):
                activitystream.follow_tag("carol", bad)


class TestTimeline(SocialTestCase):
    def test_sort_by_last_activity_lifts_commented_posts_and_pages_by_keyset(self):
        activitystream.follow("bob", "ann")
        first = activitystream.post("ann", "First")
        second = activitystream.post("ann", "Second")
        third = activitystream.post("ann", "Third")
        self.assertEqual(self.ids(activitystream.get_timeline_page("bob"))[:3],
                         [third.id, second.id, first.id])
        activitystream.comment("carol", first.id, "Lifted")
        by_activity = activitystream.get_timeline_page("bob", sort="activity")
        self.assertEqual(self.ids(by_activity)[:3], [first.id, third.id, second.id])
        # Keyset paging on the sort key: after the lifted one come the others.
        cursor = activitystream.sort_key(first, "activity")
        self.assertGreater(cursor, third.id)
        self.assertEqual(self.ids(by_activity.before(cursor))[:2], [third.id, second.id])
        # Filters keep the order: only Ann's, by last activity.
        self.assertEqual(self.ids(activitystream.get_timeline_page(
            "carol", actor="ann", sort="activity")), [first.id, third.id, second.id])
        # Published order is unchanged.
        self.assertEqual(self.ids(activitystream.get_timeline_page("bob"))[:3],
                         [third.id, second.id, first.id])
        with self.assertRaises(exc.InvalidInput):
            activitystream.get_timeline_page("bob", sort="random")
        get_social().check_invariants()

    def test_keyword_and_date_range(self):
        from datetime import timedelta
        from plonesocial.clock import utcnow

        found = activitystream.post("ann", "The quarterly Budget")
        activitystream.post("ann", "Something else")
        self.assertEqual(self.ids(activitystream.get_timeline_page(
            "ann", keyword="budget")), [found.id])
        later = utcnow() + timedelta(hours=1)
        self.assertEqual(self.ids(activitystream.get_timeline_page("ann", since=later)), [])
        self.assertEqual(len(self.ids(activitystream.get_timeline_page(
            "ann", until=later, keyword="budget"))), 1)
        with self.assertRaises(exc.InvalidInput):
            activitystream.get_timeline_page("ann", keyword="  ")


class TestPersonalData(SocialTestCase):
    def test_export_and_erasure_cover_posts_comments_reactions_and_tag_follows(self):
        mine = activitystream.post("ann", "Mine #x")
        theirs = activitystream.post("bob", "Theirs")
        activitystream.comment("ann", theirs.id, "A comment")
        activitystream.like("ann", theirs.id)
        activitystream.favorite("ann", theirs.id)
        activitystream.follow_tag("ann", "x")
        data = get_social_export("ann")
        self.assertEqual([p["text"] for p in data["posts"]], ["Mine #x"])
        self.assertEqual([c["text"] for c in data["comments"]], ["A comment"])
        self.assertEqual(len(data["likes"]), 1)
        self.assertEqual(len(data["favorites"]), 1)
        self.assertEqual(data["tags"], ["x"])
        from plonesocial.activitystream.social import erase_user

        self.assertEqual(erase_user("ann"), 5)
        self.assertEqual(get_social_export("ann"),
                         {"posts": [], "comments": [], "likes": [], "favorites": [],
                          "tags": []})
        with self.assertRaises(exc.NotFound):
            activitystream.get_activity("bob", mine.id)
        self.assertEqual(activitystream.reactions("bob", theirs.id)["likes"], 0)
        get_social().check_invariants()


def get_social_export(userid):
    from plonesocial.activitystream.social import export_user

    return export_user(userid)


class TestUpgrade(SocialTestCase):
    def test_upgrade_1009_to_1015(self):
        from plone.base.utils import get_installer

        setup = api.portal.get_tool("portal_setup")
        registry = api.portal.get_tool("portal_registry")
        del registry.records["plonesocial.activitystream.max_post_length"]
        self.portal.manage_permission("plonesocial: Post", roles=[], acquire=True)
        manager = activitystream.get_manager()
        manager.__dict__.pop("social", None)
        self.assertIsNone(get_social())
        setup.setLastVersionForProfile("plonesocial:default", "1009")
        get_installer(self.portal, self.layer["request"]).upgrade_product("plonesocial")
        self.assertEqual(setup.getLastVersionForProfile("plonesocial:default"), (profile_version(),))
        self.assertEqual(
            api.portal.get_registry_record("plonesocial.activitystream.max_post_length"), 5000)
        granted = {r["name"] for r in self.portal.rolesOfPermission("plonesocial: Post")
                   if r["selected"]}
        self.assertEqual(granted, {"Member", "Site Administrator", "Manager"})
        self.assertIsNotNone(get_social())


"""The social layer's pages: the post box, like, favorite and comment controls, the
tag page (issue 16), in a browser session of the functional layer."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.testing.zope import Browser
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING

import transaction
import unittest


class TestSocialPages(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker"),
                             ("carol", "Carol Cole")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        self.team = api.content.create(self.portal, "Folder", "team", title="Team")
        for userid in ("ann", "bob"):
            api.user.grant_roles(username=userid, obj=self.team, roles=["Reader"])
        self.team.reindexObjectSecurity()
        transaction.commit()
        self.site = self.portal.absolute_url()

    def browser(self, userid):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {userid}:secret-password")
        return browser

    def test_post_like_comment_in_a_team_folder(self):
        ann = self.browser("ann")
        ann.open(f"{self.team.absolute_url()}/@@stream")
        ann.getControl("What do you want to say?").value = "@bob look at #budget <b>now</b>"
        ann.getControl("Post").click()
        self.assertIn("/team/@@stream", ann.url)
        self.assertIn("Ann Ames posted", ann.contents)
        self.assertIn('class="mention"', ann.contents)
        self.assertIn("&lt;b&gt;now&lt;/b&gt;", ann.contents)
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@notifications")
        self.assertIn("Ann Ames mentioned you", bob.contents)
        bob.open(f"{self.team.absolute_url()}/@@stream")
        bob.getForm(index=self.form_index(bob, "like")).submit()
        self.assertIn("Liked by you", bob.contents)
        bob.getControl("Your comment", index=0).value = "Numbers are in"
        bob.getControl("Comment", index=0).click()
        self.assertIn("Numbers are in", bob.contents)
        self.assertIn("Comments (1)", bob.contents)
        ann.open(f"{self.site}/@@notifications")
        self.assertIn("Bob Baker liked your post", ann.contents)
        self.assertIn("Bob Baker commented on your post", ann.contents)
        bob.getForm(index=self.form_index(bob, "favorite")).submit()
        bob.open(f"{self.site}/@@stream?show=favorites")
        self.assertIn("look at", bob.contents)
        self.assertIn('aria-current="page"', bob.contents)
        bob.open(f"{self.site}/@@stream?show=active")
        self.assertIn("Recently active", bob.contents)
        bob.open(f"{self.site}/@@tag/budget")
        self.assertIn("look at", bob.contents)
        bob.getControl("Follow this tag").click()
        self.assertIn("You follow #budget now.", bob.contents)
        # Carol may not View the folder: she sees none of it anywhere.
        carol = self.browser("carol")
        for path in ("@@stream", "@@stream?show=site", "@@tag/budget", "@@notifications"):
            carol.open(f"{self.site}/{path}")
            self.assertNotIn("look at", carol.contents, path)
            self.assertNotIn("Numbers are in", carol.contents, path)

    def form_index(self, browser, action):
        """The index of the first form that sends `action`."""
        import re

        forms = re.findall(r"<form\b.*?</form>", browser.contents, re.S)
        for index, form in enumerate(forms):
            if f'name="action" value="{action}"' in form:
                return index
        raise AssertionError(f"no {action} form")

    def test_acting_on_an_item_returns_to_the_same_view_at_the_item(self):
        """The UX walk: liking, favoriting or commenting on @@stream?show=site (or a
        later page) went back to the unfiltered @@stream, at its top."""
        from plonesocial.activitystream import api as activitystream

        activity = activitystream.post("ann", "Lunch at noon, #food")
        transaction.commit()
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@stream?show=site")
        self.assertIn(f'value="{self.site}/@@stream?show=site#activity-{activity.id}"',
                      bob.contents)
        bob.getForm(index=self.form_index(bob, "like")).submit()
        self.assertTrue(bob.url.startswith(f"{self.site}/@@stream?show=site"), bob.url)
        self.assertIn("Liked by you", bob.contents)
        bob.open(f"{self.site}/@@tag/food")
        self.assertIn(f'value="{self.site}/@@tag/food#activity-{activity.id}"', bob.contents)

    def test_followed_tags_are_listed_on_the_following_page(self):
        """The UX walk: @@following listed people, content and mutes but not the tags one
        follows; stopping one meant finding its page again."""
        from plonesocial.activitystream import api as activitystream

        bob = self.browser("bob")
        bob.open(f"{self.site}/@@following")
        self.assertIn("You follow no tag yet.", bob.contents)
        activitystream.follow_tag("bob", "budget")
        activitystream.follow_tag("bob", "q3")
        transaction.commit()
        bob.open(f"{self.site}/@@following")
        self.assertEqual(bob.getLink("#budget").url, f"{self.site}/@@tag/budget")
        self.assertEqual(bob.getLink("#q3").url, f"{self.site}/@@tag/q3")
        bob.getForm(index=self.form_index(bob, "unfollow-tag")).submit()
        self.assertEqual(bob.url, f"{self.site}/@@following")
        self.assertIn("You no longer follow #budget.", bob.contents)
        transaction.begin()
        self.assertEqual(activitystream.followed_tags("bob"), ["q3"])

    def test_reply_to_a_comment_from_the_page(self):
        """The UX walk: comments take one level of replies (the API's reply_to), but the
        page had no Reply: every answer became a new top-level comment."""
        from plonesocial.activitystream import api as activitystream

        activity = activitystream.post("ann", "Where shall we eat?")
        first = activitystream.comment("bob", activity.id, "The pizza place")
        activitystream.comment("carol", activity.id, "Thai, please")
        transaction.commit()
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@stream?show=site")
        ann.getControl("Your reply to Bob Baker").value = "Pizza <it> is"
        ann.getForm(index=self.reply_form_index(ann, first.id)).submit()
        self.assertTrue(ann.url.startswith(f"{self.site}/@@stream?show=site"), ann.url)
        # The reply is under the comment it answers, indented, before the later comment.
        page = ann.contents
        self.assertLess(page.index("The pizza place"), page.index("Pizza &lt;it&gt; is"))
        self.assertLess(page.index("Pizza &lt;it&gt; is"), page.index("Thai, please"))
        transaction.begin()
        from plonesocial.activitystream import social

        [reply] = [c for c in social.get_social().comments.thread(activity.id).comments()
                   if c.parent is not None]
        self.assertEqual((reply.author, reply.parent, reply.text), ("ann", first.id, "Pizza <it> is"))

    def reply_form_index(self, browser, comment_id):
        import re

        forms = re.findall(r"<form\b.*?</form>", browser.contents, re.S)
        for index, form in enumerate(forms):
            if f'name="reply_to" value="{comment_id}"' in form:
                return index
        raise AssertionError(f"no reply form for {comment_id}")

"""Classic UI pages, in a browser session of the functional layer."""

from plone import api
from plone.testing.zope import Browser
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.browser.views import linkify
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility

import transaction
import unittest


class TestLinkify(unittest.TestCase):
    def test_escapes_and_links(self):
        self.assertEqual(
            linkify('<script>x</script> see https://example.org/a?b=1&c="2"\nbye'),
            '&lt;script&gt;x&lt;/script&gt; see <a href="https://example.org/a?b=1&amp;c="'
            ' rel="nofollow noopener noreferrer" target="_blank">https://example.org/a?b=1&amp;c=</a>'
            '&quot;2&quot;<br>bye',
        )
        self.assertEqual(linkify("javascript:alert(1)"), "javascript:alert(1)")


class ViewsTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        transaction.commit()
        self.site = self.portal.absolute_url()

    def browser(self, userid):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {userid}:secret-password")
        return browser

    def inboxes(self):
        transaction.begin()
        return getUtility(IMessagingLocator).get_inboxes()


class TestMessagingPages(ViewsTestCase):
    def test_send_read_delete(self):
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@inbox")
        ann.getControl(name="recipient").value = "bob"
        ann.getControl(name="text").value = "Hi <b>Bob</b>, see https://example.org"
        ann.getControl("Send").click()
        self.assertIn("@@conversation?with=bob", ann.url)
        self.assertIn("Hi &lt;b&gt;Bob&lt;/b&gt;", ann.contents)
        self.assertIn('<a href="https://example.org" rel="nofollow noopener noreferrer"',
                      ann.contents)
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@inbox")
        self.assertIn("Ann Ames", bob.contents)
        self.assertIn("1 unread", bob.contents)
        self.assertEqual(self.inboxes()["bob"].new_messages_count, 1)
        bob.getLink(url="@@conversation?with=ann").click()  # opening it marks it read
        self.assertEqual(self.inboxes()["bob"].new_messages_count, 0)
        bob.getControl(name="text").value = "Thanks"
        bob.getControl(name="send").click()
        self.assertEqual(len(self.inboxes()["ann"]["bob"]), 2)
        bob.getControl("Delete this conversation").click()
        self.assertNotIn("ann", self.inboxes()["bob"])
        self.assertEqual(len(self.inboxes()["ann"]["bob"]), 2)

    def send_refused(self, browser):
        """Click Send, expecting the page again with 400 (issue 14: the draft stays)."""
        browser.raiseHttpErrors = False
        browser.getControl("Send").click()
        self.assertEqual(browser.headers["status"], "400 Bad Request")

    def test_errors_save_nothing_and_keep_the_draft(self):
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@inbox")
        ann.getControl(name="recipient").value = "nobody"
        ann.getControl(name="text").value = "hello, a long thought"
        self.send_refused(ann)
        self.assertIn("There is no user nobody.", ann.contents)
        # Defect 6: what was typed is still there.
        self.assertEqual(ann.getControl(name="recipient").value, "nobody")
        self.assertEqual(ann.getControl(name="text").value, "hello, a long thought")
        ann.getControl(name="recipient").value = "bob"
        ann.getControl(name="text").value = "   "
        self.send_refused(ann)
        self.assertIn("Not sent: The message is empty", ann.contents)
        self.assertEqual(ann.getControl(name="recipient").value, "bob")
        ann.getControl(name="recipient").value = "ann"
        ann.getControl(name="text").value = "me"
        self.send_refused(ann)
        # Defect 8: no internals ("'ann' cannot send a message to themselves").
        self.assertIn("You cannot send a message to yourself.", ann.contents)
        self.assertNotIn("themselves", ann.contents)
        self.assertNotIn("ann", self.inboxes())

    def test_send_message_from_a_profile_waits_in_the_message_box(self):
        """The UX walk: "Send message" on Bob's page led to the inbox with Bob filled
        in and the cursor at the top of the page; it waits in the message box now."""
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@inbox?to=bob")
        self.assertEqual(ann.getControl(name="recipient").value, "bob")
        self.assertRegex(ann.contents, r'<textarea[^>]*id="new-text"[^>]*autofocus="autofocus"')
        ann.open(f"{self.site}/@@inbox")
        self.assertNotIn("autofocus", ann.contents)

    def test_textarea_has_the_limit(self):
        api.portal.set_registry_record("plonesocial.messaging.max_message_length", 140)
        transaction.commit()
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@inbox")
        self.assertIn('maxlength="140"', ann.contents)
        self.assertIn('data-max="140"', ann.contents)

    def test_post_without_token_refused(self):
        from zExceptions import Forbidden

        with self.assertRaises(Forbidden):
            self.browser("ann").post(f"{self.site}/@@inbox", "recipient=bob&text=forged")
        self.assertNotIn("ann", self.inboxes())

    def test_anonymous_sent_to_login(self):
        browser = Browser(self.layer["app"])
        browser.open(f"{self.site}/@@inbox")
        self.assertIn("/login", browser.url)


class TestNotificationPages(ViewsTestCase):
    def setUp(self):
        super().setUp()
        manager = getUtility(IActivityLocator).get_manager()
        manager.notify(["ann"], subject="First <news>")
        manager.notify(["ann"], subject="Second")
        transaction.commit()

    def manager(self):
        transaction.begin()
        return getUtility(IActivityLocator).get_manager()

    def test_menu_page_and_marking(self):
        ann = self.browser("ann")
        ann.open(self.site)
        self.assertIn('id="plonesocial-badge"', ann.contents)
        self.assertIn('data-count="2"', ann.contents)
        self.assertIn("First &lt;news&gt;", ann.contents)
        ann.open(f"{self.site}/@@notifications")
        self.assertIn("2 not seen", ann.contents)
        ann.getControl("Mark read", index=0).click()
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 1)
        ann.getControl("Mark all read").click()
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 0)
        ann.getControl("Mark unread", index=0).click()
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 1)

    def test_pages_name_themselves_in_title_and_breadcrumbs(self):
        from plonesocial.messaging import api as messaging

        import re

        api.user.create(email="cat@example.org", username="cat", password="secret-password",
                        properties={"fullname": "Cat Cole"})
        group = messaging.create_group("ann", ["bob", "cat"], "Picnic <plans>")
        transaction.commit()
        ann = self.browser("ann")
        for path, name in (("@@notifications", "Notifications"), ("@@inbox", "Messages"),
                           ("@@following", "Following and watching"),
                           ("@@conversation?with=bob", "Conversation with Bob Baker"),
                           ("@@notification-preferences", "Notification preferences"),
                           # The UX walk found these titled "Plone site" with a bare "Home".
                           ("@@new-conversation", "New conversation"),
                           ("@@blocked", "Blocked people"),
                           ("@@messaging-settings", "Message settings"),
                           (f"@@group?id={group.id}", "Picnic &lt;plans&gt;")):
            with self.subTest(page=path):
                ann.open(f"{self.site}/{path}")
                title = re.search(r"<title>(.*?)</title>", ann.contents, re.S).group(1)
                self.assertTrue(title.startswith(f"{name} &mdash; ")
                                or title.startswith(f"{name} \u2014 "), title)
                crumbs = re.search(r'<nav id="portal-breadcrumbs".*?</nav>', ann.contents,
                                   re.S).group(0)
                self.assertIn(name, crumbs)

    def test_personal_menu_has_messages_and_notifications(self):
        ann = self.browser("ann")
        ann.open(self.site)
        self.assertIn('id="personaltools-plonesocial-messages"', ann.contents)
        self.assertIn('id="personaltools-plonesocial-notifications"', ann.contents)
        self.assertEqual(ann.getLink(id="personaltools-plonesocial-notifications").url,
                         f"{self.site}/@@notifications")

    def test_see_marks_seen_and_redirects_inside_only(self):
        notification = self.manager().get_by_recipient("ann").first()
        ann = self.browser("ann")
        ann.followRedirects = False
        ann.open(f"{self.site}/@@see?id={notification.id}&target={self.site}/news")
        self.assertEqual(ann.headers["Location"], f"{self.site}/news")
        self.assertEqual(self.manager().count_not_seen_by_recipient("ann"), 1)
        for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
            with self.subTest(target=target):
                ann.open(f"{self.site}/@@see?id=1&target={target}")
                self.assertEqual(ann.headers["Location"], f"{self.site}/@@notifications")

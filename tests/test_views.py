"""Classic UI pages, in a browser session of the functional layer."""

from plone import api
from plone.testing.zope import Browser
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.browser.views import linkify
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.component import getUtility

import json
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


class TestConversationMessagesView(ViewsTestCase):
    """@@conversation-messages: the open page's new or changed messages, as the page renders them."""

    def fetch(self, userid, query):
        browser = self.browser(userid)
        browser.open(f"{self.site}/@@conversation-messages?{query}")
        self.assertEqual(browser.headers["Content-Type"], "application/json")
        return json.loads(browser.contents)

    def test_new_messages_rendered_as_the_page_without_marking_read(self):
        inboxes = self.inboxes()
        first = inboxes.send("ann", "bob", "Hi")
        inboxes.send("ann", "bob", "Line one\nsee https://example.org/x <img src=x>")
        transaction.commit()
        page = self.fetch("bob", f"with=ann&after={first.id}")
        self.assertEqual(len(page["items"]), 1)
        item = page["items"][0]
        self.assertFalse(item["mine"])
        self.assertTrue(item["html"].startswith(
            '<li class="plonesocial-message plonesocial-theirs" data-message-id="'))
        self.assertIn('Line one<br>see <a href="https://example.org/x" rel="nofollow noopener '
                      'noreferrer" target="_blank">https://example.org/x</a> &lt;img src=x&gt;',
                      item["html"])
        self.assertNotIn("unsend_message", item["html"])  # not Bob's to unsend
        self.assertEqual([i["id"] for i in self.fetch("bob", "with=ann")["items"]],
                         [first.id, item["id"]])  # oldest first
        # The page marks what it shows read (PATCH @inbox), not this view.
        self.assertEqual(self.inboxes()["bob"]["ann"].new_messages_count, 2)

    def test_my_message_has_edit_and_unsend_and_one_by_id(self):
        inboxes = self.inboxes()
        sent = inboxes.send("ann", "bob", "Mine")
        transaction.commit()
        items = self.fetch("ann", f"with=bob&id={sent.id}")["items"]
        self.assertEqual([(i["id"], i["mine"]) for i in items], [(sent.id, True)])
        for control in ('name="edit_message"', 'name="unsend_message"', "<strong>You</strong>",
                        'name="_authenticator"'):
            self.assertIn(control, items[0]["html"])
        self.assertEqual(self.fetch("ann", f"with=bob&id={sent.id + 1}")["items"], [])
        self.assertEqual(self.fetch("ann", "with=bob&id=x")["items"], [])

    def test_only_my_own_conversations_and_only_get(self):
        from zExceptions import MethodNotAllowed
        from zExceptions import NotFound

        self.inboxes().send("ann", "bob", "Private")
        api.user.create(email="cat@example.org", username="cat", password="secret-password")
        transaction.commit()
        cat = self.browser("cat")
        for query in ("with=ann", "with=bob", "with=", "with=nobody"):
            with self.assertRaises(NotFound):
                cat.open(f"{self.site}/@@conversation-messages?{query}")
        with self.assertRaises(MethodNotAllowed):
            self.browser("bob").post(f"{self.site}/@@conversation-messages", "with=ann")

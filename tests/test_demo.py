"""The demo data of `make run`: users, conversations, and idempotence."""

from plone import api
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.demo import create_demo_activity
from plonesocial.demo import create_demo_conversations
from plonesocial.demo import create_demo_users
from plonesocial.demo import DEMO_MESSAGES
from plonesocial.demo import DEMO_USERS
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from zope.component import getUtility

import transaction
import unittest


class TestDemo(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        self.inboxes = getUtility(IMessagingLocator).get_inboxes()
        self.users = create_demo_users()
        self.sent = create_demo_conversations(self.inboxes)

    def test_users(self):
        self.assertEqual(self.users, [userid for userid, _, _ in DEMO_USERS])
        for userid, fullname, _ in DEMO_USERS:
            self.assertEqual(api.user.get(userid=userid).getProperty("fullname"), fullname)

    def test_passwords_work(self):
        acl_users = api.portal.get_tool("acl_users")
        for userid, _, password in DEMO_USERS:
            self.assertIsNotNone(acl_users.authenticate(userid, password, self.layer["request"]))

    def test_alice_sees_her_conversations(self):
        alice = self.inboxes["alice"]
        self.assertEqual(
            [c.username for c in alice.get_conversations()], ["carol", "dave", "bob"]
        )
        # Bob's and Dave's answers are new; Carol's welcome was read.
        self.assertEqual(alice.new_messages_count, 2)
        self.assertEqual(alice["bob"].new_messages_count, 1)
        self.assertEqual(alice["dave"].new_messages_count, 1)
        self.assertEqual(alice["carol"].new_messages_count, 0)

    def test_every_message_stored_twice(self):
        self.assertEqual(self.sent, len(DEMO_MESSAGES))
        for sender, recipient, text, _ in DEMO_MESSAGES:
            self.assertIn(text, [m.text for m in self.inboxes[recipient][sender].get_messages()])
            self.assertIn(text, [m.text for m in self.inboxes[sender][recipient].get_messages()])

    def test_second_run_changes_nothing(self):
        self.assertEqual(create_demo_users(), [])
        self.assertEqual(create_demo_conversations(self.inboxes), 0)
        self.assertEqual(len(self.inboxes["alice"]["bob"]), 2)


class TestDemoActivity(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        portal = self.layer["portal"]
        create_demo_users()
        # As scripts/create_site.py does: every step committed on its own.
        create_demo_conversations(getUtility(IMessagingLocator).get_inboxes(),
                                  checkpoint=transaction.commit)
        self.assertTrue(create_demo_activity(portal, checkpoint=transaction.commit))
        transaction.commit()
        self.am = getUtility(IActivityLocator).get_manager()

    def test_activity_for_the_demo_users(self):
        subjects = [n.subject for n in self.am.get_by_recipient("alice")]
        # Newest first, each at the time it happened; her messages notified her too.
        self.assertEqual(subjects[:9], [
            "Carol Cooper mentioned you: Glad to have you with us, @alice!",
            "Dave Dyer liked your post: My first week is done: thank you all for the warm "
            "welcome! #welcome",
            "Dave Dyer sent you a message",
            "Carol Cooper mentioned you: Budget review on Friday at 10. @alice, could you "
            "bring last year's figures? #bu\u2026",
            "Carol Cooper sent you a message",
            "Bob Baker sent you a message",
            "Bob Baker changed Intranet draft to Published",
            "Welcome to the plonesocial demo",
            "Bob Baker created Intranet draft",
        ])
        carol = [n.subject for n in self.am.get_by_recipient("carol")]
        self.assertIn("Bob Baker liked your post: Budget review on Friday at 10. @alice, could "
                      "you bring last year's figures? #bu\u2026", carol)
        bob = [n.subject for n in self.am.get_by_recipient("bob")]
        self.assertEqual(bob[:2], ["Carol Cooper sent you a message",
                                   "Carol Cooper and 1 other commented on Intranet draft"])
        self.assertEqual(
            [a.verb for a in self.am.get_site_stream("alice").limit(3)],
            ["Create", "Create", "Create"],  # the posts of 4 and 20 hours ago first
        )

    def test_demo_times_are_spread_as_on_a_site_in_use(self):
        """Issue 14: demo notifications carried the site's creation time, all of them."""
        from plonesocial.clock import utcnow

        now = utcnow()
        ages = {n.subject: round((now - n.updated).total_seconds() / 3600)
                for n in self.am.get_by_recipient("alice")}
        self.assertEqual(ages["Dave Dyer sent you a message"], 5)
        self.assertEqual(ages["Bob Baker created Intranet draft"], 49)
        self.assertEqual(ages["Bob Baker changed Intranet draft to Published"], 31)
        self.assertEqual(ages["Welcome to the plonesocial demo"], 48)
        bob = list(self.am.get_by_recipient("bob"))[1]  # the comments on Bob's draft
        self.assertEqual(round((now - bob.updated).total_seconds() / 3600), 3)
        self.assertEqual(round((now - bob.created).total_seconds() / 3600), 6)
        # Plone's own dates of the demo content tell the same story.
        draft = self.layer["portal"]["team"]["intranet-draft"]
        self.assertEqual(round((now - draft.created().asdatetime().replace(tzinfo=None))
                               .total_seconds() / 3600), 49)
        # The clock is back to the real time.
        self.assertLess(abs((utcnow() - now).total_seconds()), 60)

    def test_demo_comments_are_members_not_guests(self):
        from plone.app.discussion.browser.utils import format_author_name_with_suffix
        from plone.app.discussion.interfaces import IConversation

        draft = self.layer["portal"]["team"]["intranet-draft"]
        names = [format_author_name_with_suffix(c, self.layer["request"])
                 for c in IConversation(draft).getComments()]
        self.assertEqual(sorted(names), ["Carol Cooper", "Dave Dyer"])

    def test_second_run_changes_nothing(self):
        before = len(self.am)
        self.assertFalse(create_demo_activity(self.layer["portal"]))
        transaction.commit()
        self.assertEqual(len(self.am), before)

"""Plone events becoming activities and notifications, with real content and permissions."""

from plone import api
from plone.app.discussion.interfaces import IConversation
from plone.app.testing import login
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.app.testing import TEST_USER_NAME
from plonesocial.activitystream.content import ANNOTATION_KEY
from plonesocial.activitystream.content import CatalogVisibility
from plonesocial.activitystream.content import get_storage
from plonesocial.activitystream.content import PloneResolver
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.annotation.interfaces import IAnnotations
from zope.component import createObject
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import transaction
import unittest


class PloneTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid in ("ann", "bob", "cat"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password",
                            properties={"fullname": userid.title()})
        self.am = getUtility(IActivityLocator).get_manager()
        self.folder = api.content.create(self.portal, "Folder", "team", title="Team")
        api.content.transition(self.folder, "publish")
        transaction.commit()

    def verbs(self, uuid, reader="ann"):
        return [a.verb for a in self.am.get_by_context(uuid, reader=reader)]


class TestEvents(PloneTestCase):
    def test_aborted_transaction_records_nothing(self):
        before = len(self.am)
        api.content.create(self.folder, "Document", "oops", title="Oops")
        transaction.abort()
        self.assertEqual(len(self.am), before)

    def test_create_and_edit_in_one_transaction_is_one_create(self):
        page = api.content.create(self.folder, "Document", "page", title="Page")
        page.title = "Page, edited"
        api.content.transition(page, "publish")
        from zope.event import notify
        from zope.lifecycleevent import ObjectModifiedEvent

        notify(ObjectModifiedEvent(page))
        transaction.commit()
        created = self.am.get_by_context(page.UID(), reader="ann").all()
        self.assertEqual([a.verb for a in created], ["Update", "Create"])
        self.assertEqual(created[1].summary, "test_user_1_ created Page, edited")
        self.assertEqual(created[0].extra["review_state"], "published")

    def test_move(self):
        other = api.content.create(self.portal, "Folder", "other", title="Other")
        page = api.content.create(self.folder, "Document", "page", title="Page")
        for obj in (other, page):
            api.content.transition(obj, "publish")
        transaction.commit()
        api.content.move(page, other)
        transaction.commit()
        moved = self.am.get_by_context(other.UID(), reader="ann").first()
        self.assertEqual((moved.verb, moved.summary), ("Move", "test_user_1_ moved Page"))
        self.assertEqual(moved.target.id, other.UID())
        # The containers an item left and entered are not "edited".
        summaries = [a.summary for a in self.am.get_site_stream(None)]
        self.assertNotIn("test_user_1_ edited Team", summaries)
        self.assertNotIn("test_user_1_ edited Other", summaries)

    def test_creator_watches_unless_turned_off(self):
        api.user.grant_roles("bob", obj=self.folder, roles=["Contributor"])
        login(self.portal, "bob")
        first = api.content.create(self.folder, "Document", "one", title="One")
        transaction.commit()
        self.assertTrue(self.am.subscriptions.is_watching("bob", first.UID()))
        api.portal.set_registry_record("plonesocial.activitystream.creator_watches", False)
        second = api.content.create(self.folder, "Document", "two", title="Two")
        transaction.commit()
        self.assertFalse(self.am.subscriptions.is_watching("bob", second.UID()))

    def test_comments_group_per_item(self):
        page = api.content.create(self.folder, "Document", "page", title="Page")
        api.content.transition(page, "publish")
        self.am.subscriptions.watch("ann", page.UID())
        transaction.commit()  # Ann hears of the creation and publication...
        self.am.mark_all_seen("ann")  # ...and has read about them.
        transaction.commit()
        for userid in ("bob", "cat"):
            login(self.portal, userid)
            comment = createObject("plone.Comment")
            comment.text = f"{userid} says hi"
            comment.author_username = userid
            IConversation(page).addComment(comment)
            transaction.commit()
        notification = self.am.get_by_recipient("ann").first()
        self.assertEqual(notification.subject, "Cat and 1 other commented on Page")
        self.assertEqual(notification.body, "cat says hi")
        self.assertEqual(notification.reasons, (f"watches:{page.UID()}",))
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 1)
        activity = self.am.get(notification.activity_id)
        self.assertEqual((activity.verb, activity.object.kind), ("Create", "comment"))

    def test_removed_content_disappears(self):
        page = api.content.create(self.folder, "Document", "page", title="Page")
        api.content.transition(page, "publish")
        self.am.subscriptions.watch("ann", self.folder.UID())
        transaction.commit()
        uuid = page.UID()
        self.assertEqual(self.verbs(uuid), ["Update", "Create"])
        api.content.delete(page)
        transaction.commit()
        self.assertEqual(self.verbs(uuid), [])
        newest = self.am.get_by_context(self.folder.UID(), reader="ann").first()
        self.assertEqual((newest.verb, newest.summary), ("Delete", "test_user_1_ deleted Page"))
        subjects = [n.subject for n in self.am.get_by_recipient("ann")]
        self.assertEqual(subjects[0], "test_user_1_ deleted Page")
        self.assertNotIn("test_user_1_ created Page", subjects)
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), len(subjects))

    def test_private_delete_not_shown_to_those_who_never_saw_it(self):
        page = api.content.create(self.folder, "Document", "secret", title="Secret")
        self.am.subscriptions.watch("ann", self.folder.UID())
        transaction.commit()
        api.content.delete(page)
        transaction.commit()
        self.assertEqual([n.subject for n in self.am.get_by_recipient("ann")], [])
        self.assertEqual(self.am.count_not_seen_by_recipient("ann"), 0)
        newest = self.am.get_by_context(self.folder.UID(), reader=TEST_USER_ID).first()
        self.assertEqual(newest.verb, "Delete")

    def test_commit_without_a_site_set(self):
        # ploneSite(), scripts and tests may unset the site before they commit:
        # the hook records in the site the changes were noted in, and the site
        # the caller has set (none) is set again afterwards.
        page = api.content.create(self.folder, "Document", "late", title="Late")
        uuid = page.UID()
        setSite(None)
        self.addCleanup(setSite, self.portal)
        transaction.commit()
        self.assertIsNone(getSite())
        setSite(self.portal)
        self.assertEqual(self.verbs(uuid, reader=TEST_USER_ID), ["Create"])

    def test_uninstalled_site_records_nothing(self):
        from plone.base.utils import get_installer

        get_installer(self.portal, self.layer["request"]).uninstall_product("plonesocial")
        transaction.commit()
        before = len(self.am)
        api.content.create(self.folder, "Document", "after", title="After")
        transaction.commit()
        self.assertEqual(len(self.am), before)


class TestPermissions(PloneTestCase):
    def test_two_users_see_different_streams(self):
        api.user.grant_roles("bob", obj=self.folder, roles=["Contributor"])
        login(self.portal, "bob")
        draft = api.content.create(self.folder, "Document", "draft", title="Draft")
        transaction.commit()
        login(self.portal, TEST_USER_NAME)
        self.assertEqual(self.verbs(draft.UID(), reader="bob"), ["Create"])
        self.assertEqual(self.verbs(draft.UID(), reader="ann"), [])
        # A group with a local role opens it to its members.
        api.group.create(groupname="editors")
        api.group.add_user(groupname="editors", username="ann")
        api.group.grant_roles(groupname="editors", obj=draft, roles=["Reader"])
        draft.reindexObjectSecurity()  # as the sharing page does
        transaction.commit()
        self.assertIn("user:editors", CatalogVisibility().principals("ann"))
        self.assertEqual(self.verbs(draft.UID(), reader="ann"), ["Create"])
        self.assertEqual(CatalogVisibility().principals("nobody"), frozenset())

    def test_notification_count_follows_view(self):
        page = api.content.create(self.folder, "Document", "page", title="Page")
        api.content.transition(page, "publish")
        transaction.commit()
        self.am.notify(["cat"], subject="About page", context=page.UID())
        self.am.notify(["cat"], subject="Not about content")
        self.assertEqual(self.am.count_not_seen_by_recipient("cat"), 2)
        api.content.transition(page, "retract")
        transaction.commit()
        self.assertEqual(self.am.count_not_seen_by_recipient("cat"), 1)
        self.assertEqual([n.subject for n in self.am.get_by_recipient("cat")],
                         ["Not about content"])


class TestResolverAndUpgrade(PloneTestCase):
    def test_resolver(self):
        resolver = PloneResolver()
        from plonesocial.activitystream.activity import Reference

        self.assertEqual(
            resolver.describe(Reference("content", self.folder.UID())),
            {"type": "Collection", "id": "http://nohost/plone/team", "name": "Team"},
        )
        self.assertEqual(
            resolver.describe(Reference("content", "gone")),
            {"type": "Object", "id": "urn:plonesocial:content:gone"},
        )
        self.assertEqual(resolver.describe(Reference("user", "ann"))["name"], "Ann")

    def test_upgrade_1000_to_1001(self):
        setup = api.portal.get_tool("portal_setup")
        registry = api.portal.get_tool("portal_registry")
        del IAnnotations(self.portal)[ANNOTATION_KEY]
        for name in ("fanout_threshold", "remove_after", "keep_unseen", "creator_watches"):
            del registry.records[f"plonesocial.activitystream.{name}"]
        setup.setLastVersionForProfile("plonesocial:default", "1000")
        from plone.base.utils import get_installer

        get_installer(self.portal, self.layer["request"]).upgrade_product("plonesocial")
        self.assertIsNotNone(get_storage(self.portal))
        self.assertEqual(api.portal.get_registry_record("plonesocial.activitystream.fanout_threshold"), 500)
        self.assertEqual(setup.getLastVersionForProfile("plonesocial:default"), ("1015",))

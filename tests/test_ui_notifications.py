"""Issue 14's notification defects: grouping per (verb, object), edits that report real changes."""

from plone import api
from plone.app.dexterity.behaviors.metadata import IBasic
from plone.app.testing import login
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.app.testing import TEST_USER_NAME
from plone.app.textfield.value import RichTextValue
from plone.app.workflow.events import LocalrolesModifiedEvent
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.rendering import render_body
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from zope.event import notify
from zope.lifecycleevent import Attributes
from zope.lifecycleevent import ObjectModifiedEvent

import transaction
import unittest


class NotificationTestCase(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker"), ("cat", "Cat Cole"),
                             ("dan", "Dan Dee")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        self.folder = api.content.create(self.portal, "Folder", "team", title="Team")
        api.content.transition(self.folder, "publish")
        for userid in ("ann", "bob", "cat"):
            api.user.grant_roles(userid, obj=self.folder, roles=["Editor", "Contributor"])
        api.user.grant_roles("dan", obj=self.folder, roles=["Reader"])
        activitystream.watch("dan", self.folder.UID())
        transaction.commit()
        activitystream.mark_all_seen("dan")  # the folder's own creation
        transaction.commit()

    def subjects(self, userid="dan"):
        return [n.subject for n in activitystream.get_notifications(userid).all()]


class TestGrouping(NotificationTestCase):
    def test_group_per_verb_and_object(self):
        login(self.portal, "bob")
        page = api.content.create(self.folder, "Document", "page", title="Page")
        transaction.commit()
        for userid in ("ann", "cat"):
            login(self.portal, userid)
            page.title = f"Page by {userid}"
            notify(ObjectModifiedEvent(page))
            transaction.commit()
        subjects = self.subjects()[:2]
        # Bob created it; Ann and Cat edited it: two groups, each telling its verb.
        self.assertEqual(subjects, ["Cat Cole and 1 other edited Page by cat",
                                    "Bob Baker created Page"])
        self.assertEqual(activitystream.count_unseen("dan"), 2)
        activitystream.get_manager().notifications.get_list("dan").check_invariants()

    def test_old_group_keys_still_end_with_the_seen_mark(self):
        # A release before kept (type, owner) group keys: marking seen removes them too.
        login(self.portal, "bob")
        api.content.create(self.folder, "Document", "page", title="Page")
        transaction.commit()
        notification_list = activitystream.get_manager().notifications.get_list("dan")
        groups = notification_list._groups
        ((key3, value),) = list(groups.items())
        del groups[key3]
        groups[key3[:2]] = value
        transaction.commit()
        notification_list.check_invariants()
        activitystream.mark_all_seen("dan")
        self.assertEqual(list(groups.keys()), [])
        notification_list.check_invariants()


class TestEdits(NotificationTestCase):
    def setUp(self):
        super().setUp()
        login(self.portal, "bob")
        self.page = api.content.create(self.folder, "Document", "page", title="Page",
                                       description="Old", text=RichTextValue("<p>Hi</p>"))
        transaction.commit()
        activitystream.mark_all_seen("dan")
        transaction.commit()
        login(self.portal, "ann")

    def save_as_the_edit_form(self, description):
        """What Plone's edit form does: write every widget's value back, report them all."""
        self.page.description = description
        self.page.text = RichTextValue("<p>Hi</p>")
        self.page.relatedItems = []
        notify(ObjectModifiedEvent(
            self.page, Attributes(IBasic, "IBasic.title", "IBasic.description"),
            Attributes(None, "IRichText.text", "IVersionable.changeNote",
                       "ITableOfContents.table_of_contents", "IRelatedItems.relatedItems",
                       "IOwnership.rights")))
        transaction.commit()

    def test_only_changed_fields_are_reported(self):
        self.save_as_the_edit_form("New")
        notification = activitystream.get_notifications("dan").first()
        self.assertEqual(notification.subject, "Ann Ames edited Page")
        self.assertEqual(notification.details, {"fields": ["description"]})
        self.assertEqual(render_body(notification), "Changed: description.")

    def test_save_without_change_notifies_nobody(self):
        self.save_as_the_edit_form("Old")
        self.assertEqual(activitystream.count_unseen("dan"), 0)
        self.assertEqual([a.verb for a in activitystream.get_stream("dan", context=self.page.UID())
                          .all()], ["Create"])

    def test_sharing_is_no_edit(self):
        login(self.portal, TEST_USER_NAME)
        api.user.grant_roles("cat", obj=self.page, roles=["Reader"])
        notify(LocalrolesModifiedEvent(self.page, self.portal.REQUEST))
        transaction.commit()
        self.assertEqual(activitystream.count_unseen("dan"), 0)

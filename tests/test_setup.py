"""Install, uninstall and purge of the plonesocial profiles."""

from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.browserlayer.utils import registered_layers
from plonesocial.interfaces import IPlonesocialLayer
from plonesocial.messaging.interfaces import IInboxes
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.locator import get_storage
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from zope.component import getUtility
from zope.component.hooks import setSite

import unittest


class TestInstall(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]

    def test_installed(self):
        from plone.base.utils import get_installer

        installer = get_installer(self.portal, self.layer["request"])
        self.assertTrue(installer.is_product_installed("plonesocial"))

    def test_profile_version(self):
        setup = api.portal.get_tool("portal_setup")
        self.assertEqual(setup.getLastVersionForProfile("plonesocial:default"), ("1015",))

    def test_browserlayer(self):
        self.assertIn(IPlonesocialLayer, registered_layers())

    def test_storage_created(self):
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        self.assertTrue(IInboxes.providedBy(inboxes))
        self.assertIs(inboxes, get_storage(self.portal))

    def test_locator_without_site(self):
        setSite(None)
        try:
            with self.assertRaisesRegex(LookupError, "No current site"):
                getUtility(IMessagingLocator).get_inboxes()
        finally:
            setSite(self.portal)

    def test_reinstall_keeps_messages(self):
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        inboxes.send_message("alice", "bob", "Hello")
        setup = api.portal.get_tool("portal_setup")
        setup.runAllImportStepsFromProfile("profile-plonesocial:default")
        self.assertIs(getUtility(IMessagingLocator).get_inboxes(), inboxes)
        self.assertEqual(inboxes["bob"]["alice"].new_messages_count, 1)


class TestUninstall(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        from plone.base.utils import get_installer

        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.installer = get_installer(self.portal, self.layer["request"])
        self.inboxes = getUtility(IMessagingLocator).get_inboxes()
        self.inboxes.send_message("alice", "bob", "Keep me")
        self.installer.uninstall_product("plonesocial")

    def test_uninstalled(self):
        self.assertFalse(self.installer.is_product_installed("plonesocial"))

    def test_personal_menu_actions_removed(self):
        user_actions = self.portal.portal_actions.user.objectIds()
        self.assertNotIn("plonesocial-messages", user_actions)
        self.assertNotIn("plonesocial-notifications", user_actions)

    def test_browserlayer_removed(self):
        self.assertNotIn(IPlonesocialLayer, registered_layers())

    def test_messages_kept(self):
        inboxes = get_storage(self.portal)
        self.assertIs(inboxes, self.inboxes)
        self.assertEqual(next(inboxes["bob"]["alice"].get_messages()).text, "Keep me")

    def test_reinstall_restores_messages(self):
        self.installer.install_product("plonesocial")
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        self.assertEqual(inboxes["bob"].new_messages_count, 1)

    def test_purge_profile_deletes_messages(self):
        setup = api.portal.get_tool("portal_setup")
        setup.runAllImportStepsFromProfile("profile-plonesocial:purge")
        self.assertIsNone(get_storage(self.portal))
        with self.assertRaisesRegex(LookupError, "not installed"):
            getUtility(IMessagingLocator).get_inboxes()

    def test_helper_profiles_hidden(self):
        from plonesocial.setuphandlers import HiddenProfiles

        hidden = HiddenProfiles().getNonInstallableProfiles()
        self.assertEqual(set(hidden), {"plonesocial:uninstall", "plonesocial:purge"})

"""Install, uninstall and purge handlers of the GenericSetup profiles."""

from Acquisition import aq_inner
from Acquisition import aq_parent
from plone.base.interfaces import INonInstallable
from plonesocial import logger
from plonesocial.activitystream import content as activitystream
from plonesocial.messaging import locator as messaging
from zope.interface import implementer


@implementer(INonInstallable)
class HiddenProfiles:
    """Keep the helper profiles out of the add-ons control panel."""

    def getNonInstallableProfiles(self):
        return [
            "plonesocial:uninstall",
            "plonesocial:purge",
        ]

    def getNonInstallableProducts(self):
        return []


def _site(setup_tool):
    """Return the site of the portal_setup tool a post_handler is called with."""
    return aq_parent(aq_inner(setup_tool))


def post_install(context):
    """Create the storage of messages and activities (kept if it exists)."""
    site = _site(context)
    messaging.create_storage(site)
    activitystream.create_storage(site)


def post_uninstall(context):
    """Leave the stored data in place: reinstalling brings it back."""
    logger.info(
        "plonesocial uninstalled; stored messages and activities kept. Import "
        "the 'plonesocial:purge' profile to delete them."
    )


def purge(context):
    """Delete every stored message, activity, notification and subscription."""
    site = _site(context)
    purged = [messaging.purge_storage(site), activitystream.purge_storage(site),
              messaging.GROUPS.purge(site)]  # issue 15: group conversations
    if any(purged):
        logger.warning("plonesocial: every stored message and activity of the site was deleted")

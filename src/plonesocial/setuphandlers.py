"""Install, uninstall and purge handlers of the GenericSetup profiles."""

from Acquisition import aq_inner
from Acquisition import aq_parent
from plone.base.interfaces import INonInstallable
from plonesocial import logger
from plonesocial.messaging.locator import create_storage
from plonesocial.messaging.locator import purge_storage
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
    """Create the message storage of the site (kept if it exists)."""
    create_storage(_site(context))


def post_uninstall(context):
    """Leave the stored messages in place: reinstalling brings them back."""
    logger.info(
        "plonesocial uninstalled; stored messages kept. Import the "
        "'plonesocial:purge' profile to delete them."
    )


def purge(context):
    """Delete every stored message of the site."""
    if purge_storage(_site(context)):
        logger.warning("plonesocial: every stored message of the site was deleted")

"""Install, uninstall and purge handlers of the GenericSetup profiles."""

from Acquisition import aq_inner
from Acquisition import aq_parent
from plone.base.interfaces import INonInstallable
from plone.registry.interfaces import IRegistry
from plonesocial import logger
from plonesocial.activitystream import content as activitystream
from plonesocial.delivery.outbox import create_outbox
from plonesocial.delivery.outbox import purge_outbox
from plonesocial.messaging import attachments
from plonesocial.messaging import idempotency
from plonesocial.messaging import locator as messaging
from plonesocial.realtime.settings import ensure_secret
from zope.component import getUtility
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
    create_outbox(site)
    idempotency.STORAGE.create(site)
    set_site_url_from_request(site)
    ensure_secret()  # the realtime gateway's shared secret, kept on reinstall


def set_site_url_from_request(site):
    """Set the site URL (links in mail and push) from the request that installs, if
    it is a real one and the URL is not set yet. Scripts without a request (and
    zconsole's made-up one, which has no Host header) leave it for the control panel."""
    registry = getUtility(IRegistry)
    record = "plonesocial.delivery.site_url"
    request = getattr(site, "REQUEST", None)
    if record not in registry.records or registry[record]:
        return
    if request is None or not request.get("HTTP_HOST"):
        return
    registry[record] = site.absolute_url()


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
              purge_outbox(site), idempotency.STORAGE.purge(site),
              messaging.GROUPS.purge(site),  # group conversations
              attachments.STORAGE.purge(site)]  # files of messages
    if any(purged):
        logger.warning("plonesocial: every stored message and activity of the site was deleted")

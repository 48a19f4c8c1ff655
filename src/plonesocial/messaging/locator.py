"""Where a site keeps its messages, and the global utility that finds them."""

from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.messaging import Inboxes
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite
from zope.interface import implementer


# The site's annotations hold the storage: outside the content tree, so it
# is not catalogued, not traversable, and survives an uninstall.
ANNOTATION_KEY = "plonesocial.messaging.inboxes"


def get_storage(site):
    """Return the Inboxes stored on `site`, or None."""
    return IAnnotations(site).get(ANNOTATION_KEY)


def create_storage(site):
    """Return the Inboxes of `site`, creating them if there are none."""
    annotations = IAnnotations(site)
    inboxes = annotations.get(ANNOTATION_KEY)
    if inboxes is None:
        inboxes = annotations[ANNOTATION_KEY] = Inboxes()
    return inboxes


def purge_storage(site):
    """Delete every message stored on `site`; return True if there were any."""
    annotations = IAnnotations(site)
    if ANNOTATION_KEY not in annotations:
        return False
    del annotations[ANNOTATION_KEY]
    return True


@implementer(IMessagingLocator)
class MessagingLocator:
    """Finds the Inboxes of the current site (see IMessagingLocator)."""

    def get_inboxes(self):
        site = getSite()
        if site is None:
            raise LookupError("No current site: call setSite(portal) first")
        inboxes = get_storage(site)
        if inboxes is None:
            raise LookupError(
                f"plonesocial is not installed in {site.getId()!r}: "
                "install the 'plonesocial:default' profile"
            )
        return inboxes

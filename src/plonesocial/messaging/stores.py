"""The messaging stores of the current site: the inboxes and the groups."""

from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.locator import GROUPS
from zope.component import getUtility
from zope.component.hooks import getSite


def get_inboxes():
    """The IInboxes of the current site (LookupError when plonesocial is not installed)."""
    return getUtility(IMessagingLocator).get_inboxes()


def get_inbox(userid):
    """The inbox of `userid`, or None if they never sent nor received a message."""
    return get_inboxes().get(userid)


def get_groups(create=False):
    """The IGroups of the current site, or None (with `create`, made on first use)."""
    site = getSite()
    if site is None:
        raise LookupError("No current site: call setSite(portal) first")
    return GROUPS.create(site) if create else GROUPS.get(site)

"""Where a site keeps its messages, and the global utility that finds them."""

from plonesocial.messaging.groups import Groups
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.messaging import Inboxes
from plonesocial.storage import SiteStorage
from zope.interface import implementer


ANNOTATION_KEY = "plonesocial.messaging.inboxes"
STORAGE = SiteStorage(ANNOTATION_KEY, Inboxes)

get_storage = STORAGE.get
create_storage = STORAGE.create
purge_storage = STORAGE.purge

# Issue 15: group conversations, a root of their own (created by the first
# group of a site that was installed before groups existed).
GROUPS_KEY = "plonesocial.messaging.groups"
GROUPS = SiteStorage(GROUPS_KEY, Groups)


@implementer(IMessagingLocator)
class MessagingLocator:
    """Finds the Inboxes of the current site (see IMessagingLocator)."""

    def get_inboxes(self):
        return STORAGE.current()

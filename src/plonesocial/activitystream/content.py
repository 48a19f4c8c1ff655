"""How Plone content and users appear in activity streams: UUID chains, View checks, URLs."""

from Acquisition import aq_base
from Acquisition import aq_chain
from Acquisition import aq_inner
from plone import api
from plone.app.uuid.utils import uuidToObject
from plone.uuid.interfaces import IUUID
from plonesocial.activitystream.activity import URNResolver
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.activitystream.interfaces import IVisibility
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.storage import SiteStorage
from Products.CMFCore.indexing import processQueue
from Products.CMFCore.interfaces import ISiteRoot
from zope.interface import implementer


# The site's annotations hold the manager, beside the messages.
ANNOTATION_KEY = "plonesocial.activitystream.manager"
STORAGE = SiteStorage(ANNOTATION_KEY, ActivityManager)

get_storage = STORAGE.get
create_storage = STORAGE.create
purge_storage = STORAGE.purge


@implementer(IActivityLocator)
class ActivityLocator:
    """Finds the ActivityManager of the current site (see IActivityLocator)."""

    def get_manager(self):
        return STORAGE.current()


def content_chain(obj):
    """Return (UUID, ancestor UUIDs outermost first, portal_type) or None.

    The site root is no ancestor: the site stream has everything already.
    """
    uuid = IUUID(obj, None)
    if uuid is None:
        return None
    ancestors = []
    for parent in aq_chain(aq_inner(obj))[1:]:
        if ISiteRoot.providedBy(parent):
            break
        parent_uuid = IUUID(parent, None)
        if parent_uuid is not None:
            ancestors.append(parent_uuid)
    ancestors.reverse()
    return uuid, tuple(ancestors), getattr(aq_base(obj), "portal_type", None)


@implementer(IVisibility)
class CatalogVisibility:
    """View checks from the catalog's own security index, as searches do.

    Reads index entries, never objects: a page of 20 notifications costs a
    few index lookups, and content that is gone (not catalogued) is invisible.
    """

    def principals(self, userid):
        user = api.user.get(userid=userid)
        if user is None:
            return frozenset()
        catalog = api.portal.get_tool("portal_catalog")
        return frozenset(catalog._listAllowedRolesAndUsers(user.getUser()))

    def allowed(self, uuids):
        processQueue()  # index what this transaction changed first
        catalog = api.portal.get_tool("portal_catalog")._catalog
        uid_index = catalog.getIndex("UID")
        security_index = catalog.getIndex("allowedRolesAndUsers")
        result = {}
        for uuid in uuids:
            rid = uid_index._index.get(uuid)
            if rid is not None:
                result[uuid] = frozenset(security_index.getEntryForObject(rid, default=()))
        return result


# portal_type -> Activity Streams 2.0 object type
AS2_TYPES = {
    "Document": "Page",
    "News Item": "Article",
    "Event": "Event",
    "Image": "Image",
    "File": "Document",
    "Link": "Link",
    "Folder": "Collection",
    "Collection": "Collection",
}


class PloneResolver(URNResolver):
    """Describes references with their URLs and titles on this site.

    Use it only on activities the reader may View (queries filter them).
    """

    def describe(self, reference):
        if reference.kind == "content":
            obj = uuidToObject(reference.id, unrestricted=True)
            if obj is not None:
                return {
                    "type": AS2_TYPES.get(obj.portal_type, "Object"),
                    "id": obj.absolute_url(),
                    "name": obj.Title(),
                }
        elif reference.kind == "user":
            portal_url = api.portal.get().absolute_url()
            user = api.user.get(userid=reference.id)
            data = {"type": "Person", "id": f"{portal_url}/author/{reference.id}"}
            if user is not None:
                data["name"] = user.getProperty("fullname") or reference.id
            return data
        return super().describe(reference)

"""How Plone content and users appear in activity streams: UUID chains, View checks, URLs."""

from plone import api
from plone.app.uuid.utils import uuidToObject
from plone.protect.auto import safeWrite
from plonesocial.activitystream.activity import URNResolver
from plonesocial.activitystream.chain import content_chain  # noqa: F401 (its old place)
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.activitystream.interfaces import IVisibility
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.people import authenticated_user
from plonesocial.people import display_name
from plonesocial.people import request_cache
from plonesocial.people import user_exists
from plonesocial.storage import SiteStorage
from Products.CMFCore.indexing import processQueue
from Products.CMFCore.interfaces import ICatalogTool
from zope.component import queryUtility
from zope.globalrequest import getRequest
from zope.interface import implementer


# The site's annotations hold the manager, beside the messages.
ANNOTATION_KEY = "plonesocial.activitystream.manager"


class ManagerStorage(SiteStorage):
    """The site's ActivityManager, moved into the layout of stores when first used.

    The 1005 upgrade step moves it; a site used before that step ran is moved
    on first use (a few writes, allowed on any request).
    """

    def get(self, site):
        manager = super().get(site)
        if manager is not None and manager.needs_migration():
            manager.migrate()
            request = getRequest()
            if request is not None:
                safeWrite(manager, request)
        return manager


STORAGE = ManagerStorage(ANNOTATION_KEY, ActivityManager)

get_storage = STORAGE.get
create_storage = STORAGE.create
purge_storage = STORAGE.purge


@implementer(IActivityLocator)
class ActivityLocator:
    """Finds the ActivityManager of the current site (see IActivityLocator)."""

    def get_manager(self):
        return STORAGE.current()


def _catalog():
    """The site's catalog: its registered utility, as getToolByName finds it first
    (plone.api's get_tool took 0.07 ms, five times a count; issue 13)."""
    catalog = queryUtility(ICatalogTool)
    return catalog if catalog is not None else api.portal.get_tool("portal_catalog")


def _principals_of(user):
    # The principals the catalog's security index knows the user by, as its
    # searches compute them (no public API returns them).
    return frozenset(_catalog()._listAllowedRolesAndUsers(user))  # noqa: SLF001


@implementer(IVisibility)
class CatalogVisibility:
    """View checks from the catalog's own security index, as searches do.

    Reads index entries, never objects: a page of 20 notifications costs a
    few index lookups, and content that is gone (not catalogued) is invisible.
    """

    def principals(self, userid):
        # The reader who made the request costs no lookup (the user the request
        # was authenticated as, issue 13); anyone else is looked up afresh, never
        # from the per-request cache of names: groups and roles may have changed.
        user = authenticated_user(userid)
        if user is None:
            member = api.user.get(userid=userid)
            if member is None:
                return frozenset()
            return _principals_of(member.getUser())
        # Computed once a request (a count checks twice), for this very user object.
        cache = request_cache()
        known = cache.get(("principals", userid))
        if known is None or known[0] is not user:
            known = cache[("principals", userid)] = (user, _principals_of(user))
        return known[1]

    def allowed(self, uuids):
        processQueue()  # index what this transaction changed first
        # One index entry each, not a search: no public API reads a single entry.
        catalog = _catalog()._catalog  # noqa: SLF001
        uid_index = catalog.getIndex("UID")
        security_index = catalog.getIndex("allowedRolesAndUsers")
        result = {}
        for uuid in uuids:
            rid = uid_index._index.get(uuid)  # noqa: SLF001
            if rid is not None:
                result[uuid] = frozenset(security_index.getEntryForObject(rid, default=()))
        return result

    def changes(self):
        """The catalog's change counter of its security index (it moves whenever an
        entry is indexed): the not-seen count's sequence (seencheck)."""
        processQueue()
        catalog = _catalog()._catalog  # noqa: SLF001
        return catalog.getIndex("allowedRolesAndUsers").getCounter()


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
            data = {"type": "Person", "id": f"{portal_url}/author/{reference.id}"}
            if user_exists(reference.id):
                data["name"] = display_name(reference.id)
            return data
        return super().describe(reference)

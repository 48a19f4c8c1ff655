"""Where a content item sits: its UUID, the UUIDs of its folders and its type."""

from Acquisition import aq_base
from Acquisition import aq_chain
from Acquisition import aq_inner
from plone.uuid.interfaces import IUUID
from Products.CMFCore.interfaces import ISiteRoot


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

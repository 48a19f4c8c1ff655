"""References as one reader may see them: what they may not View is an unnamed placeholder.

An activity names its object, target and context. The streams show only the
activities whose context the reader may View, but the target can be
elsewhere: a page moved out of a private folder keeps a Create whose target
is that folder. So every reference is checked for View by the reader before
its title or URL is shown (a comment by its own workflow state: a pending
comment is not public).
"""

from plone.app.uuid.utils import uuidToObject
from plonesocial.activitystream.content import PloneResolver
from plonesocial.activitystream.interfaces import IVisibility
from zope.component import queryUtility


HIDDEN = {"type": "Object", "id": "urn:plonesocial:hidden"}


def comment_of(reference_id):
    """The discussion comment named by a ``<content uuid>/<comment id>`` reference, or None."""
    uuid, _, comment_id = reference_id.partition("/")
    obj = uuidToObject(uuid, unrestricted=True) if comment_id else None
    if obj is None:
        return None
    try:
        from plone.app.discussion.interfaces import IConversation

        return IConversation(obj).get(comment_id)
    except (ImportError, TypeError, KeyError):
        return None


def allowed_principals(obj):
    """Who may View `obj`, as the catalog indexes it."""
    from Products.CMFPlone.CatalogTool import allowedRolesAndUsers

    return frozenset(allowedRolesAndUsers(obj)())


class ReaderResolver(PloneResolver):
    """Describes references for `reader`: content and comments they may not View
    become HIDDEN, without a title or a URL."""

    def __init__(self, reader):
        self.reader = reader
        self.visibility = queryUtility(IVisibility)
        self.principals = (self.visibility.principals(reader)
                           if self.visibility is not None else None)
        self._cache = {}

    def may_view_content(self, uuid):
        if self.visibility is None:
            return True
        if uuid not in self._cache:
            allowed = self.visibility.allowed({uuid}).get(uuid, frozenset())
            self._cache[uuid] = bool(allowed & self.principals)
        return self._cache[uuid]

    def may_view_comment(self, reference_id):
        uuid = reference_id.partition("/")[0]
        if not self.may_view_content(uuid):
            return False
        comment = comment_of(reference_id)
        if comment is None or self.principals is None:
            return comment is not None
        return bool(allowed_principals(comment) & self.principals)

    def describe(self, reference):
        if reference.kind == "content" and not self.may_view_content(reference.id):
            return dict(HIDDEN)
        if reference.kind == "comment" and not self.may_view_comment(reference.id):
            return dict(HIDDEN)
        return super().describe(reference)


def pending_comment_readers(comment):
    """Who may View `comment` if it is not published (awaiting moderation), else None.

    An activity about a pending comment reaches and shows only them; when the
    comment is published, plone.app.discussion's event records it for everybody.
    """
    from plone import api

    if comment is None:
        return None
    state = api.portal.get_tool("portal_workflow").getInfoFor(comment, "review_state", None)
    if state in (None, "published"):
        return None
    return allowed_principals(comment)

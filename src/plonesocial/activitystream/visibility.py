"""View checks for what a reader is shown, through the site's IVisibility (if any)."""

from plonesocial.activitystream.interfaces import IVisibility
from zope.component import queryUtility


def contexts_of(item):
    """The content UUIDs an activity or notification is about: a View check for each."""
    return (item.context,) if item.context else ()


def visibility_filter(reader, contexts=contexts_of):
    """Return a batch filter for `reader`, or None when nothing is checked.

    The filter takes a batch of items and returns the set of those `reader`
    may see: every content they are about must be Viewable, and an item
    restricted to some principals (a Delete) must name one of the reader's.
    """
    visibility = queryUtility(IVisibility)
    if visibility is None or reader is None:
        return None
    # The reader's principals are looked up when an item needs them, once:
    # a batch about no content and restricted to nobody (a message's
    # notification) needs no user lookup at all (issue 13).
    known = []

    def principals():
        if not known:
            known.append(visibility.principals(reader))
        return known[0]

    def visible(batch):
        wanted = {uuid for item in batch for uuid in contexts(item)}
        allowed = visibility.allowed(wanted) if wanted else {}
        shown = set()
        for item in batch:
            uuids = contexts(item)
            if all(allowed.get(uuid, frozenset()) & principals() for uuid in uuids):
                restricted = getattr(item, "restricted_to", None)
                if restricted is None or restricted & principals():
                    shown.add(item)
        return shown

    return visible


def may_view_content(reader, uuid):
    """Tell whether `reader` may View the content `uuid` (None: no reader, no check)."""
    visibility = queryUtility(IVisibility)
    if reader is None or visibility is None:
        return True
    allowed = visibility.allowed({uuid}).get(uuid, frozenset())
    return bool(allowed & visibility.principals(reader))


def checks_visibility():
    """Tell whether this site checks what readers may View (a Plone site does)."""
    return queryUtility(IVisibility) is not None


def count_invisible(reader, uuids):
    """How many of `uuids` (a list, repeats counted) `reader` may not View."""
    visibility = queryUtility(IVisibility)
    if visibility is None or not uuids:
        return 0
    allowed = visibility.allowed(set(uuids))
    principals = visibility.principals(reader)
    return sum(1 for uuid in uuids if not allowed.get(uuid, frozenset()) & principals)

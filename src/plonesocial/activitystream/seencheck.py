"""When the not-seen count may skip its View checks (issue 13, goal 6).

The count of a user's unseen notifications subtracts those about content the
user may not View. Checking them costs one catalog entry each, so the count
grew with the number of unseen notifications about content. It need not:

- At delivery, a notification about content is *verified* when its reader
  may View it for a reason that holds for every user: the catalog's security
  entry of the content names ``Anonymous``, ``Authenticated`` or
  ``user:<reader>``. It then records the **security sequence** it was verified at; otherwise it records
  ``UNKNOWN``.
- The security sequence is the catalog's own change counter of its
  ``allowedRolesAndUsers`` index (it moves whenever any object's entry is
  indexed, reindexObjectSecurity and workflow transitions included, whatever
  raised them) plus the manager's ``security_seq`` (a ``BTrees.Length``),
  bumped by the group membership and user removal events of PAS
  (``principals_changed``) and by ``security_changed()`` for changes that
  raise no event (global roles, an LDAP directory).
- Each list keeps a ``Floor``: the lowest sequence any of its unseen
  notifications about content was verified at (``CLEAR``: none unseen). While
  the floor is not below the current sequence, nothing that decides View has
  changed since every one of them was verified visible: the count subtracts
  nothing without looking at them (O(1)). Otherwise it checks them all, as
  before, and stays exact.

Every delivery about content writes the floor, so a concurrent "mark all
seen" (which raises it to ``CLEAR``) conflicts with it; ``Floor`` resolves the
conflict to the lower value, which is always safe. Reading never writes.
"""

from BTrees.Length import Length
from persistent import Persistent
from plonesocial.activitystream.interfaces import IVisibility
from zope.component import queryUtility


UNKNOWN = -1  # not verified: the count checks the list
CLEAR = 2**62  # nothing about content unseen


class Floor(Persistent):
    """The lowest security sequence the unseen notifications about content of one
    list were verified at; concurrent changes resolve to the lower value."""

    def __init__(self, value):
        self.value = value

    def _p_resolveConflict(self, old, committed, new):
        return {**new, "value": min(committed["value"], new["value"])}


def _visibility():
    visibility = queryUtility(IVisibility)
    if visibility is None or getattr(visibility, "changes", None) is None:
        return None
    return visibility


def sequence(manager):
    """The security sequence now, or None where the site cannot tell (no fast count)."""
    visibility = _visibility()
    if visibility is None:
        return None
    own = getattr(manager, "security_seq", None)
    return visibility.changes() + (0 if own is None else own())


def verified_at(manager, userid, template):
    """The sequence at which `userid` was seen to View the content of `template`, or
    UNKNOWN (not about content, nothing checked, or visible only through a role or
    group of the reader, which would take a user lookup per delivery)."""
    uuid = template.get("context")
    visibility = _visibility()
    if not uuid or visibility is None:
        return UNKNOWN
    allowed = visibility.allowed({uuid}).get(uuid, frozenset())  # indexes pending changes
    # Every user a notification reaches holds Anonymous and Authenticated (a user
    # removed since raises PrincipalDeleted, which bumps the sequence).
    if allowed & {"Anonymous", "Authenticated", f"user:{userid}"}:
        return sequence(manager)
    return UNKNOWN


def unseen_verified(manager, notification_list):
    """Tell whether every unseen notification about content of the list is known
    to be visible to its owner now (the count then checks none of them). O(1)."""
    now = sequence(manager)
    return now is not None and notification_list.unseen_verified_since() >= now


def bump(manager):
    """Note a change of who may View what that the catalog does not show."""
    if getattr(manager, "security_seq", None) is None:
        manager.security_seq = Length()
    manager.security_seq.change(1)


def security_changed(event=None):
    """Subscriber and operator way out: something changed who may View content
    without reindexing it (group membership, a user removed, global roles, an
    LDAP directory). Every count checks its unseen notifications until the next
    "mark all seen". Does nothing outside a site with plonesocial, but note for
    the rest of the request that users found before are stale."""
    from plonesocial.activitystream.api import get_manager
    from plonesocial.people import principals_changed

    principals_changed()

    try:
        manager = get_manager()
    except LookupError:
        return
    bump(manager)

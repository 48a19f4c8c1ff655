"""Fixed watches (issue 16, part 7): "everybody in Staff watches News".

A site administrator fixes a folder's watch for a group. The store keeps only
the pairs (content UUID, group id); who is in the group is resolved when it
matters, never copied:

- the fan-out asks the group's members (``members_of``) when something happens
  in the folder or below it;
- a person's timeline and their Watch button ask which groups they are in
  (their principals, the same ones every View check uses).

Resolving at read time, rather than copying members into watches on Plone's
group membership events, means that a membership no event announces (LDAP or
other PAS plugins, nested groups, a group deleted) still counts at once, that
leaving the group ends the watch at once, and that fixing a watch for a group
of 10,000 writes one entry, not 10,000.
"""

from BTrees.check import check as check_btree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial import _
from plonesocial import exc
from plonesocial import userids


class FixedWatches(Persistent):
    """The (content UUID, group id) pairs a site administrator fixed."""

    def __init__(self):
        # content UUID -> OOTreeSet(group id)
        self._by_content = OOBTree()
        # group id -> OOTreeSet(content UUID)
        self._by_group = OOBTree()

    @staticmethod
    def _check(uuid, group):
        for value, role in ((uuid, "uuid"), (group, "group")):
            if not isinstance(value, str) or not value or value.strip() != value:
                raise exc.InvalidInput(_("A fixed watch needs a content and a group"))
            userids.check_unicode(value, role, exc.InvalidInput)

    @staticmethod
    def _set(tree, key):
        found = tree.get(key)
        if found is None:
            found = tree[key] = OOTreeSet()
        return found

    def fix(self, uuid, group):
        """Make the group's members watch `uuid`; return True if it is new."""
        self._check(uuid, group)
        new = self._set(self._by_content, uuid).insert(group)
        self._set(self._by_group, group).insert(uuid)
        return bool(new)

    def unfix(self, uuid, group):
        """End a fixed watch; return True if there was one."""
        groups = self._by_content.get(uuid)
        if groups is None or group not in groups:
            return False
        groups.remove(group)
        if not groups:
            del self._by_content[uuid]
        uuids = self._by_group[group]
        uuids.remove(uuid)
        if not uuids:
            del self._by_group[group]
        return True

    def groups(self, uuid):
        """The groups whose members watch `uuid`, a tuple."""
        return tuple(self._by_content.get(uuid, ()))

    def contents_for(self, principals):
        """The UUIDs fixed for any of `principals` (a person's groups), a set."""
        found = set()
        for principal in principals:
            found.update(self._by_group.get(principal, ()))
        return found

    def items(self):
        """Every (uuid, group) pair, ordered by UUID."""
        for uuid, groups in self._by_content.items():
            for group in groups:
                yield uuid, group

    def __bool__(self):
        return bool(self._by_content)

    def check_invariants(self):
        check_btree(self._by_content)
        check_btree(self._by_group)
        for uuid, groups in self._by_content.items():
            assert groups, "an empty set is removed"
            for group in groups:
                assert uuid in self._by_group[group], "group side"


def members_of(group):
    """The userids of the members of a Plone group (nested groups included)."""
    from plone import api

    try:
        found = api.group.get(groupname=group)
    except Exception:  # no site (pure Python use): nobody
        return ()
    if found is None:
        return ()
    return tuple(member.getId() for member in api.user.get_users(groupname=group))


def group_title(group):
    """A group's title (its id if it has none or is gone)."""
    from plone import api

    try:
        found = api.group.get(groupname=group)
    except Exception:  # no site (pure Python use)
        return group
    return (found.getProperty("title") or group) if found is not None else group


def principals_of(userid):
    """The ids of `userid` and of their groups, as View checks see them."""
    from plonesocial.activitystream.interfaces import IVisibility
    from zope.component import queryUtility

    visibility = queryUtility(IVisibility)
    if visibility is None:
        return frozenset((userid,))
    # The catalog names users and groups "user:<id>"; the other entries are roles.
    return frozenset(principal[5:] for principal in visibility.principals(userid)
                     if principal.startswith("user:"))


def fixed_for(manager, userid):
    """The content UUIDs `userid` watches because a group of theirs must, a set."""
    store = getattr(manager, "fixed", None)
    if not store:
        return set()
    return store.contents_for(principals_of(userid))


def add_fixed_watchers(manager, audience, context, ancestors):
    """Add the members of groups with a fixed watch of `context` or a folder around it
    to `audience` ({userid: [reasons]}), reason "fixed:<uuid>"."""
    store = getattr(manager, "fixed", None)
    if not store or not context:
        return audience
    for uuid in (context, *ancestors):
        for group in store.groups(uuid):
            for userid in members_of(group):
                reasons = audience.setdefault(userid, [])
                if f"fixed:{uuid}" not in reasons:
                    reasons.append(f"fixed:{uuid}")
    return audience

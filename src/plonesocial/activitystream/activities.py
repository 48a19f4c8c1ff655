"""The activities of a site: the site stream and its indexes by actor and by content."""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial import exc
from plonesocial.activitystream.activity import Activity
from plonesocial.activitystream.validation import free_id

import copy
import re


class ActivityStore(Persistent):
    """Activities newest first, filed under their actor, their content and its folders.

    An activity never changes once stored (erasing its actor stores an
    anonymised copy in its place); it lives inline in the tree's buckets.
    """

    def __init__(self, activities=None, count=None, by_actor=None, by_context=None):
        """A new store, or one around the trees of a manager stored before the stores."""
        # -activity id -> Activity: the site stream, newest first
        self._activities = LOBTree() if activities is None else activities
        self._count = Length() if count is None else count  # == len(self._activities)
        # actor userid -> LLTreeSet(-activity id)
        self._by_actor = OOBTree() if by_actor is None else by_actor
        # content UUID -> LLTreeSet(-activity id), for the content and every ancestor
        self._by_context = OOBTree() if by_context is None else by_context

    def add(self, published, actor, verb, object_, target, context, ancestors, summary,
            description, extra, recipients, restricted_to, actor_name=None):
        """Store a new activity (arguments already checked) and return it."""
        id_ = free_id(self._activities, published)
        activity = Activity(id_, actor, verb, object_, target, context, summary,
                            description, extra, recipients, restricted_to)
        if actor_name:
            activity.actor_name = actor_name
        self._activities[-id_] = activity
        self._count.change(1)
        self._index(self._by_actor, actor, -id_)
        for uuid in (context, *ancestors) if context else ():
            self._index(self._by_context, uuid, -id_)
        return activity

    @staticmethod
    def _index(tree, key, value):
        entries = tree.get(key)
        if entries is None:
            entries = tree[key] = LLTreeSet()
        entries.insert(value)

    def get(self, activity_id):
        activity = None
        if isinstance(activity_id, int) and not isinstance(activity_id, bool):
            activity = self._activities.get(-activity_id)
        if activity is None:
            raise exc.ActivityNotFound(f"No activity {activity_id!r}")
        return activity

    def fetch(self, key):
        """The activity of key `key` (-id), or None: a query Source's fetch."""
        return self._activities.get(key)

    def keys(self, **bounds):
        """The -ids of every activity, newest first."""
        return self._activities.keys(**bounds)

    def keys_by_actor(self, actor):
        """The keys function of the activities of `actor` (None: they have none)."""
        entries = self._by_actor.get(actor)
        return None if entries is None else entries.keys

    def keys_by_context(self, uuid):
        """The keys function of the activities of content `uuid` and its subtree, or None."""
        entries = self._by_context.get(uuid)
        return None if entries is None else entries.keys

    def remove(self, activity_id, ancestors=()):
        """Forget an activity (a post deleted without comments); `ancestors` are the
        folders of its context, whose indexes hold it too. Returns it, or None."""
        activity = self._activities.pop(-activity_id, None)
        if activity is None:
            return None
        self._count.change(-1)
        for tree, key in ((self._by_actor, activity.actor),
                          *((self._by_context, uuid) for uuid in
                            ((activity.context, *ancestors) if activity.context else ()))):
            entries = tree.get(key)
            if entries is not None and -activity_id in entries:
                entries.remove(-activity_id)
        return activity

    def __len__(self):
        return self._count()

    def anonymise_actor(self, userid, placeholder, names, erased_name):
        """Give the activities of `userid` the actor `placeholder`; take their
        `names` out of the summaries. Returns how many activities changed."""
        entries = self._by_actor.get(userid)
        if entries is None:
            return 0
        count = 0
        for key in entries.keys():
            activity = self._activities.get(key)
            if activity is None:
                continue
            anonymous = copy.copy(activity)
            anonymous.actor = placeholder
            own = [activity.actor_name] if activity.actor_name else []
            anonymous.summary = scrub(activity.summary, [*own, *names], erased_name)
            anonymous.actor_name = None
            self._activities[key] = anonymous  # inline in the tree: store the copy
            count += 1
        del self._by_actor[userid]
        self._by_actor[placeholder] = entries
        return count

    def check_invariants(self):
        """Raise AssertionError unless the counter and the indexes agree (for tests)."""
        for tree in (self._activities, self._by_actor, self._by_context):
            check_btree(tree)
        keys = set(self._activities.keys())
        assert self._count() == len(keys), "activity counter"
        for tree in (self._by_actor, self._by_context):
            for entries in tree.values():
                assert set(entries.keys()) <= keys, "index entry without activity"


def scrub(text, names, replacement):
    """Replace each of `names` in `text`, as a whole word only ("ann" is in "announced")."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", replacement, text)
    return text

"""Likes and favorites of activities and comments.

Conflict avoidance: the people who reacted to one thing are an ``OOTreeSet``
and their number a ``Length``, both made when the thing is (``prepare``), so
people liking one post at once insert different keys into one bucket and
change one counter, which ZODB resolves. Each person's own reactions are a
subtree of their own.

Keys name what is reacted to: ``activity_key(id)`` or ``comment_key(id, cid)``.
"""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent


KINDS = ("like", "favorite")


def activity_key(activity_id):
    return f"a:{activity_id}"


def comment_key(activity_id, comment_id):
    return f"c:{activity_id}:{comment_id}"


def parse_key(key):
    """(activity id, comment id or None) of a key."""
    parts = key.split(":")
    return int(parts[1]), (int(parts[2]) if parts[0] == "c" else None)


class ReactionStore(Persistent):
    """Who liked or favorited what, both ways."""

    def __init__(self):
        # (kind, key) -> OOTreeSet(userid)
        self._by_object = OOBTree()
        # (kind, key) -> Length: == len of the set above
        self._counts = OOBTree()
        # (kind, userid) -> OOTreeSet(key)
        self._by_user = OOBTree()

    def prepare(self, key):
        """Make the sets and counters of `key` before anybody reacts (no conflicts then)."""
        for kind in KINDS:
            if (kind, key) not in self._by_object:
                self._by_object[(kind, key)] = OOTreeSet()
                self._counts[(kind, key)] = Length()

    def set(self, kind, key, userid, on):
        """Make `userid`'s reaction `kind` to `key` be `on`; return True if it changed."""
        users = self._by_object.get((kind, key))
        if users is None:
            self.prepare(key)
            users = self._by_object[(kind, key)]
        if on == (userid in users):
            return False
        mine = self._by_user.get((kind, userid))
        if on:
            users.insert(userid)
            self._counts[(kind, key)].change(1)
            if mine is None:
                mine = self._by_user[(kind, userid)] = OOTreeSet()
            mine.insert(key)
        else:
            users.remove(userid)
            self._counts[(kind, key)].change(-1)
            if mine is not None and key in mine:
                mine.remove(key)
        return True

    def has(self, kind, key, userid):
        users = self._by_object.get((kind, key))
        return users is not None and userid in users

    def count(self, kind, key):
        counter = self._counts.get((kind, key))
        return 0 if counter is None else counter()

    def users(self, kind, key):
        """Who reacted so, a list (sorted by userid)."""
        return list(self._by_object.get((kind, key), ()))

    def keys_of(self, kind, userid):
        """The keys `userid` reacted `kind` to, a list."""
        return list(self._by_user.get((kind, userid), ()))

    def forget(self, key):
        """Forget every reaction to `key` (it is gone)."""
        for kind in KINDS:
            users = self._by_object.pop((kind, key), None)
            self._counts.pop((kind, key), None)
            for userid in users or ():
                mine = self._by_user.get((kind, userid))
                if mine is not None and key in mine:
                    mine.remove(key)

    def erase_user(self, userid):
        """Take back every reaction of `userid`; return how many."""
        count = 0
        for kind in KINDS:
            for key in self.keys_of(kind, userid):
                count += self.set(kind, key, userid, False)
            self._by_user.pop((kind, userid), None)
        return count

    def check_invariants(self):
        for tree in (self._by_object, self._counts, self._by_user):
            check_btree(tree)
        for (kind, key), users in self._by_object.items():
            assert self._counts[(kind, key)]() == len(users), "reaction counter"
            for userid in users:
                assert key in self._by_user[(kind, userid)], "reaction index"

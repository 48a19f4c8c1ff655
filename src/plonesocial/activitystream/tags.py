"""Hashtags: the activities of each tag, newest first, and who follows which tag."""

from BTrees.check import check as check_btree
from BTrees.LLBTree import LLTreeSet
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent

import re


# A tag: a letter or digit, then letters, digits, "_" or "-", up to 64 in all;
# "#" must not follow a word character (an anchor in a URL, "C#").
TAG = re.compile(r"(?<![\w&#/])#(\w[\w-]{0,63})")
MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9][\w.-]{0,99}[A-Za-z0-9_]|[A-Za-z0-9])")


def find_tags(text):
    """The hashtags of `text`, lower case, a frozenset."""
    return frozenset(match.group(1).lower().rstrip("-") for match in TAG.finditer(text))


def find_mentions(text):
    """The ``@userid`` words of `text`, a frozenset (not checked against the users)."""
    return frozenset(match.group(1) for match in MENTION.finditer(text))


class TagStore(Persistent):
    """tag -> activities, and the follows of tags both ways."""

    def __init__(self):
        # tag -> LLTreeSet(-activity id): a query Source's keys
        self._activities = OOBTree()
        # tag -> OOTreeSet(userid)
        self._followers = OOBTree()
        # userid -> OOTreeSet(tag)
        self._following = OOBTree()

    def index(self, activity_id, tags):
        for tag in tags:
            entries = self._activities.get(tag)
            if entries is None:
                entries = self._activities[tag] = LLTreeSet()
            entries.insert(-activity_id)

    def unindex(self, activity_id, tags):
        for tag in tags:
            entries = self._activities.get(tag)
            if entries is not None and -activity_id in entries:
                entries.remove(-activity_id)
                if not entries:
                    del self._activities[tag]

    def keys_by_tag(self, tag):
        """The keys function of the activities of `tag`, or None."""
        entries = self._activities.get(tag)
        return None if entries is None else entries.keys

    def has_activity(self, tag, activity_id):
        entries = self._activities.get(tag)
        return entries is not None and -activity_id in entries

    def follow(self, userid, tag):
        for tree, key, value in ((self._followers, tag, userid),
                                 (self._following, userid, tag)):
            entries = tree.get(key)
            if entries is None:
                entries = tree[key] = OOTreeSet()
            entries.insert(value)

    def unfollow(self, userid, tag):
        for tree, key, value in ((self._followers, tag, userid),
                                 (self._following, userid, tag)):
            entries = tree.get(key)
            if entries is not None and value in entries:
                entries.remove(value)
                if not entries:
                    del tree[key]

    def followed_by(self, userid):
        """The tags `userid` follows, sorted."""
        return list(self._following.get(userid, ()))

    def followers(self, tag):
        return list(self._followers.get(tag, ()))

    def erase_user(self, userid):
        tags = self.followed_by(userid)
        for tag in tags:
            self.unfollow(userid, tag)
        return len(tags)

    def check_invariants(self):
        for tree in (self._activities, self._followers, self._following):
            check_btree(tree)
        for tag, users in self._followers.items():
            for userid in users:
                assert tag in self._following[userid], "tag follows"

"""Splitting a busy inbox's trees by the other party's userid (issue 13).

A BTree whose bucket splits writes its root, and every concurrent change of
any bucket of that tree asks the root to be current: one split makes them all
conflict. An inbox that many people write to at once keeps its conversation
order and its conversations in SHARDS small trees each (Inbox._recent_tree,
Inbox._conversation_tree), so a split only conflicts with changes of the same
shard.
"""

from BTrees.check import BTREE_NORMAL
from BTrees.check import crack_btree

import heapq
import zlib


# How many trees hold an inbox's conversation order, and its conversations.
SHARDS = 16


def shard_of(userid):
    """The number of the shard for the other party `userid` (stable across processes)."""
    return zlib.crc32(userid.encode("utf-8")) % SHARDS


def tree_records(tree):
    """Yield the persistent records `tree` is stored in: the tree itself and,
    unless its one bucket is inline in it, every node and bucket under it."""
    yield tree
    kind, _, kids = crack_btree(tree, False)  # BTrees' public pickle layout
    if kind is BTREE_NORMAL:
        for kid in kids:
            if isinstance(kid, type(tree)):
                yield from tree_records(kid)
            else:
                yield kid


def read_current(ob):
    """Make this transaction fail to commit if `ob` was changed since it was read."""
    if ob._p_jar is not None:  # not for objects made in this transaction
        ob._p_activate()  # a ghost has no serial to check
        ob._p_jar.readCurrent(ob)


def read_all_current(tree):
    """read_current for every record of `tree` (what a move out of it relies on)."""
    for record in tree_records(tree):
        read_current(record)


def merged_keys(shards):
    """The keys of the trees in `shards` (an IOBTree of them), in key order."""
    return heapq.merge(*(shard.keys() for shard in shards.values()))

"""Splitting a busy inbox's trees by the other party's userid (issue 13).

A BTree whose bucket splits writes its root, and every concurrent change of
any bucket of that tree asks the root to be current: one split makes them all
conflict. An inbox that many people write to at once keeps its conversation
order and its conversations in SHARDS small trees each (Inbox._recent_tree,
Inbox._conversation_tree), so a split only conflicts with changes of the same
shard.
"""

from BTrees.check import check as check_btree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet

import heapq
import zlib


# How many trees hold an inbox's conversation order, and its conversations.
SHARDS = 16


def shard_of(userid):
    """The number of the shard for the other party `userid` (stable across processes)."""
    return zlib.crc32(userid.encode("utf-8")) % SHARDS


def merged_keys(shards):
    """The keys of the trees in `shards` (an IOBTree of them), in key order."""
    return heapq.merge(*(shard.keys() for shard in shards.values()))


# Issue 13, the hot recipient: a shard's buckets hold up to 120 entries, not
# BTrees' 30. Every first message to a person inserts into one shard of each
# tree, and a bucket split cannot be resolved: it conflicts with every
# concurrent insert into that shard (BTrees reads the shard's root current).
# The order's newest entries all land in its first bucket, which split every
# 15 first messages per shard. Measured (scripts/hot_conflicts.py: 16 threads
# x 100 first messages to one inbox, FileStorage): 131-138 conflicts with 30,
# 40-49 with 120 and the same time; a send pickles a bigger bucket only in
# inboxes with hundreds of conversations. Shards made before keep BTrees' size.
LEAF_SIZE = 120


class ConversationShard(OOBTree):
    """A shard of an inbox's conversations: other party's userid -> Conversation."""

    max_leaf_size = LEAF_SIZE


class OrderShard(OOTreeSet):
    """A shard of an inbox's order: (-message id of the newest message, userid)."""

    max_leaf_size = LEAF_SIZE


def check_tree(tree):
    """BTrees.check.check, for the shard classes too (it knows BTrees' own types only):
    a shard is checked as a plain tree of its state (tests)."""
    for base in (OOBTree, OOTreeSet):
        if isinstance(tree, base) and type(tree) is not base:
            plain = base()
            plain.__setstate__(tree.__getstate__())
            tree = plain
    check_btree(tree)

"""ZODB records of BTrees, and asking records to be current at commit.

``readCurrent`` makes a transaction fail to commit (and be retried) when a
record it read was changed by another since: what keeps a move of a tree
(messaging/shards.py) or a digest (activitystream/notification_digests.py)
from committing beside a change it did not see.
"""

from BTrees.check import BTREE_NORMAL
from BTrees.check import crack_btree


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

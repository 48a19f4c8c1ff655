"""What an edit changed: a content item's attributes now against its last committed state.

Plone's edit form reports every field its widgets wrote, changed or not
(an empty list written over a missing value, a rich text written back as
it was), so "Changed: description, text, relatedItems" came from saving a
new description. ZODB still has the state the item had when the
transaction began: comparing with it tells what really changed, and an
edit that changed nothing is no activity at all.
"""

from Acquisition import aq_base
from ZODB.POSException import POSKeyError
from ZODB.utils import z64


# Attributes every save rewrites, or kept by other kinds of activity.
BOOKKEEPING = frozenset({"modification_date", "workflow_history"})


def _attributes(state):
    """The attribute dict of a pickled state (a dict, or (dict, slots))."""
    if isinstance(state, tuple):  # (dict, slots)
        state = state[0]
    return state or {}


def _same(before, after):
    if not before and not after:
        return True  # None, "", [] and a missing attribute are all "empty"
    try:
        return before == after
    except Exception:  # values that cannot compare: call it a change
        return False


def committed_state(obj):
    """The item's attributes as last committed, or None (new in this transaction)."""
    obj = aq_base(obj)
    jar = getattr(obj, "_p_jar", None)
    serial = getattr(obj, "_p_serial", z64)
    if jar is None or serial == z64:
        return None
    try:
        # The database's storage, not the connection's: after a savepoint the
        # connection reads from a TmpStore that keeps no history
        # (Connection.oldstate would fail there).
        pickle = jar.db().storage.loadSerial(obj._p_oid, serial)
    except (POSKeyError, KeyError):
        return None
    return _attributes(jar._reader.getState(pickle))  # noqa: SLF001 (Connection.oldstate's own reader)


def changed_fields(obj, fields):
    """The names among `fields` whose value differs from the last committed state.

    Without `fields` (a modified event that does not say what changed), every
    public attribute is compared. An item new in this transaction has no
    committed state: `fields` is taken as it is.
    """
    before = committed_state(obj)
    if before is None:
        return list(fields)
    after = _attributes(aq_base(obj).__getstate__())
    names = fields or sorted(
        name for name in set(before) | set(after)
        if not name.startswith("_") and name not in BOOKKEEPING
    )
    return [name for name in names if not _same(before.get(name), after.get(name))]

"""Lazy newest-first queries over streams, with keyset paging and View filtering."""

from plonesocial import exc
from plonesocial.activitystream.interfaces import IQuery
from zope.interface import implementer

import heapq


# How many candidates one View check looks at: a page of 20 visible items
# usually costs one batch.
BATCH = 64


# Ids are keys of 64-bit BTrees (LOBTree, LLTreeSet): no cursor is larger.
MAX_CURSOR = 2**63 - 1


def check_cursor(cursor):
    if isinstance(cursor, bool) or not isinstance(cursor, int) or not 0 < cursor <= MAX_CURSOR:
        raise exc.InvalidCursor(f"a cursor is a positive 64-bit integer id, not {cursor!r}")
    return cursor


class Source:
    """One tree of negated ids and how to turn a key into an item."""

    def __init__(self, keys, fetch):
        self.keys = keys  # keys(min=None, max=None, excludemin, excludemax)
        self.fetch = fetch  # negated id -> item, or None if gone

    def newest_first(self, older_than=None, newer_than=None):
        """Iterate over the negated keys between the cursors, newest first."""
        kw = {}
        if older_than is not None:
            kw.update(min=-older_than, excludemin=True)
        if newer_than is not None:
            kw.update(max=-newer_than, excludemax=True)
        return iter(self.keys(**kw))


@implementer(IQuery)
class Query:
    """Newest-first items of one or more sources (merged), filtered by `visible`.

    `visible(items)` returns the subset of a batch of items the reader may
    see; None shows everything.
    """

    def __init__(self, sources, visible=None, limit=None, before=None, after=None,
                 where=()):
        self._sources = tuple(sources)
        self._visible = visible
        self._limit = limit
        self._before = before
        self._after = after
        self._where = tuple(where)  # predicates every item must pass

    def _copy(self, **changes):
        state = dict(
            sources=self._sources, visible=self._visible, limit=self._limit,
            before=self._before, after=self._after, where=self._where,
        )
        state.update(changes)
        return Query(**state)

    def limit(self, n):
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise exc.InvalidCursor(f"limit must be a non-negative integer, not {n!r}")
        return self._copy(limit=n)

    def before(self, cursor):
        return self._copy(before=check_cursor(cursor))

    def after(self, cursor):
        return self._copy(after=check_cursor(cursor))

    def where(self, predicate):
        """Return a copy that yields only the items for which `predicate(item)` is true."""
        return self._copy(where=self._where + (predicate,))

    def all(self):
        return list(self)

    def first(self):
        """Return the newest item, or None."""
        for item in self.limit(1):
            return item
        return None

    def _keys(self):
        streams = [
            source_keys(source, self._before, self._after) for source in self._sources
        ]
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=lambda pair: pair[0])

    def _items(self):
        """Yield the visible items, newest first, unlimited."""
        batch = []
        previous = None
        for key, source in self._keys():
            if key == previous:
                continue  # merged sources can hold the same item
            previous = key
            item = source.fetch(key)
            if item is None or not all(test(item) for test in self._where):
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                yield from self._filter(batch)
                batch = []
        if batch:
            yield from self._filter(batch)

    def _filter(self, batch):
        if self._visible is None:
            return batch
        allowed = self._visible(batch)
        return [item for item in batch if item in allowed]

    def __iter__(self):
        if self._limit == 0:
            return iter(())
        if self._after is not None and self._before is None:
            # The items just newer than the cursor: the oldest ones of the
            # newer range, still given newest first.
            items = list(self._items())
            if self._limit is not None:
                items = items[-self._limit:]
            return iter(items)
        return self._limited(self._items())

    def _limited(self, items):
        if self._limit is None:
            yield from items
            return
        for count, item in enumerate(items, start=1):
            yield item
            if count >= self._limit:
                return


def source_keys(source, before, after):
    """Yield (negated key, source) pairs of one source, newest first."""
    for key in source.newest_first(older_than=before, newer_than=after):
        yield key, source

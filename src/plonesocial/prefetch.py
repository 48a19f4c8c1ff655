"""Load the parts of many BTrees a transaction is about to use in a few round trips.

On ZEO and RelStorage every object load is a round trip to the server. A
fan-out that touches hundreds of notification lists one after the other
spends its time waiting for them: ``Connection.prefetch`` asks the storage
for many objects at once (ZEO pipelines the loads, RelStorage reads them
with one query). ``prefetch_paths`` walks several trees a level at a time
and prefetches each level's nodes together, so reaching the buckets that
hold the wanted keys costs one round trip per tree level, not per object.
On FileStorage ``prefetch`` does nothing and the walk merely loads what the
transaction would load anyway.
"""

import bisect


def _is_bucket(node):
    # Decided by the class, which a ghost knows without being loaded.
    name = type(node).__name__
    return name.endswith(("Bucket", "Set")) and not name.endswith("TreeSet")


def prefetch_stored(jar, objects):
    """Ask `jar` (None: nothing) to load `objects` in one round trip. Those not stored
    yet, made by this transaction (a new list, the bucket a split made), have nothing
    to load and are left out: RelStorage and ZEO refuse an object without an oid, and a
    fan-out chunk can prefetch through a tree an earlier chunk of its transaction split."""
    prefetch = getattr(jar, "prefetch", None)
    stored = [found for found in objects if found._p_oid is not None]
    if prefetch is not None and stored:
        prefetch(stored)


def prefetch_paths(jar, paths):
    """Prefetch, for each ``(tree, keys)`` in `paths`, the nodes leading to `keys`.

    `jar` is the ZODB connection (None or a connection without
    ``prefetch`` does nothing). Trees may be ghosts; keys need not be sorted.
    """
    prefetch = getattr(jar, "prefetch", None)
    if prefetch is None:
        return
    level = [(tree, keys) for tree, keys in paths if keys]
    while level:
        prefetch_stored(jar, [tree for tree, _ in level])
        below = []
        buckets = []
        for tree, keys in level:
            state = tree.__getstate__()
            if not state or len(state) < 2:
                continue  # empty, or one bucket stored inline in the tree
            data = state[0]
            children, separators = data[0::2], data[1::2]
            wanted = {}
            for key in keys:
                wanted.setdefault(bisect.bisect_right(separators, key), []).append(key)
            for index, child_keys in wanted.items():
                child = children[index]
                if _is_bucket(child):
                    buckets.append(child)
                else:
                    below.append((child, child_keys))
        prefetch_stored(jar, buckets)
        level = below

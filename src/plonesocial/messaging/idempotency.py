"""Idempotency keys of sends: a client that lost the answer and retries stores nothing twice.

``POST @inbox/{userid}`` with an ``Idempotency-Key`` header is remembered,
with its answer, in the same transaction as the message, for WINDOW seconds
per sender. The same key from the same sender gets the first answer again,
without sending; the same key with another recipient or text is refused.

Conflicts: one subtree per sender, so different senders never share a
bucket; a retry that arrives while the first request is still running
inserts the same key and conflicts with it, and Zope's retry then finds the
key and answers with the first result.
"""

from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial.clock import from_key
from plonesocial.clock import isoformat
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.storage import SiteStorage

import hashlib
import json


WINDOW = 24 * 3600  # seconds a key is remembered
MAX_KEY = 200  # characters
PRUNE = 20  # expired keys forgotten per new key: bounded work per send


class InvalidKey(ValueError):
    """An Idempotency-Key header that is empty, too long or not printable ASCII."""


class KeyReused(ValueError):
    """The key was used by this sender for a different request."""


def check_key(key):
    if not isinstance(key, str) or not key or len(key) > MAX_KEY or not (
            key.isascii() and key.isprintable()):
        raise InvalidKey(f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters")
    return key


def fingerprint(*parts):
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


class SenderKeys(Persistent):
    """The remembered keys of one sender."""

    def __init__(self):
        # Idempotency-Key -> (request fingerprint, answer JSON, UTC µs)
        self._keys = OOBTree()
        # (UTC µs, Idempotency-Key), oldest first: what to forget
        self._by_time = OOTreeSet()

    def get(self, key):
        """(request fingerprint, answer JSON, UTC µs) remembered for `key`, or None."""
        return self._keys.get(key)

    def remember(self, key, request_fingerprint, answer, now):
        """Remember the answer to `key` at `now` (UTC µs); forget a few expired keys."""
        old = self._keys.get(key)
        if old is not None:
            self._by_time.remove((old[2], key))
        self._keys[key] = (request_fingerprint, answer, now)
        self._by_time.insert((now, key))
        expired = list(self._by_time.keys(max=(now - WINDOW * 1_000_000, "\uffff")))[:PRUNE]
        for when, stale in expired:
            self._by_time.remove((when, stale))
            if stale in self._keys and self._keys[stale][2] == when:
                del self._keys[stale]

    def export(self):
        return [{"key": key, "answer": answer, "created": isoformat(from_key(when))}
                for key, (_, answer, when) in self._keys.items()]

    def count(self):
        return len(self._keys)  # a sender's keys of the last window: a small tree


class IdempotencyKeys(Persistent):
    """Every sender's remembered keys."""

    def __init__(self):
        # sender userid -> SenderKeys
        self._senders = OOBTree()

    def lookup(self, sender, key, request_fingerprint, now=None):
        """The answer remembered for `key`, or None; raise KeyReused for another request."""
        mine = self._senders.get(sender)
        found = mine.get(key) if mine is not None else None
        if found is None or found[2] <= to_key(now or utcnow()) - WINDOW * 1_000_000:
            return None
        if found[0] != request_fingerprint:
            raise KeyReused("This Idempotency-Key was used for another request: "
                            "use a new key for a new message")
        return found[1]

    def remember(self, sender, key, request_fingerprint, answer, now=None):
        mine = self._senders.get(sender)
        if mine is None:
            mine = self._senders[sender] = SenderKeys()
        mine.remember(key, request_fingerprint, answer, to_key(now or utcnow()))

    def export_user(self, sender):
        mine = self._senders.get(sender)
        return [] if mine is None else mine.export()

    def erase_user(self, sender):
        mine = self._senders.pop(sender, None)
        return 0 if mine is None else mine.count()


STORAGE = SiteStorage("plonesocial.messaging.idempotency", IdempotencyKeys)


def current_keys(create=True):
    """The keys of the current site (created when first needed), or None outside a site."""
    from zope.component.hooks import getSite

    site = getSite()
    if site is None:
        return None
    return STORAGE.create(site) if create else STORAGE.get(site)

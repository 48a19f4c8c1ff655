"""A notification list's digest bookkeeping: what waits for which digest.

``DigestWaiting`` is a part of ``NotificationList`` (notification_list.py), kept
here: it keeps its own trees (``_unsent``, ``_feed_unsent``, ``_digests``) and
reads the list through its public methods (``get``, ``is_seen``).
"""

from BTrees.LOBTree import LOBTree
from plonesocial.clock import to_key


class DigestWaiting:
    """The notifications (and feed items) of one list waiting for a digest."""

    # -notification id -> mail mode: waiting for a digest (created when needed)
    _unsent = None
    # -feed item id -> (mail mode, source): feed items (feeds.py) waiting for a
    # digest, apart from the list's own items (created when needed)
    _feed_unsent = None
    # mail mode -> UTC µs of the last digest of that mode (replaced, never mutated)
    _digests = {}

    def wait_for_digest(self, notification, mode):
        """Note that `notification` goes out in the next digest of `mode`; a feed
        item (it has a source) is noted apart from the list's own items."""
        source = getattr(notification, "source", None)
        if source is not None:
            if self._feed_unsent is None:
                self._feed_unsent = LOBTree()
            self._feed_unsent[-notification.id] = (mode, source)
            return
        if self._unsent is None:
            self._unsent = LOBTree()
        key = -notification.id
        if self._unsent.get(key) != mode:  # a notification grown in place waits already
            self._unsent[key] = mode

    def stop_waiting(self, key):
        """The notification keyed `key` (-id) waits for no digest (any more)."""
        if self._unsent is not None and key in self._unsent:
            del self._unsent[key]

    def waiting_keys(self):
        """The keys (-id) of the list's own notifications that wait for a digest."""
        return self._unsent.keys() if self._unsent is not None else ()

    def has_waiting(self):
        """Tell whether notifications wait for a digest."""
        return bool(self._unsent) or bool(self._feed_unsent)

    def waiting(self):
        """The notifications waiting for a digest: {notification id: mail mode}."""
        found = {-key: mode for key, mode in self._unsent.items()} if self._unsent else {}
        if self._feed_unsent:
            found.update({-key: mode for key, (mode, _) in self._feed_unsent.items()})
        return found

    def waiting_modes(self):
        """The digest modes that have notifications waiting (a set)."""
        modes = set(self._unsent.values()) if self._unsent else set()
        if self._feed_unsent:
            modes.update(mode for mode, _ in self._feed_unsent.values())
        return modes

    def last_digest(self, mode):
        """UTC µs of the last digest of `mode`, or None."""
        return self._digests.get(mode)

    def take_digest(self, modes, now, lookup=None):
        """Take the waiting notifications of `modes` off the waiting list; return the
        unseen ones, oldest last. The digests of `modes` count as sent at `now`.

        `lookup(source, id)` returns the reader's view of a feed item, or None
        (gone, or no longer theirs)."""
        taken = []
        if self._unsent:
            for key, mode in list(self._unsent.items()):
                if mode not in modes:
                    continue
                del self._unsent[key]
                notification = self.get(key)
                if notification is not None and not self.is_seen(notification):
                    taken.append(notification)
        if self._feed_unsent:
            for key, (mode, source) in list(self._feed_unsent.items()):
                if mode not in modes:
                    continue
                del self._feed_unsent[key]
                view = None if lookup is None else lookup(source, -key)
                if view is not None and not view.seen:
                    taken.append(view)
            taken.sort(key=lambda notification: -notification.id)
        digests = dict(self._digests)
        digests.update({mode: to_key(now) for mode in modes})
        self._digests = digests
        return taken

"""A notification list's digest bookkeeping: what waits for which digest.

``DigestWaiting`` is a part of ``NotificationList`` (notification_list.py), kept
here: it keeps its own records and reads the list through its public methods
(``get``, ``is_seen``, ``get_range``, ``read_deliveries_current``).

Issue 13: a notification that waits for a digest says so itself
(``Notification.waits_for``: the mail mode), and the list keeps, per mode, the
lowest id that may wait (``DigestMarks``). A delivery writes the notification
anyway; the marks only when it lowers one (the first notification after a
digest, or one delivered with an older id), so a new row writes no tree of
waiting ids. A digest of a mode reads the list's notifications from that
mode's mark up, takes those that wait for it, and drops the mark.

A delivery and a digest of the same list never both commit unseen to each
other: a delivery that leaves the marks alone asks them to be current (a
digest writes them), and a digest asks the records every delivery writes (the
unseen tree and its counter) to be current. The loser is retried.

Lists of earlier releases kept a tree of waiting ids (``_unsent``), still read
and emptied by digests, never filled again.
"""

from BTrees.LOBTree import LOBTree
from persistent import Persistent
from plonesocial.clock import to_key
from plonesocial.records import read_current
from ZODB.POSException import ConflictError


class DigestMarks(Persistent):
    """Per mail mode, the lowest id of a notification that may wait for its digest."""

    def __init__(self):
        self.marks = {}  # mode -> id (replaced, never mutated)

    def lower(self, mode, id_):
        """Note that notification `id_` waits for `mode`: written only when the mark
        moves down; otherwise read current, so that a concurrent digest (which
        drops the mark) makes one of the two retry."""
        current = self.marks.get(mode)
        if current is None or id_ < current:
            self.marks = {**self.marks, mode: id_}
        else:
            read_current(self)

    def drop(self, modes):
        """A digest of `modes` took everything from their marks up."""
        if any(mode in self.marks for mode in modes):
            self.marks = {mode: id_ for mode, id_ in self.marks.items() if mode not in modes}

    def _p_resolveConflict(self, old, committed, new):
        # Two deliveries that each lowered (or set) marks merge: the lower of each.
        # A digest dropped or raised one: no merge, one of the two is retried.
        before = old.get("marks", {})
        states = (committed.get("marks", {}), new.get("marks", {}))
        for marks in states:
            if any(mode not in marks or marks[mode] > id_ for mode, id_ in before.items()):
                raise ConflictError("a digest changed the marks")
        merged = dict(states[0])
        for mode, id_ in states[1].items():
            merged[mode] = min(id_, merged.get(mode, id_))
        resolved = dict(new)
        resolved["marks"] = merged
        return resolved


class DigestWaiting:
    """The notifications (and feed items) of one list waiting for a digest."""

    # -notification id -> mail mode: lists of earlier releases (read, emptied)
    _unsent = None
    # DigestMarks (made by a new list, or by the first wait of an earlier one)
    _digest_marks = None
    # -feed item id -> (mail mode, source): feed items (feeds.py) waiting for a
    # digest, apart from the list's own items (created when needed)
    _feed_unsent = None
    # mail mode -> UTC µs of the last digest of that mode (replaced, never mutated)
    _digests = {}

    def _marks(self):
        if self._digest_marks is None:
            self._digest_marks = DigestMarks()
        return self._digest_marks

    def wait_for_digest(self, notification, mode):
        """Note that `notification` goes out in the next digest of `mode`; a feed
        item (it has a source) is noted apart from the list's own items."""
        source = getattr(notification, "source", None)
        if source is not None:
            if self._feed_unsent is None:
                self._feed_unsent = LOBTree()
            self._feed_unsent[-notification.id] = (mode, source)
            return
        if notification.waits_for != mode:  # one grown in place waits already
            notification.waits_for = mode
        self._marks().lower(mode, notification.id)

    def stop_waiting(self, key, notification=None):
        """The notification keyed `key` (-id) waits for no digest any more: it moves
        (its new delivery says whether it waits again) or goes. Its earlier release's
        entry goes too."""
        if self._unsent is not None and key in self._unsent:
            del self._unsent[key]
        if notification is not None and notification.waits_for is not None:
            notification.waits_for = None

    def waiting_keys(self):
        """The keys (-id) of an earlier release's tree of waiting notifications."""
        return self._unsent.keys() if self._unsent is not None else ()

    def digest_records(self):
        """The records of this list that say what waits for a digest, those made
        yet (the digest job loads them with the lists: NotificationStore)."""
        return [record for record in (self._digest_marks, self._unsent, self._feed_unsent)
                if record is not None]

    def feed_waiting(self):
        """The tree of feed items waiting for a digest, or None (feeds prefetch it)."""
        return self._feed_unsent

    def has_waiting(self):
        """Tell whether notifications may wait for a digest (O(1))."""
        return bool(self._unsent) or bool(self._feed_unsent) or bool(
            self._digest_marks is not None and self._digest_marks.marks)

    def _marked(self, modes=None):
        """The list's own notifications that wait for one of `modes` (all: None), from
        the lowest of their marks up, newest first."""
        marks = self._digest_marks.marks if self._digest_marks is not None else {}
        lowest = [id_ for mode, id_ in marks.items() if modes is None or mode in modes]
        if not lowest:
            return []
        return [notification for notification in self.get_range(min(lowest))
                if notification.waits_for is not None
                and (modes is None or notification.waits_for in modes)]

    def waiting(self):
        """The notifications waiting for a digest: {notification id: mail mode}."""
        found = {-key: mode for key, mode in self._unsent.items()} if self._unsent else {}
        found.update({notification.id: notification.waits_for
                      for notification in self._marked()})
        if self._feed_unsent:
            found.update({-key: mode for key, (mode, _) in self._feed_unsent.items()})
        return found

    def waiting_modes(self):
        """The digest modes that may have notifications waiting (a set)."""
        modes = set(self._unsent.values()) if self._unsent else set()
        if self._digest_marks is not None:
            modes.update(self._digest_marks.marks)
        if self._feed_unsent:
            modes.update(mode for mode, _ in self._feed_unsent.values())
        return modes

    def last_digest(self, mode):
        """UTC µs of the last digest of `mode`, or None."""
        return self._digests.get(mode)

    def take_digest(self, modes, now, lookup=None):
        """Take the waiting notifications of `modes` off the waiting list; return the
        unseen ones, newest first. The digests of `modes` count as sent at `now`.

        `lookup(source, id)` returns the reader's view of a feed item, or None
        (gone, or no longer theirs)."""
        taken = {}
        if self._unsent:
            for key, mode in list(self._unsent.items()):
                if mode not in modes:
                    continue
                del self._unsent[key]
                notification = self.get(key)
                if notification is not None and not self.is_seen(notification):
                    taken[notification.id] = notification
        if self._digest_marks is not None and any(m in self._digest_marks.marks for m in modes):
            self.read_deliveries_current()
            for notification in self._marked(modes):
                notification.waits_for = None
                if not self.is_seen(notification):
                    taken[notification.id] = notification
            self._digest_marks.drop(modes)
        if self._feed_unsent:
            for key, (mode, source) in list(self._feed_unsent.items()):
                if mode not in modes:
                    continue
                del self._feed_unsent[key]
                view = None if lookup is None else lookup(source, -key)
                if view is not None and not view.seen:
                    taken[("feed", view.id)] = view
        digests = dict(self._digests)
        digests.update({mode: to_key(now) for mode in modes})
        self._digests = digests
        return sorted(taken.values(), key=lambda notification: -notification.id)

    def check_digest_marks(self, notifications):
        """Raise AssertionError unless every one of `notifications` that waits for a
        digest lies at or above its mode's mark (for tests)."""
        marks = self._digest_marks.marks if self._digest_marks is not None else {}
        for notification in notifications:
            mode = notification.waits_for
            if mode is not None:
                assert mode in marks and notification.id >= marks[mode], "waiting below its mark"

"""Feeds: fan-out on read for sources with a large audience.

An activity of a person with many followers (at least the registry's
``feed_threshold``) is not written into every follower's list. It is
stored once, in that person's Feed, with the facts a reader needs to
decide whether it is theirs (verb, portal type, who got a written
notification instead, who may see it). Each follower's notifications,
badge count and seen state merge the feeds of the large sources they
follow:

- a Feed is a newest-first tree (-id -> FeedNotification) and a ``Length``,
  the per-source sequence (how many items it ever got);
- a FeedMarker per (reader, source) holds the reader's seen state of that
  feed as broadcasts do: a floor (items up to it are seen, mark all seen
  moves it) plus the ids seen above it and marked unseen below it. A reader
  without a marker has seen nothing of that feed since they followed.

Posting writes the feed (two objects) and queues one FeedPost; readers write
only their own marker. What remains per follower (the digest's waiting list,
immediate mails, push, realtime) is written by the fan-out workers afterwards,
in slices that run in parallel (``fanout.FeedPost`` and ``fanout.FeedSlice``).

Ids come from the clock like every notification's: a feed item and a
reader's own notification are told apart by the feed's ``source``.
"""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial.activitystream.interfaces import INotification
from plonesocial.activitystream.notification import Notification
from plonesocial.activitystream.validation import free_id
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from zope.interface import implementer


class FeedNotification(Notification):
    """One item of a feed: stored once, read by every follower of its source."""

    def __init__(self, id, source, template, verb, portal_type, skip, restricted_to):
        super().__init__(id, None, template, (f"follows:{source}",))
        self.source = source
        self.verb = verb
        self.portal_type = portal_type
        # followers who got a written notification of the same event instead
        # (addressed, or watching its content): never shown the feed item too
        self.skip = frozenset(skip)
        self.restricted_to = restricted_to  # a Delete's principals, or None
        # UTC µs of the posting: followers since then only (the id may be backdated)
        self.posted = to_key(utcnow())


class Feed(Persistent):
    """The items of one large source, newest first, and its sequence."""

    def __init__(self, source):
        self.source = source
        # -notification id -> FeedNotification
        self._items = LOBTree()
        self._sequence = Length()  # how many items it ever got: the per-source sequence

    def add(self, template, when, verb, portal_type, skip, restricted_to):
        notification = FeedNotification(free_id(self._items, when), self.source, template,
                                        verb, portal_type, skip, restricted_to)
        notification.__parent__ = self
        self._items[-notification.id] = notification
        self._sequence.change(1)
        return notification

    @property
    def sequence(self):
        return self._sequence()

    def keys(self, **bounds):
        """The -ids of the items, newest first (a Source's keys)."""
        return self._items.keys(**bounds)

    def get(self, key, default=None):
        return self._items.get(key, default)

    def newest(self):
        """The id of the newest item, or None."""
        return -self._items.minKey() if self._items else None

    def remove_older_than(self, cutoff):
        removed = 0
        for key in list(self._items.keys(min=-cutoff)):
            del self._items[key]
            removed += 1
        return removed

    def __len__(self):
        return len(self._items)  # for tests and the invariants only

    def check_invariants(self):
        check_btree(self._items)
        assert self.sequence >= len(self._items), "feed sequence"


class FeedMarker(Persistent):
    """What one reader has seen of one feed: a floor and the exceptions to it."""

    floor = 0  # ids <= floor are seen, unless in `unseen`

    def __init__(self):
        self.seen = LLTreeSet()  # ids above the floor marked seen
        self.unseen = LLTreeSet()  # ids at or below the floor marked unseen again

    def is_seen(self, id_):
        if id_ <= self.floor:
            return id_ not in self.unseen
        return id_ in self.seen

    def mark_seen(self, id_):
        if id_ <= self.floor:
            if id_ in self.unseen:
                self.unseen.remove(id_)
        elif id_ not in self.seen:
            self.seen.insert(id_)

    def mark_unseen(self, id_):
        if id_ <= self.floor:
            self.unseen.insert(id_)
        elif id_ in self.seen:
            self.seen.remove(id_)

    def mark_all_seen(self, newest):
        if newest is not None and newest > self.floor:
            self.floor = newest
            self.seen.clear()
        if self.unseen:
            self.unseen.clear()

    def unseen_ids(self, feed):
        """The keys (-id) of the items of `feed` this reader has not seen."""
        for key in feed.keys(max=-self.floor, excludemax=True):
            if -key not in self.seen:
                yield key
        for id_ in self.unseen:
            if feed.get(-id_) is not None:
                yield -id_


UNMARKED = FeedMarker()  # the state of a reader who never marked anything (never stored)


@implementer(INotification)
class FeedView:
    """A feed item as one reader sees it: the shared item plus the reader's seen state.

    Stored in outbox entries (mails of feed items), so it pickles: its own
    state is the item, the reader and the Feeds store.
    """

    def __init__(self, notification, reader, feeds):
        self._notification = notification
        self.recipient = reader
        self._feeds = feeds

    def __getattr__(self, name):
        if name.startswith("_"):  # unpickling looks for hooks before the state is set
            raise AttributeError(name)
        return getattr(self._notification, name)

    @property
    def item(self):
        """The shared FeedNotification."""
        return self._notification

    @property
    def seen(self):
        return self._feeds.is_seen(self.recipient, self._notification)

    def __eq__(self, other):
        return (isinstance(other, FeedView) and other.item is self._notification
                and other.recipient == self.recipient)

    def __hash__(self):
        return hash((id(self._notification), self.recipient))


class Feeds(Persistent):
    """The feeds of the large sources, and every reader's markers of them."""

    def __init__(self):
        # source userid -> Feed
        self._feeds = OOBTree()
        # reader userid -> OOBTree(source userid -> FeedMarker): one subtree per reader
        self._markers = OOBTree()

    def get(self, source):
        return self._feeds.get(source)

    def create(self, source):
        feed = self._feeds.get(source)
        if feed is None:
            feed = self._feeds[source] = Feed(source)
        return feed

    def sources(self):
        """The sources that have a feed (the large ones; a handful on most sites)."""
        return self._feeds.keys()

    def view(self, reader, notification):
        return FeedView(notification, reader, self)

    # -- seen state -----------------------------------------------------------------

    def marker(self, reader, source, create=False):
        mine = self._markers.get(reader)
        if mine is None:
            if not create:
                return UNMARKED
            mine = self._markers[reader] = OOBTree()
        marker = mine.get(source)
        if marker is None:
            if not create:
                return UNMARKED
            marker = mine[source] = FeedMarker()
        return marker

    def is_seen(self, reader, notification):
        return self.marker(reader, notification.source).is_seen(notification.id)

    def mark_seen(self, reader, notification):
        marker = self.marker(reader, notification.source)
        if not marker.is_seen(notification.id):
            self.marker(reader, notification.source, create=True).mark_seen(notification.id)

    def mark_unseen(self, reader, notification):
        marker = self.marker(reader, notification.source)
        if marker.is_seen(notification.id):
            self.marker(reader, notification.source, create=True).mark_unseen(notification.id)

    def mark_all_seen(self, reader, source):
        feed = self._feeds.get(source)
        newest = None if feed is None else feed.newest()
        marker = self.marker(reader, source)
        if (newest is not None and newest > marker.floor) or marker.unseen:
            self.marker(reader, source, create=True).mark_all_seen(newest)

    def unseen(self, reader, source):
        """The items of `source`'s feed `reader` has not seen, unfiltered."""
        feed = self._feeds.get(source)
        if feed is None:
            return []
        return [feed.get(key) for key in self.marker(reader, source).unseen_ids(feed)]

    # -- retention and erasure --------------------------------------------------------

    def cleanup(self, cutoff):
        return sum(feed.remove_older_than(cutoff) for feed in self._feeds.values())

    def erase_user(self, userid):
        """Forget `userid`'s markers and their own feed (nobody follows them any more);
        return how many objects went."""
        removed = 0
        if userid in self._markers:
            removed += len(self._markers[userid])
            del self._markers[userid]
        if userid in self._feeds:
            removed += len(self._feeds[userid])
            del self._feeds[userid]
        return removed

    def export_user(self, userid):
        """The seen state `userid` has of the feeds: {source: floor}."""
        return {source: marker.floor
                for source, marker in self._markers.get(userid, {}).items()}

    def check_invariants(self):
        check_btree(self._feeds)
        check_btree(self._markers)
        for feed in self._feeds.values():
            feed.check_invariants()

"""Subscriptions: people following people, people watching content (Sahana's, in Plone terms)."""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial import exc
from plonesocial import userids
from plonesocial.activitystream.frequency import check_frequency
from plonesocial.activitystream.interfaces import ISubscription
from plonesocial.activitystream.interfaces import ISubscriptions
from plonesocial.clock import utcnow
from plonesocial.limits import check_filter
from plonesocial.limits import LimitError
from plonesocial.limits import VERBS
from plonesocial.prefetch import prefetch_paths
from plonesocial.prefetch import prefetch_stored
from zope.interface import implementer


def _filter(values, name):
    """Return a frozenset filter from a list of strings, or None for 'all'."""
    if values is None:
        return None
    if not isinstance(values, (list, tuple, set, frozenset)) or not all(
            isinstance(v, str) and v for v in values):
        raise exc.InvalidSubscription(f"{name} must be a list of non-empty strings or None")
    for value in values:
        userids.check_unicode(value, name, exc.InvalidSubscription)
    try:  # issue 12: capped, and verbs from the known ones (plonesocial/limits.py)
        check_filter(values, name, VERBS if name == "verbs" else values)
    except LimitError as error:
        raise exc.InvalidSubscription(str(error)) from None
    return frozenset(values) or None


@implementer(ISubscription)
class Subscription:
    """Immutable: changing filters stores a new one. Stored inline in its tree."""

    frequency = None  # issue 16: "immediately", "digest", "stream"; None: immediately
    fixed = False  # issue 16: a watch a site administrator made fixed for a group

    def __init__(self, subscriber, kind, target, subtree=False, verbs=None, portal_types=None,
                 frequency=None):
        self.subscriber = subscriber
        self.kind = kind
        self.target = target
        self.subtree = subtree
        self.verbs = _filter(verbs, "verbs")
        self.portal_types = _filter(portal_types, "portal_types")
        if frequency is not None:
            self.frequency = check_frequency(frequency)
        self.created = utcnow()

    def matches(self, verb, portal_type):
        if self.verbs is not None and verb not in self.verbs:
            return False
        if self.portal_types is not None and portal_type not in self.portal_types:
            return False
        return True


@implementer(ISubscriptions)
class Subscriptions(Persistent):
    """Both directions of every subscription, each in its own tree.

    The subscriber's side is what a person lists and edits; the target's
    side is what a notification looks up. Each side is one subtree per
    user or per content item, so following two people touches two subtrees.
    """

    def __init__(self):
        # follower userid -> OOBTree(followed userid -> Subscription)
        self._following = OOBTree()
        # followed userid -> OOBTree(follower userid -> Subscription)
        self._followers = OOBTree()
        # followed userid -> Length: number of followers
        self._follower_counts = OOBTree()
        # watcher userid -> OOBTree(content UUID -> Subscription)
        self._watching = OOBTree()
        # content UUID -> OOBTree(watcher userid -> Subscription)
        self._watchers = OOBTree()

    @staticmethod
    def _branch(tree, key):
        branch = tree.get(key)
        if branch is None:
            branch = tree[key] = OOBTree()
        return branch

    def follow(self, subscriber, userid, verbs=None, portal_types=None):
        userids.check_userid(subscriber, "subscriber", exc.InvalidUserId)
        userids.check_userid(userid, "userid", exc.InvalidUserId)
        if subscriber == userid:
            raise exc.InvalidSubscription(f"{subscriber!r} cannot follow themselves")
        subscription = Subscription(subscriber, "user", userid, False, verbs, portal_types)
        mine = self._branch(self._following, subscriber)
        new = userid not in mine
        mine[userid] = subscription
        self._branch(self._followers, userid)[subscriber] = subscription
        if new:
            counter = self._follower_counts.get(userid)
            if counter is None:
                counter = self._follower_counts[userid] = Length()
            counter.change(1)
        return subscription

    def unfollow(self, subscriber, userid):
        mine = self._following.get(subscriber)
        if mine is None or not isinstance(userid, str) or userid not in mine:
            raise exc.SubscriptionNotFound(f"{subscriber!r} does not follow {userid!r}")
        del mine[userid]
        del self._followers[userid][subscriber]
        self._follower_counts[userid].change(-1)

    def watch(self, subscriber, uuid, subtree=True, verbs=None, portal_types=None,
              frequency=None):
        userids.check_userid(subscriber, "subscriber", exc.InvalidUserId)
        if not isinstance(uuid, str) or not uuid or uuid.strip() != uuid:
            raise exc.InvalidSubscription(f"a content UUID is a non-empty string, not {uuid!r}")
        userids.check_unicode(uuid, "uuid", exc.InvalidSubscription)
        subscription = Subscription(subscriber, "content", uuid, bool(subtree), verbs, portal_types,
                                    frequency)
        self._branch(self._watching, subscriber)[uuid] = subscription
        self._branch(self._watchers, uuid)[subscriber] = subscription
        return subscription

    def unwatch(self, subscriber, uuid):
        mine = self._watching.get(subscriber)
        if mine is None or not isinstance(uuid, str) or uuid not in mine:
            raise exc.SubscriptionNotFound(f"{subscriber!r} does not watch {uuid!r}")
        del mine[uuid]
        del self._watchers[uuid][subscriber]

    def get_subscriptions(self, subscriber):
        for tree in (self._following, self._watching):
            yield from tree.get(subscriber, {}).values()

    def get(self, subscriber, kind, target):
        """The Subscription of `subscriber` to a user ("user") or content, or None."""
        tree = self._following if kind == "user" else self._watching
        return tree.get(subscriber, {}).get(target)

    def is_following(self, subscriber, userid):
        return isinstance(userid, str) and userid in self._following.get(subscriber, ())

    def follow_of(self, subscriber, userid):
        """The Subscription of `subscriber` to the person `userid`, or None."""
        mine = self._following.get(subscriber)
        return None if mine is None or not isinstance(userid, str) else mine.get(userid)

    def prefetch_following(self, jar, subscribers):
        """Load the follows of many subscribers in a few round trips (fan-out workers)."""
        prefetch_paths(jar, [(self._following, subscribers)])
        prefetch_stored(jar, [found for found in map(self._following.get, subscribers)
                              if found is not None])

    def is_watching(self, subscriber, uuid):
        return isinstance(uuid, str) and uuid in self._watching.get(subscriber, ())

    def followers(self, userid):
        return iter(self._followers.get(userid, {}).items())

    def watchers(self, uuid):
        return iter(self._watchers.get(uuid, {}).items())

    def following(self, subscriber):
        """The Subscriptions of `subscriber` to people, by the followed userid."""
        return iter(self._following.get(subscriber, {}).values())

    def watching(self, subscriber):
        """The Subscriptions of `subscriber` to content, by UUID."""
        return iter(self._watching.get(subscriber, {}).values())

    def page(self, subscriber, kind, after=None):
        """The subscriptions of `subscriber` of `kind` ("user" or "content"),
        ordered by target, those after the target `after` only."""
        tree = self._following if kind == "user" else self._watching
        mine = tree.get(subscriber)
        if mine is None:
            return iter(())
        bounds = {} if after is None else {"min": after, "excludemin": True}
        return iter(mine.values(**bounds))

    def follower_subscriptions(self, userid):
        """The Subscriptions of the people who follow `userid`."""
        return iter(self._followers.get(userid, {}).values())

    def erase_user(self, userid):
        """End every subscription of and to `userid`, counters kept exact; return
        how many ended."""
        ended = 0
        for followed in list(self._following.get(userid, {}).keys()):
            self.unfollow(userid, followed)
            ended += 1
        for follower in list(self._followers.get(userid, {}).keys()):
            self.unfollow(follower, userid)
            ended += 1
        for uuid in list(self._watching.get(userid, {}).keys()):
            self.unwatch(userid, uuid)
            ended += 1
        for tree in (self._following, self._followers, self._follower_counts, self._watching):
            if userid in tree:
                del tree[userid]
        return ended

    def check_invariants(self):
        """Raise AssertionError unless both directions and the counters agree (for tests)."""
        for tree in (self._following, self._followers, self._follower_counts,
                     self._watching, self._watchers):
            check_btree(tree)
        for subscriber, mine in self._following.items():
            for followed in mine.keys():
                assert subscriber in self._followers.get(followed, {}), "follower side"
        for followed, theirs in self._followers.items():
            counter = self._follower_counts.get(followed)
            assert (counter() if counter is not None else 0) == len(theirs), "follower count"
        for subscriber, mine in self._watching.items():
            for uuid in mine.keys():
                assert subscriber in self._watchers.get(uuid, {}), "watcher side"

    def follower_count(self, userid):
        counter = self._follower_counts.get(userid)
        return 0 if counter is None else counter()

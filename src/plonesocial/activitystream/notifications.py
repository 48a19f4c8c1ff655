"""Notification lists: one per user, each keeping its own seen, group and digest rules.

Conflict avoidance:

- Every user has their own NotificationList; notifying many people touches
  many small subtrees, never one shared object.
- "Not seen" is membership in the list's ``_unseen`` tree, counted by a
  ``Length``: creating a notification and marking others seen change
  different keys and the counter, which ZODB resolves, and the counter stays
  equal to the size of the tree under any interleaving.
- Some types count every occurrence (``COUNT_EACH``: each private message is
  one on the badge, as in Slack): an unseen notification that folded in n
  of them weighs n, its extra n - 1 kept in ``_extra``; the counter stays
  the sum of the unseen weights, changed once per write (O(1)).
- The last-seen time is a ``LastSeen`` marker whose conflicts resolve to the
  later time.
- Ids come from the clock; two transactions taking the same id in the same
  tree conflict and one is retried.

The notifications themselves are in ``notification``.
"""

from BTrees.check import check as check_btree
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial import exc
from plonesocial.activitystream.notification import BroadcastView
from plonesocial.activitystream.notification import Notification
from plonesocial.activitystream.notification_list import COUNT_EACH as COUNT_EACH
from plonesocial.activitystream.notification_list import FRONT as FRONT
from plonesocial.activitystream.notification_list import group_key as group_key
from plonesocial.activitystream.notification_list import NotificationList as NotificationList
from plonesocial.activitystream.notification_list import PHRASE_MAX as PHRASE_MAX
from plonesocial.activitystream.validation import check_userid
from plonesocial.activitystream.validation import free_id
from plonesocial.clock import as_utc
from plonesocial.prefetch import prefetch_paths
from plonesocial.prefetch import prefetch_stored

import itertools


class NotificationStore(Persistent):
    """Every user's NotificationList, and the broadcasts stored once for everybody."""

    def __init__(self, lists=None, broadcasts=None):
        """A new store, or one around the trees of a manager stored before the stores."""
        # userid -> NotificationList
        self._lists = OOBTree() if lists is None else lists
        # -notification id -> Notification (recipient None)
        self._broadcasts = LOBTree() if broadcasts is None else broadcasts

    def get_list(self, userid, create=False):
        """The NotificationList of `userid`, or None (created with `create`)."""
        notification_list = self._lists.get(userid)
        if notification_list is None and create:
            check_userid(userid)
            notification_list = self._lists[userid] = NotificationList(userid)
        return notification_list

    def remove_list(self, userid):
        """Delete the list of `userid`; return True if there was one."""
        if userid in self._lists:
            del self._lists[userid]
            return True
        return False

    def userids(self):
        """The userids that have a list."""
        return self._lists.keys()

    def lists(self):
        return self._lists.values()

    def lists_with_digest_state(self, batch=500):
        """Every list, its digest records loaded `batch` lists at a time: the digest
        job asks each whether something waits (on ZEO and RelStorage one round trip
        a batch, not one a list and another for its records)."""
        jar = self._p_jar
        lists = iter(self._lists.values())
        while chunk := list(itertools.islice(lists, batch)):
            if jar is not None:
                prefetch_stored(jar, chunk)
                prefetch_stored(jar, [record for found in chunk
                                      for record in found.digest_records()])
            yield from chunk

    # -- broadcasts ---------------------------------------------------------------

    def add_broadcast(self, template, when):
        notification = Notification(free_id(self._broadcasts, when), None, template,
                                    ("broadcast",))
        self._broadcasts[-notification.id] = notification
        return notification

    def broadcast_keys(self, **bounds):
        return self._broadcasts.keys(**bounds)

    def broadcast_view(self, key, notification_list):
        notification = self._broadcasts.get(key)
        return None if notification is None else BroadcastView(notification, notification_list)

    def newest_broadcast(self):
        """The id of the newest broadcast, or None."""
        return -self._broadcasts.minKey() if self._broadcasts else None

    def count_unseen_broadcasts(self, notification_list):
        if notification_list is None:
            return sum(1 for _ in self._broadcasts.keys())
        return notification_list.unseen_broadcasts(self._broadcasts)

    def get(self, userid, notification_id):
        """The notification `notification_id` of `userid` (their own or a broadcast)."""
        if isinstance(notification_id, int) and not isinstance(notification_id, bool):
            notification_list = self._lists.get(userid)
            if notification_list is not None:
                notification = notification_list.get_by_id(notification_id)
                if notification is not None:
                    return notification
            view = self.broadcast_view(-notification_id, notification_list)
            if view is not None:
                return view
        raise exc.NotificationNotFound(f"{userid!r} has no notification {notification_id!r}")

    def remove_broadcasts_older_than(self, cutoff):
        removed = 0
        for key in list(self._broadcasts.keys(min=-cutoff)):
            del self._broadcasts[key]
            removed += 1
        return removed

    def cleanup(self, cutoff, keep_unseen):
        removed = sum(notification_list.remove_older_than(cutoff, keep_unseen)
                      for notification_list in self._lists.values())
        return removed + self.remove_broadcasts_older_than(cutoff)

    # -- fan-out ------------------------------------------------------------------

    def prefetch_lists(self, jar, userids):
        """Load the lists of many users (not their trees) in a few round trips: what
        a feed item's bookkeeping reads (feeds.py)."""
        if jar is None or len(userids) < 2:
            return
        prefetch_paths(jar, [(self._lists, userids)])
        lists = [found for found in map(self._lists.get, userids) if found is not None]
        prefetch_stored(jar, lists)
        waiting = [found.feed_waiting() for found in lists
                   if found.feed_waiting() is not None]
        prefetch_stored(jar, waiting)

    def prefetch(self, jar, userids, template, preferences):
        """Load what delivering to many users touches, in a few round trips.

        Their lists, preferences (the PreferencesStore) and the front of each
        list's trees (where a new notification goes): on ZEO or RelStorage,
        loading them one by one made a large fan-out wait on the server for
        every object.
        """
        if jar is None or len(userids) < 2:
            return
        prefetch_paths(jar, [(self._lists, userids)])
        preferences.prefetch(jar, userids)
        lists = [found for found in map(self._lists.get, userids) if found is not None]
        prefetch_stored(jar, lists)
        group = group_key(template["message_type"], template["owner"], template.get("phrase"))
        front = [FRONT]
        paths = []
        for notification_list in lists:
            paths += [(notification_list._items, front), (notification_list._unseen, front)]  # noqa: SLF001 (same module)
            if template["owner"] is not None:
                paths.append((notification_list._groups, [group]))  # noqa: SLF001
            if notification_list._unsent is not None:  # noqa: SLF001 (an earlier release's)
                paths.append((notification_list._unsent, front))  # noqa: SLF001
        prefetch_stored(jar, [record for notification_list in lists  # noqa: SLF001
                              for record in (notification_list._unseen_count,  # noqa: SLF001
                                             notification_list._digest_marks)  # noqa: SLF001
                              if record is not None])
        prefetch_paths(jar, paths)

    def check_invariants(self):
        """Raise AssertionError unless every list's counters and indexes agree."""
        check_btree(self._lists)
        check_btree(self._broadcasts)
        for notification_list in self._lists.values():
            notification_list.check_invariants()


def seen_at(when):
    """`when` as naive UTC, or InvalidActivity."""
    try:
        return as_utc(when)
    except TypeError as error:
        raise exc.InvalidActivity(f"when: {error}") from None

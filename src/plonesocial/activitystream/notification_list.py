"""One user's NotificationList: seen, group and digest rules (the conflict
avoidance is described in notifications.py, which re-exports these names;
pickles name the class there)."""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.notification import LastSeen
from plonesocial.activitystream.notification import Notification
from plonesocial.activitystream.notification_digests import DigestMarks
from plonesocial.activitystream.notification_digests import DigestWaiting
from plonesocial.activitystream.seencheck import CLEAR
from plonesocial.activitystream.seencheck import Floor
from plonesocial.activitystream.seencheck import UNKNOWN
from plonesocial.activitystream.validation import free_id
from plonesocial.clock import from_key
from plonesocial.clock import to_key
from plonesocial.records import read_all_current
from plonesocial.records import read_current


FRONT = -(2**63) + 1  # below every key: the front of a newest-first tree
PHRASE_MAX = "\U0010ffff"  # above every phrase: the end of one (type, owner)'s groups
# Types whose every occurrence counts on the badge while unseen: a second message from
# Ann updates her row ("Ann sent you 2 messages", moved to the top) and the count goes
# from 1 to 2. Other types count one per row, as GitHub counts a thread: "Ann and 2
# others edited X" is one thing to look at.
COUNT_EACH = frozenset({"message"})


def group_key(message_type, owner, phrase):
    """The key of an unseen group: one per (verb, object), as the sentence says.

    "Ann and 2 others edited X" must count editors only, so the phrase (the
    verb) is part of the key. Releases before kept ``(message_type, owner)``
    keys; those still sort right before the new keys of the same pair, and
    ``_group_keys`` finds both.
    """
    return (message_type, owner, phrase or "")


def private_message(message_type, owner):
    """Whether notifications of `message_type` about `owner` are a 1:1 conversation's
    (they grow and start again where they stand; a group's move, see deliver)."""
    return message_type in COUNT_EACH and getattr(owner, "kind", None) == "user"


class NotificationList(DigestWaiting, Persistent):
    """The notifications of one user, newest first, with their seen, group and digest rules."""

    __module__ = "plonesocial.activitystream.notifications"  # pickles name it there

    _broadcast_floor = 0  # broadcasts with id <= this are seen (mark_all_seen)
    # (what waits for a digest: DigestWaiting, notification_digests.py)
    # Builds before 1.0.0a1 kept each unseen notification's extra occurrences in this
    # tree (-id -> count); now the notification holds them (Notification.extra), which
    # a regrouping writes anyway. Read, emptied, never filled again.
    _extra = None
    # seencheck.Floor: the lowest security sequence the unseen notifications about
    # content were verified visible at (lists of earlier releases: made when needed)
    _floor = None

    def __init__(self, owner):
        self.owner = owner
        # -notification id -> Notification
        self._items = LOBTree()
        # -notification id -> content UUID or "" : the unseen ones
        self._unseen = LOBTree()
        self._unseen_count = Length()  # == len(self._unseen), read in O(1)
        # (message type, owner Reference, phrase) -> -notification id: unseen groups
        # (releases before: (message type, owner Reference) keys, still honoured)
        self._groups = OOBTree()
        self._last_seen = LastSeen()
        # broadcast ids above the floor marked seen, and below it marked unseen
        self._broadcasts_seen = LLTreeSet()
        self._broadcasts_unseen = LLTreeSet()
        self._floor = Floor(CLEAR)
        self._digest_marks = DigestMarks()

    # -- reading ------------------------------------------------------------------

    def keys(self, **bounds):
        """The -ids of the notifications, newest first (a Source's keys)."""
        return self._items.keys(**bounds)

    def get(self, key, default=None):
        """The notification of key `key` (-id), or `default`."""
        return self._items.get(key, default)

    def get_by_id(self, notification_id):
        """The notification with that id, or None."""
        return self._items.get(-notification_id)

    def get_range(self, min_id):
        """The notifications with ids from `min_id` up, newest first."""
        return self._items.values(max=-min_id)

    def read_deliveries_current(self):
        """Make this transaction fail to commit if a notification was delivered to
        the list since it was read: every delivery writes its unseen tree or its
        unseen counter (a digest relies on it, notification_digests.py)."""
        read_current(self._unseen_count)
        read_all_current(self._unseen)

    def is_seen(self, notification):
        if notification.recipient is None:
            id_ = notification.id
            if id_ <= self._broadcast_floor:
                return id_ not in self._broadcasts_unseen
            return id_ in self._broadcasts_seen
        return -notification.id not in self._unseen

    def unseen_count(self):
        """How many of the user's own notifications are unseen, a notification of a
        COUNT_EACH type counting each occurrence it folded in (a counter: O(1))."""
        return self._unseen_count()

    def unseen_verified_since(self):
        """The security sequence since which every unseen notification about content
        is known to be visible to the owner (seencheck): CLEAR when none is unseen,
        UNKNOWN when one was never verified. O(1)."""
        if self._floor is None:  # a list of an earlier release
            return CLEAR if not self._unseen else UNKNOWN
        return self._floor.value

    def _lower_floor(self, verified):
        """An unseen notification about content, verified at `verified`: written
        always, so that a concurrent clearing resolves to the lower value."""
        if self._floor is None:
            self._floor = Floor(verified if not self._unseen else UNKNOWN)
        else:
            self._floor.value = min(self._floor.value, verified)

    def _cleared(self):
        """Nothing unseen any more: the floor goes up (written only when it moves)."""
        if self._floor is None:
            self._floor = Floor(CLEAR)
        elif self._floor.value != CLEAR:
            self._floor.value = CLEAR

    def unseen_contexts(self):
        """The content UUIDs of the unseen notifications about content."""
        return [uuid for uuid in self._unseen.values() if uuid]

    def unseen_broadcasts(self, broadcasts):
        """How many of the `broadcasts` tree (-id -> Notification) this user has not seen."""
        count = 0
        for key in broadcasts.keys(max=-self._broadcast_floor, excludemax=True):
            if -key not in self._broadcasts_seen:
                count += 1
        count += sum(1 for id_ in self._broadcasts_unseen if -id_ in broadcasts)
        return count

    # -- delivering ---------------------------------------------------------------

    def _add(self, notification, weight=1, counted=0, verified=UNKNOWN):
        key = -notification.id
        if notification.__parent__ is not self:
            notification.__parent__ = self
        if self._items.get(key) is not notification:  # a seen one started again stays
            self._items[key] = notification
        if notification.context:
            self._lower_floor(verified)
        self._unseen[key] = notification.context or ""
        if weight != counted:  # a regrouped one already counted: no write (issue 13)
            self._unseen_count.change(weight - counted)
        if notification.extra != weight - 1:
            notification.extra = weight - 1
        if notification.owner is not None:
            # The group names the notification itself, not its key: a regrouping
            # gives it a new key (the top of the list) and leaves this tree alone.
            group = group_key(notification.message_type, notification.owner,
                              notification.phrase)
            if self._groups.get(group) is not notification:
                self._groups[group] = notification

    def _grouped_key(self, group):
        """The key of the notification a group names, or None. Groups name the
        notification; releases before kept its key (an int), still honoured."""
        value = self._groups.get(group)
        if value is None or isinstance(value, int):
            return value
        return -value.id

    def _take_unseen(self, key, notification, count=True):
        """Take `key` (`notification`'s) off the unseen ones; return the weight it had
        (0: it was seen). With `count` False the caller settles the counter (a
        regrouping)."""
        if key not in self._unseen:
            return 0
        del self._unseen[key]
        if not self._unseen:
            self._cleared()
        weight = 1 + notification.extra
        if self._extra is not None and key in self._extra:  # an earlier build's
            weight += self._extra.pop(key)
        if count:
            self._unseen_count.change(-weight)
        return weight

    def _group_keys(self, message_type, owner):
        """The group keys of (type, owner): every phrase's, and an old release's."""
        return list(self._groups.keys(min=(message_type, owner),
                                      max=(message_type, owner, PHRASE_MAX)))

    def deliver(self, template, reasons, when, verified=UNKNOWN):
        """Add a notification from `template`, grouped into an unseen one if any;
        `verified`: the security sequence at which its reader was seen to View
        its content (seencheck), or UNKNOWN."""
        # .get: templates built by callers by hand may carry no phrase.
        group = group_key(template["message_type"], template["owner"], template.get("phrase"))
        key = self._grouped_key(group) if template["owner"] is not None else None
        if key is not None and key in self._unseen:
            notification = self._items[key]
            if self._grows_in_place(notification, key):
                notification.grow(to_key(when), template, reasons)
                notification.extra += 1
                self._unseen_count.change(1)
                return notification
            del self._items[key]
            weight = self._take_unseen(key, notification, count=False)
            self.stop_waiting(key, notification)
            notification.regroup(free_id(self._items, when), template, reasons)
            # The counter moves by the difference only: not written at all when a
            # notification that counts once grows (issue 13).
            self._add(notification, weight + 1 if notification.message_type in COUNT_EACH else 1,
                      counted=weight, verified=verified)
            return notification
        notification = self._seen_on_top(template)
        if notification is not None:  # reused: one row, not one per message read along
            key = -notification.id
            if self._since_last_look(notification):
                notification.renew(notification.id, template, reasons, to_key(when))
            else:  # the "new" badge counts from the id: it moves
                del self._items[key]
                self.stop_waiting(key, notification)
                notification.renew(free_id(self._items, when), template, reasons)
            self._add(notification, verified=verified)
            return notification
        notification = Notification(free_id(self._items, when), self.owner, template, reasons)
        self._add(notification, verified=verified)
        return notification

    def _seen_on_top(self, template):
        """The newest notification of the list, if it is a seen one of the private
        messages `template` is about (the same sender): the reader read along, in
        the conversation, and the next message starts it again where it stands
        (issue 13) instead of adding a row under it. None otherwise."""
        owner = template["owner"]
        if not private_message(template["message_type"], owner):
            return None
        try:
            key = self._items.minKey()
        except ValueError:  # an empty list
            return None
        if key in self._unseen or (self._extra is not None and key in self._extra):
            return None
        notification = self._items[key]
        if (notification.message_type, notification.owner, notification.phrase or "") != (
                template["message_type"], owner, template.get("phrase") or ""):
            return None
        return notification

    def _grows_in_place(self, notification, key):
        """Whether a private message folds into `notification` (keyed `key`, unseen)
        where it stands, writing the notification and the counter only (issue 13).

        Only while it is the newest of the list (where a move would put it) and
        arrived after the owner last looked (the "new" badge counts from its id).
        Messages of a group move: editing one looks for their notifications by
        the time they were sent. A concurrent delivery of another notification
        is not read current: at worst the two stand in the other order, by the
        microseconds between them."""
        if not private_message(notification.message_type, notification.owner):
            return False
        if self._extra is not None and key in self._extra:  # an earlier build's count
            return False
        return self._items.minKey() == key and self._since_last_look(notification)

    def _since_last_look(self, notification):
        """Whether `notification` (its id) is newer than the owner's last look at the list."""
        seen = self._last_seen.value
        return seen is None or notification.id > seen

    # -- seen and unseen ----------------------------------------------------------

    def mark_seen(self, notification):
        """Mark one notification (the user's own or a broadcast) seen."""
        if notification.recipient is None:
            id_ = notification.id
            if id_ <= self._broadcast_floor:
                if id_ in self._broadcasts_unseen:
                    self._broadcasts_unseen.remove(id_)
            elif id_ not in self._broadcasts_seen:
                self._broadcasts_seen.insert(id_)
            return
        key = -notification.id
        if self._take_unseen(key, notification):
            self._ungroup(notification, key)

    def mark_unseen(self, notification):
        """Mark one notification (the user's own or a broadcast) not seen again."""
        if notification.recipient is None:
            id_ = notification.id
            if id_ <= self._broadcast_floor:
                self._broadcasts_unseen.insert(id_)
            elif id_ in self._broadcasts_seen:
                self._broadcasts_seen.remove(id_)
            return
        key = -notification.id
        if key not in self._unseen:
            if notification.context:  # no longer known to be visible
                self._lower_floor(UNKNOWN)
            if notification.extra:  # unseen again, it counts once
                notification.extra = 0
            self._unseen[key] = notification.context or ""
            self._unseen_count.change(1)

    def unseen_about(self, message_type, owner, phrase=None):
        """The unseen notification of a type about an owner with a phrase, or None.
        Reads only: a caller can leave a group unchanged instead of writing to it."""
        key = self._grouped_key(group_key(message_type, owner, phrase))
        if key is None or key not in self._unseen:
            return None
        return self._items.get(key)

    def mark_seen_about(self, message_type, owner):
        """Mark seen the unseen notifications of a type about an owner (its groups, one
        per phrase), if any. O(phrases)."""
        marked = False
        for group in self._group_keys(message_type, owner):
            key = self._grouped_key(group)
            if key is not None and key in self._unseen:
                self.mark_seen(self._items[key])
                marked = True
        return marked

    def mark_all_seen(self, newest_broadcast):
        """Mark everything seen, broadcasts up to `newest_broadcast` (an id) included;
        return how many of the user's own notifications were unseen (as counted)."""
        keys = list(self._unseen.keys())
        for key in keys:
            del self._unseen[key]
        # The counter is the weighed count of what was unseen (each key, and the extra
        # occurrences its notification holds): it goes to 0 without loading them.
        weight = self._unseen_count()
        if self._extra:
            self._extra.clear()
        if weight:
            self._unseen_count.change(-weight)
        for group in list(self._groups.keys()):
            del self._groups[group]
        if newest_broadcast is not None and newest_broadcast > self._broadcast_floor:
            self._broadcast_floor = newest_broadcast
            self._broadcasts_seen.clear()
        if self._broadcasts_unseen:
            self._broadcasts_unseen.clear()
        self._cleared()
        return weight

    def _ungroup(self, notification, key):
        """Stop grouping into `notification` (keyed `key`) if it is its group's."""
        if notification.owner is None:
            return  # never grouped: (type, None) is no key of _groups
        for group in self._group_keys(notification.message_type, notification.owner):
            if self._grouped_key(group) == key:
                del self._groups[group]

    @property
    def last_seen(self):
        """When the user last looked (naive UTC), or None."""
        value = self._last_seen.value
        return None if value is None else from_key(value)

    def update_last_seen(self, when):
        """Move the last-seen time on to `when` (naive UTC); never back."""
        value = to_key(when)
        if self._last_seen.value is None or value > self._last_seen.value:
            self._last_seen.value = value

    # -- retention and erasure ----------------------------------------------------

    def _remove(self, key):
        notification = self._items.pop(key)
        self.stop_waiting(key)
        self._take_unseen(key, notification)
        self._ungroup(notification, key)
        return notification

    def remove_about(self, message_type, owner, phrase=None):
        """Remove the notifications of `message_type` about `owner` (with `phrase`, if
        given), seen or not; return how many. Reads the whole list: for rare
        retractions (a mention edited away), never per delivery."""
        keys = [key for key, notification in self._items.items()
                if notification.message_type == message_type and notification.owner == owner
                and (phrase is None or notification.phrase == phrase)]
        for key in keys:
            self._remove(key)
        return len(keys)

    def remove_older_than(self, cutoff, keep_unseen):
        """Remove the notifications older than `cutoff` (UTC µs); return how many."""
        removed = 0
        # Keyed by -id: the old ones are the keys from -cutoff up.
        for key in list(self._items.keys(min=-cutoff)):
            if keep_unseen and key in self._unseen:
                continue
            if to_key(self._items[key].updated) > cutoff:  # grown in place since
                continue
            self._remove(key)
            removed += 1
        return removed

    def replace_body(self, message_type, owner, old, new, since=None):
        """Put `new` for the quote `old` in this list's notifications of `message_type`
        about `owner` (a message its sender edited or unsent); return how many.
        Reads the whole list, or with `since` (UTC µs) those delivered since then
        only (a notification's id is when it was delivered): a rare change, not a
        hot path."""
        changed = 0
        items = self._items.values() if since is None else self._items.values(max=-since)
        for notification in items:
            if notification.message_type == message_type and notification.owner == owner \
                    and notification.body == old:
                notification.body = new
                changed += 1
        return changed

    def anonymise_actor(self, userid, placeholder, message_type, body):
        """In the notifications of `message_type` about `userid`, put `placeholder`
        for them, as actor and as owner, and `body` for the quote of their words."""
        old_owner = Reference("user", userid)
        new_owner = Reference("user", placeholder)
        changed = 0
        for key, notification in list(self._items.items()):
            if notification.message_type != message_type or notification.owner != old_owner:
                continue
            for group in self._group_keys(message_type, old_owner):
                if self._grouped_key(group) == key:
                    del self._groups[group]
                    self._groups[group_key(message_type, new_owner,
                                           notification.phrase)] = notification
            notification.owner = new_owner
            notification.replace_actor(userid, placeholder, body)
            changed += 1
        return changed

    def check_invariants(self):
        """Raise AssertionError unless the trees are sound and counters and indexes
        agree (for tests)."""
        for tree in (self._items, self._unseen, self._groups):
            check_btree(tree)
        unseen = list(self._unseen.keys())
        extra = dict(self._extra.items()) if self._extra is not None else {}
        assert all(key in self._items for key in unseen), "unseen without item"
        weighed = len(unseen) + sum(extra.values()) + sum(
            self._items[key].extra for key in unseen)
        assert self._unseen_count() == weighed, "unseen counter"
        assert all(key in self._unseen and count > 0 for key, count in extra.items()), \
            "extra occurrences of a seen item"
        for group in self._groups.keys():
            key = self._grouped_key(group)
            item = self._items.get(key)
            assert item is not None and key in self._unseen, "group of a seen item"
            assert (item.message_type, item.owner) == group[:2], "group key"
            if len(group) == 3:  # an old release's keys have no phrase
                assert (item.phrase or "") == group[2], "group phrase"
        assert all(key in self._items for key in self.waiting_keys()), "unsent item"
        self.check_digest_marks(self._items.values())

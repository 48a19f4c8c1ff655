"""One group conversation: its messages (stored once, in trees by sender) and one
Membership (read marker) per participant; the design is described in groups.py,
which re-exports these names (pickles name the classes there)."""

from BTrees.check import check as check_btree
from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial import exc
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.messaging.interfaces import IGroupConversation
from plonesocial.messaging.interfaces import IGroupMessage
from plonesocial.messaging.interfaces import IMembership
from zope.interface import implementer

import heapq
import itertools
import uuid
import zlib


# How many trees hold a group's messages: a sender's messages go to the tree
# of their userid's hash, so concurrent senders rarely touch the same bucket
# (an append to a shared bucket resolves, a shared bucket split does not).
SHARDS = 64


def shard_of(userid):
    return zlib.crc32((userid or "").encode("utf-8")) % SHARDS

# The kinds of system messages; their facts are rendered per reader.
CREATED = "created"
ADDED = "added"
KICKED = "kicked"
LEFT = "left"
RENAMED = "renamed"
OWNER = "owner"
SYSTEM_ACTIONS = (CREATED, ADDED, KICKED, LEFT, RENAMED, OWNER)


@implementer(IGroupMessage)
class GroupMessage:
    """One message of a group, stored once; inline in its tree's bucket (it never
    changes), so it names its group by id, not by a reference."""

    __module__ = "plonesocial.messaging.groups"  # pickles name it there

    def __init__(self, group_id, id, uid, sender, text, created, action=None, facts=None):
        self.group_id = group_id
        self.id = id
        self.uid = uid
        self.sender = sender  # the author; for a system message, who acted
        self.text = text  # None for a system message
        self.created = created
        self.action = action  # None, or one of SYSTEM_ACTIONS
        # A system message's facts: {"userids": (...), "title": "..."}
        self.facts = dict(facts or {})

    # Issue 15: class defaults, so messages stored before read as plain ones.
    attachments = ()  # attachment ids (messaging/attachments.py)
    edited = None  # when the text was last edited (naive UTC)
    versions = ()  # earlier texts: ((written, text), ...), oldest first
    unsent = False  # a tombstone: text, versions and attachments gone


@implementer(IMembership)
class Membership(Persistent):
    """One participant's state in one group; written only by that participant
    (read marker, mute) or by a change of the group's participants."""

    __module__ = "plonesocial.messaging.groups"  # pickles name it there

    def __init__(self, userid, order, joined_key, joined_count):
        self.userid = userid
        self.order = order  # the group's join number: who stands longest
        self.joined_key = joined_key  # messages with a greater id are visible
        self.left_key = None  # once departed: messages up to this id stay visible
        self.left_count = None  # the group's message count at departure
        self.how_left = None  # None (a participant), LEFT or KICKED
        self.read_count = joined_count  # read marker: the message count read up to
        self.read_key = None  # read marker: the newest message id read (receipts)
        self.muted = False

    # Issue 15, message requests: True while the group waits in this
    # participant's requests (added by someone they do not accept messages
    # from): not listed, not counted, not notified until they accept.
    pending = False
    invited_by = None  # who added them, while pending (a decline may block them)
    muted_until = None  # issue 16: naive UTC end of a timed mute; None: until unmuted

    @property
    def active(self):
        return self.how_left is None

    def is_muted(self, now=None):
        """Tell whether the participant muted the group (a timed mute ends by itself)."""
        if not self.muted:
            return False
        return self.muted_until is None or self.muted_until > (now or utcnow())

    def visible(self, key):
        return key > self.joined_key and (self.left_key is None or key <= self.left_key)


@implementer(IGroupConversation)
class GroupConversation(Persistent):
    """A conversation of several people, with an owner and an optional title."""

    __module__ = "plonesocial.messaging.groups"  # pickles name it there

    def __init__(self, id, owner, title, created_key):
        self.id = id
        self.title = title
        self.owner = owner
        self.created_key = created_key
        # shard number (int, see shard_of) -> LOBTree(message id -> GroupMessage):
        # each sender writes their own shard, so concurrent senders rarely share
        # a bucket and never a bucket split (created when first needed)
        self._shards = IOBTree()
        self._count = Length()  # messages ever added: the group's sequence number
        # userid -> Membership, current and former participants
        self._members = OOBTree()
        self._active = Length()  # current participants
        self._joins = 0  # joins ever: the next Membership's order

    # -- reading ----------------------------------------------------------------

    @property
    def message_count(self):
        """How many messages were ever added (the sequence number)."""
        return self._count()

    @property
    def participants_count(self):
        return self._active()

    def get_membership(self, userid):
        """The Membership of `userid`, current or former, or None."""
        return self._members.get(userid) if isinstance(userid, str) else None

    def participants(self):
        """Current participants' Memberships, longest-standing first."""
        members = [m for m in self._members.values() if m.active]
        members.sort(key=lambda m: m.order)
        return members

    def participant_ids(self):
        """Userids of everyone who is or was in the group (keys only: no Membership loaded)."""
        return list(self._members.keys())

    def memberships(self):
        """Every Membership, current and former (export, erasure, receipts)."""
        return list(self._members.values())

    def is_participant(self, userid):
        membership = self.get_membership(userid)
        return membership is not None and membership.active

    def _max_key(self, upper=None):
        """The greatest message id (at most `upper`), or None: O(shards · log n)."""
        found = None
        for tree in self._shards.values():
            try:
                key = tree.maxKey(upper) if upper is not None else tree.maxKey()
            except ValueError:
                continue
            if found is None or key > found:
                found = key
        return found

    def _newest_first(self, low, high=None):
        """Message ids in (low, high], newest first, merged lazily from the shards."""
        def descending(tree):
            try:
                key = tree.maxKey(high) if high is not None else tree.maxKey()
            except ValueError:
                return
            while key > low:
                yield key
                try:
                    key = tree.maxKey(key - 1)
                except ValueError:
                    return
        return heapq.merge(*(descending(t) for t in self._shards.values()), reverse=True)

    def _oldest_first(self, low, high=None):
        """Messages with ids in (low, high], oldest first, merged from the shards."""
        bounds = {"min": low, "excludemin": True}
        if high is not None:
            bounds["max"] = high
        return heapq.merge(*(t.values(**bounds) for t in self._shards.values()),
                           key=lambda message: message.id)

    @property
    def last_key(self):
        """The newest message id, or None."""
        return self._max_key()

    def recency_key(self, userid):
        """Where the group stands in `userid`'s conversation list (newest message they see)."""
        membership = self._members[userid]
        key = self._max_key(membership.left_key)
        if key is None or key <= membership.joined_key:
            return max(membership.joined_key, self.created_key)
        return key

    def unread(self, userid):
        """How many messages `userid` has not read: derived from the counters."""
        membership = self._members[userid]
        upto = self._count() if membership.left_count is None else membership.left_count
        return max(0, upto - membership.read_count)

    def message_ids(self, userid, limit, before=None, after=None):
        """Up to `limit` ids of messages `userid` may read, newest first (keyset paging)."""
        membership = self._members[userid]
        low, high = membership.joined_key, membership.left_key
        if after is not None and before is None:
            messages = self._oldest_first(max(low, after), high)
            ids = [m.id for m in itertools.islice(messages, limit)]
            ids.reverse()
            return ids
        if before is not None:
            high = before - 1 if high is None else min(high, before - 1)
        return list(itertools.islice(self._newest_first(low, high), limit))

    def _get(self, message_id):
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            return None
        tree = self._shards.get(message_id % SHARDS)
        return None if tree is None else tree.get(message_id)

    def get_message(self, userid, message_id):
        membership = self._members.get(userid)
        message = self._get(message_id)
        if message is None or membership is None or not membership.visible(message_id):
            raise exc.MessageNotFound(f"No message {message_id!r} in this conversation")
        return message

    def get_messages(self, userid):
        """Every message `userid` may read, oldest first."""
        membership = self._members[userid]
        return self._oldest_first(membership.joined_key, membership.left_key)

    def all_messages(self):
        """Every message, oldest first."""
        return self._oldest_first(-1)

    def seen_by(self, message_id, exclude=()):
        """Userids of participants (current and former) whose read marker reached `message_id`."""
        return [m.userid for m in self._members.values()
                if m.userid not in exclude and m.read_key is not None
                and m.read_key >= message_id]

    # -- writing ----------------------------------------------------------------

    def _add(self, sender, text, created, action=None, facts=None):
        shard = shard_of(sender)
        tree = self._shards.get(shard)
        if tree is None:
            tree = self._shards[shard] = LOBTree()
        # The id is the time in µs with its low bits replaced by the shard
        # number: chronological (to 64 µs), and it names its shard. A taken
        # id (same sender's shard, same 64 µs) moves on to the next.
        key = to_key(created) - to_key(created) % SHARDS + shard
        # A system message comes after every message before it: a member added
        # at the newest id sees the message that adds them.
        floor = self._max_key() if action is not None else None
        while key in tree or (floor is not None and key <= floor):
            key += SHARDS
        message = GroupMessage(self.id, key, uuid.uuid4().hex, sender, text, created, action, facts)
        tree[key] = message
        self._count.change(1)
        return message

    def _mark_read_to(self, membership, message):
        # The writer has seen everything up to their own message (in their view).
        membership.read_count = self._count()
        membership.read_key = message.id

    def send(self, sender, text, created, attachments=()):
        membership = self._members.get(sender)
        if membership is None or not membership.active:
            raise exc.NotAParticipant(f"{sender!r} is not a participant of this conversation")
        # Writing the sender's Membership (their read marker) also makes a
        # concurrent kick or leave of the sender conflict with this send.
        message = self._add(sender, text, created)
        if attachments:
            # The bucket holding the new message is written by this transaction anyway.
            message.attachments = tuple(attachments)
        self._mark_read_to(membership, message)
        return message

    def replace(self, message):
        """Store `message`, a changed copy of one of the group's messages (edit,
        unsend), in the old one's place: one bucket written."""
        if self._get(message.id) is None:
            raise exc.MessageNotFound(f"No message {message.id!r} to replace")
        self._shards[message.id % SHARDS][message.id] = message

    def system(self, actor, action, created, **facts):
        message = self._add(actor, None, created, action, facts)
        membership = self._members.get(actor)
        if membership is not None and membership.active:
            self._mark_read_to(membership, message)
        return message

    def join(self, userid, created_key):
        """Make `userid` a participant (again); return their Membership."""
        membership = self._members.get(userid)
        self._joins += 1
        fresh = Membership(userid, self._joins, created_key, self._count())
        if membership is not None:
            # Rejoining: what they read before they departed stays read.
            fresh.read_key = membership.read_key
            if membership.active:
                raise exc.InvalidGroup(f"{userid!r} is a participant already")
        self._members[userid] = fresh
        self._active.change(1)
        return fresh

    def depart(self, userid, how):
        membership = self._members[userid]
        membership.how_left = how
        membership.left_key = self.last_key or membership.joined_key
        membership.left_count = self._count()
        self._active.change(-1)
        if self.owner == userid:
            remaining = self.participants()
            self.owner = remaining[0].userid if remaining else None
        return membership

    def mark_read(self, userid):
        membership = self._members[userid]
        upto = self._count() if membership.left_count is None else membership.left_count
        last = self.last_key if membership.left_key is None else membership.left_key
        if membership.read_count != upto:
            membership.read_count = upto
        if last is not None and last > membership.joined_key and membership.read_key != last:
            membership.read_key = last

    def forget_member(self, userid):
        """Remove `userid`'s Membership for good (erasure); the others' stay."""
        membership = self._members.pop(userid, None)
        if membership is not None and membership.active:
            self._active.change(-1)
        if self.owner == userid:
            remaining = self.participants()
            self.owner = remaining[0].userid if remaining else None
        return membership

    def anonymise(self, userid, placeholder, text):
        """Replace `userid` by `placeholder` in every message and their text by `text`."""
        for message in list(self.all_messages()):
            key = message.id
            mine = message.sender == userid
            named = userid in message.facts.get("userids", ())
            if not (mine or named):
                continue
            facts = dict(message.facts)
            if named:
                facts["userids"] = tuple(placeholder if u == userid else u
                                         for u in facts["userids"])
            copy = GroupMessage(
                self.id, key, message.uid, placeholder if mine else message.sender,
                text if mine and message.text is not None and not message.unsent
                else message.text,
                message.created, message.action, facts)
            # Their attachments and earlier versions go with their words.
            if not mine:
                copy.attachments = message.attachments
                copy.versions = message.versions
                copy.edited = message.edited
            copy.unsent = message.unsent
            self._shards[key % SHARDS][key] = copy

    def check_invariants(self):
        """Raise AssertionError unless trees and counters agree (tests)."""
        check_btree(self._shards)
        for shard, tree in self._shards.items():
            check_btree(tree)
            assert all(key % SHARDS == shard for key in tree.keys()), "shard of an id"
        check_btree(self._members)
        assert self._count() >= sum(1 for _ in self.all_messages()), "message counter"
        assert self._active() == sum(1 for m in self._members.values() if m.active), \
            "participant counter"
        assert self.owner is None or self.is_participant(self.owner), "owner participates"
        for membership in self._members.values():
            assert 0 <= self.unread(membership.userid) <= self._count(), "unread"

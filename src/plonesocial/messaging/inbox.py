"""The inbox of one user: their conversations, newest first, and whom they block.

Sends from different people to one person touch different conversations and
only BTree buckets and counters of the inbox, which ZODB resolves. The
newest-first order of a busy inbox is split over several small trees by the
other party's userid: one shared tree's front bucket split every fifteenth
send or so, and a split cannot be resolved. A new inbox keeps the order in one
small tree until it has SHARD_FROM conversations (issue 13: its first
conversations write one tree, not a tree of shards and a shard).

What a first message writes on each side (issue 13): the conversation, the
inbox's conversation tree, its order tree and its one counter object
(InboxCounts); the set of blocked people is only made by the first block.
"""

from BTrees.check import BTREE_NORMAL
from BTrees.check import check as check_btree
from BTrees.check import crack_btree
from BTrees.IOBTree import IOBTree
from BTrees.LLBTree import LLBTree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial import exc
from plonesocial import userids
from plonesocial.messaging.conversation import Conversation
from plonesocial.messaging.counters import InboxCounts
from plonesocial.messaging.interfaces import IInbox
from zope.interface import implementer

import heapq
import zlib


# How many trees hold an inbox's conversation order (see Inbox._shard).
RECENT_SHARDS = 16

# An inbox keeps its order in one tree until it has this many conversations,
# then moves it into shards once (Inbox._recent_tree). Well below the 30 keys
# of an OOTreeSet bucket: the one tree stays one bucket, stored inline in the
# tree's own record, whose concurrent adds of different keys ZODB resolves (a
# split could not be); sends counted in concurrently can pass the threshold by
# a few without reaching 30.
SHARD_FROM = 16

# The window of the per-sender rate limit, in seconds.
RATE_WINDOW = 60


def tree_records(tree):
    """Yield the persistent records `tree` is stored in: the tree itself and,
    unless its one bucket is inline in it, every node and bucket under it."""
    yield tree
    kind, _, kids = crack_btree(tree, False)  # BTrees' public pickle layout
    if kind is BTREE_NORMAL:
        for kid in kids:
            if isinstance(kid, type(tree)):
                yield from tree_records(kid)
            else:
                yield kid


def check_userid(userid, role="userid"):
    """Raise InvalidUserId unless `userid` is a non-empty, stripped string."""
    return userids.check_userid(userid, role, exc.InvalidUserId)


@implementer(IInbox)
class Inbox(Persistent):
    """The conversations of one user."""

    # Importable and shown as plonesocial.messaging.messaging.Inbox, where the
    # seed doctest (the messaging contract) and stored pickles name it.
    __module__ = "plonesocial.messaging.messaging"

    def __init__(self, owner):
        self.owner = owner
        # other party's userid -> Conversation
        self._conversations = OOBTree()
        # OOTreeSet((-message id of the newest message, other party's
        # userid)): the conversations newest first, until SHARD_FROM of them;
        # then `_recent_shards` (see _recent_tree)
        self._recent = OOTreeSet()
        # conversations, and new received messages of all conversations
        self._counts = InboxCounts()

    # Stored before issue 13: two Length objects, `_count` (conversations)
    # and `_unread` (new received messages), kept as they are; None here
    # means "those" (see _change_counts).
    _counts = None

    # Userids whose messages this user refuses: an OOTreeSet made by the first
    # block (issue 13); None reads as nobody.
    _blocked = None

    # Issue 15: True hides this user's read receipts from others (and theirs
    # from this user). A class default: inboxes stored before it read False.
    hide_read_receipts = False

    # Issue 15, message requests (messaging/requests.py): whom this user
    # accepts messages from (None: the site's default), and the requests
    # waiting (a MessageRequests, made by the first request).
    accept_messages_from = None
    _requests = None

    def get_requests(self, create=False):
        """The MessageRequests of this user (None, or made with `create`)."""
        if self._requests is None and create:
            from plonesocial.messaging.requests import MessageRequests

            self._requests = MessageRequests(self.owner)
        return self._requests

    def adopt(self, conversation):
        """File `conversation`, an accepted request, here: counted and ordered
        as if its messages had arrived here (its unread ones count from now)."""
        userid = conversation.username
        if userid in self._conversations:
            raise exc.InvalidInput(f"{self.owner!r} has a conversation with {userid!r} already")
        conversation.__parent__ = self
        self._conversations[userid] = conversation
        self._change_counts(1, conversation.new_messages_count)
        key = conversation.recency_key
        if key is not None:
            conversation.recency_key = None
            self.touch(conversation, key)
        return conversation

    # UTC second (int) -> messages sent in it, the last RATE_WINDOW seconds
    # only; created by the first counted send.  It lives in the sender's own
    # inbox, which every send writes anyway, so counting adds no conflicts
    # between different senders.
    _sent = None

    @property
    def new_messages_count(self):
        if self._counts is None:
            return self._unread()
        return self._counts.unread

    def _change_counts(self, conversations=0, unread=0):
        """Add to the counters: one object written, or two Lengths of an old inbox."""
        if self._counts is not None:
            self._counts.change(conversations, unread)
            return
        if conversations:
            self._count.change(conversations)
        if unread:
            self._unread.change(unread)

    # shard number -> OOTreeSet((-message id, other party's userid)): merging
    # the shards in key order gives the conversations newest-first (shards are
    # created when first needed). None while the order is the one tree in
    # `_recent`: a small inbox, or one stored before the order was sharded.
    _recent_shards = None
    _recent = None

    def sent_recently(self, now):
        """Return how many messages this user sent in the window ending at `now` (UTC s)."""
        if self._sent is None:
            return 0
        # At most one key per second of the window: bounded however busy.
        return sum(self._sent.values(min=now - RATE_WINDOW + 1))

    def retry_after(self, now):
        """Seconds until the oldest send of the window leaves it."""
        oldest = self._sent.minKey(now - RATE_WINDOW + 1)
        return max(1, oldest + RATE_WINDOW - now)

    def count_send(self, now):
        if self._sent is None:
            self._sent = LLBTree()
        sent = self._sent
        # Forget what left the window; keeps the tree at most RATE_WINDOW keys.
        for second in list(sent.keys(max=now - RATE_WINDOW)):
            del sent[second]
        sent[now] = sent.get(now, 0) + 1

    def get_conversations(self):
        if self._recent_shards is None:
            entries = self._recent.keys()
        else:
            entries = heapq.merge(*(shard.keys() for shard in self._recent_shards.values()))
        for _, userid in entries:
            yield self._conversations[userid]

    @staticmethod
    def _shard(userid):
        return zlib.crc32(userid.encode("utf-8")) % RECENT_SHARDS

    def _read_current(self, ob):
        """Make this transaction fail to commit if `ob` was changed since it was read."""
        if ob._p_jar is not None:  # not for objects made in this transaction
            ob._p_activate()  # a ghost has no serial to check
            ob._p_jar.readCurrent(ob)

    def _recent_tree(self, userid):
        """The tree that holds the place of the conversation with `userid`.

        Every change of the order comes here. In the one-tree layout a change
        writes `_recent` only, and the move into shards writes the inbox and
        leaves `_recent` behind, unreferenced: a change committed into it
        concurrently with the move would be lost, so neither may commit
        after the other unseen. A change asks the inbox to be current at its
        commit (the move writes the inbox, so the change fails with a
        ReadConflictError and is retried on the shards); the move asks the
        same of every record of `_recent` (a change committed before it
        makes it fail and retry with that change; the one tree is one
        record, but one stored before issue 13 may have buckets of their
        own). Writing `_recent` in the move instead would not do: BTrees
        would merge a concurrent add into the left-behind tree and call the
        conflict resolved.

        Cost: a change of the one tree also conflicts with a concurrent
        change of the inbox object itself (settings, the first block; rare).
        Concurrent changes of the one tree resolve unless one removes its
        first entry (moves up the newest conversation; BTrees refuse to
        merge that), where one is retried: shards would spread those.
        """
        if self._recent_shards is None:
            if len(self) < SHARD_FROM:
                self._read_current(self)
                return self._recent
            # Move the order into shards, once.
            shards = IOBTree()
            for entry in self._recent.keys():
                number = self._shard(entry[1])
                if number not in shards:
                    shards[number] = OOTreeSet()
                shards[number].add(entry)
            for record in tree_records(self._recent):
                self._read_current(record)
            self._recent_shards = shards
            self._recent = None
        number = self._shard(userid)
        tree = self._recent_shards.get(number)
        if tree is None:
            tree = self._recent_shards[number] = OOTreeSet()
        return tree

    def __getitem__(self, userid):
        try:
            return self._conversations[userid]
        except (KeyError, TypeError):
            raise exc.ConversationNotFound(
                f"{self.owner!r} has no conversation with {userid!r}"
            ) from None

    def get(self, userid, default=None):
        try:
            return self[userid]
        except exc.ConversationNotFound:
            return default

    def __delitem__(self, userid):
        conversation = self[userid]
        del self._conversations[userid]
        if conversation.last_updated is not None:
            self._recent_tree(userid).remove((-conversation.recency_key, userid))
        self._change_counts(-1, -conversation.new_messages_count)
        # Serialise with a concurrent send into this conversation, which
        # would otherwise count a message into a conversation that is gone.
        conversation._p_changed = True

    def __contains__(self, userid):
        return self.get(userid) is not None

    def __iter__(self):
        return iter(self._conversations.keys())

    def keys(self):
        return self._conversations.keys()

    def __len__(self):
        if self._counts is None:
            return self._count()
        return self._counts.conversations

    def block(self, userid):
        check_userid(userid)
        if userid == self.owner:
            raise exc.SelfMessage(f"{userid!r} cannot block themselves")
        if self._blocked is None:
            self._blocked = OOTreeSet()
        if userid not in self._blocked:
            self._blocked.add(userid)

    def unblock(self, userid):
        if self.is_blocked(userid):
            self._blocked.remove(userid)

    def is_blocked(self, userid):
        return isinstance(userid, str) and self._blocked is not None and userid in self._blocked

    def get_blocked(self):
        return iter(() if self._blocked is None else self._blocked.keys())

    def conversation_with(self, userid):
        """Return the conversation with `userid`, creating it if needed (Inboxes.send)."""
        conversation = self._conversations.get(userid)
        if conversation is None:
            conversation = Conversation(self, userid)
            self._conversations[userid] = conversation
            self._change_counts(1)
        return conversation

    def refile(self, userid, new_userid):
        """File the conversation with `userid` under `new_userid` (erasing a user).

        Its place in the order, its count and its unread messages stay.
        """
        conversation = self._conversations[userid]
        del self._conversations[userid]
        self._conversations[new_userid] = conversation
        if conversation.recency_key is not None:
            self._recent_tree(userid).remove((-conversation.recency_key, userid))
            self._recent_tree(new_userid).add((-conversation.recency_key, new_userid))
        conversation.username = new_userid
        conversation._p_changed = True  # serialise with a concurrent send or mark_read
        return conversation

    def touch(self, conversation, key):
        """Move `conversation` to the front of the recency order."""
        tree = self._recent_tree(conversation.username)
        if conversation.recency_key is not None:
            tree.remove((-conversation.recency_key, conversation.username))
        conversation.recency_key = key
        tree.add((-key, conversation.username))

    def check_invariants(self):
        """Raise AssertionError unless the trees are sound and the counters agree (tests)."""
        if self._recent_shards is None:
            shards = [self._recent]
        else:
            check_btree(self._recent_shards)
            shards = list(self._recent_shards.values())
        blocked = [] if self._blocked is None else [self._blocked]
        for tree in (self._conversations, *blocked, *shards):
            check_btree(tree)
        conversations = list(self._conversations.values())
        assert len(self) == len(conversations), "conversation counter"
        assert self.new_messages_count == sum(c.new_messages_count for c in conversations), \
            "unread counter"
        assert sum(len(shard) for shard in shards) == sum(
            1 for c in conversations if c.recency_key), "recency order"
        for conversation in conversations:
            conversation.check_invariants()
            key, userid = conversation.recency_key, conversation.username
            if key is not None:
                tree = self._recent if self._recent_shards is None else \
                    self._recent_shards.get(self._shard(userid), ())
                assert (-key, userid) in tree, f"place of {userid!r} in the recency order"
        if self._requests is not None:
            self._requests.check_invariants()

    def change_unread(self, delta):
        """Add `delta` to the inbox's count of new received messages (conflict-free)."""
        self._change_counts(unread=delta)



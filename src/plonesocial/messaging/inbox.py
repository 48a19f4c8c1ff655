"""The inbox of one user: their conversations, newest first, and whom they block.

Sends from different people to one person touch different conversations and
only BTree buckets and counters of the inbox, which ZODB resolves. The
newest-first order is split over several small trees by the other party's
userid: one shared tree's front bucket split every fifteenth send or so, and
a split cannot be resolved.
"""

from BTrees.check import check as check_btree
from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.LLBTree import LLBTree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial import exc
from plonesocial import userids
from plonesocial.messaging.conversation import Conversation
from plonesocial.messaging.interfaces import IInbox
from zope.interface import implementer

import heapq
import zlib


# How many trees hold an inbox's conversation order (see Inbox._shard).
RECENT_SHARDS = 16

# The window of the per-sender rate limit, in seconds.
RATE_WINDOW = 60


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
        # shard number -> OOTreeSet((-message id of the newest message, other
        # party's userid)): merging the shards in key order gives the
        # conversations newest-first (shards are created when first needed)
        self._recent_shards = IOBTree()
        self._count = Length()  # number of conversations
        self._unread = Length()  # new received messages, all conversations
        # userids whose messages this user refuses
        self._blocked = OOTreeSet()

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
        self._count.change(1)
        unread = conversation.new_messages_count
        if unread:
            self._unread.change(unread)
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
        return self._unread()

    # Inboxes stored before the order was sharded keep one OOTreeSet in
    # `_recent` until their first change (see _recent_tree).
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

    def _recent_tree(self, userid):
        """The tree that holds the place of the conversation with `userid`."""
        if self._recent_shards is None:
            # Move an inbox of the unsharded layout over, once.
            shards = IOBTree()
            for entry in self._recent.keys():
                number = self._shard(entry[1])
                if number not in shards:
                    shards[number] = OOTreeSet()
                shards[number].add(entry)
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
        self._count.change(-1)
        unread = conversation.new_messages_count
        if unread:
            self._unread.change(-unread)
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
        return self._count()

    def block(self, userid):
        check_userid(userid)
        if userid == self.owner:
            raise exc.SelfMessage(f"{userid!r} cannot block themselves")
        if userid not in self._blocked:
            self._blocked.add(userid)

    def unblock(self, userid):
        if isinstance(userid, str) and userid in self._blocked:
            self._blocked.remove(userid)

    def is_blocked(self, userid):
        return isinstance(userid, str) and userid in self._blocked

    def get_blocked(self):
        return iter(self._blocked.keys())

    def conversation_with(self, userid):
        """Return the conversation with `userid`, creating it if needed (Inboxes.send)."""
        conversation = self._conversations.get(userid)
        if conversation is None:
            conversation = Conversation(self, userid)
            self._conversations[userid] = conversation
            self._count.change(1)
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
        shards = list(self._recent_shards.values()) if self._recent_shards is not None else []
        for tree in (self._conversations, self._blocked, *shards):
            check_btree(tree)
        conversations = list(self._conversations.values())
        assert len(self) == len(conversations), "conversation counter"
        assert self.new_messages_count == sum(c.new_messages_count for c in conversations), \
            "unread counter"
        assert sum(len(shard) for shard in shards) == sum(
            1 for c in conversations if c.recency_key), "recency order"
        for conversation in conversations:
            conversation.check_invariants()
        if self._requests is not None:
            self._requests.check_invariants()

    def change_unread(self, delta):
        """Add `delta` to the inbox's count of new received messages (a Length)."""
        self._unread.change(delta)



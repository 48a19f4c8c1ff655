"""The inbox of one user: their conversations, newest first, and whom they block.

Sends from different people to one person touch different conversations and
only BTree buckets and counters of the inbox, which ZODB resolves. The
newest-first order of a busy inbox is split over several small trees by the
other party's userid: one shared tree's front bucket split every fifteenth
send or so, and a split cannot be resolved. A small inbox keeps no order tree
at all: its conversations are one tree until
CONVERSATION_SHARD_FROM of them, and each knows the id of its newest message
(`recency_key`), so the order is those few conversations sorted. Then both move
into shards, once (many first messages to one person at once split a shared
tree's buckets, and each split made every concurrent first message conflict).
Inboxes stored before keep their one order tree until SHARD_FROM conversations.

What a send writes (issue 13): a first message, on each side the conversation
and the inbox's conversation tree, and on the recipient's side its one counter
object (InboxCounts, the new message); a message in an existing conversation,
the two conversations and that counter. The set of blocked people is only made
by the first block. While the conversations are one tree, that tree counts
them (its one bucket's length) and the sender's counter is not written; the move
into shards hands the count to the counter.
"""

from BTrees.check import check as check_btree
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
from plonesocial.messaging.shards import check_tree
from plonesocial.messaging.shards import ConversationShard
from plonesocial.messaging.shards import merged_keys
from plonesocial.messaging.shards import OrderShard
from plonesocial.messaging.shards import shard_of
from plonesocial.messaging.shards import SHARDS
from plonesocial.records import read_all_current
from plonesocial.records import read_current
from plonesocial.records import tree_records  # noqa: F401 (tests)
from zope.interface import implementer


# How many trees hold an inbox's conversation order, and its conversations
# once it is busy (see Inbox._shard).
RECENT_SHARDS = SHARDS

# An inbox stored by an earlier version, before the conversations kept the
# order of a small inbox, keeps its order in one tree until it has
# this many conversations, then moves it into shards once
# (Inbox._recent_tree). Well below the 30 keys
# of an OOTreeSet bucket: the one tree stays one bucket, stored inline in the
# tree's own record, whose concurrent adds of different keys ZODB resolves (a
# split could not be); sends counted in concurrently can pass the threshold by
# a few without reaching 30.
SHARD_FROM = 16

# An inbox keeps its conversations in one tree until it has this many, then
# moves them, and its order, into RECENT_SHARDS trees each once
# (Inbox._file). Below
# the 30 keys of an OOBTree bucket the one tree is one bucket inline in its
# own record, never split, and concurrent first messages merge; first
# messages counted in concurrently may pass the threshold by a few. Past 30 a
# bucket splits every 15 to 20 first messages however big the tree, and each
# split makes every concurrent first message conflict: with 64 here, 16
# threads of first messages to one inbox (notes/conflicts_hot.py) met about
# 40 conflicts more, all before the move. The move writes the inbox, a tree
# of shards and every shard once; the inbox then keeps 17 tree records
# instead of one.
CONVERSATION_SHARD_FROM = 24

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
        # other party's userid -> Conversation, until CONVERSATION_SHARD_FROM
        # of them; then `_conversation_shards` (see _conversation_tree)
        self._conversations = OOBTree()
        # The order is the conversations' own (their recency_key) until they
        # move into shards; then `_recent_shards` (see _recent_tree). No
        # `_recent` tree: a send writes no order tree in a small inbox.
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
        if userid in self:
            raise exc.InvalidInput(f"{self.owner!r} has a conversation with {userid!r} already")
        conversation.__parent__ = self
        self._file(userid, conversation)
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
        """Add to the counters: one object written, or two Lengths of an old inbox.
        Conversations are counted by the counter once they are in shards (the
        one tree before counts itself: a first message does not write the
        sender's counter)."""
        if self._counts is not None:
            if self._conversation_shards is None:
                conversations = 0
            self._counts.change(conversations, unread)
            return
        if conversations:
            self._count.change(conversations)
        if unread:
            self._unread.change(unread)

    # shard number -> OOTreeSet((-message id, other party's userid)): merging
    # the shards in key order gives the conversations newest-first (shards are
    # created when first needed). None while the conversations are one tree
    # and keep the order themselves, or while it is the one tree in `_recent`
    # (OOTreeSet((-message id of the newest message, other party's userid)),
    # an inbox stored before the conversations kept it).
    _recent_shards = None
    _recent = None

    def _order_kept_by_conversations(self):
        return self._recent_shards is None and self._recent is None

    # shard number -> OOBTree(other party's userid -> Conversation), all
    # RECENT_SHARDS of them, made by the move out of `_conversations` (see
    # _conversation_tree). None while the conversations are that one tree.
    _conversation_shards = None
    _conversations = None

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
        if self._order_kept_by_conversations():
            # Fewer than CONVERSATION_SHARD_FROM: sorting them is cheap.
            entries = sorted((-conversation.recency_key, userid)
                             for userid, conversation in self._conversations.items()
                             if conversation.recency_key is not None)
        elif self._recent_shards is None:
            entries = self._recent.keys()
        else:
            entries = merged_keys(self._recent_shards)
        for _, userid in entries:
            yield self._conversation_tree(userid)[userid]

    @staticmethod
    def _shard(userid):
        return shard_of(userid)

    def _conversation_tree(self, userid, change=False):
        """The tree that holds (or is to hold) the conversation with `userid`;
        `change`: the caller adds or removes it there.

        Every read and change of the conversations comes here (and to
        _file, keys, _all_conversations). Guarded like the order (see
        _recent_tree): a change of the one tree asks the inbox to be current
        (the move writes the inbox: a change racing it is retried on the
        shards), and the move asks every record of the one tree to be current
        (a change committed before it makes it retry with that change).
        Reads need no guard: the move keeps every Conversation object, so
        what is sent into one found in the left-behind tree is not lost.
        """
        if self._conversation_shards is None:
            if change:
                read_current(self)
            return self._conversations
        return self._conversation_shards[self._shard(userid)]

    def _file(self, userid, conversation):
        """Add `conversation` under `userid` (the caller counts it after), moving
        the one tree into shards once the inbox has CONVERSATION_SHARD_FROM of them."""
        if self._conversation_shards is None and len(self) + 1 >= CONVERSATION_SHARD_FROM:
            shards = IOBTree()
            for number in range(RECENT_SHARDS):  # all now: no new shard written later
                shards[number] = ConversationShard()
            for other, each in self._conversations.items():
                shards[self._shard(other)][other] = each
            read_all_current(self._conversations)
            if self._order_kept_by_conversations():
                self._recent_shards = self._order_from_conversations()
            if self._counts is not None:  # the counter counts from now on
                self._counts.change(len(self._conversations) - self._counts.conversations)
            self._conversation_shards = shards
            self._conversations = None
        self._conversation_tree(userid, change=True)[userid] = conversation

    def _order_from_conversations(self):
        """The order shards of the conversations of the one tree, made by the move.

        A send into one of them racing the move changes its recency_key
        without writing any tree: the move reads every conversation current
        (a send committed before makes it retry with that key), and the send
        reads the inbox current (see _recent_tree: the move writes the
        inbox, so a send committed after it is retried into the shards).
        """
        shards = IOBTree()
        for userid, conversation in self._conversations.items():
            read_current(conversation)
            key = conversation.recency_key
            if key is not None:
                number = self._shard(userid)
                if number not in shards:
                    shards[number] = OrderShard()
                shards[number].add((-key, userid))
        return shards

    def _all_conversations(self):
        """Yield the conversations in the order of the other party's userid."""
        for userid in self.keys():
            yield self._conversation_tree(userid)[userid]

    def _recent_tree(self, userid):
        """The tree that holds the place of the conversation with `userid`, or
        None while the conversations keep the order themselves.

        Every change of the order comes here. While the conversations keep it,
        a change writes the conversation only and asks the inbox to be current
        at its commit, as below: the move into shards (_file) writes the
        inbox. In the one-tree layout of an inbox stored before, a change
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
            if self._recent is None or len(self) < SHARD_FROM:
                read_current(self)
                return self._recent
            # Move the order into shards, once.
            shards = IOBTree()
            for entry in self._recent.keys():
                number = self._shard(entry[1])
                if number not in shards:
                    shards[number] = OrderShard()
                shards[number].add(entry)
            read_all_current(self._recent)
            self._recent_shards = shards
            self._recent = None
        number = self._shard(userid)
        tree = self._recent_shards.get(number)
        if tree is None:
            tree = self._recent_shards[number] = OrderShard()
        return tree

    def __getitem__(self, userid):
        try:
            if not isinstance(userid, str):
                raise KeyError(userid)
            return self._conversation_tree(userid)[userid]
        except KeyError:
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
        del self._conversation_tree(userid, change=True)[userid]
        if conversation.last_updated is not None:
            tree = self._recent_tree(userid)
            if tree is not None:
                tree.remove((-conversation.recency_key, userid))
        self._change_counts(-1, -conversation.new_messages_count)
        # Serialise with a concurrent send into this conversation, which
        # would otherwise count a message into a conversation that is gone.
        conversation._p_changed = True

    def __contains__(self, userid):
        return self.get(userid) is not None

    def __iter__(self):
        return iter(self.keys())

    def keys(self):
        """The other parties' userids, sorted."""
        if self._conversation_shards is None:
            return self._conversations.keys()
        return merged_keys(self._conversation_shards)

    def __len__(self):
        if self._counts is None:
            return self._count()
        if self._conversation_shards is None:  # one bucket: its length
            return len(self._conversations)
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
        conversation = self._conversation_tree(userid).get(userid)
        if conversation is None:
            conversation = Conversation(self, userid)
            self._file(userid, conversation)
            self._change_counts(1)
        return conversation

    def refile(self, userid, new_userid):
        """File the conversation with `userid` under `new_userid` (erasing a user).

        Its place in the order, its count and its unread messages stay.
        """
        conversation = self._conversation_tree(userid)[userid]
        del self._conversation_tree(userid, change=True)[userid]
        self._file(new_userid, conversation)
        tree = self._recent_tree(userid) if conversation.recency_key is not None else None
        if tree is not None:  # None while the conversations keep the order
            tree.remove((-conversation.recency_key, userid))
            self._recent_tree(new_userid).add((-conversation.recency_key, new_userid))
        conversation.username = new_userid
        conversation._p_changed = True  # serialise with a concurrent send or mark_read
        return conversation

    def touch(self, conversation, key):
        """Move `conversation` to the front of the recency order."""
        tree = self._recent_tree(conversation.username)
        if tree is not None:
            if conversation.recency_key is not None:
                tree.remove((-conversation.recency_key, conversation.username))
            tree.add((-key, conversation.username))
        conversation.recency_key = key

    def check_invariants(self):
        """Raise AssertionError unless the trees are sound and the counters agree (tests)."""
        if self._order_kept_by_conversations():
            shards = []
        elif self._recent_shards is None:
            shards = [self._recent]
        else:
            check_btree(self._recent_shards)
            shards = list(self._recent_shards.values())
        blocked = [] if self._blocked is None else [self._blocked]
        for tree in (*self._check_conversation_trees(), *blocked, *shards):
            check_tree(tree)
        conversations = list(self._all_conversations())
        assert len(self) == len(conversations), "conversation counter"
        assert self.new_messages_count == sum(c.new_messages_count for c in conversations), \
            "unread counter"
        kept = self._order_kept_by_conversations()
        assert kept or sum(len(shard) for shard in shards) == sum(
            1 for c in conversations if c.recency_key), "recency order"
        for conversation in conversations:
            conversation.check_invariants()
            key, userid = conversation.recency_key, conversation.username
            if key is not None and not kept:
                tree = self._recent if self._recent_shards is None else \
                    self._recent_shards.get(self._shard(userid), ())
                assert (-key, userid) in tree, f"place of {userid!r} in the recency order"
        if self._requests is not None:
            self._requests.check_invariants()

    def _check_conversation_trees(self):
        """Return the trees of conversations, checking the layout: one tree, or
        all shards and every conversation in the shard of its userid."""
        if self._conversation_shards is None:
            return [self._conversations]
        assert self._conversations is None, "one tree of conversations left beside the shards"
        assert list(self._conversation_shards.keys()) == list(range(RECENT_SHARDS)), \
            "conversation shards"
        for number, shard in self._conversation_shards.items():
            for userid in shard.keys():
                assert self._shard(userid) == number, f"shard of the conversation with {userid!r}"
        return [self._conversation_shards, *self._conversation_shards.values()]

    def change_unread(self, delta):
        """Add `delta` to the inbox's count of new received messages (conflict-free)."""
        self._change_counts(unread=delta)



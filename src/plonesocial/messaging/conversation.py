"""A conversation between the owner of an inbox and one other user, and its messages.

Read state is a read marker (a sequence number), so ``mark_read`` writes O(1)
objects however long the conversation is; everything that changes one
conversation also writes the Conversation object, so two transactions
touching it conflict and one is retried, which keeps the counters exact.
For the same reason its counters are plain integers of the Conversation
itself (issue 13): a ``Length`` of its own would be one more object written
per send and would resolve no conflict the Conversation does not already
cause. Conversations stored before keep two ``Length`` objects until their
next change (``_fold_counters``). The newest messages live in the
Conversation too (its tail, see below), so a send writes one object per copy
here most of the time.
"""

from BTrees.check import check as check_btree
from BTrees.LOBTree import LOBTree
from persistent import Persistent
from plonesocial import exc
from plonesocial.clock import from_key
from plonesocial.clock import to_key
from plonesocial.messaging.events import ConversationReadEvent
from plonesocial.messaging.interfaces import IConversation
from plonesocial.messaging.interfaces import IMessage
from plonesocial.messaging.packing import pack
from plonesocial.messaging.packing import unpack
from zope.event import notify
from zope.interface import implementer

import bisect
import itertools


@implementer(IMessage)
class Message:
    """One copy of a message.

    Not a Persistent object of its own: a message never changes, so it is
    stored inline in its conversation's BTree bucket and loads with it.
    """

    # Importable and shown as plonesocial.messaging.messaging.Message, where the
    # seed doctest (the messaging contract) and stored pickles name it.
    __module__ = "plonesocial.messaging.messaging"

    def __init__(self, conversation, id, uid, sender, recipient, text, created, seq):
        self.__parent__ = conversation
        self.id = id
        self.uid = uid
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.created = created
        # Position in the conversation's sequence of additions; compared with
        # the conversation's read marker.
        self.seq = seq

    # Issue 15: class defaults, so copies stored before read as plain messages.
    attachments = ()  # attachment ids (messaging/attachments.py)
    edited = None  # when the text was last edited (naive UTC)
    versions = ()  # earlier texts: ((written, text), ...), oldest first
    unsent = False  # a tombstone: text, versions and attachments gone

    @property
    def new(self):
        return self.seq > self.__parent__.read_marker

    @property
    def incoming(self):
        """True when the owner of this copy received it."""
        return self.sender != self.__parent__.owner


class MessageTree(LOBTree):
    """A conversation's messages: an LOBTree with small buckets (issue 13).

    Messages are stored inline, so every send rewrites the bucket it lands
    in; with LOBTree's 60 entries a bucket, that was up to 60 messages
    pickled again per copy (about 6 KB). Buckets of at most 16 keep a send's
    write small. Conversations stored before keep their LOBTree.
    """

    max_leaf_size = 16


# How many of a conversation's newest messages it keeps inline (issue 13).
TAIL_SIZE = 16


@implementer(IConversation)
class Conversation(Persistent):
    """The messages between the owner of an inbox and one other user."""

    # Importable and shown as plonesocial.messaging.messaging.Conversation, where the
    # seed doctest (the messaging contract) and stored pickles name it.
    __module__ = "plonesocial.messaging.messaging"

    def __init__(self, inbox, username):
        self.__parent__ = inbox
        self.owner = inbox.owner
        self.username = username
        self._message_count = 0  # number of messages
        self._unread_count = 0  # received messages that are new
        self._seq = 0  # sequence number of the newest message added
        self._read_seq = 0  # read marker: messages with seq <= this are read
        self._updated = None  # message id of the newest message added

    # Issue 13: the newest messages (up to TAIL_SIZE, ordered by id) are kept
    # inline in the Conversation, which every change writes anyway, so a send
    # writes one object per copy instead of the Conversation and a bucket of
    # its tree. When the tail is full, its messages move into `_messages` (a
    # MessageTree, message id: UTC µs of `created` (int) -> Message, made by
    # the first move): one send in TAIL_SIZE writes the tree's last bucket.
    # Every id in the tail is above every id in the tree, whose highest id
    # is remembered in `_tree_max` (None: ask the tree). Conversations stored
    # before keep all their messages in their tree and an empty tail.
    _tail = ()
    _messages = None
    _tree_max = None

    # The tail is stored packed into one bytes value (packing.py): a record of
    # plain values that ZODB's pickler need not call back for, value by value.
    # Records stored before, or with a value `pack` refuses, hold the messages.
    def __getstate__(self):
        state = super().__getstate__()
        tail = state.get("_tail")
        if tail:
            packed = pack(tail)
            if packed is not None:
                del state["_tail"]
                state["_tail_packed"] = packed
        return state

    def __setstate__(self, state):
        packed = state.pop("_tail_packed", None) if isinstance(state, dict) else None
        super().__setstate__(state)
        if packed is not None:
            self.__dict__["_tail"] = unpack(packed, Message, self)

    # Stored before issue 13: the counters were Length objects in `_count` and
    # `_unread`; None here means "still there" (see _fold_counters).
    _message_count = None
    _unread_count = None

    def _fold_counters(self):
        """Move the counters of an old conversation into this object, once."""
        if self._message_count is None:
            state = self.__dict__
            self._message_count = state.pop("_count")()
            self._unread_count = state.pop("_unread")()
            self._p_changed = True

    def _change_counts(self, messages, unread):
        self._fold_counters()
        self._message_count += messages
        self._unread_count += unread

    @property
    def new_messages_count(self):
        if self._unread_count is None:
            return self.__dict__["_unread"]()
        return self._unread_count

    @property
    def last_updated(self):
        return None if self._updated is None else from_key(self._updated)

    def get_messages(self):
        return self._values()

    # -- where the messages are: the tree, then the tail ----------------------

    def _keys(self, after=None):
        """Message ids in order: all, or those above `after`."""
        if self._messages is None:
            head = ()
        elif after is None:
            head = self._messages.keys()
        else:
            head = self._messages.keys(min=after, excludemin=True)
        return itertools.chain(head, [message.id for message in self._tail
                                      if after is None or message.id > after])

    def _values(self, min=None):
        head = self._messages.values(min=min) if self._messages is not None else ()
        return itertools.chain(
            head, [message for message in self._tail if min is None or message.id >= min])

    def _tail_index(self, key):
        """The index of `key` in the tail, or None."""
        tail = self._tail
        index = bisect.bisect_left(tail, key, key=lambda message: message.id)
        return index if index < len(tail) and tail[index].id == key else None

    def _lookup(self, key):
        index = self._tail_index(key)
        if index is not None:
            return self._tail[index]
        if self._messages is None:
            raise KeyError(key)
        return self._messages[key]

    def _above_tree(self, key):
        """True when `key` belongs in the tail: above every id in the tree."""
        if self._tail and key > self._tail[0].id:
            return True
        tree = self._messages
        if tree is None:
            return True
        if self._tree_max is None:
            if not tree:
                return True
            self._tree_max = tree.maxKey()
        return key > self._tree_max

    def _store(self, message):
        """Put `message` in its place, new or instead of the copy with its id."""
        key = message.id
        index = self._tail_index(key)
        if index is not None:
            self._tail = self._tail[:index] + (message,) + self._tail[index + 1:]
        elif self._above_tree(key):
            if len(self._tail) >= TAIL_SIZE:
                self._move_tail()
                return self._store(message)
            tail = self._tail
            index = bisect.bisect_left(tail, key, key=lambda other: other.id)
            self._tail = tail[:index] + (message,) + tail[index:]
        else:
            self._messages[key] = message

    def _move_tail(self):
        if self._messages is None:
            self._messages = MessageTree()
        for message in self._tail:
            self._messages[message.id] = message
        self._tree_max = self._tail[-1].id
        self._tail = ()

    def _remove(self, key):
        index = self._tail_index(key)
        if index is not None:
            self._tail = self._tail[:index] + self._tail[index + 1:]
        else:
            del self._messages[key]

    @property
    def recency_key(self):
        """The id of the newest message added (the inbox orders by it), or None."""
        return self._updated

    @recency_key.setter
    def recency_key(self, key):
        self._updated = key

    @property
    def last_message(self):
        """The newest message of the conversation, or None."""
        return None if self._updated is None else self.get(self._updated)

    @property
    def read_marker(self):
        """The sequence number up to which the owner has read (0: nothing)."""
        return self._read_seq

    def message_ids(self, limit, before=None, after=None):
        """Return up to `limit` message ids, newest first.

        With `before`, the ones older than that id; with `after` (and no
        `before`), the oldest ones newer than that id, still newest first.
        """
        if after is not None and before is None:
            ids = list(itertools.islice(self._keys(after), limit))
        else:
            # The newest ones: from the tail, and only what it lacks from the tree.
            ids = [message.id for message in self._tail if before is None or message.id < before]
            wanted = limit - len(ids)
            if wanted > 0 and self._messages is not None:
                bounds = {} if before is None else {"max": before, "excludemax": True}
                ids[:0] = list(self._messages.keys(**bounds))[-wanted:]
            ids = ids[-limit:]
        ids.reverse()
        return ids

    def mark_read(self):
        """Mark every message read and announce it (ConversationReadEvent).

        The event lets the notifications about this conversation be marked
        seen too, whoever calls this: a page, a REST client or Python code.
        """
        moved = self._read_seq != self._seq
        if moved:
            unread = self.new_messages_count
            self._read_seq = self._seq
            if unread:
                self._change_counts(0, -unread)
                self.__parent__.change_unread(-unread)
        notify(ConversationReadEvent(self, moved))

    def check_invariants(self):
        """Raise AssertionError unless the tree is sound and the counters agree (tests)."""
        tree = self._messages
        if type(tree) is LOBTree:
            check_btree(tree)
        elif tree is not None:  # BTrees.check knows no subclasses: the tree's own check
            tree._check()  # noqa: SLF001 (BTrees' public check, underscored)
        tail = [message.id for message in self._tail]
        assert tail == sorted(set(tail)), "the tail is in order"
        assert len(tail) <= TAIL_SIZE, "the tail is small"
        if tail and tree:
            assert tail[0] > tree.maxKey(), "the tail follows the tree"
            assert self._tree_max is None or tree.maxKey() <= self._tree_max, "tree bound"
        assert all(message.__parent__ is self for message in self._tail), "parents"
        messages = list(self._values())
        assert len(self) == len(messages), "message counter"
        assert self.new_messages_count == sum(1 for m in messages if m.new and m.incoming), "unread"

    def anonymise(self, userid, placeholder, text):
        """Replace `userid` by `placeholder` in every message, and their text by `text`.

        Erasing a user: the other party keeps their own words. Messages are
        stored inline in the tree's buckets, so each is replaced by a copy.
        """
        for message in list(self._values()):
            mine = message.sender == userid
            copy = Message(
                self, message.id, message.uid,
                placeholder if mine else message.sender,
                placeholder if message.recipient == userid else message.recipient,
                text if mine and not message.unsent else message.text,
                message.created, message.seq,
            )
            # Their attachments and earlier versions go with their words.
            if not mine:
                copy.attachments = message.attachments
                copy.versions = message.versions
            copy.edited = message.edited if not mine else None
            copy.unsent = message.unsent
            self._store(copy)

    def __getitem__(self, message_id):
        try:
            return self._lookup(message_id)
        except (KeyError, TypeError):
            raise exc.MessageNotFound(
                f"No message {message_id!r} in the conversation of "
                f"{self.owner!r} with {self.username!r}"
            ) from None

    def get(self, message_id, default=None):
        try:
            return self[message_id]
        except exc.MessageNotFound:
            return default

    def __delitem__(self, message_id):
        message = self[message_id]
        self._remove(message_id)
        unread = 1 if message.new and message.incoming else 0
        self._change_counts(-1, -unread)
        if unread:
            self.__parent__.change_unread(-1)
        # Serialise with a concurrent mark_read or send in this conversation.
        self._p_changed = True

    def __contains__(self, message_id):
        return self.get(message_id) is not None

    def __iter__(self):
        return self._keys()

    def __len__(self):
        if self._message_count is None:
            return self.__dict__["_count"]()
        return self._message_count

    def replace(self, message):
        """Store `message`, a changed copy of one of this conversation's messages
        (edit, unsend): messages are inline, so the copy takes the old one's place."""
        self[message.id]  # MessageNotFound unless there is one to replace
        message.__parent__ = self
        self._store(message)

    def find_copy(self, uid, created):
        """This conversation's copy of the send `uid` made at `created`, or None.

        Both copies of a send take the key of `created` unless it was taken,
        then a following one: a short walk from that key finds it.
        """
        for number, message in enumerate(self._values(min=to_key(created))):
            if message.uid == uid:
                return message
            if number >= 64:
                break
        return None

    def add_copy(self, uid, sender, recipient, text, created, attachments=()):
        """Store a copy of a message and return it (called by Inboxes)."""
        key = to_key(created)
        # Two messages created in the same microsecond: take the next free
        # one.  Concurrent adds to one conversation conflict on _seq, so
        # this probe always sees the keys of the other adds.
        while key in self:
            key += 1
        self._seq += 1
        message = Message(self, key, uid, sender, recipient, text, created, self._seq)
        if attachments:
            message.attachments = tuple(attachments)
        self._store(message)
        self._change_counts(1, 1 if message.incoming else 0)
        if message.incoming:
            self.__parent__.change_unread(1)
        if self._updated is None or key > self._updated:
            self.__parent__.touch(self, key)
        return message



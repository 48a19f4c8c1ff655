"""The persistent storage of private messages: Inboxes, Inbox, Conversation, Message.

Designed against ZODB write conflicts (see the interfaces for the contract):

- Counters are ``BTrees.Length``, whose conflict resolution adds up the
  concurrent changes, so many senders can write to one recipient's inbox.
- Read state is a read marker on the conversation (a sequence number), so
  ``mark_read`` writes O(1) objects however long the conversation is.
- Everything that changes one conversation (a send, mark_read, a delete)
  also writes the Conversation object itself.  Two transactions touching the
  same conversation therefore conflict and one is retried, which keeps the
  counters exact; sends to one person from different people touch different
  conversations and only BTree buckets and counters of the inbox, which
  ZODB resolves.
- The newest-first order of an inbox's conversations is split over several
  small trees by the other party's userid, so that sends from different people
  to one person move entries of different trees: one shared tree's front
  bucket split every fifteenth send or so, and a split cannot be resolved.
- No ``len()`` of a BTree and no sorting on any path: sizes are counters,
  order comes from the keys.
- The per-sender rate count is a small tree in the sender's own inbox
  (one key per second of the last minute): senders never share it. Two sends
  by one person in the same second change the same key and one is retried.
"""

from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.LLBTree import LLBTree
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial import userids
from plonesocial.clock import as_utc
from plonesocial.clock import from_key
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.messaging import exc
from plonesocial.messaging.events import ConversationReadEvent
from plonesocial.messaging.events import MessageSentEvent
from plonesocial.messaging.interfaces import IConversation
from plonesocial.messaging.interfaces import IInbox
from plonesocial.messaging.interfaces import IInboxes
from plonesocial.messaging.interfaces import IMessage
from zope.event import notify
from zope.interface import implementer

import heapq
import uuid
import zlib


DEFAULT_MAX_MESSAGE_LENGTH = 10_000
# How many trees hold an inbox's conversation order (see Inbox._shard).
RECENT_SHARDS = 16

# The window of the per-sender rate limit, in seconds.
RATE_WINDOW = 60

# The user id that stands for an erased user in other people's inboxes starts
# with this; Plone's registration refuses brackets in user ids.
ERASED_PREFIX = "[deleted]"


def check_userid(userid, role="userid"):
    """Raise InvalidUserId unless `userid` is a non-empty, stripped string."""
    return userids.check_userid(userid, role, exc.InvalidUserId)


@implementer(IMessage)
class Message:
    """One copy of a message.

    Not a Persistent object of its own: a message never changes, so it is
    stored inline in its conversation's BTree bucket and loads with it.
    """

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

    @property
    def new(self):
        return self.seq > self.__parent__._read_seq

    @property
    def incoming(self):
        """True when the owner of this copy received it."""
        return self.sender != self.__parent__.owner


@implementer(IConversation)
class Conversation(Persistent):
    """The messages between the owner of an inbox and one other user."""

    def __init__(self, inbox, username):
        self.__parent__ = inbox
        self.owner = inbox.owner
        self.username = username
        # message id: UTC µs of `created` (int) -> Message, chronological
        self._messages = LOBTree()
        self._count = Length()  # number of messages
        self._unread = Length()  # received messages that are new
        self._seq = 0  # sequence number of the newest message added
        self._read_seq = 0  # read marker: messages with seq <= this are read
        self._updated = None  # message id of the newest message added

    @property
    def new_messages_count(self):
        return self._unread()

    @property
    def last_updated(self):
        return None if self._updated is None else from_key(self._updated)

    def get_messages(self):
        return iter(self._messages.values())

    def mark_read(self):
        if self._read_seq == self._seq:
            return  # nothing new: write nothing
        unread = self._unread()
        self._read_seq = self._seq
        if unread:
            self._unread.change(-unread)
            self.__parent__._unread.change(-unread)
        # Read receipts (plonesocial.realtime) listen to this.
        notify(ConversationReadEvent(self))

    def __getitem__(self, message_id):
        try:
            return self._messages[message_id]
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
        del self._messages[message_id]
        self._count.change(-1)
        if message.new and message.incoming:
            self._unread.change(-1)
            self.__parent__._unread.change(-1)
        # Serialise with a concurrent mark_read or send in this conversation.
        self._p_changed = True

    def __contains__(self, message_id):
        return self.get(message_id) is not None

    def __iter__(self):
        return iter(self._messages.keys())

    def __len__(self):
        return self._count()

    def _add(self, uid, sender, recipient, text, created):
        """Store a copy of a message and return it (called by Inboxes)."""
        key = to_key(created)
        # Two messages created in the same microsecond: take the next free
        # one.  Concurrent adds to one conversation conflict on _seq, so
        # this probe always sees the keys of the other adds.
        while key in self._messages:
            key += 1
        self._seq += 1
        message = Message(self, key, uid, sender, recipient, text, created, self._seq)
        self._messages[key] = message
        self._count.change(1)
        if message.incoming:
            self._unread.change(1)
            self.__parent__._unread.change(1)
        if self._updated is None or key > self._updated:
            self.__parent__._touch(self, key)
        return message


@implementer(IInbox)
class Inbox(Persistent):
    """The conversations of one user."""

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

    def _sent_recently(self, now):
        """Return how many messages this user sent in the window ending at `now` (UTC s)."""
        if self._sent is None:
            return 0
        # At most one key per second of the window: bounded however busy.
        return sum(self._sent.values(min=now - RATE_WINDOW + 1))

    def _retry_after(self, now):
        """Seconds until the oldest send of the window leaves it."""
        oldest = self._sent.minKey(now - RATE_WINDOW + 1)
        return max(1, oldest + RATE_WINDOW - now)

    def _count_send(self, now):
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
        if conversation._updated is not None:
            self._recent_tree(userid).remove((-conversation._updated, userid))
        self._count.change(-1)
        unread = conversation._unread()
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

    def _conversation(self, userid):
        """Return the conversation with `userid`, creating it if needed."""
        conversation = self._conversations.get(userid)
        if conversation is None:
            conversation = Conversation(self, userid)
            self._conversations[userid] = conversation
            self._count.change(1)
        return conversation

    def _refile(self, userid, new_userid):
        """File the conversation with `userid` under `new_userid` (erasing a user).

        Its place in the order, its count and its unread messages stay.
        """
        conversation = self._conversations[userid]
        del self._conversations[userid]
        self._conversations[new_userid] = conversation
        if conversation._updated is not None:
            self._recent_tree(userid).remove((-conversation._updated, userid))
            self._recent_tree(new_userid).add((-conversation._updated, new_userid))
        conversation.username = new_userid
        conversation._p_changed = True  # serialise with a concurrent send or mark_read
        return conversation

    def _touch(self, conversation, key):
        """Move `conversation` to the front of the recency order."""
        tree = self._recent_tree(conversation.username)
        if conversation._updated is not None:
            tree.remove((-conversation._updated, conversation.username))
        conversation._updated = key
        tree.add((-key, conversation.username))


@implementer(IInboxes)
class Inboxes(Persistent):
    """All inboxes of a site."""

    max_message_length = DEFAULT_MAX_MESSAGE_LENGTH
    # Messages one sender may send in any RATE_WINDOW seconds; 0: no limit.
    # Unlimited here; a Plone site copies its registry record (default 30).
    max_messages_per_minute = 0

    def __init__(self):
        # userid -> Inbox
        self._inboxes = OOBTree()

    def send_message(self, sender, recipient, text, created=None):
        self.send(sender, recipient, text, created=created)

    def send(self, sender, recipient, text, created=None):
        # Validate everything before the first write: a refused send
        # leaves no trace, not even an empty inbox.
        check_userid(sender, "sender")
        check_userid(recipient, "recipient")
        if sender == recipient:
            raise exc.SelfMessage(f"{sender!r} cannot send a message to themselves")
        if not isinstance(text, str):
            raise exc.InvalidMessage(
                f"text must be a string, not {type(text).__name__}"
            )
        userids.check_unicode(text, "text", exc.InvalidMessage)
        if not text.strip():
            raise exc.EmptyMessage("The message is empty")
        if len(text) > self.max_message_length:
            raise exc.MessageTooLong(
                f"The message has {len(text)} characters; "
                f"at most {self.max_message_length} are allowed"
            )
        try:
            created = as_utc(created)
        except TypeError as error:
            raise exc.InvalidMessage(f"created: {error}") from None
        if recipient.startswith(ERASED_PREFIX):
            raise exc.RecipientErased("This user's data was erased: nobody reads these messages")
        recipient_inbox = self._inboxes.get(recipient)
        if recipient_inbox is not None and recipient_inbox.is_blocked(sender):
            raise exc.SenderBlocked(f"{recipient!r} does not accept messages from {sender!r}")
        # The rate counts real sends, by the clock, whatever `created` says.
        limit = self.max_messages_per_minute
        now = to_key(utcnow()) // 1_000_000
        sender_inbox = self._inboxes.get(sender)
        if limit and sender_inbox is not None and sender_inbox._sent_recently(now) >= limit:
            wait = sender_inbox._retry_after(now)
            raise exc.RateLimitExceeded(
                f"{sender!r} sent {limit} messages in the last minute; "
                f"try again in {wait} seconds",
                retry_after=wait,
            )

        uid = uuid.uuid4().hex
        sender_inbox = self.get_inbox(sender, create=True)
        recipient_inbox = self.get_inbox(recipient, create=True)
        if limit:
            sender_inbox._count_send(now)
        sender_copy = sender_inbox._conversation(recipient)._add(
            uid, sender, recipient, text, created
        )
        recipient_copy = recipient_inbox._conversation(sender)._add(
            uid, sender, recipient, text, created
        )
        notify(MessageSentEvent(recipient_copy, sender_copy))
        return sender_copy

    def get_inbox(self, userid, create=False):
        inbox = self._inboxes.get(userid) if isinstance(userid, str) else None
        if inbox is None:
            if not create:
                raise exc.InboxNotFound(f"{userid!r} has no inbox")
            check_userid(userid)
            inbox = Inbox(userid)
            self._inboxes[userid] = inbox
        return inbox

    def __getitem__(self, userid):
        return self.get_inbox(userid)

    def get(self, userid, default=None):
        try:
            return self.get_inbox(userid)
        except exc.InboxNotFound:
            return default

    def __contains__(self, userid):
        return self.get(userid) is not None

    def __iter__(self):
        return iter(self._inboxes.keys())

    def keys(self):
        return self._inboxes.keys()

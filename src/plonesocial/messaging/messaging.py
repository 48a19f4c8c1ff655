"""The messaging storage of a site: Inboxes -> Inbox -> Conversation -> Message.

Designed against ZODB write conflicts (see the interfaces for the contract):

- Counters resolve conflicts by adding up the concurrent changes
  (``BTrees.Length``; an inbox's two in one ``InboxCounts``, counters.py),
  so many senders can write to one recipient's inbox.
- Read state is a read marker on the conversation (conversation.py).
- The newest-first order of a busy inbox's conversations is sharded by the
  other party; in a small inbox each conversation's newest message id is its
  place (inbox.py).
- No ``len()`` of a BTree and no sorting on any path: sizes are counters,
  order comes from the keys.
- The per-sender rate count is a small tree in the sender's own inbox
  (one key per second of the last minute): senders never share it.

The classes Message, Conversation and Inbox live in their own modules; their
names stay importable here because pickles written before the split name
this module.
"""

from BTrees.check import check as check_btree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial import _
from plonesocial import exc
from plonesocial import userids
from plonesocial.clock import as_utc
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.messaging.conversation import Conversation  # noqa: F401 (old pickles)
from plonesocial.messaging.conversation import Message  # noqa: F401 (old pickles)
from plonesocial.messaging.events import MessageSentEvent
from plonesocial.messaging.inbox import check_userid
from plonesocial.messaging.inbox import Inbox
from plonesocial.messaging.inbox import RATE_WINDOW  # noqa: F401
from plonesocial.messaging.inbox import RECENT_SHARDS  # noqa: F401
from plonesocial.messaging.interfaces import IInboxes
from plonesocial.messaging.settings import SETTINGS
from plonesocial.people import display_name
from plonesocial.people import ERASED_PREFIX
from plonesocial.text import normalize_newlines
from zope.event import notify
from zope.interface import implementer

import uuid


DEFAULT_MAX_MESSAGE_LENGTH = 10_000



@implementer(IInboxes)
class Inboxes(Persistent):
    """All inboxes of a site."""

    # The limits of an Inboxes that is no site's (a plain ZODB, a script): a
    # site's Inboxes follows the site's registry (plonesocial.messaging.*),
    # read on every send, never copied here.
    _max_message_length = DEFAULT_MAX_MESSAGE_LENGTH
    # Messages one sender may send in any RATE_WINDOW seconds; 0: no limit.
    _max_messages_per_minute = 0

    def _limit(self, name):
        # Stored (in a database) where plonesocial is installed: the site's setting.
        if self._p_jar is not None and SETTINGS.is_installed():
            return getattr(SETTINGS.get(), name)
        return getattr(self, f"_{name}")

    @property
    def max_message_length(self):
        """The longest text accepted, in characters."""
        return self._limit("max_message_length")

    @max_message_length.setter
    def max_message_length(self, value):
        self._max_message_length = value

    @property
    def max_messages_per_minute(self):
        """How many messages one sender may send in any 60 seconds; 0: no limit."""
        return self._limit("max_messages_per_minute")

    @max_messages_per_minute.setter
    def max_messages_per_minute(self, value):
        self._max_messages_per_minute = value

    def __init__(self):
        # userid -> Inbox
        self._inboxes = OOBTree()

    def send_message(self, sender, recipient, text, created=None):
        self.send(sender, recipient, text, created=created)

    def send(self, sender, recipient, text, created=None, screened=False, attachments=()):
        # Validate everything before the first write: a refused send
        # leaves no trace, not even an empty inbox.
        check_userid(sender, "sender")
        check_userid(recipient, "recipient")
        if sender == recipient:
            # Sentences a person can act on, translated where shown (issue 14).
            raise exc.SelfMessage(_("You cannot send a message to yourself."))
        if not isinstance(text, str):
            raise exc.InvalidMessage(_("Write the message as text."))
        # Line breaks as "\n" however they came (a textarea sends "\r\n"), and
        # counted so: callers of this store and of the API store the same text.
        text = normalize_newlines(text)
        userids.check_unicode(text, "text", exc.InvalidMessage)
        if not text.strip() and not attachments:
            raise exc.EmptyMessage(_("The message is empty"))
        max_length = self.max_message_length
        if len(text) > max_length:
            raise exc.MessageTooLong(_(
                "The message has ${length} characters; at most ${max} are allowed",
                mapping={"length": len(text), "max": max_length}))
        try:
            created = as_utc(created)
        except TypeError as error:
            raise exc.InvalidMessage(f"created: {error}") from None
        if recipient.startswith(ERASED_PREFIX):
            raise exc.RecipientErased(_(
                "This person's account was erased: nobody reads messages sent to it."))
        recipient_inbox = self._inboxes.get(recipient)
        if recipient_inbox is not None and recipient_inbox.is_blocked(sender):
            # The sender reads it: the recipient by their name, "you" for the sender.
            raise exc.SenderBlocked(_(
                "${name} does not accept messages from you, so your message was not sent.",
                mapping={"name": display_name(recipient)}))
        # The rate counts real sends, by the clock, whatever `created` says.
        limit = self.max_messages_per_minute
        now = to_key(utcnow()) // 1_000_000
        sender_inbox = self._inboxes.get(sender)
        if limit and sender_inbox is not None and sender_inbox.sent_recently(now) >= limit:
            wait = sender_inbox.retry_after(now)
            raise exc.RateLimitExceeded(_(
                "You sent ${limit} messages in the last minute; try again in ${seconds} seconds.",
                mapping={"limit": limit, "seconds": wait}), retry_after=wait)

        uid = uuid.uuid4().hex
        sender_inbox = self.get_inbox(sender, create=True)
        recipient_inbox = self.get_inbox(recipient, create=True)
        if limit:
            sender_inbox.count_send(now)
        # Issue 15: writing to someone whose request waits accepts it.
        waiting = sender_inbox.get_requests()
        if waiting is not None and recipient in waiting:
            sender_inbox.adopt(waiting.pop(recipient))
        sender_copy = sender_inbox.conversation_with(recipient).add_copy(
            uid, sender, recipient, text, created, attachments
        )
        # A request waits for the recipient's answer apart from their inbox.
        requests = recipient_inbox.get_requests()
        request = (requests is not None and sender in requests) or (
            screened and sender not in recipient_inbox)
        target = recipient_inbox.get_requests(create=True) if request else recipient_inbox
        recipient_copy = target.conversation_with(sender).add_copy(
            uid, sender, recipient, text, created, attachments
        )
        notify(MessageSentEvent(recipient_copy, sender_copy, request=request))
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

    def forget_copied_limits(self):
        """Drop the copies of the registry's limits that releases before 1005 stored here."""
        self._p_activate()
        for name in ("max_message_length", "max_messages_per_minute"):
            self.__dict__.pop(name, None)
        self._p_changed = True

    def check_invariants(self):
        """Raise AssertionError unless every inbox's trees and counters agree (tests)."""
        check_btree(self._inboxes)
        for inbox in self._inboxes.values():
            inbox.check_invariants()

    def remove_inbox(self, userid):
        """Delete the inbox of `userid`; return True if there was one (erasing a user)."""
        if isinstance(userid, str) and userid in self._inboxes:
            del self._inboxes[userid]
            return True
        return False

    def drop_requests_from(self, userid):
        """Remove the message requests of `userid` waiting in other inboxes; return
        how many (erasing a user: reads every inbox)."""
        dropped = 0
        for owner, inbox in self._inboxes.items():
            requests = inbox.get_requests() if owner != userid else None
            if requests is not None and userid in requests:
                requests.pop(userid)
                dropped += 1
        return dropped

    def conversations_with(self, userid):
        """Iterate over (owner, conversation) for every other inbox that has a
        conversation with `userid`: reads every inbox, for erasure and export only."""
        for owner, inbox in self._inboxes.items():
            if owner != userid:
                conversation = inbox.get(userid)
                if conversation is not None:
                    yield owner, conversation

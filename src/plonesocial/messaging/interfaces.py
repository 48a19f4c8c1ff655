"""Interfaces of plonesocial.messaging: the contract of the messaging API.

Messages live in persistent BTrees outside the content tree::

    IInboxes        userid -> IInbox           (one per site)
      IInbox        other userid -> IConversation
        IConversation   message id -> IMessage (chronological)

A send stores two copies of a message, one in the sender's and one in the
recipient's conversation, so each side can read, mark and delete its copy
without touching the other's.
"""

from zope.interface import Attribute
from zope.interface import Interface
from zope.interface.interfaces import IObjectEvent


class IMessagingLocator(Interface):
    """Global utility that finds the messaging storage of the current site.

    It keeps no state of its own: the storage is a persistent object of the
    site, created when the ``plonesocial:default`` profile is installed.
    """

    def get_inboxes():
        """Return the :class:`IInboxes` of the current site.

        Raises ``LookupError`` when there is no current site or plonesocial
        is not installed in it.
        """


class IMessage(Interface):
    """One copy of a private message, in one user's conversation.

    Messages are immutable records; only their read state changes, and it
    is kept by the conversation (a read marker), not by the message.
    """

    id = Attribute("Key of this copy in its conversation (int, UTC µs of "
                   "`created`, moved on by one µs where that key was taken).")
    uid = Attribute("Hex string shared by the two copies of one send.")
    sender = Attribute("Userid of the sender.")
    recipient = Attribute("Userid of the recipient.")
    text = Attribute("The text, as sent (plain text, never HTML).")
    created = Attribute("When it was sent: a naive datetime in UTC.")
    new = Attribute("True until the owner of this copy marks the "
                    "conversation read (own messages included, as in the "
                    "original plonesocial.messaging).")


class IConversation(Interface):
    """The messages one user exchanged with another, in one inbox.

    There is one conversation per pair of users in each of their inboxes.
    It is a mapping ``message id -> IMessage`` in chronological order.
    """

    owner = Attribute("Userid of the inbox this conversation is in.")
    username = Attribute("Userid of the other party.")
    new_messages_count = Attribute(
        "Number of received messages (sent by the other party) that are "
        "new: an exact counter, read in O(1)."
    )
    last_updated = Attribute("Naive UTC datetime of the newest message "
                             "added, or None.")

    def get_messages():
        """Return an iterator over the messages, oldest first."""

    def mark_read():
        """Mark every message of this conversation read.

        Writes a read marker and the counters, never the messages, so its
        cost does not grow with the size of the conversation.
        """

    def __getitem__(message_id):
        """Return the message with that id or raise ``MessageNotFound``."""

    def __delitem__(message_id):
        """Delete this copy of a message; the other side keeps theirs.

        Raises ``MessageNotFound`` for an unknown id.
        """

    def __contains__(message_id):
        """Tell whether a message with that id is here."""

    def __iter__():
        """Iterate over the message ids, oldest first."""

    def __len__():
        """Return the number of messages (a counter, O(1))."""


class IInbox(Interface):
    """The conversations of one user: a mapping ``userid -> IConversation``."""

    owner = Attribute("Userid of the owner of this inbox.")
    new_messages_count = Attribute(
        "Number of new received messages over all conversations (O(1))."
    )

    def get_conversations():
        """Return an iterator over the conversations, newest update first."""

    def __getitem__(userid):
        """Return the conversation with that user or raise
        ``ConversationNotFound``."""

    def get(userid, default=None):
        """Return the conversation with that user, or `default`."""

    def __delitem__(userid):
        """Delete the conversation with that user from this inbox only.

        Raises ``ConversationNotFound`` for an unknown user.
        """

    def __contains__(userid):
        """Tell whether there is a conversation with that user."""

    def __iter__():
        """Iterate over the userids of the other parties, sorted."""

    def __len__():
        """Return the number of conversations (a counter, O(1))."""

    def block(userid):
        """Refuse messages from that user from now on.

        Raises ``InvalidUserId`` for a malformed id and ``SelfMessage`` for
        the owner's own id.
        """

    def unblock(userid):
        """Accept messages from that user again (no error if not blocked)."""

    def is_blocked(userid):
        """Tell whether messages from that user are refused."""

    def get_blocked():
        """Return an iterator over the blocked userids, sorted."""


class IInboxes(Interface):
    """All inboxes of a site: a mapping ``userid -> IInbox``."""

    max_message_length = Attribute(
        "Longest text accepted by send_message, in characters "
        "(default 10,000)."
    )

    max_messages_per_minute = Attribute(
        "How many messages one sender may send in any 60 seconds, by the "
        "clock (0, the default of a bare Inboxes: no limit). A Plone site "
        "copies its registry record, default 30. The count lives in the "
        "sender's own inbox (UTC second -> sends), pruned to the last minute."
    )

    def send_message(sender, recipient, text, created=None):
        """Send a private message; return None.

        Creates the inboxes and conversations that do not exist yet and
        stores one copy in each of the two conversations. `created`
        defaults to now; a naive datetime is taken as UTC, an aware one is
        converted to UTC. Fires one ``IMessageSentEvent``.

        Raises ``InvalidUserId``, ``SelfMessage``, ``InvalidMessage`` (and
        its subclasses ``EmptyMessage``, ``MessageTooLong``) or
        ``SenderBlocked``, ``RateLimitExceeded`` (with ``retry_after``
        seconds) or ``RecipientErased``; it then has written nothing.
        """

    def send(sender, recipient, text, created=None):
        """Like send_message, but return the sender's copy (an IMessage)."""

    def get_inbox(userid, create=False):
        """Return the inbox of that user.

        With `create` an inbox is made if there is none; otherwise raise
        ``InboxNotFound``.
        """

    def __getitem__(userid):
        """Return the inbox of that user or raise ``InboxNotFound``."""

    def get(userid, default=None):
        """Return the inbox of that user, or `default`."""

    def __contains__(userid):
        """Tell whether that user has an inbox."""

    def __iter__():
        """Iterate over the userids that have an inbox, sorted."""


class IMessageSentEvent(IObjectEvent):
    """A message was sent; fired once per send, after both copies are stored.

    ``object`` is the recipient's copy.
    """

    sender_message = Attribute("The sender's copy of the message.")
    sender = Attribute("Userid of the sender.")
    recipient = Attribute("Userid of the recipient.")


class IConversationReadEvent(IObjectEvent):
    """The owner of a conversation marked it read (``IConversation.mark_read``).

    ``object`` is the conversation. Fired on every call, also when nothing
    was new: the activity stream marks the notifications about the
    conversation seen, so that reading a conversation anywhere (a page, REST,
    Python) clears its badge. Read receipts go out only when ``moved``.
    """

    owner = Attribute("Userid of who read.")
    username = Attribute("Userid of the other party.")
    moved = Attribute("True when the read marker moved (there was something new).")

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
    # Issue 15: attachments, edit and unsend (messaging/attachments.py, edits.py).
    attachments = Attribute("Ids of the message's attachments (a tuple of hex strings), "
                            "kept in the site's IAttachments; () for none.")
    edited = Attribute("When the sender last edited the text (naive UTC), or None.")
    versions = Attribute("The earlier texts, oldest first: a tuple of "
                         "(naive UTC datetime the text was written, text).")
    unsent = Attribute("True once the sender unsent it: a tombstone without text, "
                       "versions or attachments.")


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

    def replace(message):
        """Store `message`, a changed copy of one of this conversation's messages
        (edit, unsend, issue 15), in the old one's place; raise MessageNotFound."""

    def find_copy(uid, created):
        """This conversation's copy of the send `uid` made at `created`, or None."""

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

    accept_messages_from = Attribute(
        "Issue 15: whom this user accepts messages from (everyone, following, nobody), "
        "or None for the site's default.")

    def get_requests(create=False):
        """The IMessageRequests waiting for this user (None unless one came or `create`)."""

    def adopt(conversation):
        """File `conversation`, an accepted request, here; its unread messages count
        from now. Raises InvalidInput if a conversation with its party exists."""

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

    def send(sender, recipient, text, created=None, screened=False, attachments=()):
        """Like send_message, but return the sender's copy (an IMessage).

        With `screened` (the recipient does not accept messages from the
        sender, see ``messaging/requests.py``) a first message, one with no
        conversation in the recipient's inbox, waits as a message request; a
        request that waits takes every further message of its sender. A
        sender writing to someone whose request waits accepts it.

        `attachments` are ids of files the API stores after the send (issue
        15): both copies hold them, and the text may then be empty.
        """

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

    def drop_requests_from(userid):
        """Remove the message requests of `userid` waiting in other inboxes (erasure);
        return how many."""

    def __iter__():
        """Iterate over the userids that have an inbox, sorted."""


class IMessageSentEvent(IObjectEvent):
    """A message was sent; fired once per send, after both copies are stored.

    ``object`` is the recipient's copy.
    """

    sender_message = Attribute("The sender's copy of the message.")
    sender = Attribute("Userid of the sender.")
    recipient = Attribute("Userid of the recipient.")
    request = Attribute("True when the recipient's copy waits as a message request.")


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

# -- group conversations (issue 15) ---------------------------------------------------


class IGroupMessage(Interface):
    """One message of a group conversation, stored once for every participant.

    A system message (``action`` set) records a change of the group: its
    ``facts`` are rendered in the reader's language when shown.
    """

    group_id = Attribute("The id of its group.")
    id = Attribute("Key in the group (int, UTC µs of `created`, moved on where taken).")
    uid = Attribute("Hex string naming this message.")
    sender = Attribute("Userid of the author; of a system message, who acted.")
    text = Attribute("The text (plain text), or None for a system message.")
    created = Attribute("When it was sent: a naive datetime in UTC.")
    action = Attribute("None, or created, added, kicked, left, renamed, owner.")
    facts = Attribute("A system message's facts: userids (a tuple), title.")
    # Issue 15: attachments, edit and unsend (messaging/attachments.py, edits.py).
    attachments = Attribute("Ids of the message's attachments (a tuple of hex strings), "
                            "kept in the site's IAttachments; () for none.")
    edited = Attribute("When the sender last edited the text (naive UTC), or None.")
    versions = Attribute("The earlier texts, oldest first: a tuple of "
                         "(naive UTC datetime the text was written, text).")
    unsent = Attribute("True once the sender unsent it: a tombstone without text, "
                       "versions or attachments.")


class IMembership(Interface):
    """One participant's state in one group: joined, departed, read marker, muted.

    Written by that participant (reading, sending, muting) or when the
    participants change; never by other participants' sends.
    """

    userid = Attribute("The participant.")
    order = Attribute("Join number in the group: the smallest is the longest-standing.")
    joined_key = Attribute("Messages with a greater id are visible to them.")
    left_key = Attribute("None, or the newest message id visible after they departed.")
    how_left = Attribute("None (a participant), 'left' or 'kicked'.")
    read_count = Attribute("Read marker: the group's message count they read up to.")
    read_key = Attribute("Read marker: the newest message id they read (read receipts).")
    muted = Attribute("True: the group does not count in their unread total.")
    active = Attribute("True while they are a participant.")


class IGroupConversation(Interface):
    """A conversation of an owner and 2 or more other participants.

    Messages are stored once; each participant's unread count is the
    group's message count minus their read marker, so a send writes O(1)
    objects (the message's bucket, the counter, the sender's Membership)
    whatever the group's size. Departed participants keep read access to
    the messages up to their departure.
    """

    id = Attribute("Hex string naming the group.")
    title = Attribute("The title, '' for none.")
    owner = Attribute("Userid of the owner, a participant (None once nobody is left).")
    message_count = Attribute("Messages ever added: the group's sequence number.")
    participants_count = Attribute("How many participants it has now.")
    last_key = Attribute("The newest message id, or None.")

    def get_membership(userid):
        """The IMembership of `userid` (current or former), or None."""

    def participants():
        """The current participants' IMemberships, longest-standing first."""

    def is_participant(userid):
        """Tell whether `userid` is a participant now."""

    def unread(userid):
        """How many messages `userid` has not read (derived, O(1))."""

    def recency_key(userid):
        """The newest message id `userid` sees: the group's place in their list."""

    def message_ids(userid, limit, before=None, after=None):
        """Up to `limit` ids of messages `userid` may read, newest first; keyset
        paging as IConversation.message_ids."""

    def get_message(userid, message_id):
        """The message if `userid` may read it; else raise MessageNotFound."""

    def get_messages(userid):
        """The messages `userid` may read, oldest first."""

    def seen_by(message_id, exclude=()):
        """Userids whose read marker reached `message_id` (read receipts)."""

    def send(sender, text, created, attachments=()):
        """Store a message by `sender` once, with the ids of its `attachments`; raise
        NotAParticipant. Called by the API."""

    def replace(message):
        """Store a changed copy of one of the group's messages (edit, unsend) in place."""

    def mark_read(userid):
        """Move `userid`'s read marker to the newest message they may read."""


class IGroups(Interface):
    """Every group conversation of a site: group id -> IGroupConversation, and
    each user's index of the groups they are or were in (one subtree per user)."""

    def create(owner, participants, title=None, created=None, max_participants=200):
        """Create and return a group; `participants` are 2 to `max_participants`
        other user ids. Raises InvalidGroup, TooManyParticipants, InvalidUserId;
        nothing is written then."""

    def get(group_id):
        """The group with that id, or None."""

    def group_ids(userid):
        """Ids of the groups `userid` is or was in."""

    def add(group, userids, created=None, max_participants=200):
        """Make `userids` participants of `group` (they see messages from now on)."""

    def delete(group):
        """Delete `group` and its messages for everyone."""


# -- message requests and group notifications (issue 15) --------------------------------


class IMessageRequests(Interface):
    """The message requests waiting for one user (see ``messaging/requests.py``).

    Holds the recipient's copy of each conversation begun by someone they do
    not accept messages from, newest first, until they accept or decline it.
    Its messages count in no unread total.
    """

    owner = Attribute("Userid of the recipient.")

    def __len__():
        """How many requests wait (a counter, O(1))."""

    def __contains__(userid):
        """Tell whether a request of `userid` waits."""

    def get(userid, default=None):
        """The request conversation of `userid`, or `default`."""

    def get_conversations():
        """Iterate over the request conversations, newest first."""

    def conversation_with(userid):
        """The request of `userid`, made if needed (used by ``IInboxes.send``)."""

    def pop(userid):
        """Remove the request of `userid` and return its conversation (KeyError if none)."""

    def check_invariants():
        """Raise AssertionError unless trees and counter agree (tests)."""


class IGroupMessageSentEvent(IObjectEvent):
    """A message was sent to a group; ``object`` is the message (stored once).

    The activity stream notifies the other participants from it (through the
    fan-out queue when they are more than a few).
    """

    group = Attribute("The group conversation.")
    sender = Attribute("Userid of the sender.")


class IGroupReadEvent(IObjectEvent):
    """A participant read a group; ``object`` is the group. Its notification is seen."""

    userid = Attribute("Userid of who read.")


class IAttachment(Interface):
    """A file or image on a private message, stored once as a ZODB blob.

    The messages that carry it hold its id; it records who holds it (the
    inbox owners of a 1:1 message's two copies, or the group), and goes when
    the last holder lets go of it (delete for me, unsend, erasure).
    """

    id = Attribute("Hex string naming the attachment.")
    owner = Attribute("Userid of who uploaded it (the message's sender).")
    filename = Attribute("The sanitised file name shown and offered for download.")
    content_type = Attribute("The MIME type, checked against the content when stored.")
    size = Attribute("Bytes of the file.")
    is_image = Attribute("True for a raster image (PNG, JPEG, GIF, WebP): shown inline.")
    width = Attribute("Pixels of an image, else None.")
    height = Attribute("Pixels of an image, else None.")
    created = Attribute("When it was stored (naive UTC).")
    file = Attribute("The plone.namedfile NamedBlobFile or NamedBlobImage.")
    preview = Attribute("A NamedBlobImage scaled with plone.scale (images), or None.")
    holders = Attribute("A frozenset of ('user', userid) and ('group', group id) pairs.")


class IAttachments(Interface):
    """Every attachment of a site: the blobs of messages, stored once."""

    def add(attachment):
        """Store `attachment` (an IAttachment)."""

    def get(attachment_id):
        """The IAttachment with that id, or None."""

    def release(attachment_ids, holder):
        """Let `holder` go of those attachments; remove each one nobody holds any more."""

    def remove(attachment_ids):
        """Remove those attachments and their blobs, whoever holds them (unsend)."""

    def owned_by(userid):
        """The attachments `userid` uploaded, a list."""

    def check_invariants():
        """Raise AssertionError unless the trees and counters agree (tests)."""


class IMessageChangedEvent(IObjectEvent):
    """The sender edited or unsent a message; ``object`` is the sender's copy,
    ``other_copy`` the other party's 1:1 copy (or None), ``change`` "edited"
    or "unsent", ``group`` the group of a group message (or None),
    ``old_text`` the text before the change."""

"""The messaging API of a site, in plone.api's style: keyword arguments, typed errors.

Pages, REST services, privacy, jobs and scripts go through these functions;
each rule lives here once. They work on the current site's storage::

    from plonesocial.messaging import api as messaging

    messaging.send(sender="ann", recipient="bob", text="Hello")
    messaging.open_conversation(userid="bob", other="ann")  # read, badge cleared

Errors are those of ``plonesocial.exc``: ``InvalidInput`` subclasses for bad
input (nothing is written then), ``NotFound`` subclasses for unknown ids,
``Refused`` subclasses for a block or a rate limit.
"""

from plonesocial import _
from plonesocial import exc
from plonesocial.messaging import attachments as files
from plonesocial.messaging.blocking import block as block
from plonesocial.messaging.blocking import get_blocked as get_blocked
from plonesocial.messaging.blocking import is_blocked as is_blocked
from plonesocial.messaging.blocking import unblock as unblock
from plonesocial.messaging.group_api import add_participants as add_participants
from plonesocial.messaging.group_api import count_group_unread as count_group_unread
from plonesocial.messaging.group_api import create_group as create_group
from plonesocial.messaging.group_api import delete_group as delete_group
from plonesocial.messaging.group_api import get_group as get_group
from plonesocial.messaging.group_api import get_group_message as get_group_message
from plonesocial.messaging.group_api import get_group_messages as get_group_messages
from plonesocial.messaging.group_api import get_user_groups as get_user_groups
from plonesocial.messaging.group_api import kick_participant as kick_participant
from plonesocial.messaging.group_api import leave_group as leave_group
from plonesocial.messaging.group_api import mark_group_read as mark_group_read
from plonesocial.messaging.group_api import mute_group as mute_group
from plonesocial.messaging.group_api import open_group as open_group
from plonesocial.messaging.group_api import rename_group as rename_group
from plonesocial.messaging.group_api import send_to_group as send_to_group
from plonesocial.messaging.group_api import transfer_group as transfer_group
from plonesocial.messaging.groups import conversation_list
from plonesocial.messaging.policy import accepts_messages as accepts_messages
from plonesocial.messaging.policy import default_message_policy as default_message_policy
from plonesocial.messaging.policy import has_conversation
from plonesocial.messaging.policy import is_group_request as is_group_request
from plonesocial.messaging.policy import is_site_admin as is_site_admin
from plonesocial.messaging.policy import message_policy as message_policy
from plonesocial.messaging.policy import set_message_policy as set_message_policy
from plonesocial.messaging.requests_api import accept_group_request as accept_group_request
from plonesocial.messaging.requests_api import accept_request as accept_request
from plonesocial.messaging.requests_api import count_requests as count_requests
from plonesocial.messaging.requests_api import decline_group_request as decline_group_request
from plonesocial.messaging.requests_api import decline_request as decline_request
from plonesocial.messaging.requests_api import get_group_request as get_group_request
from plonesocial.messaging.requests_api import get_request as get_request
from plonesocial.messaging.requests_api import get_requests as get_requests
from plonesocial.messaging.requests_api import group_notification_wanted as group_notification_wanted
from plonesocial.messaging.stores import get_groups as get_groups
from plonesocial.messaging.stores import get_inbox as get_inbox
from plonesocial.messaging.stores import get_inboxes as get_inboxes
from plonesocial.people import user_exists


def send(sender, recipient, text, check_recipient=True, attachments=None):
    """Send `text` from `sender` to `recipient`; return the sender's copy.

    With `check_recipient`, only to users of this site: an inbox made for a
    user id nobody has yet would greet whoever gets that id later with
    planted messages. `attachments` are ``attachments.Upload`` objects (the
    text may then be empty): checked first, stored once for both copies
    after the send succeeded, so a refused send writes nothing. Line breaks
    are stored as "\n" (a page's form sends "\r\n"), its length counted so
    (by the store, Inboxes.send).
    """
    if check_recipient and isinstance(recipient, str) and recipient and \
            not user_exists(recipient):
        raise exc.UnknownUser(_("There is no user ${userid}.", mapping={"userid": recipient}),
                               userid=recipient)
    # Issue 15: a first message from someone the recipient does not accept
    # waits as a request (decided here: the rule reads follows and roles).
    screened = isinstance(recipient, str) and isinstance(sender, str) and \
        not has_conversation(recipient, sender) and not accepts_messages(recipient, sender)
    prepared = files.prepare(sender, attachments)
    message = get_inboxes().send(sender, recipient, text, screened=screened,
                                 attachments=tuple(p.id for p in prepared))
    files.store(prepared, {files.user_holder(sender), files.user_holder(recipient)},
                message.uid)
    return message


def count_unread(userid):
    """How many received messages `userid` has not read: 1:1 conversations (a
    counter, O(1)) and the groups they are in and did not mute (derived from
    each group's counter and their read marker, O(number of their groups))."""
    inbox = get_inbox(userid)
    direct = 0 if inbox is None else inbox.new_messages_count
    return direct + count_group_unread(userid)


def get_conversations(userid, limit=None):
    """The conversations of `userid`, newest first (at most `limit`), a list."""
    inbox = get_inbox(userid)
    conversations = []
    if inbox is not None:
        for conversation in inbox.get_conversations():
            if limit is not None and len(conversations) >= limit:
                break
            conversations.append(conversation)
    return conversations


def get_conversation(userid, other):
    """The conversation of `userid` with `other`; raise ConversationNotFound."""
    inbox = get_inbox(userid)
    conversation = inbox.get(other) if inbox is not None else None
    if conversation is None:
        raise exc.ConversationNotFound(f"{userid!r} has no conversation with {other!r}")
    return conversation


def get_messages(userid, other, limit, before=None, after=None):
    """Up to `limit` messages of the conversation, newest first; keyset paging by id."""
    conversation = get_conversation(userid, other)
    return [conversation[message_id]
            for message_id in conversation.message_ids(limit, before=before, after=after)]


def get_message(userid, other, message_id):
    """One message of `userid`'s conversation with `other`; raise MessageNotFound."""
    return get_conversation(userid, other)[message_id]


def mark_read(userid, other):
    """Mark `userid`'s conversation with `other` read, and its notification seen.

    The conversation announces it (ConversationReadEvent) and the activity
    stream marks the message notification seen: the badge clears whether a
    page, a REST client or Python code read it.
    """
    get_conversation(userid, other).mark_read()


def open_conversation(userid, other):
    """Return `userid`'s conversation with `other` (or None, if they have none yet)
    and its messages, oldest first, marking it read as a reader opening it does."""
    try:
        conversation = get_conversation(userid, other)
    except exc.ConversationNotFound:
        return None, []
    messages = list(conversation.get_messages())
    if conversation.new_messages_count:
        conversation.mark_read()
    return conversation, messages


def delete_conversation(userid, other):
    """Delete `userid`'s copy of the conversation with `other` (theirs stays)."""
    conversation = get_conversation(userid, other)
    holder = files.user_holder(userid)
    for message in conversation.get_messages():
        files.release(message.attachments, holder)  # the other's copies may keep them
    del get_inbox(userid)[other]


def delete_message(userid, other, message_id):
    """Delete `userid`'s copy of one message (the other party's stays)."""
    conversation = get_conversation(userid, other)
    if not isinstance(message_id, int) or message_id not in conversation:
        raise exc.MessageNotFound(f"No message {message_id!r}")
    files.release(conversation[message_id].attachments, files.user_holder(userid))
    del conversation[message_id]


# -- read receipts (issue 15) -----------------------------------------------------------
#
# Each participant's read marker is visible to the others, unless they hide
# their receipts; who hides theirs sees nobody else's either.

RECEIPT_SCAN = 50  # how many of the newest 1:1 messages a receipt looks through


def receipts_hidden(userid):
    """Tell whether `userid` hides their read receipts (default: they show)."""
    inbox = get_inbox(userid)
    return inbox is not None and inbox.hide_read_receipts


def set_receipts_hidden(userid, hidden):
    """Hide (or show again) `userid`'s read receipts; raise InvalidInput unless a bool."""
    if not isinstance(hidden, bool):
        raise exc.InvalidInput("hide_read_receipts must be true or false")
    if hidden == receipts_hidden(userid):
        return
    get_inboxes().get_inbox(userid, create=True).hide_read_receipts = hidden


def seen_by_other(userid, other):
    """The id of the newest message `userid` sent `other` that `other` has read, or None.

    None as well when either of them hides read receipts. Reads the other's
    copy of the conversation (their read marker); writes nothing.
    """
    if receipts_hidden(userid) or receipts_hidden(other):
        return None
    mine = get_conversation(userid, other)
    inbox = get_inbox(other)
    theirs = inbox.get(userid) if inbox is not None else None
    if theirs is None:
        return None
    for message_id in mine.message_ids(RECEIPT_SCAN):
        message = mine[message_id]
        if message.sender != userid:
            continue
        copy = theirs.get(message_id)  # both copies take the same id unless it was taken
        if copy is not None and copy.uid == message.uid and not copy.new:
            return message_id
    return None


def group_read_markers(userid, group_id):
    """{participant: newest message id they read} of the group's current participants
    who show receipts, for `userid` (empty when they hide their own)."""
    group = get_group(userid, group_id)
    if receipts_hidden(userid):
        return {}
    return {m.userid: m.read_key for m in group.participants()
            if m.userid != userid and m.read_key is not None and not receipts_hidden(m.userid)}


def group_seen_by(userid, group_id, message_id):
    """Who of the others has read up to `message_id` (its sender left out), for `userid`."""
    group = get_group(userid, group_id)
    message = group.get_message(userid, message_id)
    markers = group_read_markers(userid, group_id)
    return [other for other, read in markers.items()
            if read >= message_id and other != message.sender]


def list_conversations(userid, limit, before=None):
    """Up to `limit` of `userid`'s conversations, 1:1 and groups mixed, newest first,
    as (cursor, conversation) pairs; `before` a cursor: only older ones (keyset
    paging). See conversation_list for the order and its cost."""
    return conversation_list(get_inbox(userid), get_groups(), userid, limit, before)


# -- attachments, edit and unsend (issue 15) -------------------------------------------
# The rules live in messaging/attachments.py and messaging/edits.py; these are
# their entry points.


def get_attachment(userid, conversation, message_id, attachment_id):
    """The attachment `attachment_id` of a message `userid` may read; else AttachmentNotFound.

    `conversation` is ``("direct", other userid)`` or ``("group", group id)``.
    The id must belong to that message of that conversation as `userid` sees
    it: an attachment id alone opens nothing.
    """
    kind, where = conversation
    try:
        if kind == "direct":
            message = get_message(userid, where, message_id)
        elif kind == "group":
            message = get_group_message(userid, where, message_id)
        else:
            raise exc.AttachmentNotFound("No such attachment")
    except exc.MessagingNotFound:
        raise exc.AttachmentNotFound("No such attachment") from None
    if not isinstance(attachment_id, str) or attachment_id not in message.attachments:
        raise exc.AttachmentNotFound("No such attachment")
    attachment = files.get(attachment_id)
    if attachment is None:
        raise exc.AttachmentNotFound("No such attachment")
    return message, attachment


from plonesocial.messaging.edits import can_edit  # noqa: E402, F401
from plonesocial.messaging.edits import edit_group_message  # noqa: E402, F401
from plonesocial.messaging.edits import edit_message  # noqa: E402, F401
from plonesocial.messaging.edits import unsend_group_message  # noqa: E402, F401
from plonesocial.messaging.edits import unsend_message  # noqa: E402, F401


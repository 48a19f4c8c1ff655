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

from plonesocial import exc
from plonesocial.messaging.inbox import check_userid
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.people import user_exists
from zope.component import getUtility


def get_inboxes():
    """The IInboxes of the current site (LookupError when plonesocial is not installed)."""
    return getUtility(IMessagingLocator).get_inboxes()


def send(sender, recipient, text, check_recipient=True):
    """Send `text` from `sender` to `recipient`; return the sender's copy.

    With `check_recipient`, only to users of this site: an inbox made for a
    user id nobody has yet would greet whoever gets that id later with
    planted messages.
    """
    if check_recipient and isinstance(recipient, str) and recipient and \
            not user_exists(recipient):
        raise exc.UnknownUser(f"No user {recipient!r}", userid=recipient)
    return get_inboxes().send(sender, recipient, text)


def get_inbox(userid):
    """The inbox of `userid`, or None if they never sent nor received a message."""
    return get_inboxes().get(userid)


def count_unread(userid):
    """How many received messages `userid` has not read, all conversations. O(1)."""
    inbox = get_inbox(userid)
    return 0 if inbox is None else inbox.new_messages_count


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
    get_conversation(userid, other)
    del get_inbox(userid)[other]


def delete_message(userid, other, message_id):
    """Delete `userid`'s copy of one message (the other party's stays)."""
    conversation = get_conversation(userid, other)
    if not isinstance(message_id, int) or message_id not in conversation:
        raise exc.MessageNotFound(f"No message {message_id!r}")
    del conversation[message_id]


def block(userid, other, check_user=True):
    """Refuse messages from `other` from now on; blocking twice is blocking once.

    With `check_user`, only users of this site: a block set against an id
    nobody has would greet whoever registers it later. Raises UnknownUser,
    InvalidUserId or SelfMessage (blocking oneself); nothing is written then.
    """
    check_userid(other)
    if check_user and not user_exists(other):
        raise exc.UnknownUser(f"No user {other!r}", userid=other)
    inboxes = get_inboxes()
    inbox = inboxes.get(userid)
    if inbox is not None and inbox.is_blocked(other):
        return
    if other == userid:
        raise exc.SelfMessage(f"{userid!r} cannot block themselves")
    inboxes.get_inbox(userid, create=True).block(other)


def unblock(userid, other):
    """Accept messages from `other` again; raise NotBlocked unless `userid` blocked them."""
    if not is_blocked(userid, other):
        raise exc.NotBlocked(f"You have not blocked {other!r}")
    get_inbox(userid).unblock(other)


def is_blocked(userid, other):
    """Tell whether `userid` refuses messages from `other`."""
    inbox = get_inbox(userid)
    return inbox is not None and inbox.is_blocked(other)


def get_blocked(userid):
    """The user ids `userid` refuses messages from, a list."""
    inbox = get_inbox(userid)
    return [] if inbox is None else list(inbox.get_blocked())

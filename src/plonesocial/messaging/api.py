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
from plonesocial.clock import as_utc
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.messaging import attachments as files
from plonesocial.messaging.events import GroupMessageSentEvent
from plonesocial.messaging.events import GroupReadEvent
from plonesocial.messaging.groups import ADDED
from plonesocial.messaging.groups import check_group
from plonesocial.messaging.groups import check_text
from plonesocial.messaging.groups import check_title
from plonesocial.messaging.groups import conversation_list
from plonesocial.messaging.groups import KICKED
from plonesocial.messaging.groups import LEFT
from plonesocial.messaging.groups import OWNER
from plonesocial.messaging.groups import RENAMED
from plonesocial.messaging.inbox import check_userid
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.locator import GROUPS
from plonesocial.messaging.requests import ADMIN_ROLES
from plonesocial.messaging.requests import EVERYONE
from plonesocial.messaging.requests import FOLLOWING
from plonesocial.messaging.requests import POLICIES
from plonesocial.messaging.settings import get_settings
from plonesocial.people import ERASED_PREFIX
from plonesocial.people import user_exists
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.event import notify

import heapq
import itertools


def get_inboxes():
    """The IInboxes of the current site (LookupError when plonesocial is not installed)."""
    return getUtility(IMessagingLocator).get_inboxes()


def send(sender, recipient, text, check_recipient=True, attachments=None):
    """Send `text` from `sender` to `recipient`; return the sender's copy.

    With `check_recipient`, only to users of this site: an inbox made for a
    user id nobody has yet would greet whoever gets that id later with
    planted messages. `attachments` are ``attachments.Upload`` objects (the
    text may then be empty): checked first, stored once for both copies
    after the send succeeded, so a refused send writes nothing.
    """
    if check_recipient and isinstance(recipient, str) and recipient and \
            not user_exists(recipient):
        raise exc.UnknownUser(f"No user {recipient!r}", userid=recipient)
    # Issue 15: a first message from someone the recipient does not accept
    # waits as a request (decided here: the rule reads follows and roles).
    screened = isinstance(recipient, str) and isinstance(sender, str) and \
        not _has_conversation(recipient, sender) and not accepts_messages(recipient, sender)
    prepared = files.prepare(sender, attachments)
    message = get_inboxes().send(sender, recipient, text, screened=screened,
                                 attachments=tuple(p.id for p in prepared))
    files.store(prepared, {files.user_holder(sender), files.user_holder(recipient)},
                message.uid)
    return message


def get_inbox(userid):
    """The inbox of `userid`, or None if they never sent nor received a message."""
    return get_inboxes().get(userid)


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
    inbox = inboxes.get_inbox(userid, create=True)
    inbox.block(other)
    waiting = inbox.get_requests()
    if waiting is not None and other in waiting:
        waiting.pop(other)  # issue 15: a blocked person's request goes with the block


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


# -- group conversations (issue 15) ---------------------------------------------------
#
# A group is addressed by its id; a user reaches it only while they are or
# were in it (GroupNotFound otherwise, as for a group that does not exist).
# Departed participants read what they received and write nothing.


def get_groups(create=False):
    """The IGroups of the current site, or None (with `create`, made on first use)."""
    site = getSite()
    if site is None:
        raise LookupError("No current site: call setSite(portal) first")
    return GROUPS.create(site) if create else GROUPS.get(site)


def _settings():
    return get_settings()


def _check_can_add(adder, userids_to_add):
    """Refuse unknown users, erased ones and those who block `adder` (before any write)."""
    if isinstance(userids_to_add, str) or not isinstance(userids_to_add, (list, tuple)):
        raise exc.InvalidGroup("participants must be a list of user ids")
    inboxes = get_inboxes()
    for userid in userids_to_add:
        check_userid(userid, "participant")
        if userid.startswith(ERASED_PREFIX) or not user_exists(userid):
            raise exc.UnknownUser(f"No user {userid!r}", userid=userid)
        inbox = inboxes.get(userid)
        if inbox is not None and inbox.is_blocked(adder):
            raise exc.SenderBlocked(f"{userid!r} does not accept messages from {adder!r}")


def create_group(owner, participants, title=None):
    """Create a group of `owner` (its owner) and 2 to ``max_group_participants``
    `participants`; return it. Raises UnknownUser, SenderBlocked (a participant
    blocks the owner), InvalidGroup, TooManyParticipants: nothing is written then."""
    check_userid(owner, "owner")
    _check_can_add(owner, participants)
    limit = _settings().max_group_participants
    check_group(owner, participants, title, limit)
    pending = [userid for userid in participants if not _accepts_group(userid, owner)]
    group = get_groups(create=True).create(owner, participants, title, max_participants=limit)
    _mark_pending(group, owner, pending)
    return group


def get_group(userid, group_id):
    """The group `group_id` if `userid` is or was in it; else raise GroupNotFound."""
    groups = get_groups()
    group = groups.get(group_id) if groups is not None else None
    if group is None or group.get_membership(userid) is None:
        raise exc.GroupNotFound(f"No conversation {group_id!r}")
    return group


def _owned_group(userid, group_id):
    group = get_group(userid, group_id)
    if group.owner != userid:
        raise exc.NotGroupOwner("Only the owner of the conversation may do this")
    return group


def _active_group(userid, group_id):
    group = get_group(userid, group_id)
    if not group.is_participant(userid):
        raise exc.NotAParticipant("You are no longer a participant of this conversation")
    return group


def send_to_group(sender, group_id, text, attachments=None):
    """Store `text` once in the group; return the message. O(1) writes (plus
    one blob per attachment, stored once for every participant)."""
    group = _active_group(sender, group_id)
    check_text(text, get_inboxes().max_message_length, allow_empty=bool(attachments))
    prepared = files.prepare(sender, attachments)
    _count_send(sender)
    if is_group_request(sender, group):  # issue 15: writing in it accepts it
        group.get_membership(sender).pending = False
    message = group.send(sender, text, as_utc(None), tuple(p.id for p in prepared))
    files.store(prepared, {files.group_holder(group.id)}, message.uid)
    # Issue 15: the others are notified (activitystream, through the fan-out queue).
    notify(GroupMessageSentEvent(message, group))
    # "@userid" notifies a participant (issue 16); a 1:1 message has no one else to tell.
    from plonesocial.activitystream.social import notify_group_mentions

    notify_group_mentions(sender, group.id, text, group.is_participant)
    return message


def _count_send(sender):
    """The per-sender rate limit, shared with 1:1 sends (the sender's own inbox)."""
    inboxes = get_inboxes()
    limit = inboxes.max_messages_per_minute
    if not limit:
        return
    now = to_key(utcnow()) // 1_000_000
    inbox = inboxes.get(sender)
    if inbox is not None and inbox.sent_recently(now) >= limit:
        wait = inbox.retry_after(now)
        raise exc.RateLimitExceeded(
            f"{sender!r} sent {limit} messages in the last minute; try again in {wait} seconds",
            retry_after=wait)
    inboxes.get_inbox(sender, create=True).count_send(now)


def get_group_messages(userid, group_id, limit, before=None, after=None):
    """Up to `limit` messages `userid` may read, newest first; keyset paging by id."""
    group = get_group(userid, group_id)
    return [group.get_message(userid, key)
            for key in group.message_ids(userid, limit, before=before, after=after)]


def get_group_message(userid, group_id, message_id):
    return get_group(userid, group_id).get_message(userid, message_id)


def mark_group_read(userid, group_id):
    """Move `userid`'s read marker to the newest message they may read (O(1) writes);
    the group's message notification is marked seen (GroupReadEvent)."""
    group = get_group(userid, group_id)
    group.mark_read(userid)
    notify(GroupReadEvent(group, userid))


def open_group(userid, group_id):
    """The group and its messages for `userid`, oldest first, marking it read."""
    group = get_group(userid, group_id)
    messages = list(group.get_messages(userid))
    if not is_group_request(userid, group):  # a request is read without a trace
        if group.unread(userid):
            group.mark_read(userid)
        # Always, as ConversationReadEvent: opening it sees its notification.
        notify(GroupReadEvent(group, userid))
    return group, messages


def rename_group(userid, group_id, title):
    """Give the group a new title (the owner only); a system message records it."""
    group = _owned_group(userid, group_id)
    title = check_title(title)
    if title != group.title:
        group.title = title
        group.system(userid, RENAMED, as_utc(None), title=title)


def add_participants(userid, group_id, userids_to_add):
    """Add people to the group (the owner only); they see messages from now on."""
    group = _owned_group(userid, group_id)
    _check_can_add(userid, userids_to_add)
    pending = [other for other in userids_to_add if not _accepts_group(other, userid)]
    get_groups().add(group, list(userids_to_add),
                     max_participants=_settings().max_group_participants)
    _mark_pending(group, userid, pending)
    group.system(userid, ADDED, as_utc(None), userids=tuple(userids_to_add))


def kick_participant(userid, group_id, other):
    """Remove `other` from the group (the owner only); they keep what they received."""
    group = _owned_group(userid, group_id)
    if other == userid:
        raise exc.InvalidGroup("Leave the conversation instead of removing yourself")
    if not group.is_participant(other):
        raise exc.InvalidGroup(f"{other!r} is not a participant")
    group.system(userid, KICKED, as_utc(None), userids=(other,))
    group.depart(other, KICKED)


def leave_group(userid, group_id):
    """Leave the group; the owner's leaving passes ownership to the longest-standing
    participant (a system message says so). Blocks do not stop anyone leaving."""
    group = _active_group(userid, group_id)
    was_owner = group.owner == userid
    group.system(userid, LEFT, as_utc(None))
    group.depart(userid, LEFT)
    if was_owner and group.owner is not None:
        group.system(userid, OWNER, as_utc(None), userids=(group.owner,))


def transfer_group(userid, group_id, new_owner):
    """Make `new_owner`, a participant, the owner (the owner only)."""
    group = _owned_group(userid, group_id)
    if new_owner == userid or not group.is_participant(new_owner):
        raise exc.InvalidGroup(f"{new_owner!r} is not another participant")
    group.owner = new_owner
    group.system(userid, OWNER, as_utc(None), userids=(new_owner,))


def delete_group(userid, group_id):
    """Delete the group and its messages for everyone (the owner only), their
    attachments with them."""
    group = _owned_group(userid, group_id)
    for message in group.all_messages():
        files.remove(message.attachments)
    get_groups().delete(group)


def mute_group(userid, group_id, muted=True, until=None):
    """Mute (or unmute) the group for `userid`: it stops counting in their unread total,
    until unmuted or, with `until` (naive UTC), until then (issue 16)."""
    group = _active_group(userid, group_id)
    membership = group.get_membership(userid)
    if membership.muted != bool(muted):
        membership.muted = bool(muted)
    until = until if muted else None
    if membership.muted_until != until:
        membership.muted_until = until


def get_user_groups(userid):
    """The groups `userid` is or was in, a list (no order)."""
    groups = get_groups()
    return [] if groups is None else groups.groups_of(userid)


def count_group_unread(userid):
    """Unread messages of the groups `userid` did not mute (none outside a site:
    groups live in one)."""
    try:
        groups = get_groups()
    except LookupError:
        return 0
    return 0 if groups is None else groups.count_unread(userid)


def list_conversations(userid, limit, before=None):
    """Up to `limit` of `userid`'s conversations, 1:1 and groups mixed, newest first,
    as (cursor, conversation) pairs; `before` a cursor: only older ones (keyset
    paging). See conversation_list for the order and its cost."""
    return conversation_list(get_inbox(userid), get_groups(), userid, limit, before)


# -- message requests (issue 15) --------------------------------------------------------
#
# Whom a user accepts messages from, and the requests waiting for them; the
# rules and the storage are described in messaging/requests.py.


def default_message_policy():
    """The site's default of whom people accept messages from."""
    return getattr(_settings(), "accept_messages_from", None) or EVERYONE


def message_policy(userid):
    """Whom `userid` accepts messages from: everyone, following or nobody."""
    inbox = get_inbox(userid)
    chosen = None if inbox is None else inbox.accept_messages_from
    return chosen or default_message_policy()


def set_message_policy(userid, policy):
    """Set whom `userid` accepts messages from (None: the site's default again).

    Raises InvalidInput unless `policy` is one of ``requests.POLICIES`` or None.
    """
    if policy is not None and policy not in POLICIES:
        raise exc.InvalidInput(_(
            "Choose whom you accept messages from: ${choices}",
            mapping={"choices": ", ".join(POLICIES)}))
    inbox = get_inbox(userid)
    if (None if inbox is None else inbox.accept_messages_from) == policy:
        return
    get_inboxes().get_inbox(userid, create=True).accept_messages_from = policy


def is_site_admin(userid):
    """Tell whether `userid` is a Manager or Site Administrator of the site."""
    acl_users = getattr(getSite(), "acl_users", None)
    user = acl_users.getUserById(userid) if acl_users is not None else None
    return user is not None and any(role in ADMIN_ROLES for role in user.getRoles())


def accepts_messages(recipient, sender):
    """Tell whether a first message of `sender` reaches `recipient`'s inbox (not Requests).

    By `recipient`'s policy: everyone; people they follow (the activity
    stream's follows); nobody. Site administrators' messages always arrive.
    A conversation in the inbox is accepted whatever the policy (send checks
    that first).
    """
    policy = message_policy(recipient)
    if policy == EVERYONE or is_site_admin(sender):
        return True
    if policy == FOLLOWING:
        from plonesocial.activitystream.api import get_manager

        return get_manager().subscriptions.is_following(recipient, sender)
    return False


def _has_conversation(userid, other):
    inbox = get_inbox(userid)
    return inbox is not None and inbox.get(other) is not None


def _accepts_group(userid, adder):
    return _has_conversation(userid, adder) or accepts_messages(userid, adder)


def _mark_pending(group, adder, pending):
    """Make the memberships of `pending` (just added by `adder`) group requests."""
    for userid in pending:
        membership = group.get_membership(userid)
        membership.pending = True
        membership.invited_by = adder


def is_group_request(userid, group):
    """Tell whether `group` waits in `userid`'s requests (added by someone they do
    not accept messages from, not accepted yet)."""
    membership = group.get_membership(userid)
    return membership is not None and membership.active and membership.pending


def _request_box(userid):
    inbox = get_inbox(userid)
    return None if inbox is None else inbox.get_requests()


def _group_requests(userid):
    groups = get_groups()
    return [] if groups is None else [
        group for group in groups.groups_of(userid) if is_group_request(userid, group)]


def count_requests(userid):
    """How many requests wait for `userid`: 1:1 (a counter) and groups (O(their groups))."""
    box = _request_box(userid)
    return (0 if box is None else len(box)) + len(_group_requests(userid))


def get_requests(userid, limit=None):
    """The requests waiting for `userid`, newest first (at most `limit`): 1:1
    conversations (IConversation) and groups (IGroupConversation) mixed."""
    box = _request_box(userid)
    direct = [] if box is None else box.get_conversations()
    direct = ((c.recency_key or 0, c) for c in direct)
    groups = sorted(((g.recency_key(userid), g) for g in _group_requests(userid)),
                    key=lambda pair: -pair[0])
    merged = heapq.merge(direct, groups, key=lambda pair: -pair[0])
    return [conversation for _key, conversation in itertools.islice(merged, limit)]


def get_request(userid, other):
    """The 1:1 request of `other` waiting for `userid`; raise RequestNotFound."""
    box = _request_box(userid)
    conversation = None if box is None else box.get(other)
    if conversation is None:
        raise exc.RequestNotFound(f"No message request of {other!r}")
    return conversation


def get_group_request(userid, group_id):
    """The group `group_id` if it waits in `userid`'s requests; raise RequestNotFound."""
    groups = get_groups()
    group = None if groups is None else groups.get(group_id)
    if group is None or not is_group_request(userid, group):
        raise exc.RequestNotFound(f"No message request {group_id!r}")
    return group


def accept_request(userid, other):
    """Move the request of `other` into `userid`'s inbox; its messages count from now."""
    get_request(userid, other)
    get_inbox(userid).adopt(_request_box(userid).pop(other))


def decline_request(userid, other, block_sender=False):
    """Drop the request of `other` (its messages with it); `other` is not told.

    With `block_sender`, refuse their messages from now on too.
    """
    get_request(userid, other)
    _request_box(userid).pop(other)
    if block_sender:
        block(userid, other, check_user=False)


def accept_group_request(userid, group_id):
    """Take the group into `userid`'s conversations; its messages count from now."""
    group = get_group_request(userid, group_id)
    group.get_membership(userid).pending = False


def decline_group_request(userid, group_id, block_sender=False):
    """Leave the group (as anyone leaves: the others see it, not why); with
    `block_sender`, refuse messages from who added `userid` as well."""
    group = get_group_request(userid, group_id)
    adder = group.get_membership(userid).invited_by
    leave_group(userid, group.id)
    if block_sender and adder and adder != userid and not adder.startswith(ERASED_PREFIX):
        block(userid, adder, check_user=False)


def group_notification_wanted(userid, group_id, sender):
    """Tell whether `userid` is still to be notified of `sender`'s message in the group:
    a participant who did not mute it, has it not waiting as a request, and does
    not block `sender`. Read when the notification is delivered (it may be queued)."""
    groups = get_groups()
    group = None if groups is None else groups.get(group_id)
    membership = None if group is None else group.get_membership(userid)
    if membership is None or not membership.active or membership.is_muted() or membership.pending:
        return False
    return not is_blocked(userid, sender)


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


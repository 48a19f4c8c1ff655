"""Group conversations (issue 15); ``api`` re-exports these.

A group is addressed by its id; a user reaches it only while they are or
were in it (GroupNotFound otherwise, as for a group that does not exist).
Departed participants read what they received and write nothing.
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
from plonesocial.messaging.groups import KICKED
from plonesocial.messaging.groups import LEFT
from plonesocial.messaging.groups import OWNER
from plonesocial.messaging.groups import RENAMED
from plonesocial.messaging.inbox import check_userid
from plonesocial.messaging.policy import accepts_group
from plonesocial.messaging.policy import is_group_request
from plonesocial.messaging.policy import mark_pending
from plonesocial.messaging.settings import get_settings
from plonesocial.messaging.stores import get_groups
from plonesocial.messaging.stores import get_inboxes
from plonesocial.people import display_name
from plonesocial.people import ERASED_PREFIX
from plonesocial.people import user_exists
from zope.event import notify


def _check_can_add(adder, userids_to_add):
    """Refuse unknown users, erased ones and those who block `adder` (before any write)."""
    if isinstance(userids_to_add, str) or not isinstance(userids_to_add, (list, tuple)):
        raise exc.InvalidGroup("participants must be a list of user ids")
    inboxes = get_inboxes()
    for userid in userids_to_add:
        check_userid(userid, "participant")
        if userid.startswith(ERASED_PREFIX) or not user_exists(userid):
            raise exc.UnknownUser(_("There is no user ${userid}.", mapping={"userid": userid}),
                                  userid=userid)
        inbox = inboxes.get(userid)
        if inbox is not None and inbox.is_blocked(adder):
            raise exc.SenderBlocked(_(
                "${name} does not accept messages from you; try again without them.",
                mapping={"name": display_name(userid)}))


def create_group(owner, participants, title=None):
    """Create a group of `owner` (its owner) and 2 to ``max_group_participants``
    `participants`; return it. Raises UnknownUser, SenderBlocked (a participant
    blocks the owner), InvalidGroup, TooManyParticipants: nothing is written then."""
    check_userid(owner, "owner")
    _check_can_add(owner, participants)
    limit = get_settings().max_group_participants
    check_group(owner, participants, title, limit)
    pending = [userid for userid in participants if not accepts_group(userid, owner)]
    group = get_groups(create=True).create(owner, participants, title, max_participants=limit)
    mark_pending(group, owner, pending)
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
        raise exc.NotGroupOwner(_("Only the owner of the conversation may do this"))
    return group


def _active_group(userid, group_id):
    group = get_group(userid, group_id)
    if not group.is_participant(userid):
        raise exc.NotAParticipant(_("You are no longer a participant of this conversation"))
    return group


def send_to_group(sender, group_id, text, attachments=None):
    """Store `text` once in the group; return the message. O(1) writes (plus
    one blob per attachment, stored once for every participant)."""
    group = _active_group(sender, group_id)
    text = check_text(text, get_inboxes().max_message_length, allow_empty=bool(attachments))
    prepared = files.prepare(sender, attachments)
    _count_send(sender)
    if is_group_request(sender, group):  # issue 15: writing in it accepts it
        group.get_membership(sender).pending = False
    message = group.send(sender, text, as_utc(None), tuple(p.id for p in prepared))
    files.store(prepared, {files.group_holder(group.id)}, message.uid)
    # Issue 15: the others are notified (activitystream, through the fan-out queue).
    notify(GroupMessageSentEvent(message, group))
    # "@userid" notifies a participant (issue 16); a 1:1 message has no one else to tell.
    from plonesocial.activitystream.social_posts import notify_group_mentions

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
        raise exc.RateLimitExceeded(_(
            "You sent ${limit} messages in the last minute; try again in ${seconds} seconds.",
            mapping={"limit": limit, "seconds": wait}), retry_after=wait)
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
    pending = [other for other in userids_to_add if not accepts_group(other, userid)]
    get_groups().add(group, list(userids_to_add),
                     max_participants=get_settings().max_group_participants)
    mark_pending(group, userid, pending)
    group.system(userid, ADDED, as_utc(None), userids=tuple(userids_to_add))


def kick_participant(userid, group_id, other):
    """Remove `other` from the group (the owner only); they keep what they received."""
    group = _owned_group(userid, group_id)
    if other == userid:
        raise exc.InvalidGroup(_("Leave the conversation instead of removing yourself"))
    if not group.is_participant(other):
        raise exc.InvalidGroup(_("'${userid}' is not a participant", mapping={"userid": other}))
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
        raise exc.InvalidGroup(_("'${userid}' is not another participant",
                                 mapping={"userid": new_owner}))
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

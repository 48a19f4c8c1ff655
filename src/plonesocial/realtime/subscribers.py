"""Turn plonesocial's events into realtime events, published after commit.

What an event carries is what its receiver may know: a message's excerpt
goes to its two parties only (a group message's to the group's current
participants who accepted it and did not mute it); a notification event carries its id and the
new badge count, never its subject (the dropdown loads that through REST,
which checks View); a stream event only says that a stream has a new item
and its id (the page loads it through REST, which filters by permission).
Every event has an ``id`` the REST API's ``after`` cursors understand.
"""

from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.clock import isoformat
from plonesocial.messaging.attachments import message_excerpt
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.realtime.publisher import Config
from plonesocial.realtime.publisher import EXCERPT
from plonesocial.realtime.publisher import pending
from plonesocial.realtime.publisher import publish
from plonesocial.realtime.routing import BROADCAST
from plonesocial.realtime.routing import SITE_STREAM
from plonesocial.realtime.routing import stream_key
from plonesocial.realtime.routing import user_key
from zope.component import queryUtility


# Badge counts computed in one transaction; a larger fan-out sends its events
# without a count and the pages ask @notifications/count once instead: a
# count is a permission-checked read, too many for one request beyond this.
MAX_COUNTS = 50


def _unread(userid):
    """The header badge's count: 1:1 conversations and groups, as the pages count."""
    from plonesocial.messaging.api import count_unread

    return count_unread(userid)


def _message(message, other, config):
    inbox = message.__parent__.__parent__
    publish(user_key(inbox.owner), {
        "type": "message",
        "id": message.id,
        "conversation": other,
        "sender": message.sender,
        # A message of files only: their names, as the inbox lists it.
        "excerpt": (message.text[:EXCERPT] if (message.text or "").strip()
                    else message_excerpt(message, EXCERPT)),
        "created": isoformat(message.created),
        "unread": _unread(inbox.owner),
        "conversation_unread": message.__parent__.new_messages_count,
    }, config)


def message_sent(event):
    """Both parties' pages get the message: the recipient's, and the sender's other tabs."""
    config = Config.from_registry()
    if config is None:
        return
    if not getattr(event, "request", False):  # issue 15: a request shows no badge
        _message(event.object, event.sender, config)
    _message(event.sender_message, event.recipient, config)


def _group_audience(group, sender, message_id=None):
    """Who hears of a group's message live: its current participants who accepted
    the group (not a request) and did not mute it, and the sender (their other
    tabs); with `message_id` (an edit, an unsend), those who see that message,
    muted or not (it changes what their open page already shows)."""
    audience = []
    for membership in group.participants():
        if membership.userid == sender:
            audience.append(membership.userid)
        elif membership.pending:
            continue
        elif message_id is None and not membership.is_muted():
            audience.append(membership.userid)
        elif message_id is not None and membership.visible(message_id):
            audience.append(membership.userid)
    return audience


def group_message_sent(event):
    """Issue 15: a group message reaches the open pages of the group's participants
    (see _group_audience); departed ones and pending requests hear nothing."""
    config = Config.from_registry()
    if config is None:
        return
    message, group = event.object, event.group
    audience = _group_audience(group, message.sender)
    counted = len(audience) <= MAX_COUNTS
    for userid in audience:
        publish(user_key(userid), {
            "type": "group_message",
            "id": message.id,
            "group": group.id,
            "title": group.title,
            "sender": message.sender,
            "excerpt": (message.text or "")[:EXCERPT],
            "created": isoformat(message.created),
            # A larger group's pages ask for their count (see MAX_COUNTS).
            "unread": _unread(userid) if counted else None,
            "conversation_unread": group.unread(userid),
        }, config)


def _group_message_changed(event, config):
    message, group = event.object, event.group
    for userid in _group_audience(group, message.sender, message.id):
        publish(user_key(userid), {
            "type": "message_changed",
            "id": message.id,
            "group": group.id,
            "change": event.change,
            "excerpt": "" if message.unsent else (message.text or "")[:EXCERPT],
            "edited": isoformat(message.edited) if message.edited else None,
        }, config)


def message_changed(event):
    """Issue 15: the open pages show the edit or the tombstone in place: both
    parties' of a 1:1 message, the participants' of a group message."""
    config = Config.from_registry()
    if config is None:
        return
    if event.group is not None:
        _group_message_changed(event, config)
        return
    for message in (event.object, event.other_copy):
        if message is None:
            continue
        conversation = message.__parent__
        publish(user_key(conversation.owner), {
            "type": "message_changed",
            "id": message.id,
            "conversation": conversation.username,
            "change": event.change,
            "excerpt": message.text[:EXCERPT],
            "edited": isoformat(message.edited) if message.edited else None,
        }, config)


def conversation_read(event):
    """The reader's pages get the new unread count; the other party a read receipt."""
    config = Config.from_registry()
    if config is None or not event.moved:
        return  # opened with nothing new: no receipt, nothing changed
    conversation = event.object
    inbox = conversation.__parent__
    publish(user_key(event.owner), {
        "type": "read", "conversation": event.username, "reader": event.owner,
        # The newest message id of the conversation: the read marker covers up
        # to it (the receipt's cursor in @inbox/{userid}).
        "id": conversation.recency_key, "unread": inbox.new_messages_count,
    }, config)
    other = None
    locator = queryUtility(IMessagingLocator)
    other_inbox = locator.get_inboxes().get(event.username) if locator is not None else None
    if other_inbox is not None:
        other = other_inbox.get(event.owner)
    publish(user_key(event.username), {
        "type": "read", "conversation": event.owner, "reader": event.owner,
        "id": other.recency_key if other is not None else None,
    }, config)


def group_read(event):
    """Issue 15: the reader's other pages get their new count and the group's row
    its read state (a group has no live receipts: see docs/realtime.md)."""
    config = Config.from_registry()
    if config is None:
        return
    group = event.object
    publish(user_key(event.userid), {
        "type": "group_read", "group": group.id, "reader": event.userid,
        "id": group.last_key, "unread": _unread(event.userid),
    }, config)


def notification_delivered(event):
    """The recipient's badge shows the new count; the dropdown reloads if open."""
    config = Config.from_registry()
    if config is None:
        return
    notification = event.object
    counted = sum(1 for _key, e in pending() if e.get("type") == "notification"
                  and e.get("count") is not None)
    count = None
    locator = queryUtility(IActivityLocator)
    if counted < MAX_COUNTS and locator is not None:
        # The badge: new since the recipient last looked (issue 16, tgapp's).
        from plonesocial.activitystream.api import count_new

        count = count_new(notification.recipient)
    publish(user_key(notification.recipient), {
        "type": "notification", "id": notification.id, "count": count,
    }, config)


def activity_created(event):
    """Streams that show the activity signal "new items": the site and its contexts."""
    config = Config.from_registry()
    if config is None:
        return
    activity = event.object
    for stream in (SITE_STREAM, *event.streams):
        publish(stream_key(stream), {"type": "stream", "stream": stream, "id": activity.id},
                config)


def broadcast(event):
    """A notification for everybody is shown at once on every connected page."""
    config = Config.from_registry()
    if config is None:
        return
    notification = event.object
    publish(BROADCAST, {
        "type": "broadcast", "id": notification.id,
        "subject": notification.subject, "body": notification.body,
    }, config)

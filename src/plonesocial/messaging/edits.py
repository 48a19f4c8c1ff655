"""Edit and unsend: the sender changes or takes back a message, in every copy.

Messages are stored inline in their trees' buckets, so a change stores a
changed copy in the old one's place: a 1:1 message's two copies (found by
the uid they share), a group message once. Counters and read markers do not
move: an edited or unsent message keeps its place and its read state.

- Edit: the sender only, while ``edit_window_minutes`` (registry; 0: never)
  has not passed since it was sent; the earlier texts stay in ``versions``
  for the participants, ``edited`` says when.
- Unsend: the sender only, at any time; every copy becomes a tombstone in
  place (no text, no versions) and its attachments are removed, blobs too.
"""

from datetime import timedelta
from plonesocial import _
from plonesocial import exc
from plonesocial.clock import utcnow
from plonesocial.messaging import attachments as files
from plonesocial.messaging.events import MessageChangedEvent
from plonesocial.messaging.groups import check_text
from plonesocial.messaging.settings import get_settings
from zope.event import notify

import copy


EDITED = "edited"
UNSENT = "unsent"


def edit_window():
    """The minutes a sender may edit a message (0: editing is off)."""
    minutes = getattr(get_settings(), "edit_window_minutes", None)
    return 15 if minutes is None else minutes


def can_edit(userid, message, now=None):
    """Tell whether `userid` may edit `message` now (pages show the control then)."""
    minutes = edit_window()
    return (message.sender == userid and not message.unsent
            and getattr(message, "action", None) is None and minutes > 0
            and (now or utcnow()) - message.created <= timedelta(minutes=minutes))


def _check_sender(userid, message):
    if getattr(message, "action", None) is not None:
        raise exc.NotTheSender(_("A record of the conversation cannot be changed."))
    if message.sender != userid:
        raise exc.NotTheSender(_("Only the sender may change this message."))
    if message.unsent:
        raise exc.MessageRemoved(_("The message was removed."))


def _check_edit(userid, message, text):
    """Return `text` as stored (see check_text), or raise why it cannot replace
    `message`'s."""
    _check_sender(userid, message)
    if not can_edit(userid, message):
        if edit_window() == 0:
            raise exc.EditWindowClosed(_("Messages cannot be edited on this site."))
        raise exc.EditWindowClosed(_(
            "Messages can be edited for ${minutes} minutes after sending; this one no longer.",
            mapping={"minutes": edit_window()}))
    return check_text(text, api.get_inboxes().max_message_length,
                      allow_empty=bool(message.attachments))


def _edited(message, text, now):
    changed = copy.copy(message)
    written = message.edited or message.created
    changed.versions = (*message.versions, (written, message.text))
    changed.text = text
    changed.edited = now
    return changed


def _tombstone(message):
    removed = copy.copy(message)
    removed.text = ""
    removed.versions = ()
    removed.attachments = ()
    removed.edited = None
    removed.unsent = True
    return removed


def _copies(userid, other, message_id):
    """The sender's copy, the other party's (or None, if they deleted it), and
    whether theirs waits in their message requests (issue 15: changed there too, or
    accepting would bring back what was unsent; a request tells nobody, so no event
    names that copy)."""
    mine = api.get_message(userid, other, message_id)
    inbox = api.get_inbox(other)
    conversation = inbox.get(userid) if inbox is not None else None
    waiting = False
    if conversation is None:
        try:
            conversation, waiting = api.get_request(other, userid), True
        except exc.RequestNotFound:
            conversation = None
    theirs = None if conversation is None else conversation.find_copy(mine.uid, mine.created)
    return mine, theirs, waiting


def edit_message(userid, other, message_id, text):
    """Edit the text of `userid`'s message `message_id` to `other`, in both copies.

    Raises MessageNotFound, NotTheSender (403), EditWindowClosed,
    MessageRemoved, InvalidMessage: nothing is written then, nor when the text is
    the same. Returns the sender's changed copy.
    """
    mine, theirs, waiting = _copies(userid, other, message_id)
    text = _check_edit(userid, mine, text)
    if text == mine.text:
        return mine  # nothing changed: no version, no "edited", nobody told
    now = utcnow()
    changed = _edited(mine, text, now)
    mine.__parent__.replace(changed)
    other_copy = None
    if theirs is not None:
        other_copy = _edited(theirs, text, now)
        theirs.__parent__.replace(other_copy)
    notify(MessageChangedEvent(changed, None if waiting else other_copy, EDITED,
                               old_text=mine.text))
    return changed


def unsend_message(userid, other, message_id):
    """Unsend `userid`'s message `message_id` to `other`: both copies become
    tombstones in place; its attachments are removed. Returns the sender's copy."""
    mine, theirs, waiting = _copies(userid, other, message_id)
    _check_sender(userid, mine)
    files.remove(mine.attachments)
    removed = _tombstone(mine)
    mine.__parent__.replace(removed)
    other_copy = None
    if theirs is not None:
        other_copy = _tombstone(theirs)
        theirs.__parent__.replace(other_copy)
    notify(MessageChangedEvent(removed, None if waiting else other_copy, UNSENT,
                               old_text=mine.text))
    return removed


def edit_group_message(userid, group_id, message_id, text):
    """Edit `userid`'s message in a group they are still in; stored once, so
    one bucket is written. Returns the changed message."""
    group = api.get_group(userid, group_id)
    message = group.get_message(userid, message_id)
    _check_sender(userid, message)
    if not group.is_participant(userid):
        raise exc.NotAParticipant(_("You are no longer a participant of this conversation."))
    text = _check_edit(userid, message, text)
    if text == message.text:
        return message  # nothing changed: no version, no "edited", nobody told
    changed = _edited(message, text, utcnow())
    group.replace(changed)
    notify(MessageChangedEvent(changed, None, EDITED, group=group, old_text=message.text))
    return changed


def unsend_group_message(userid, group_id, message_id):
    """Unsend `userid`'s group message (also after they left: it is theirs to
    take back); a tombstone in place, its attachments removed."""
    group = api.get_group(userid, group_id)
    message = group.get_message(userid, message_id)
    _check_sender(userid, message)
    files.remove(message.attachments)
    removed = _tombstone(message)
    group.replace(removed)
    notify(MessageChangedEvent(removed, None, UNSENT, group=group, old_text=message.text))
    return removed


# At the end: the API re-exports this module's functions (import either first).
from plonesocial.messaging import api  # noqa: E402

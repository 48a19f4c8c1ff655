"""Personal data: export everything plonesocial stores about a user, and erase it.

``export_user_data(userid)`` returns a JSON-ready dict; ``erase_user_data(userid)``
removes the user's inbox, notifications, subscriptions (both directions),
preferences and push subscriptions, and anonymises or keeps their messages in
other people's inboxes (the ``erase_messages`` setting). Activities the user
authored stay in the streams with an anonymous actor, so that the streams and
the notifications that point at them stay whole.

Each store does its own part (it keeps its own rules); objects become JSON
through the same serializers as over REST.
"""

from plonesocial import exc
from plonesocial import userids
from plonesocial.activitystream import social
from plonesocial.activitystream.fixed import fixed_for
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.clock import isoformat
from plonesocial.clock import utcnow
from plonesocial.messaging import attachments
from plonesocial.messaging.api import get_groups
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.people import ERASED_NAME
from plonesocial.people import ERASED_PREFIX
from plonesocial.people import ERASED_TEXT
from plonesocial.people import get_user
from plonesocial.privacy import elsewhere
from plonesocial.privacy.settings import ERASE_MESSAGES
from plonesocial.privacy.settings import get_settings
from plonesocial.privacy.settings import is_installed
from plonesocial.serializers.base import iso
from plonesocial.serializers.base import serialize
from zope.component import getUtility

import uuid


def check_userid(userid):
    return userids.check_userid(userid, "userid", exc.InvalidUserId)


def _stores():
    return (getUtility(IMessagingLocator).get_inboxes(),
            getUtility(IActivityLocator).get_manager())


# -- export ----------------------------------------------------------------


def export_user_data(userid):
    """Return everything plonesocial stores about `userid` as a JSON-ready dict.

    Reads only. Push subscriptions are listed without their encryption keys
    (``p256dh`` and ``auth``): they are secrets of the browser, not data about
    the person. Notifications and activities are those the user may View now,
    as the pages show them. Everything erasure touches is listed: messages the
    user wrote that only other people's inboxes keep (they deleted their own
    copy), their outbox entries and the idempotency keys of their sends.
    """
    check_userid(userid)
    inboxes, manager = _stores()
    subscriptions = manager.subscriptions
    preferences = manager.preferences.get_stored(userid)
    return {
        "userid": userid,
        "exported": isoformat(utcnow()),
        "inbox": _export_inbox(inboxes.get(userid)),
        # What erasure touches outside the user's own stores is exported too.
        "sent_messages_elsewhere": elsewhere.sent_messages_elsewhere(
            inboxes, userid, elsewhere.exported_uids(inboxes.get(userid))),
        **elsewhere.export_delivery(userid),
        "groups": _export_groups(userid),
        "attachments": attachments.export_user(userid),  # issue 15: what they uploaded
        "notifications": _export_notifications(manager, userid),
        "subscriptions": {
            "following": [serialize(s) for s in subscriptions.following(userid)],
            "followers": [serialize(s) for s in subscriptions.follower_subscriptions(userid)],
            "watching": [serialize(s) for s in subscriptions.watching(userid)],
        },
        # None: never changed, the site's defaults apply
        "preferences": None if preferences is None else serialize(preferences),
        "push_subscriptions": [serialize(s) for s in manager.get_push_subscriptions(userid)],
        # issue 16: mutes (expired ones not yet forgotten too), and the folders a group
        # of theirs must watch (derived from group membership: nothing of theirs stored)
        "mutes": [] if manager.mutes is None else manager.mutes.export_user(userid),
        "fixed_watches": sorted(fixed_for(manager, userid)),
        "activities": [serialize(a) for a in manager.get_by_actor(userid, reader=userid)],
        # Posts, comments, likes, favorites, followed tags (issue 16)
        "social": social.export_user(userid),
    }


def _export_message(message):
    # The REST form, and the plain names the export has always had.
    return dict(serialize(message), sender=message.sender, recipient=message.recipient,
                text=message.text, created=iso(message.created))


def _export_conversation(conversation, messages):
    return dict(serialize(conversation), **{
        "with": conversation.username,
        "messages": [_export_message(m) for m in messages],
    })


def _export_inbox(inbox):
    if inbox is None:
        return {"new_messages_count": 0, "blocked": [], "conversations": []}
    return {
        "new_messages_count": inbox.new_messages_count,
        "blocked": list(inbox.get_blocked()),
        "hide_read_receipts": inbox.hide_read_receipts,  # issue 15
        "conversations": [_export_conversation(c, c.get_messages())
                          for c in inbox.get_conversations()],
        # Issue 15, message requests: whom they accept (None: the site's
        # default) and the requests waiting for them.
        "accept_messages_from": inbox.accept_messages_from,
        "requests": _export_requests(inbox),
    }


def _export_requests(inbox):
    box = inbox.get_requests()
    return [] if box is None else [
        dict(_export_conversation(c, c.get_messages()), request=True)
        for c in box.get_conversations()]


def _export_groups(userid):
    """The groups `userid` is or was in, as they see them, with their read marker."""
    groups = get_groups()
    exported = []
    for group in [] if groups is None else groups.groups_of(userid):
        membership = group.get_membership(userid)
        exported.append({
            "id": group.id, "title": group.title, "owner": group.owner,
            "participants": [m.userid for m in group.participants()],
            "left": membership.how_left, "muted": membership.muted,
            "read_marker": membership.read_key, "unread": group.unread(userid),
            # Issue 15: waiting in their message requests, added by whom.
            "request": membership.active and membership.pending,
            "invited_by": membership.invited_by,
            "messages": [serialize(message) for message in group.get_messages(userid)],
        })
    return exported


def _export_notifications(manager, userid):
    items = [serialize(notification) for notification in manager.get_by_recipient(userid)
             if notification.recipient is not None]  # broadcasts are the site's
    return {"last_seen": iso(manager.get_last_seen(userid)), "items": items}


# -- erase -----------------------------------------------------------------


def erase_user_data(userid, messages=None, names=()):
    """Erase what plonesocial stores about `userid`; return a summary dict.

    `messages` is "anonymise" or "keep" (None: the ``erase_messages``
    setting) and decides the copies of the user's conversations in other
    people's inboxes: anonymised, each such conversation is filed under a
    placeholder id (``[deleted]-<random>``, the same for all of this user's
    conversations) and the user's messages in it read ``[deleted]``; the
    other person's own messages keep their text. Counters of those inboxes do
    not change: no message is added or removed. `names` are display names of
    the user to remove from activity summaries, besides the userid and the
    current full name (notifications keep ids, not names: they need none).

    Raises InvalidUserId or InvalidErasure before writing anything.
    """
    check_userid(userid)
    if userid.startswith(ERASED_PREFIX):
        raise exc.InvalidErasure(f"{userid!r} is the placeholder of an erased user")
    if messages is None:
        messages = get_settings().erase_messages
    if messages not in ERASE_MESSAGES:
        raise exc.InvalidErasure(
            f"messages must be one of {', '.join(ERASE_MESSAGES)}, not {messages!r}"
        )
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise exc.InvalidErasure("names must be a list of display names")
    names = _names(userid, names)
    placeholder = f"{ERASED_PREFIX}-{uuid.uuid4().hex[:12]}"
    inboxes, manager = _stores()
    summary = {"userid": userid, "placeholder": placeholder, "messages": messages}
    # Issue 15: files go when no remaining copy refers to them (theirs, anonymised: all).
    summary["attachments"] = attachments.erase_user(
        userid, inboxes.get(userid), anonymise=messages == "anonymise")
    anonymised = 0
    if messages == "anonymise":
        for owner, conversation in list(inboxes.conversations_with(userid)):
            conversation.anonymise(userid, placeholder, ERASED_TEXT)
            inboxes[owner].refile(userid, placeholder)
            notification_list = manager.notifications.get_list(owner)
            if notification_list is not None:
                # Their body quotes the message; their owner leads to the conversation.
                notification_list.anonymise_actor(userid, placeholder, "message", ERASED_TEXT)
            anonymised += 1
    # Issue 15: their requests nobody accepted go with them (a reply to an
    # erased user is refused, so they could never be answered).
    summary["requests"] = inboxes.drop_requests_from(userid)
    inboxes.remove_inbox(userid)
    summary["conversations"] = anonymised
    # Issue 15: groups keep the user's messages anonymised, or as they are.
    groups = get_groups()
    summary["groups"] = 0 if groups is None else groups.erase_user(
        userid, *((placeholder, ERASED_TEXT) if messages == "anonymise" else ()))
    summary["notifications"] = manager.notifications.remove_list(userid)
    manager.queue.drop_recipient(userid)
    if manager.feeds is not None:  # their markers, and their own feed if they had one
        manager.feeds.erase_user(userid)
    summary["subscriptions"] = manager.subscriptions.erase_user(userid)
    summary["preferences"] = manager.preferences.remove(userid)
    summary["push_subscriptions"] = manager.push_subscriptions.remove_user(userid)
    summary["mutes"] = 0 if manager.mutes is None else manager.mutes.erase_user(userid)
    # Their posts and comments go (tombstones where others answered), their
    # likes, favorites and tag follows too (issue 16): before the activities
    # are anonymised, while they still name the user.
    summary["social"] = social.erase_user(userid)
    summary["activities"] = manager.activities.anonymise_actor(userid, placeholder, names,
                                                               ERASED_NAME)
    manager.queue.replace_actor(userid, placeholder, ERASED_NAME)
    summary.update(elsewhere.erase_delivery(userid))  # the outbox, idempotency keys
    return summary


def _names(userid, names):
    """The user's names to scrub from activity summaries."""
    found = {userid, *(n for n in names if n)}
    user = get_user(userid)
    if user is not None and user.getProperty("fullname"):
        found.add(user.getProperty("fullname"))
    return sorted(found, key=len, reverse=True)


# -- the automatic erase ---------------------------------------------------


def user_removed(event):
    """Erase a removed user's data when the site says so (``erase_on_user_removal``)."""
    if not is_installed() or not get_settings().erase_on_user_removal:
        return
    userid = event.principal
    if not isinstance(userid, str) or not userid:
        return
    erase_user_data(userid)


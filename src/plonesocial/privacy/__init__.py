"""Personal data: export everything plonesocial stores about a user, and erase it.

``export_user_data(userid)`` returns a JSON-ready dict; ``erase_user_data(userid)``
removes the user's inbox, notifications, subscriptions (both directions),
preferences and push subscriptions, and anonymises or keeps their messages in
other people's inboxes (the ``erase_messages`` setting). Activities the user
authored stay in the streams with an anonymous actor, so that the streams and
the notifications that point at them stay whole.

Both run on the current site's storage, found through the locators.
"""

from plone import api
from plonesocial import userids
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.activity import URNResolver
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.activitystream.settings import ERASE_MESSAGES
from plonesocial.activitystream.settings import get_settings
from plonesocial.clock import isoformat
from plonesocial.clock import utcnow
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.messaging.messaging import ERASED_PREFIX
from plonesocial.messaging.messaging import Message
from plonesocial.privacy import elsewhere
from plonesocial.privacy import exc
from zope.component import getUtility

import copy
import re
import uuid


# What replaces the text of an erased user's message and their name.
ERASED_TEXT = "[deleted]"
ERASED_NAME = "[deleted]"


def _iso(value):
    return None if value is None else isoformat(value)


def check_userid(userid):
    return userids.check_userid(userid, "userid", exc.InvalidUserId)


# -- export ----------------------------------------------------------------


def export_user_data(userid):
    """Return everything plonesocial stores about `userid` as a JSON-ready dict.

    Reads only. Push subscriptions are listed without their encryption keys
    (``p256dh`` and ``auth``): they are secrets of the browser, not data about
    the person. Notifications and activities are those the user may View now,
    as the pages show them; activities name their objects by id only.
    """
    check_userid(userid)
    inboxes = getUtility(IMessagingLocator).get_inboxes()
    manager = getUtility(IActivityLocator).get_manager()
    # issue 12: what erasure touches outside the user's own stores is exported too
    own = elsewhere.exported_uids(inboxes.get(userid))
    return {
        "userid": userid,
        "exported": isoformat(utcnow()),
        "inbox": _export_inbox(inboxes.get(userid)),
        "sent_messages_elsewhere": elsewhere.sent_messages_elsewhere(inboxes, userid, own),
        **elsewhere.export_delivery(userid),
        "notifications": _export_notifications(manager, userid),
        "subscriptions": _export_subscriptions(manager.subscriptions, userid),
        "preferences": _export_preferences(manager, userid),
        "push_subscriptions": [
            {"endpoint": s.endpoint, "language": s.language, "user_agent": s.user_agent,
             "created": _iso(s.created)}
            for s in manager.get_push_subscriptions(userid)
        ],
        "activities": [a.to_json(URNResolver())
                       for a in manager.get_by_actor(userid, reader=userid)],
    }


def _export_inbox(inbox):
    if inbox is None:
        return {"new_messages_count": 0, "blocked": [], "conversations": []}
    return {
        "new_messages_count": inbox.new_messages_count,
        "blocked": list(inbox.get_blocked()),
        "conversations": [
            {
                "with": conversation.username,
                "new_messages_count": conversation.new_messages_count,
                "messages": [
                    {"id": m.id, "sender": m.sender, "recipient": m.recipient,
                     "text": m.text, "created": _iso(m.created), "new": m.new}
                    for m in conversation.get_messages()
                ],
            }
            for conversation in inbox.get_conversations()
        ],
    }


def _export_notifications(manager, userid):
    items = []
    for notification in manager.get_by_recipient(userid):
        if notification.recipient is None:
            continue  # a broadcast: the site's, not the user's
        items.append({
            "id": notification.id,
            "type": notification.message_type,
            "subject": notification.subject,
            "body": notification.body,
            "actors": list(notification.actors),
            "count": notification.count,
            "reasons": list(notification.reasons),
            "context": notification.context,
            "activity_id": notification.activity_id,
            "created": _iso(notification.created),
            "updated": _iso(notification.updated),
            "seen": notification.seen,
            "sent": _iso(notification.sent),
        })
    return {"last_seen": _iso(manager.get_last_seen(userid)), "items": items}


def _subscription(subscription, party):
    return {
        party: subscription.subscriber if party == "subscriber" else subscription.target,
        "subtree": subscription.subtree,
        "verbs": sorted(subscription.verbs) if subscription.verbs else None,
        "portal_types": sorted(subscription.portal_types) if subscription.portal_types else None,
        "created": _iso(subscription.created),
    }


def _export_subscriptions(subscriptions, userid):
    return {
        "following": [_subscription(s, "target")
                      for s in subscriptions._following.get(userid, {}).values()],
        "followers": [_subscription(s, "subscriber")
                      for s in subscriptions._followers.get(userid, {}).values()],
        "watching": [_subscription(s, "target")
                     for s in subscriptions._watching.get(userid, {}).values()],
    }


def _export_preferences(manager, userid):
    preferences = manager._preferences.get(userid)
    if preferences is None:
        return None  # never changed: the site's defaults apply
    return {
        "notify_myself": preferences.notify_myself,
        "mail_mode": preferences.mail_mode,
        "mail_modes": dict(preferences.mail_modes),
        "digest_hour": preferences.digest_hour,
        "digest_weekday": preferences.digest_weekday,
        "timezone": preferences.timezone,
    }


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
    the user to remove from activity summaries and notification subjects,
    besides the userid and the current full name.

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
    inboxes = getUtility(IMessagingLocator).get_inboxes()
    manager = getUtility(IActivityLocator).get_manager()
    summary = {"userid": userid, "placeholder": placeholder, "messages": messages}
    summary["conversations"] = _erase_messages(inboxes, manager, userid, placeholder,
                                               messages, names)
    summary["notifications"] = _erase_notifications(manager, userid)
    summary["subscriptions"] = _erase_subscriptions(manager.subscriptions, userid)
    summary["preferences"] = manager._preferences.pop(userid, None) is not None
    summary["push_subscriptions"] = (manager._push is not None
                                     and manager._push.pop(userid, None) is not None)
    summary["activities"] = _anonymise_activities(manager, userid, placeholder, names)
    summary.update(elsewhere.erase_delivery(userid))  # issue 12: outbox, idempotency keys
    return summary


def _names(userid, names):
    """The user's names to scrub, longest first: "Ann Ames" goes before "Ann" can break it."""
    found = {userid, *(n for n in names if n)}
    user = api.user.get(userid=userid)
    if user is not None and user.getProperty("fullname"):
        found.add(user.getProperty("fullname"))
    return sorted(found, key=len, reverse=True)


def _scrub(text, names):
    """Replace each of `names` in `text`, as a whole word only ("ann" is in "announced")."""
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", ERASED_NAME, text)
    return text


def _erase_messages(inboxes, manager, userid, placeholder, mode, names):
    """Delete the user's inbox; anonymise (or keep) their conversations elsewhere.

    Walks every inbox: the user may have deleted their copy of a conversation
    that the other person still has, so their own inbox does not list all.
    Returns how many conversations in other inboxes were anonymised.
    """
    anonymised = 0
    if mode == "anonymise":
        for owner in list(inboxes.keys()):
            if owner == userid:
                continue
            inbox = inboxes[owner]
            conversation = inbox.get(userid)
            if conversation is None:
                continue
            _anonymise_conversation(inbox, conversation, userid, placeholder)
            _anonymise_message_notifications(manager, owner, userid, placeholder, names)
            anonymised += 1
    if userid in inboxes:
        del inboxes._inboxes[userid]
    return anonymised


def _anonymise_conversation(inbox, conversation, userid, placeholder):
    for key, message in list(conversation._messages.items()):
        mine = message.sender == userid
        conversation._messages[key] = Message(
            conversation, message.id, message.uid,
            placeholder if mine else message.sender,
            placeholder if message.recipient == userid else message.recipient,
            ERASED_TEXT if mine else message.text,
            message.created, message.seq,
        )
    # Refile it under the placeholder; count and unread stay as they are.
    inbox._refile(userid, placeholder)


def _anonymise_message_notifications(manager, owner, userid, placeholder, names):
    """In `owner`'s list, take the user out of the notifications of their messages.

    Their body is an excerpt of a message; their owner leads to the conversation.
    """
    notification_list = manager._list(owner)
    if notification_list is None:
        return
    old_owner = Reference("user", userid)
    new_owner = Reference("user", placeholder)
    for key, notification in list(notification_list._items.items()):
        if notification.message_type != "message" or notification.owner != old_owner:
            continue
        group = (notification.message_type, old_owner)
        if notification_list._groups.get(group) == key:
            del notification_list._groups[group]
            notification_list._groups[(notification.message_type, new_owner)] = key
        notification.owner = new_owner
        notification.body = ERASED_TEXT
        notification._subject = _scrub(
            notification._subject, [*_notification_names(notification, userid), *names])
        _replace_actor(notification, userid, placeholder)


def _notification_names(notification, userid):
    name = notification._names.get(userid)
    return [name] if name else []


def _replace_actor(notification, userid, placeholder):
    if userid in notification.actors:
        notification.actors = tuple(placeholder if a == userid else a
                                    for a in notification.actors)
        names = {a: n for a, n in notification._names.items() if a != userid}
        names[placeholder] = ERASED_NAME
        notification._names = names


def _erase_notifications(manager, userid):
    """Delete the user's notification list and their place in queued fan-outs.

    Returns whether there was a list (its size is not counted: that would
    read the whole tree only to report a number).
    """
    notification_list = manager._lists.get(userid)
    removed = notification_list is not None
    if removed:
        del manager._lists[userid]
    for job in manager._queue.values():
        rest = job.audience[job.position:]
        if any(recipient == userid for recipient, _ in rest):
            job.audience = job.audience[:job.position] + tuple(
                (recipient, reasons) for recipient, reasons in rest if recipient != userid)
    return removed


def _erase_subscriptions(subscriptions, userid):
    """End every subscription of and to the user, counters kept exact."""
    ended = 0
    for followed in list(subscriptions._following.get(userid, {}).keys()):
        subscriptions.unfollow(userid, followed)
        ended += 1
    for follower in list(subscriptions._followers.get(userid, {}).keys()):
        subscriptions.unfollow(follower, userid)
        ended += 1
    for uuid_ in list(subscriptions._watching.get(userid, {}).keys()):
        subscriptions.unwatch(userid, uuid_)
        ended += 1
    for tree in (subscriptions._following, subscriptions._followers,
                 subscriptions._follower_counts, subscriptions._watching):
        if userid in tree:
            del tree[userid]
    return ended


def _anonymise_activities(manager, userid, placeholder, names):
    """Give the user's activities the placeholder as actor and scrub their summaries."""
    entries = manager._by_actor.get(userid)
    if entries is None:
        return 0
    count = 0
    for key in entries.keys():
        activity = manager._activities.get(key)
        if activity is None:
            continue
        anonymous = copy.copy(activity)
        anonymous.actor = placeholder
        own = [activity.actor_name] if activity.actor_name else []
        anonymous.summary = _scrub(activity.summary, [*own, *names])
        anonymous.actor_name = None
        manager._activities[key] = anonymous  # inline in the tree: store the copy
        count += 1
    del manager._by_actor[userid]
    manager._by_actor[placeholder] = entries
    for job in manager._queue.values():
        if job.template["actor"] == userid:
            job.template = dict(job.template, actor=placeholder, actor_name=ERASED_NAME,
                                subject=_scrub(job.template["subject"], names))
    return count


# -- the automatic erase ---------------------------------------------------


def user_removed(event):
    """Erase a removed user's data when the site says so (``erase_on_user_removal``)."""
    from plonesocial.activitystream.settings import is_installed

    if not is_installed() or not get_settings().erase_on_user_removal:
        return
    userid = event.principal
    if not isinstance(userid, str) or not userid:
        return
    erase_user_data(userid)

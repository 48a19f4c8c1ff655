"""Plone events become activities and notifications when their transaction commits.

The subscribers only note what happened. A before-commit hook then records
one activity per content item and kind of change, after the transaction's
own writes: an item created and edited in one request is one Create, three
edits are one Update listing every changed field, and an aborted
transaction records nothing.
"""

from Acquisition import aq_parent
from plone import api
from plone.app.workflow.interfaces import ILocalrolesModifiedEvent
from plone.uuid.interfaces import IUUID
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.chain import content_chain
from plonesocial.activitystream.changes import changed_fields
from plonesocial.activitystream.content import get_storage
from plonesocial.activitystream.settings import get_settings
from plonesocial.activitystream.settings import is_installed
from plonesocial.clock import to_key
from plonesocial.people import display_name
from plonesocial.text import excerpt
from Products.CMFCore.interfaces import ISiteRoot
from Products.CMFPlone.CatalogTool import allowedRolesAndUsers
from zope.component import hooks
from zope.component.hooks import getSite
from zope.container.interfaces import IContainerModifiedEvent
from zope.lifecycleevent.interfaces import IObjectAddedEvent
from zope.lifecycleevent.interfaces import IObjectRemovedEvent

import transaction


_PENDING = object()  # key of the pending changes in the transaction's data
BODY_EXCERPT = 300  # characters of a message or comment quoted in a notification


class Pending:
    """The changes noted in one transaction, flushed before it commits."""

    def __init__(self, site):
        self.site = site
        # (uuid, kind) -> dict, in the order first noted
        self.changes = {}

    def note(self, uuid, kind, **data):
        if (uuid, "Create") in self.changes and kind == "Update":
            return  # the Create reports the item as it is at commit
        entry = self.changes.setdefault((uuid, kind), {"kind": kind})
        fields = data.pop("fields", None)
        if fields is not None:
            entry.setdefault("fields", []).extend(
                f for f in fields if f not in entry["fields"]
            )
        entry.update(data)


def _pending():
    """Return the Pending of the current transaction, or None outside a plonesocial site."""
    site = getSite()
    if site is None or get_storage(site) is None or not is_installed():
        return None  # not a site with plonesocial (uninstalling keeps the storage)
    txn = transaction.get()
    try:
        return txn.data(_PENDING)
    except KeyError:
        pending = Pending(site)
        txn.set_data(_PENDING, pending)
        txn.addBeforeCommitHook(flush, (pending,))
        return pending


def _actor():
    user = api.user.get_current()
    return None if user is None or api.user.is_anonymous() else user.getId()


def _content_uuid(obj):
    """The UUID of a content item, or None for the site root and what has none.

    Only the UUID is needed to note a change; the folders above are looked up
    once, when the change is recorded (or, for a removal, right away).
    """
    return None if ISiteRoot.providedBy(obj) else IUUID(obj, None)


# -- subscribers ---------------------------------------------------------------


def content_added(obj, event):
    uuid = _content_uuid(obj) if event.object is obj else None
    if uuid is not None:
        pending = _pending()
        if pending is not None:
            pending.note(uuid, "Create", obj=obj, actor=_actor())


def content_modified(obj, event):
    # A container is "modified" when an item is added to or removed from it:
    # that is the item's activity, not an edit of the container.
    uuid = _content_uuid(obj)
    if IContainerModifiedEvent.providedBy(event) or uuid is None:
        return
    if ILocalrolesModifiedEvent.providedBy(event):
        return  # sharing is who may see the item, not an edit of it (issue 14)
    pending = _pending()
    if pending is None:
        return
    fields = []
    for description in getattr(event, "descriptions", ()) or ():
        for name in getattr(description, "attributes", ()):
            fields.append(name.split(".")[-1])
    pending.note(uuid, "Update", obj=obj, actor=_actor(), fields=fields)


def content_transitioned(obj, event):
    uuid = _content_uuid(obj)
    if uuid is None or not event.action:
        return
    pending = _pending()
    if pending is None:
        return
    state = api.content.get_state(obj, default=None)
    states = getattr(event.workflow, "states", None)
    state_title = getattr(states.get(state), "title", None) if states and state else None
    pending.note(
        uuid, "Transition", obj=obj, actor=_actor(),
        transition=event.action, state=state, state_title=state_title or state,
    )


def content_moved(obj, event):
    if IObjectAddedEvent.providedBy(event) or IObjectRemovedEvent.providedBy(event):
        return
    uuid = _content_uuid(obj)
    if event.object is not obj or uuid is None:
        return
    pending = _pending()
    if pending is not None:
        pending.note(uuid, "Move", obj=obj, actor=_actor(),
                     old_parent=event.oldParent)


def content_removed(obj, event):
    if event.object is not obj or _content_uuid(obj) is None:
        return
    pending = _pending()
    if pending is None:
        return
    uuid, _, portal_type = content_chain(obj)
    parent = event.oldParent
    parent_chain = content_chain(parent) if not ISiteRoot.providedBy(parent) else None
    # Who could View it, as the catalog would have indexed it.
    allowed = frozenset(allowedRolesAndUsers(obj)())
    pending.changes.pop((uuid, "Create"), None)
    pending.changes.pop((uuid, "Update"), None)
    pending.note(
        uuid, "Delete", actor=_actor(), title=obj.Title(), portal_type=portal_type,
        parent=parent_chain, allowed=allowed,
    )


def comment_added(obj, event):
    comment = event.comment
    pending = _pending()
    uuid = _content_uuid(obj)
    if pending is None or uuid is None:
        return
    actor = getattr(comment, "author_username", None) or _actor() or "anonymous"
    pending.note(
        f"{uuid}/{comment.comment_id}", "Comment", obj=obj, actor=actor,
        comment_id=str(comment.comment_id), text=comment.getText(targetMimetype="text/plain"),
        reply=bool(getattr(comment, "in_reply_to", None)), comment=comment,
    )


def message_sent(event):
    if getattr(event, "request", False):
        return  # issue 15: a message request notifies nobody until it is accepted
    pending = _pending()
    if pending is not None:
        message = event.object
        pending.note(message.uid, "Message", sender=event.sender,
                     recipient=event.recipient, text=message.text)


def message_changed(event):
    """Issue 15: the recipient's message notification quotes the new text of an
    edited message, and nothing of an unsent one (its text is gone everywhere)."""
    site = getSite()
    manager = get_storage(site) if site is not None and is_installed() else None
    if manager is None or not event.old_text:
        return
    if event.group is not None:
        _group_message_changed(manager, event)
        return
    message = event.object
    notification_list = manager.notifications.get_list(message.recipient)
    if notification_list is not None:
        new = "" if message.unsent else excerpt(message.text, BODY_EXCERPT)
        notification_list.replace_body("message", Reference("user", message.sender),
                                       excerpt(event.old_text, BODY_EXCERPT), new)


def _group_message_changed(manager, event):
    """A group's message notification quotes its newest message: when that one is
    edited, the others' notifications quote the new text; unsent, nothing of it.

    Each who may have been notified (the group's participants, current and
    former, but its sender) is looked at in the notifications delivered since
    the message was sent, and so is the fan-out queue's job still delivering it.
    """
    message, group = event.object, event.group
    owner = Reference("group", group.id)
    old = excerpt(event.old_text, BODY_EXCERPT)
    new = "" if message.unsent else excerpt(message.text, BODY_EXCERPT)
    since = to_key(message.created)
    for userid in group.participant_ids():
        if userid == message.sender:
            continue
        notification_list = manager.notifications.get_list(userid)
        if notification_list is not None:
            notification_list.replace_body("message", owner, old, new, since=since)
    manager.queue.replace_body("message", owner, old, new)


def conversation_read(event):
    """Reading a conversation (a page, REST, Python) marks its message notification seen.

    Right away, not at commit: the badge the same request shows is then right.
    """
    site = getSite()
    manager = get_storage(site) if site is not None and is_installed() else None
    if manager is not None:
        conversation = event.object
        manager.mark_seen_about(conversation.owner, "message",
                                Reference("user", conversation.username))


def group_message_sent(event):
    """A group message notifies the other participants (issue 15), when the
    transaction commits: each is checked when their notification is
    delivered (mute, requests, blocks), through the fan-out queue for more
    than a few."""
    pending = _pending()
    if pending is not None:
        message, group = event.object, event.group
        pending.note(message.uid, "GroupMessage", sender=message.sender, group_id=group.id,
                     title=group.title, text=message.text,
                     audience=[u for u in group.participant_ids() if u != message.sender])


def group_read(event):
    """Reading a group marks its message notification seen (as conversation_read)."""
    site = getSite()
    manager = get_storage(site) if site is not None and is_installed() else None
    if manager is not None:
        manager.mark_seen_about(event.userid, "message", Reference("group", event.object.id))


# -- the flush -----------------------------------------------------------------


def flush(pending):
    """Record the noted changes (a before-commit hook).

    In the site they were noted in: the caller may have unset the site (or set
    another) before committing, as ``ploneSite()`` and scripts do, and the
    recorders read its registry, users and catalog. The caller's site is set
    again afterwards.
    """
    with hooks.site(pending.site):
        manager = get_storage(pending.site)
        settings = get_settings()
        for (uuid, kind), change in pending.changes.items():
            RECORDERS[kind](manager, settings, uuid, change)


def record_create(manager, settings, uuid, change):
    obj, actor = change["obj"], change["actor"] or "system"
    title = obj.Title()
    name = display_name(actor)
    manager.create(
        actor=actor, verb="Create", object=obj, context=obj,
        target=_parent_reference(obj),
        summary=f"{name} created {title}", message_type="content",
        phrase="created", title=title, actor_name=name,
        extra={"portal_type": obj.portal_type},
    )
    if settings.creator_watches and change["actor"]:
        manager.subscriptions.watch(actor, uuid)


def record_update(manager, settings, uuid, change):
    obj, actor = change["obj"], change["actor"] or "system"
    # Only what differs from the committed state: a save without change is no edit.
    fields = changed_fields(obj, change.get("fields") or [])
    if not fields:
        return
    title = obj.Title()
    name = display_name(actor)
    manager.create(
        actor=actor, verb="Update", object=obj, context=obj,
        summary=f"{name} edited {title}",
        description=f"Changed: {', '.join(fields)}." if fields else "",
        message_type="content", phrase="edited", title=title, actor_name=name,
        extra={"fields": fields}, details={"fields": fields} if fields else None,
    )


def record_transition(manager, settings, uuid, change):
    obj, actor = change["obj"], change["actor"] or "system"
    title = obj.Title()
    name = display_name(actor)
    state = change["state_title"]
    manager.create(
        actor=actor, verb="Update", object=obj, context=obj,
        summary=f"{name} changed {title} to {state}",
        description=f"Transition: {change['transition']}; new state: {state}.",
        message_type="workflow", phrase="changed the state of", title=title,
        actor_name=name,
        extra={"transition": change["transition"], "review_state": change["state"]},
        details={"transition": change["transition"], "state": state},
    )


def record_move(manager, settings, uuid, change):
    obj, actor = change["obj"], change["actor"] or "system"
    title = obj.Title()
    name = display_name(actor)
    manager.create(
        actor=actor, verb="Move", object=obj, context=obj,
        target=_parent_reference(obj),
        summary=f"{name} moved {title}", message_type="content", phrase="moved",
        title=title, actor_name=name, extra={"url": obj.absolute_url()},
    )


def record_delete(manager, settings, uuid, change):
    actor = change["actor"] or "system"
    name = display_name(actor)
    title = change["title"]
    parent = change["parent"]
    manager.create(
        actor=actor, verb="Delete", object=Reference("content", uuid),
        context=parent[0] if parent else None,
        ancestors=parent[1] if parent else (),
        portal_type=change["portal_type"],
        summary=f"{name} deleted {title}", message_type="deleted",
        phrase="deleted", title=title, actor_name=name,
        restricted_to=change["allowed"],
        extra={"portal_type": change["portal_type"]},
    )


def record_comment(manager, settings, key, change):
    obj, actor = change["obj"], change["actor"]
    title = obj.Title()
    name = display_name(actor)
    phrase = "replied on" if change["reply"] else "commented on"
    # issue 12: a comment awaiting moderation is quoted only to who may View it.
    from plonesocial.activitystream.readers import pending_comment_readers

    manager.create(
        actor=actor, verb="Create",
        object=Reference("comment", key), target=obj, context=obj,
        summary=f"{name} {phrase} {title}", description=excerpt(change["text"], BODY_EXCERPT),
        message_type="comment", phrase="commented on", title=title, actor_name=name,
        extra={"comment_id": change["comment_id"]},
        restricted_to=pending_comment_readers(change.get("comment")),
    )


def record_message(manager, settings, uid, change):
    sender = change["sender"]
    manager.notify_facts(
        [change["recipient"]], message_type="message", phrase="sent you a message",
        owner=Reference("user", sender), actor=sender,
        body=excerpt(change["text"], BODY_EXCERPT),
    )


# A group message notifies up to this many other participants at once, as a
# 1:1 message does; a larger group's notifications all go through the fan-out
# queue (one job), so its send writes O(1) objects in the sender's
# transaction whatever the group's size (measured: 6 for 200 participants).
GROUP_DELIVER_NOW = 3


def record_group_message(manager, settings, uid, change):
    sender, title = change["sender"], change["title"]
    audience = change["audience"]
    if not audience:
        return
    manager.notify_facts(
        audience, message_type="message",
        phrase="wrote in" if title else "wrote in a group",
        owner=Reference("group", change["group_id"]), actor=sender, title=title,
        body=excerpt(change["text"], BODY_EXCERPT),
        deliver_now=0 if len(audience) > GROUP_DELIVER_NOW else None,
    )


def _parent_reference(obj):
    parent = aq_parent(obj)
    if parent is None or ISiteRoot.providedBy(parent):
        return Reference("site", "/")
    chain = content_chain(parent)
    return Reference("content", chain[0]) if chain else None


RECORDERS = {
    "Create": record_create,
    "Update": record_update,
    "Transition": record_transition,
    "Move": record_move,
    "Delete": record_delete,
    "Comment": record_comment,
    "Message": record_message,
    "GroupMessage": record_group_message,
}

"""JSON of group conversations (Activity Streams 2.0 Collections with participants)
and their messages (Notes), as the reader sees them."""

from plone import api
from plone.restapi.interfaces import ISerializeToJson
from plonesocial.clock import from_key
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.messaging.group_rendering import group_title
from plonesocial.messaging.group_rendering import system_text
from plonesocial.messaging.interfaces import IGroupConversation
from plonesocial.messaging.interfaces import IGroupMessage
from plonesocial.people import display_name
from plonesocial.serializers.base import iso
from plonesocial.serializers.messaging import changes
from plonesocial.serializers.messaging import EXCERPT
from plonesocial.text import excerpt
from plonesocial.urls import portal_url
from zope.component import adapter
from zope.interface import implementer
from zope.interface import Interface


def conversations_url():
    return f"{portal_url()}/@conversations"


def reader():
    """Whose view of the group this is: the authenticated user (REST, export)."""
    return None if api.user.is_anonymous() else api.user.get_current().getId()


@implementer(ISerializeToJson)
@adapter(IGroupMessage, Interface)
class GroupMessageSerializer:
    def __init__(self, message, request):
        self.message = message
        self.request = request

    def __call__(self):
        message = self.message
        data = {
            "@id": f"{conversations_url()}/{message.group_id}/messages/{message.id}",
            "type": "Note",
            "id": message.id,
            "context": f"{conversations_url()}/{message.group_id}",
            "attributedTo": message.sender,
            "content": message.text,
            "published": iso(message.created),
        }
        if message.action is None:
            data.update(changes(message))  # issue 15: attachments, edits, unsend
        if message.action is not None:
            # A system message: the facts, and the sentence in the reader's language.
            data.update(type="Activity", action=message.action, content=system_text(message),
                        userids=list(message.facts.get("userids", ())))
            if "title" in message.facts:
                data["title"] = message.facts["title"]
        return data


@implementer(ISerializeToJson)
@adapter(IGroupConversation, Interface)
class GroupSerializer:
    def __init__(self, group, request):
        self.group = group
        self.request = request

    def __call__(self):
        group, userid = self.group, reader()
        membership = group.get_membership(userid)
        url = f"{conversations_url()}/{group.id}"
        last = None
        if membership is not None:
            ids = group.message_ids(userid, 1)
            if ids:
                message = group.get_message(userid, ids[0])
                shown = (excerpt(system_text(message), EXCERPT) if message.action
                         else files.message_excerpt(message, EXCERPT))
                last = {"id": message.id, "sender": message.sender,
                        "excerpt": shown, "created": iso(message.created)}
        return {
            "@id": url,
            "type": "Collection",
            "id": group.id,
            "group": True,
            "name": group_title(group, userid),
            "title": group.title,
            "owner": group.owner,
            "participants": [
                {"userid": m.userid, "fullname": display_name(m.userid),
                 "owner": m.userid == group.owner}
                for m in group.participants()],
            "participants_count": group.participants_count,
            "active": membership is not None and membership.active,
            "muted": membership is not None and membership.is_muted(),
            "new_messages_count": group.unread(userid) if membership is not None else 0,
            "updated": iso(from_key(group.recency_key(userid))) if membership else None,
            "last_message": last,
            "first": f"{url}/messages",
            # Read receipts: each other participant's newest message read (none
            # shown to a reader who hides their own).
            "read_markers": [] if membership is None else [
                {"userid": other, "last_read": read} for other, read in
                messaging.group_read_markers(userid, group.id).items()],
        }

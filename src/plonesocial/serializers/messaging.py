"""JSON of messages and conversations (Activity Streams 2.0 Notes)."""

from plone.restapi.interfaces import ISerializeToJson
from plonesocial.messaging import attachments as files
from plonesocial.messaging.interfaces import IConversation
from plonesocial.messaging.interfaces import IMessage
from plonesocial.people import display_name
from plonesocial.serializers.base import iso
from plonesocial.urls import portal_url
from zope.component import adapter
from zope.interface import implementer
from zope.interface import Interface


EXCERPT = 140  # characters of the last message shown in the conversation list


def inbox_url():
    return f"{portal_url()}/@inbox"


def changes(message):
    """Issue 15's part of a message's JSON (1:1 and group): its attachments with
    their download addresses, edits and earlier versions, or a Tombstone."""
    if message.unsent:
        # Activity Streams 2.0's shape of a removed object, in its place.
        return {"type": "Tombstone", "formerType": "Note", "content": None,
                "unsent": True, "attachments": [], "edited": None, "versions": []}
    return {
        "unsent": False,
        "attachments": [files.describe(message, a) for a in files.of_message(message)],
        "edited": iso(message.edited),
        "versions": [{"content": text, "published": iso(written)}
                     for written, text in message.versions],
    }


@implementer(ISerializeToJson)
@adapter(IMessage, Interface)
class MessageSerializer:
    def __init__(self, message, request):
        self.message = message
        self.request = request

    def __call__(self):
        message = self.message
        other = message.__parent__.username
        return {
            "@id": f"{inbox_url()}/{other}/{message.id}",
            "type": "Note",
            "id": message.id,
            "attributedTo": message.sender,
            "to": [message.recipient],
            "content": message.text,
            "published": iso(message.created),
            "new": message.new,
        } | changes(message)


@implementer(ISerializeToJson)
@adapter(IConversation, Interface)
class ConversationSerializer:
    def __init__(self, conversation, request):
        self.conversation = conversation
        self.request = request

    def __call__(self):
        conversation = self.conversation
        last = None
        message = conversation.last_message
        if message is not None:
            last = {
                "id": message.id,
                "sender": message.sender,
                "excerpt": files.message_excerpt(message, EXCERPT),
                "created": iso(message.created),
            }
        return {
            "@id": f"{inbox_url()}/{conversation.username}",
            "userid": conversation.username,
            "fullname": display_name(conversation.username),
            "new_messages_count": conversation.new_messages_count,
            "messages_count": len(conversation),
            "updated": iso(conversation.last_updated),
            "last_message": last,
        }

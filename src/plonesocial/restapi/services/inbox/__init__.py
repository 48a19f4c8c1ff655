"""@inbox: the authenticated user's conversations and messages."""

from plone import api
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.restapi.base import fullname
from plonesocial.restapi.base import iso
from plonesocial.restapi.base import SocialService
from zExceptions import BadRequest
from zExceptions import NotFound
from zope.component import getUtility


EXCERPT = 140  # characters of the last message shown in the conversation list


class InboxService(SocialService):
    """Shared by the @inbox verbs: the user's own inbox and addressing within it."""

    def inboxes(self):
        return getUtility(IMessagingLocator).get_inboxes()

    def base_url(self):
        return f"{api.portal.get().absolute_url()}/@inbox"

    def other(self):
        """The other party named in the URL, whose conversation in *my* inbox is meant."""
        if not self.params:
            raise BadRequest("Name the other party: @inbox/{userid}")
        return self.params[0]

    def conversation(self):
        """My conversation with the user in the URL, or 404 (never anyone else's)."""
        inbox = self.inboxes().get(self.userid)
        conversation = inbox.get(self.other()) if inbox is not None else None
        if conversation is None:
            raise NotFound("No such conversation")
        return conversation

    def message_id(self):
        if len(self.params) < 2:
            return None
        try:
            return int(self.params[1])
        except ValueError:
            raise NotFound("No such message") from None

    def serialize_message(self, message, other):
        return {
            "@id": f"{self.base_url()}/{other}/{message.id}",
            "type": "Note",
            "id": message.id,
            "attributedTo": message.sender,
            "to": [message.recipient],
            "content": message.text,
            "published": iso(message.created),
            "new": message.new,
        }

    def serialize_conversation(self, conversation):
        last = None
        if conversation._updated is not None:
            message = conversation.get(conversation._updated)
            if message is not None:
                text = " ".join(message.text.split())
                last = {
                    "id": message.id,
                    "sender": message.sender,
                    "excerpt": text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…",
                    "created": iso(message.created),
                }
        return {
            "@id": f"{self.base_url()}/{conversation.username}",
            "userid": conversation.username,
            "fullname": fullname(conversation.username),
            "new_messages_count": conversation.new_messages_count,
            "messages_count": len(conversation),
            "updated": iso(conversation.last_updated),
            "last_message": last,
        }

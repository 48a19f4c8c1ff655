"""@conversations: the authenticated user's conversations, 1:1 and groups, and the
groups' messages and participants."""

from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from plonesocial.urls import portal_url
from zExceptions import BadRequest
from zExceptions import NotFound


class ConversationsService(SocialService):
    """Shared by the @conversations verbs: addressing within my own conversations."""

    def base_url(self):
        return f"{portal_url()}/@conversations"

    def group_id(self):
        if not self.params:
            raise BadRequest("Name the conversation: @conversations/{id}")
        return self.params[0]

    def part(self):
        """'messages', 'participants' or None: what of the group the URL names."""
        if len(self.params) < 2:
            return None
        if self.params[1] not in ("messages", "participants"):
            raise NotFound("No such resource")
        return self.params[1]

    def item(self):
        """The id after the part (a message id, a participant), or None."""
        if len(self.params) > 3:
            raise NotFound("No such resource")
        return self.params[2] if len(self.params) == 3 else None

    def message_id(self):
        item = self.item()
        if item is None:
            return None
        if not (item.isdigit() and item.isascii() and len(item) <= 19):
            raise NotFound("No such message")
        return int(item)

    def serialize(self, obj):
        return serialize(obj, self.request)

    def one_key(self, data, allowed):
        """The one key of a body that must have exactly one of `allowed`."""
        if len(data) != 1 or next(iter(data)) not in allowed:
            names = ", ".join(f'"{name}"' for name in allowed)
            raise BadRequest(f"The body must have exactly one of {names}")
        return next(iter(data))

"""@inbox: the authenticated user's conversations and messages."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from plonesocial.urls import portal_url
from zExceptions import BadRequest
from zExceptions import NotFound


class InboxService(SocialService):
    """Shared by the @inbox verbs: the user's own inbox and addressing within it."""

    def base_url(self):
        return f"{portal_url()}/@inbox"

    def other(self):
        """The other party named in the URL, whose conversation in *my* inbox is meant."""
        if not self.params:
            raise BadRequest("Name the other party: @inbox/{userid}")
        return self.params[0]

    def conversation(self):
        """My conversation with the user in the URL, or 404 (never anyone else's)."""
        return messaging.get_conversation(self.userid, self.other())

    def message_id(self):
        if len(self.params) < 2:
            return None
        try:
            return int(self.params[1])
        except ValueError:
            raise NotFound("No such message") from None

    def serialize(self, obj):
        return serialize(obj, self.request)

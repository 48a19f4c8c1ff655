"""@message-requests: the message requests waiting for the authenticated user (issue 15).

``@message-requests/{userid}`` is a 1:1 request, ``@message-requests/groups/{id}``
a group that someone added them to; POST to either accepts, declines or
declines and blocks. Only one's own requests: an id of anyone else's answers 404.
"""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from plonesocial.urls import portal_url
from urllib.parse import quote
from zExceptions import NotFound


GROUPS = "groups"


class MessageRequestsService(SocialService):
    """Shared by the @message-requests verbs."""

    def base_url(self):
        return f"{portal_url()}/@message-requests"

    def target(self):
        """("direct", userid) or ("group", group id) from the URL; NotFound otherwise."""
        if len(self.params) == 1:
            return "direct", self.params[0]
        if len(self.params) == 2 and self.params[0] == GROUPS:
            return "group", self.params[1]
        raise NotFound("No such message request")

    def item(self, request):
        """One request as JSON: the conversation (its @id here), how it is answered."""
        data = serialize(request, self.request)
        if hasattr(request, "username"):  # a 1:1 request
            url = f"{self.base_url()}/{quote(request.username, safe='')}"
            return dict(data, **{"@id": url, "kind": "direct", "conversation": url})
        url = f"{self.base_url()}/{GROUPS}/{request.id}"
        return dict(data, **{"@id": url, "kind": "group", "conversation": data["@id"]})

    def request_of(self, kind, key):
        if kind == "direct":
            return messaging.get_request(self.userid, key)
        return messaging.get_group_request(self.userid, key)

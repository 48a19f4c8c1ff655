"""GET @message-requests (the list, newest first) and GET @message-requests/{userid}
or /groups/{id} (one request with its messages, newest first; reading it marks
nothing read and tells the sender nothing)."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.message_requests import MessageRequestsService
from plonesocial.serializers.base import serialize


class MessageRequestsGet(MessageRequestsService):
    def reply(self):
        if not self.params:
            limit = self.limit()
            return {
                "@id": self.base_url(),
                "items_total": messaging.count_requests(self.userid),
                "items": [self.item(r) for r in messaging.get_requests(self.userid, limit)],
            }
        kind, key = self.target()
        request = self.request_of(kind, key)
        limit = self.limit()
        if kind == "direct":
            ids = request.message_ids(limit)
            messages = [request[message_id] for message_id in ids]
        else:
            messages = messaging.get_group_messages(self.userid, key, limit)
        data = self.item(request)
        data["messages"] = [serialize(m, self.request) for m in messages]
        if kind == "direct":
            for message in data["messages"]:
                message["@id"] = f"{data['@id']}/{message['id']}"
        return data

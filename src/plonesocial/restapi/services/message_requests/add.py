"""POST @message-requests/{userid} or /groups/{id} {"action": "accept" | "decline" |
"block"}: answer a request. Accepting moves it to the inbox (200, the
conversation); declining drops it (204) and "block" declines and blocks its
sender. The sender is told nothing."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.message_requests import MessageRequestsService
from plonesocial.serializers.base import serialize
from zExceptions import BadRequest


ACTIONS = ("accept", "decline", "block")


class MessageRequestsPost(MessageRequestsService):
    def reply(self):
        kind, key = self.target()
        data = self.body()
        action = data.get("action")
        if set(data) != {"action"} or action not in ACTIONS:
            raise BadRequest('The body must be {"action": "accept" | "decline" | "block"}')
        block = action == "block"
        if kind == "direct":
            if action == "accept":
                messaging.accept_request(self.userid, key)
                return serialize(messaging.get_conversation(self.userid, key), self.request)
            messaging.decline_request(self.userid, key, block_sender=block)
        else:
            if action == "accept":
                messaging.accept_group_request(self.userid, key)
                return serialize(messaging.get_group(self.userid, key), self.request)
            messaging.decline_group_request(self.userid, key, block_sender=block)
        return self.reply_no_content()

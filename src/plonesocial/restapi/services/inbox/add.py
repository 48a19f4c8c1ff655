"""POST @inbox/{userid}: send a message to that user, from the authenticated user."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPost(InboxService):
    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Send to @inbox/{userid}")
        message = messaging.send(self.userid, self.other(), self.body().get("text"))
        self.request.response.setStatus(201)
        return self.serialize(message)

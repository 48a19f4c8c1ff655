"""PATCH @inbox/{userid} {"read": true}: mark my conversation with that user read."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPatch(InboxService):
    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Mark read with PATCH @inbox/{userid}")
        data = self.body()
        if data.get("read") is not True or set(data) != {"read"}:
            raise BadRequest('The body must be {"read": true}')
        # The conversation and its message notification alike (one rule, in the API).
        messaging.mark_read(self.userid, self.other())
        return self.reply_no_content()

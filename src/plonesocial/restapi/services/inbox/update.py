"""PATCH @inbox/{userid} {"read": true}: mark my conversation with that user read;
PATCH @inbox/{userid}/{id} {"text": "..."}: edit my message (issue 15)."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPatch(InboxService):
    def reply(self):
        if len(self.params) == 2:
            data = self.body()
            if set(data) != {"text"}:
                raise BadRequest('Edit a message with {"text": "..."}')
            message = messaging.edit_message(self.userid, self.other(), self.message_id(),
                                             data["text"])
            return self.serialize(message)
        if len(self.params) != 1:
            raise BadRequest("Mark read with PATCH @inbox/{userid}")
        data = self.body()
        if data.get("read") is not True or set(data) != {"read"}:
            raise BadRequest('The body must be {"read": true}')
        # The conversation and its message notification alike (one rule, in the API).
        messaging.mark_read(self.userid, self.other())
        return self.reply_no_content()

"""PATCH @inbox/{userid} {"read": true}: mark my conversation with that user read."""

from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPatch(InboxService):
    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Mark read with PATCH @inbox/{userid}")
        data = self.body()
        if data.get("read") is not True or set(data) != {"read"}:
            raise BadRequest('The body must be {"read": true}')
        self.conversation().mark_read()
        return self.reply_no_content()

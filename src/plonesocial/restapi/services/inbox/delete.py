"""DELETE @inbox/{userid} (the conversation) or @inbox/{userid}/{id} (one message), mine only."""

from plonesocial.restapi.services.inbox import InboxService
from zExceptions import NotFound


class InboxDelete(InboxService):
    def reply(self):
        if not self.params or len(self.params) > 2:
            raise NotFound("No such resource")
        conversation = self.conversation()
        message_id = self.message_id()
        if message_id is None:
            del self.inboxes()[self.userid][conversation.username]
        else:
            if message_id not in conversation:
                raise NotFound("No such message")
            del conversation[message_id]
        return self.reply_no_content()

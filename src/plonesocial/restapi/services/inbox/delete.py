"""DELETE @inbox/{userid} (the conversation) or @inbox/{userid}/{id} (one message), mine only."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import NotFound


class InboxDelete(InboxService):
    def reply(self):
        if not self.params or len(self.params) > 2:
            raise NotFound("No such resource")
        message_id = self.message_id()
        if message_id is None:
            messaging.delete_conversation(self.userid, self.other())
        else:
            messaging.delete_message(self.userid, self.other(), message_id)
        return self.reply_no_content()

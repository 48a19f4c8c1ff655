"""DELETE @inbox/{userid} (the conversation) or @inbox/{userid}/{id} (one message), mine only;
DELETE @inbox/{userid}/{id}?for=everyone unsends my message from both copies (issue 15)."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest
from zExceptions import NotFound


class InboxDelete(InboxService):
    def reply(self):
        if not self.params or len(self.params) > 2:
            raise NotFound("No such resource")
        message_id = self.message_id()
        scope = self.request.form.get("for", "me")
        if scope not in ("me", "everyone"):
            raise BadRequest('for must be "me" or "everyone"')
        if scope == "everyone":
            if message_id is None:
                raise BadRequest("Unsend one message: DELETE @inbox/{userid}/{id}?for=everyone")
            messaging.unsend_message(self.userid, self.other(), message_id)
        elif message_id is None:
            messaging.delete_conversation(self.userid, self.other())
        else:
            messaging.delete_message(self.userid, self.other(), message_id)
        return self.reply_no_content()

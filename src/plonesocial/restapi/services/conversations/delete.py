"""DELETE @conversations/{id} (delete for everyone; the owner only) and
@conversations/{id}/participants/{userid} (leave, for oneself; kick, the owner);
@conversations/{id}/messages/{message id}: unsend my message (issue 15)."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.conversations import ConversationsService
from zExceptions import NotFound


class ConversationsDelete(ConversationsService):
    def reply(self):
        group_id, part, item = self.group_id(), self.part(), self.item()
        if part is None:
            messaging.delete_group(self.userid, group_id)
        elif part == "messages" and item is not None:
            messaging.unsend_group_message(self.userid, group_id, self.message_id())
        elif part == "participants" and item is not None:
            if item == self.userid:
                messaging.leave_group(self.userid, group_id)
            else:
                messaging.kick_participant(self.userid, group_id, item)
        else:
            raise NotFound("No such resource")
        return self.reply_no_content()

"""PATCH @conversations/{id} with one of {"read": true}, {"muted": bool} (any
participant), {"title": "..."} or {"owner": userid} (the owner only);
PATCH @conversations/{id}/messages/{message id} {"text": "..."}: edit my message."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.conversations import ConversationsService
from zExceptions import BadRequest
from zExceptions import NotFound


class ConversationsPatch(ConversationsService):
    def reply(self):
        if len(self.params) == 3 and self.part() == "messages":
            data = self.body()
            self.one_key(data, ("text",))
            return self.serialize(messaging.edit_group_message(
                self.userid, self.group_id(), self.message_id(), data["text"]))
        if len(self.params) != 1:
            raise NotFound("Change a conversation with PATCH @conversations/{id}")
        group_id = self.group_id()
        data = self.body()
        key = self.one_key(data, ("read", "muted", "title", "owner"))
        value = data[key]
        if key == "read":
            if value is not True:
                raise BadRequest('Mark read with {"read": true}')
            messaging.mark_group_read(self.userid, group_id)
        elif key == "muted":
            if not isinstance(value, bool):
                raise BadRequest("muted must be true or false")
            messaging.mute_group(self.userid, group_id, value)
        elif key == "title":
            messaging.rename_group(self.userid, group_id, value)
        else:
            if not isinstance(value, str):
                raise BadRequest("owner must be a user id")
            messaging.transfer_group(self.userid, group_id, value)
        return self.serialize(messaging.get_group(self.userid, group_id))

"""POST @conversations (create a group), @conversations/{id}/messages (send),
@conversations/{id}/participants (add people; the owner only)."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.conversations import ConversationsService
from zExceptions import BadRequest
from zExceptions import NotFound


class ConversationsPost(ConversationsService):
    def reply(self):
        data = self.body()
        if not self.params:
            if not set(data) <= {"participants", "title"} or "participants" not in data:
                raise BadRequest('The body must be {"participants": [user ids], "title": "..."}')
            group = messaging.create_group(self.userid, data["participants"], data.get("title"))
            self.request.response.setStatus(201)
            return self.serialize(group)
        group_id, part = self.group_id(), self.part()
        if self.item() is not None or part is None:
            raise NotFound("No such resource")
        if part == "messages":
            self.one_key(data, ("text",))
            message = messaging.send_to_group(self.userid, group_id, data["text"])
            self.request.response.setStatus(201)
            return self.serialize(message)
        self.one_key(data, ("userids",))
        messaging.add_participants(self.userid, group_id, data["userids"])
        return self.serialize(messaging.get_group(self.userid, group_id))

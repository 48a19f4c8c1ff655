"""POST @conversations (create a group), @conversations/{id}/messages (send),
@conversations/{id}/participants (add people; the owner only)."""

from plonesocial.limits import max_body_for_message
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.restapi.services.conversations import ConversationsService
from zExceptions import BadRequest
from zExceptions import NotFound


class ConversationsPost(ConversationsService):
    @property
    def max_body(self):
        return max_body_for_message(messaging.get_inboxes().max_message_length) + \
            files.max_json_bytes()

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
            # Issue 15: files as plone.restapi's file fields, base64 in the JSON.
            if not data or not set(data) <= {"text", "attachments"}:
                raise BadRequest('The body must be {"text": "...", "attachments": [files]}')
            uploads = files.uploads_from_json(data.get("attachments"))
            text = data.get("text", "" if uploads else None)
            message = messaging.send_to_group(self.userid, group_id, text, attachments=uploads)
            self.request.response.setStatus(201)
            return self.serialize(message)
        self.one_key(data, ("userids",))
        messaging.add_participants(self.userid, group_id, data["userids"])
        return self.serialize(messaging.get_group(self.userid, group_id))

"""POST @inbox/{userid}: send a message to that user, from the authenticated user."""

from plonesocial.limits import max_body_for_message
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.messaging import idempotency
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPost(InboxService):
    @property
    def max_body(self):
        return max_body_for_message(messaging.get_inboxes().max_message_length) + \
            files.max_json_bytes()

    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Send to @inbox/{userid}")
        data = self.body()
        text = data.get("text", "" if data.get("attachments") else None)
        # Issue 15: files as plone.restapi's file fields, base64 in the JSON.
        uploads = files.uploads_from_json(data.get("attachments"))
        key = self.request.getHeader("Idempotency-Key")
        if key is not None:
            # A retry of a send whose answer was lost gets the first answer again.
            try:
                idempotency.check_key(key)
                keys = idempotency.current_keys()
                request = idempotency.fingerprint(
                    self.other(), text if not uploads else [text, data["attachments"]])
                first = keys.lookup(self.userid, key, request)
            except (idempotency.InvalidKey, idempotency.KeyReused) as error:
                raise BadRequest(str(error)) from None
            if first is not None:
                self.request.response.setStatus(201)
                self.request.response.setHeader("Idempotent-Replayed", "true")
                return first
        message = messaging.send(self.userid, self.other(), text, attachments=uploads)
        self.request.response.setStatus(201)
        answer = self.serialize(message)
        if key is not None:
            keys.remember(self.userid, key, request, answer)
        return answer

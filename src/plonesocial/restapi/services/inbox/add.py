"""POST @inbox/{userid}: send a message to that user, from the authenticated user."""

from plonesocial.limits import max_body_for_message
from plonesocial.messaging import api as messaging
from plonesocial.messaging import idempotency
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPost(InboxService):
    @property
    def max_body(self):
        return max_body_for_message(messaging.get_inboxes().max_message_length)

    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Send to @inbox/{userid}")
        text = self.body().get("text")
        key = self.request.getHeader("Idempotency-Key")
        if key is not None:
            # A retry of a send whose answer was lost gets the first answer again.
            try:
                idempotency.check_key(key)
                keys = idempotency.current_keys()
                request = idempotency.fingerprint(self.other(), text)
                first = keys.lookup(self.userid, key, request)
            except (idempotency.InvalidKey, idempotency.KeyReused) as error:
                raise BadRequest(str(error)) from None
            if first is not None:
                self.request.response.setStatus(201)
                self.request.response.setHeader("Idempotent-Replayed", "true")
                return first
        message = messaging.send(self.userid, self.other(), text)
        self.request.response.setStatus(201)
        answer = self.serialize(message)
        if key is not None:
            keys.remember(self.userid, key, request, answer)
        return answer

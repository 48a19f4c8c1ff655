"""POST @inbox/{userid}: send a message to that user, from the authenticated user."""

from plone import api
from plonesocial.messaging import exc
from plonesocial.limits import max_body_for_message
from plonesocial.messaging import idempotency
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPost(InboxService):
    @property
    def max_body(self):
        return max_body_for_message(self.inboxes().max_message_length)

    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Send to @inbox/{userid}")
        # Only to people of this site: an unknown id (or a removed user's) would
        # get an inbox nobody reads.
        if api.user.get(userid=self.other()) is None:
            raise BadRequest(f"No user {self.other()!r}")
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
        try:
            message = self.inboxes().send(self.userid, self.other(), text)
        except exc.RateLimitExceeded as error:
            return self.too_many_requests(str(error), error.retry_after)
        except exc.MessagingError as error:
            raise BadRequest(str(error)) from None
        self.request.response.setStatus(201)
        answer = self.serialize_message(message, self.other())
        if key is not None:
            keys.remember(self.userid, key, request, answer)
        return answer

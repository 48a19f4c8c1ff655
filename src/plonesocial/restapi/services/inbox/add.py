"""POST @inbox/{userid}: send a message to that user, from the authenticated user."""

from plone import api
from plonesocial.messaging import exc
from plonesocial.restapi.services.inbox import InboxService
from zExceptions import BadRequest


class InboxPost(InboxService):
    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Send to @inbox/{userid}")
        # Only to people of this site: an unknown id (or a removed user's) would
        # get an inbox nobody reads.
        if api.user.get(userid=self.other()) is None:
            raise BadRequest(f"No user {self.other()!r}")
        text = self.body().get("text")
        try:
            message = self.inboxes().send(self.userid, self.other(), text)
        except exc.RateLimitExceeded as error:
            return self.too_many_requests(str(error), error.retry_after)
        except exc.MessagingError as error:
            raise BadRequest(str(error)) from None
        self.request.response.setStatus(201)
        return self.serialize_message(message, self.other())

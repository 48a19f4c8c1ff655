"""@messaging-settings: the authenticated user's own messaging preferences."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.base import SocialService
from plonesocial.urls import portal_url
from zExceptions import NotFound


class MessagingSettingsService(SocialService):
    def settings(self):
        if self.params:
            raise NotFound("No such resource")
        inbox = messaging.get_inbox(self.userid)
        return {"@id": f"{portal_url()}/@messaging-settings",
                "hide_read_receipts": messaging.receipts_hidden(self.userid),
                # Issue 15, message requests: my choice (null: the site's
                # default), what applies, and the site's default.
                "accept_messages_from": None if inbox is None else inbox.accept_messages_from,
                "accept_messages_from_effective": messaging.message_policy(self.userid),
                "accept_messages_from_default": messaging.default_message_policy(),
                "requests_count": messaging.count_requests(self.userid)}

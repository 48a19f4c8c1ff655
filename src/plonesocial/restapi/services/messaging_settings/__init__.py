"""@messaging-settings: the authenticated user's own messaging preferences."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.base import SocialService
from plonesocial.urls import portal_url
from zExceptions import NotFound


class MessagingSettingsService(SocialService):
    def settings(self):
        if self.params:
            raise NotFound("No such resource")
        return {"@id": f"{portal_url()}/@messaging-settings",
                "hide_read_receipts": messaging.receipts_hidden(self.userid)}

"""PATCH @messaging-settings {"hide_read_receipts": bool}: change my preferences."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.messaging_settings import MessagingSettingsService
from zExceptions import BadRequest


class MessagingSettingsPatch(MessagingSettingsService):
    def reply(self):
        self.settings()  # refuses a path below the service
        data = self.body()
        if set(data) != {"hide_read_receipts"}:
            raise BadRequest('The body must be {"hide_read_receipts": true|false}')
        messaging.set_receipts_hidden(self.userid, data["hide_read_receipts"])
        return self.settings()

"""PATCH @messaging-settings {"hide_read_receipts": bool, "accept_messages_from":
"everyone" | "following" | "nobody" | null}: change my preferences (either or both)."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.messaging_settings import MessagingSettingsService
from zExceptions import BadRequest


class MessagingSettingsPatch(MessagingSettingsService):
    def reply(self):
        self.settings()  # refuses a path below the service
        data = self.body()
        if not data or not set(data) <= {"hide_read_receipts", "accept_messages_from"}:
            raise BadRequest('The body must be {"hide_read_receipts": true|false, '
                             '"accept_messages_from": "everyone"|"following"|"nobody"|null}')
        # A refusal dooms the transaction (SocialService): nothing of it is kept.
        if "hide_read_receipts" in data:
            messaging.set_receipts_hidden(self.userid, data["hide_read_receipts"])
        if "accept_messages_from" in data:
            messaging.set_message_policy(self.userid, data["accept_messages_from"])
        return self.settings()

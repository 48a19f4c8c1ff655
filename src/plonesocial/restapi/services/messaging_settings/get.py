"""GET @messaging-settings: my messaging preferences."""

from plonesocial.restapi.services.messaging_settings import MessagingSettingsService


class MessagingSettingsGet(MessagingSettingsService):
    def reply(self):
        return self.settings()

"""GET @notification-settings: my preferences (the defaults until I change them)."""

from plonesocial.restapi.services.notification_settings import SettingsService


class SettingsGet(SettingsService):
    def reply(self):
        return self.serialize(self.preferences(create=False))

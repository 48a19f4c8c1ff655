"""GET @notification-settings: my preferences (the defaults until I change them)."""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.services.notification_settings import SettingsService


class SettingsGet(SettingsService):
    def reply(self):
        return self.serialize(activitystream.get_preferences(self.userid))

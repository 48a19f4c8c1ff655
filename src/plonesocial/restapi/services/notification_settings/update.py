"""PATCH @notification-settings: change some of my preferences; all or nothing."""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.services.notification_settings import FIELDS
from plonesocial.restapi.services.notification_settings import SettingsService
from zExceptions import BadRequest


class SettingsPatch(SettingsService):
    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        data = self.body()
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise BadRequest(f"Unknown settings: {', '.join(sorted(unknown))}")
        return self.serialize(activitystream.set_preferences(self.userid, **data))

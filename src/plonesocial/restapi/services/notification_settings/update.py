"""PATCH @notification-settings: change some of my preferences; all or nothing."""

from plonesocial.activitystream import exc
from plonesocial.restapi.services.notification_settings import FIELDS
from plonesocial.restapi.services.notification_settings import SettingsService
from zExceptions import BadRequest


class SettingsPatch(SettingsService):
    def reply(self):
        data = self.body()
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise BadRequest(f"Unknown settings: {', '.join(sorted(unknown))}")
        preferences = self.preferences(create=True)
        try:
            preferences.set(**data)
        except exc.ActivityStreamError as error:
            raise BadRequest(str(error)) from None
        except TypeError as error:
            raise BadRequest(str(error)) from None
        return self.serialize(preferences)

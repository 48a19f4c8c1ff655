"""PATCH @notification-settings: change some of my preferences; all or nothing."""

from plonesocial.activitystream import exc
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.restapi.services.notification_settings import FIELDS
from plonesocial.restapi.services.notification_settings import SettingsService
from zExceptions import BadRequest
from zope.component import getUtility


class SettingsPatch(SettingsService):
    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        data = self.body()
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise BadRequest(f"Unknown settings: {', '.join(sorted(unknown))}")
        manager = getUtility(IActivityLocator).get_manager()
        try:
            preferences = manager.set_preferences(self.userid, **data)
        except exc.ActivityStreamError as error:
            raise BadRequest(str(error)) from None
        except TypeError as error:
            raise BadRequest(str(error)) from None
        return self.serialize(preferences)

"""@notification-settings: the authenticated user's notification preferences."""

from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.restapi.base import SocialService
from zope.component import getUtility


FIELDS = ("notify_myself", "mail_mode", "mail_modes", "digest_hour", "digest_weekday",
          "timezone")


class SettingsService(SocialService):
    def preferences(self, create):
        manager = getUtility(IActivityLocator).get_manager()
        return manager.get_preferences(self.userid, create=create)

    def serialize(self, preferences):
        data = {name: getattr(preferences, name) for name in FIELDS}
        data["mail_modes"] = dict(data["mail_modes"])
        return data

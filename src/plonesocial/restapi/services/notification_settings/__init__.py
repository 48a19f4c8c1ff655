"""@notification-settings: the authenticated user's notification preferences."""

from plonesocial.restapi.base import SocialService
from plonesocial.serializers.activitystream import PREFERENCE_FIELDS as FIELDS  # noqa: F401
from plonesocial.serializers.base import serialize


class SettingsService(SocialService):
    def serialize(self, preferences):
        return serialize(preferences, self.request)

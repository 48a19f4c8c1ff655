"""@subscriptions: whom the authenticated user follows and what they watch."""

from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from plonesocial.urls import portal_url


class SubscriptionsService(SocialService):
    def base_url(self):
        return f"{portal_url()}/@subscriptions"

    def serialize(self, subscription):
        return serialize(subscription, self.request)

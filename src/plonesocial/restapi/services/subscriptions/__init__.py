"""@subscriptions: whom the authenticated user follows and what they watch."""

from plone import api
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.restapi.base import iso
from plonesocial.restapi.base import SocialService
from zope.component import getUtility


class SubscriptionsService(SocialService):
    def subscriptions(self):
        return getUtility(IActivityLocator).get_manager().subscriptions

    def base_url(self):
        return f"{api.portal.get().absolute_url()}/@subscriptions"

    def serialize(self, subscription):
        return {
            "@id": f"{self.base_url()}/{subscription.kind}/{subscription.target}",
            "kind": subscription.kind,
            "target": subscription.target,
            "subtree": subscription.subtree,
            "verbs": sorted(subscription.verbs) if subscription.verbs else None,
            "portal_types": sorted(subscription.portal_types) if subscription.portal_types else None,
            "created": iso(subscription.created),
        }

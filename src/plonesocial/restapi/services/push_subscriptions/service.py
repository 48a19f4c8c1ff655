"""GET, POST and DELETE @push-subscriptions, for the authenticated user."""

from plonesocial.activitystream import api as activitystream
from plonesocial.delivery import push
from plonesocial.delivery.push_endpoints import check_endpoint
from plonesocial.delivery.push_endpoints import UnsafeEndpoint
from plonesocial.restapi.base import MAX_LIMIT
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from zExceptions import BadRequest
from zExceptions import NotFound


# One subscription per browser of one person: a handful each. The cap keeps a
# client from registering endpoints without bound, which every push
# notification of theirs would then be sent to.
MAX_PER_USER = 20


class PushSubscriptionsService(SocialService):
    def manager(self):
        return activitystream.get_manager()

    def serialize(self, subscription):
        return serialize(subscription, self.request)


class PushSubscriptionsGet(PushSubscriptionsService):
    def reply(self):
        # One per browser of one person: a short list, but bounded like every list.
        limit = self.int_param("limit", MAX_LIMIT, 1, MAX_LIMIT)
        subscriptions = self.manager().get_push_subscriptions(self.userid)
        items = [self.serialize(s) for s in subscriptions[:limit]]
        return {"items": items, "items_total": len(subscriptions)}


class PushSubscriptionsPost(PushSubscriptionsService):
    """The body is the browser's PushSubscription.toJSON(), plus an optional language."""

    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        if not push.enabled():
            raise BadRequest("Desktop notifications are off on this site")
        data = self.body()
        keys = data.get("keys")
        if not isinstance(keys, dict):
            raise BadRequest('"keys" with "p256dh" and "auth" is required')
        endpoint = data.get("endpoint")
        mine = self.manager().get_push_subscriptions(self.userid)
        # Renewing a registered browser's keys is always allowed.
        if len(mine) >= MAX_PER_USER and all(s.endpoint != endpoint for s in mine):
            raise BadRequest(f"At most {MAX_PER_USER} browsers can be registered for push "
                             "notifications: remove one first")
        try:
            # Where the site would send to: an allowed service at public addresses.
            check_endpoint(endpoint)
        except UnsafeEndpoint as error:
            raise BadRequest(str(error)) from None
        subscription = self.manager().add_push_subscription(
            self.userid, endpoint, keys.get("p256dh"), keys.get("auth"),
            language=data.get("language") or "",
            user_agent=self.request.getHeader("User-Agent") or "",
        )
        self.request.response.setStatus(201)
        return self.serialize(subscription)


class PushSubscriptionsDelete(PushSubscriptionsService):
    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        endpoint = self.body().get("endpoint")
        if not self.manager().remove_push_subscription(self.userid, endpoint):
            raise NotFound("No such push subscription")
        return self.reply_no_content()

"""DELETE @subscriptions/user/{userid} (unfollow) or @subscriptions/content/{uuid} (unwatch)."""

from plonesocial.activitystream import exc
from plonesocial.restapi.services.subscriptions import SubscriptionsService
from zExceptions import NotFound


class SubscriptionsDelete(SubscriptionsService):
    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        if len(self.params) != 2 or self.params[0] not in ("user", "content"):
            raise NotFound("No such subscription")
        kind, target = self.params
        try:
            if kind == "user":
                self.subscriptions().unfollow(self.userid, target)
            else:
                self.subscriptions().unwatch(self.userid, target)
        except exc.SubscriptionNotFound:
            raise NotFound("No such subscription") from None
        return self.reply_no_content()

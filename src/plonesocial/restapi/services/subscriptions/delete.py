"""DELETE @subscriptions/user/{userid} (unfollow) or @subscriptions/content/{uuid} (unwatch)."""

from plonesocial.activitystream import api as activitystream
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
        if kind == "user":
            activitystream.unfollow(self.userid, target)
        else:
            activitystream.unwatch(self.userid, target)
        return self.reply_no_content()

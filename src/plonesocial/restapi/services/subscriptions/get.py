"""GET @subscriptions: my follows and watches."""

from plonesocial.restapi.services.subscriptions import SubscriptionsService
from zExceptions import NotFound


class SubscriptionsGet(SubscriptionsService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        items = [self.serialize(s) for s in self.subscriptions().get_subscriptions(self.userid)]
        return {"@id": self.base_url(), "items": items, "items_total": len(items)}

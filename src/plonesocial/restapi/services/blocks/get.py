"""GET @blocks: whom I block, in user id order."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.blocks import BlocksService
from zExceptions import NotFound


class BlocksGet(BlocksService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        blocked = messaging.get_blocked(self.userid)
        return {"@id": self.base_url(), "items_total": len(blocked),
                "items": [self.item(userid) for userid in blocked]}

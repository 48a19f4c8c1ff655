"""DELETE @blocks/{userid}: accept messages from that person again."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.blocks import BlocksService
from zExceptions import NotFound


class BlocksDelete(BlocksService):
    def reply(self):
        if len(self.params) != 1:
            raise NotFound("Unblock with DELETE @blocks/{userid}")
        messaging.unblock(self.userid, self.params[0])
        return self.reply_no_content()

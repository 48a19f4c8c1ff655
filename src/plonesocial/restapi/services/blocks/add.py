"""POST @blocks {"userid": "..."}: refuse messages from that person from now on."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.blocks import BlocksService
from zExceptions import BadRequest
from zExceptions import NotFound


class BlocksPost(BlocksService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        data = self.body()
        userid = data.get("userid")
        if not isinstance(userid, str) or set(data) != {"userid"}:
            raise BadRequest('The body must be {"userid": "<the user id to block>"}')
        messaging.block(self.userid, userid)
        self.request.response.setStatus(201)
        return self.item(userid)

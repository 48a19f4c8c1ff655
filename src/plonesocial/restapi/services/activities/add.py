"""POST @activities/{id}/comments (comment), .../likes (like), .../favorites (favorite)."""

from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.social import react
from plonesocial.restapi.services.activities import ActivitiesService
from plonesocial.restapi.services.activities import REACTIONS
from plonesocial.serializers.base import serialize
from zExceptions import BadRequest
from zExceptions import NotFound


class ActivitiesPost(ActivitiesService):
    def reply(self):
        activity_id, comment_id, collection = self.target()
        if collection in REACTIONS:
            react(self.userid, REACTIONS[collection], activity_id, comment_id, True)
            return self.likes(activitystream.get_activity(self.userid, activity_id).id,
                              comment_id)
        if collection != "comments" or comment_id is not None:
            raise NotFound("No such resource")
        data = self.body()
        text = self.text(data, known=("text", "reply_to"))
        reply_to = data.get("reply_to")
        if reply_to is not None and (isinstance(reply_to, bool)
                                     or not isinstance(reply_to, (int, str))):
            raise BadRequest("reply_to must be a comment id")
        comment = activitystream.comment(self.userid, activity_id, text, reply_to=reply_to)
        self.request.response.setStatus(201)
        return serialize(comment, self.request)

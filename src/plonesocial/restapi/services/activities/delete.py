"""DELETE @activities/{id} (a post), .../comments/{cid}, .../likes, .../favorites."""

from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.social import react
from plonesocial.restapi.services.activities import ActivitiesService
from plonesocial.restapi.services.activities import REACTIONS
from zExceptions import NotFound


class ActivitiesDelete(ActivitiesService):
    def reply(self):
        activity_id, comment_id, collection = self.target()
        if collection in REACTIONS:
            react(self.userid, REACTIONS[collection], activity_id, comment_id, False)
        elif collection is not None:
            raise NotFound("No such resource")
        elif comment_id is not None:
            activitystream.delete_comment(self.userid, activity_id, comment_id)
        else:
            activitystream.delete_post(self.userid, activity_id)
        return self.reply_no_content()

"""PATCH @activities/{id} (edit one's post) or @activities/{id}/comments/{cid}."""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.services.activities import ActivitiesService
from plonesocial.serializers.base import serialize
from zExceptions import NotFound


class ActivitiesPatch(ActivitiesService):
    def reply(self):
        activity_id, comment_id, collection = self.target()
        if collection is not None:
            raise NotFound("No such resource")
        text = self.text(self.body())
        if comment_id is not None:
            comment = activitystream.edit_comment(self.userid, activity_id, comment_id, text)
            return serialize(comment, self.request)
        activitystream.edit_post(self.userid, activity_id, text)
        return serialize(activitystream.get_activity(self.userid, activity_id), self.request)

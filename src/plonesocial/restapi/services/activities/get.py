"""GET @activities/{id}, its /comments and /likes."""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.services.activities import ActivitiesService
from plonesocial.serializers.base import serialize
from zExceptions import NotFound


class ActivitiesGet(ActivitiesService):
    def reply(self):
        activity_id, comment_id, collection = self.target()
        activity = activitystream.get_activity(self.userid, activity_id)
        if collection == "comments":
            return self.comments(activity.id)
        if collection == "likes":
            return self.likes(activity.id, comment_id)
        if collection is not None:
            raise NotFound("No such resource")
        if comment_id is not None:
            return serialize(activitystream.get_comment(self.userid, activity.id, comment_id),
                             self.request)
        return serialize(activity, self.request)

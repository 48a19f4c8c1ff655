"""POST @notifications/seen, @notifications/unseen and @notifications/last-seen."""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.services.notifications import NotificationsService
from zExceptions import BadRequest
from zExceptions import NotFound


class NotificationsPost(NotificationsService):
    def reply(self):
        action = self.params[0] if len(self.params) == 1 else None
        if action == "seen":
            data = self.body()
            if data.get("all") is True and set(data) == {"all"}:
                activitystream.mark_all_seen(self.userid)
            else:
                activitystream.mark_seen(self.userid, data.get("ids"))
        elif action == "unseen":
            activitystream.mark_unseen(self.userid, self.body().get("ids"))
        elif action == "last-seen":
            # tgapp's ajax_update_last_seen: answers the time before the update.
            previous = activitystream.update_last_seen(self.userid)
            count = self.count()
            count["previous_last_seen"] = previous.isoformat() + "Z" if previous else None
            return count
        elif action is None:
            raise BadRequest("POST to @notifications/seen, /unseen or /last-seen")
        else:
            raise NotFound("No such resource")
        return self.count()

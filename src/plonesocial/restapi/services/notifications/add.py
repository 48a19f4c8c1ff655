"""POST @notifications/seen, @notifications/unseen and @notifications/last-seen."""

from plonesocial.restapi.services.notifications import NotificationsService
from zExceptions import BadRequest
from zExceptions import NotFound


class NotificationsPost(NotificationsService):
    def reply(self):
        action = self.params[0] if len(self.params) == 1 else None
        if action == "seen":
            data = self.body()
            if data.get("all") is True and set(data) == {"all"}:
                self.manager().mark_all_seen(self.userid)
            else:
                for notification in self.notifications(data.get("ids")):
                    self.manager().mark_seen(self.userid, notification.id)
        elif action == "unseen":
            for notification in self.notifications(self.body().get("ids")):
                self.manager().mark_unseen(self.userid, notification.id)
        elif action == "last-seen":
            # tgapp's ajax_update_last_seen: answers the time before the update.
            previous = self.manager().update_last_seen(self.userid)
            count = self.count()
            count["previous_last_seen"] = previous.isoformat() + "Z" if previous else None
            return count
        elif action is None:
            raise BadRequest("POST to @notifications/seen, /unseen or /last-seen")
        else:
            raise NotFound("No such resource")
        return self.count()

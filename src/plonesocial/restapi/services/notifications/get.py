"""GET @notifications (paged, newest first) and GET @notifications/count (for polling)."""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.services.notifications import NotificationsService
from zExceptions import NotFound

import hashlib


class NotificationsGet(NotificationsService):
    def reply(self):
        if self.params == ["count"]:
            return self.reply_count()
        if self.params == ["last-seen"]:
            # README's GET /last-seen: when I last looked, with the counts (issue 14).
            return self.count()
        if len(self.params) == 1 and self.params[0].isdigit():
            # A notification's @id: one of mine (or a broadcast) that I may View.
            notification = activitystream.get_notification(self.userid, int(self.params[0]))
            if not activitystream.get_manager().may_view(self.userid, notification):
                raise NotFound("No such notification")
            return self.serialize(notification)
        if self.params:
            raise NotFound("No such resource")
        notifications, limit = self.run_query(activitystream.get_notifications(self.userid))
        page = self.page(
            self.base_url(), [self.serialize(n) for n in notifications],
            [n.id for n in notifications], limit, self.base_url(),
        )
        page.update(self.count())
        return page

    def reply_count(self):
        """The badge: cheap, with an ETag so that polling gets 304 while nothing changed."""
        count = self.count()
        etag = '"' + hashlib.sha1(
            f"{self.userid}:{count['not_seen']}:{count['new']}:{count['last_seen']}:"
            f"{count['unread_messages']}".encode()
        ).hexdigest()[:16] + '"'
        response = self.request.response
        response.setHeader("ETag", etag)
        response.setHeader("Cache-Control", "private, no-cache")
        if self.request.getHeader("If-None-Match") == etag:
            return self.reply_no_content(status=304)
        return count

"""The notifications menu in the page header: a badge that updates without reloading."""

from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plonesocial.activitystream import api as activitystream
from plonesocial.messaging import api as messaging
from plonesocial.urls import notification_url
from urllib.parse import urlencode


class NotificationsMenu(ViewletBase):
    """Bell with the not-seen count, the latest notifications, and the unread messages."""

    interval = 10000  # ms between two polls of the count (a 304 while nothing changed)

    def update(self):
        super().update()
        self.available = not api.user.is_anonymous()
        if not self.available:
            return
        userid = api.user.get_current().getId()
        self.not_seen = activitystream.count_unseen(userid)
        self.latest = activitystream.get_notifications(userid).limit(5).all()
        self.unread = messaging.count_unread(userid)
        self.portal_url = api.portal.get().absolute_url()
        self.userid = userid

    def see_url(self, notification):
        query = urlencode({"id": notification.id,
                           "target": notification_url(notification, reader=self.userid)})
        return f"{self.portal_url}/@@see?{query}"

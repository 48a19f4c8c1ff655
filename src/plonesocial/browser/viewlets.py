"""The notifications menu in the page header: a badge that updates without reloading."""

from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.messaging.interfaces import IMessagingLocator
from zope.component import getUtility


class NotificationsMenu(ViewletBase):
    """Bell with the not-seen count, the latest notifications, and the unread messages."""

    interval = 10000  # ms between two polls of the count (a 304 while nothing changed)

    def update(self):
        super().update()
        self.available = not api.user.is_anonymous()
        if not self.available:
            return
        userid = api.user.get_current().getId()
        manager = getUtility(IActivityLocator).get_manager()
        self.not_seen = manager.count_not_seen_by_recipient(userid)
        self.latest = manager.get_by_recipient(userid).limit(5).all()
        inbox = getUtility(IMessagingLocator).get_inboxes().get(userid)
        self.unread = inbox.new_messages_count if inbox is not None else 0
        self.portal_url = api.portal.get().absolute_url()
        self.userid = userid

    def see_url(self, notification):
        from plonesocial.delivery.mail import item_url
        from urllib.parse import urlencode

        query = urlencode({"id": notification.id,
                           "target": item_url(notification, reader=self.userid)})
        return f"{self.portal_url}/@@see?{query}"

"""@notifications: the authenticated user's notification list."""

from plone import api
from plonesocial.activitystream.exc import NotificationNotFound
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.delivery.mail import item_url
from plonesocial.restapi.base import iso
from plonesocial.restapi.base import SocialService
from zExceptions import BadRequest
from zExceptions import NotFound
from zope.component import getUtility


class NotificationsService(SocialService):
    def manager(self):
        return getUtility(IActivityLocator).get_manager()

    def base_url(self):
        return f"{api.portal.get().absolute_url()}/@notifications"

    def serialize(self, notification):
        return {
            "@id": f"{self.base_url()}/{notification.id}",
            "id": notification.id,
            "type": notification.message_type,
            "subject": notification.subject,
            "body": notification.body,
            "url": item_url(notification, reader=self.userid),
            "actors": list(notification.actors),
            "count": notification.count,
            "reasons": list(notification.reasons),
            "broadcast": notification.recipient is None,
            "created": iso(notification.created),
            "updated": iso(notification.updated),
            "seen": notification.seen,
            "sent": iso(notification.sent),
            "activity_id": notification.activity_id,
        }

    def notifications(self, ids):
        """Resolve ids (all of them, before changing anything) to my notifications."""
        if not isinstance(ids, list) or not ids:
            raise BadRequest('"ids" must be a non-empty list of notification ids')
        found = []
        for notification_id in ids:
            if isinstance(notification_id, bool) or not isinstance(notification_id, int):
                raise BadRequest(f"not a notification id: {notification_id!r}")
            try:
                found.append(self.manager().get_notification(self.userid, notification_id))
            except NotificationNotFound:
                raise NotFound(f"No notification {notification_id}") from None
        return found

    def count(self):
        manager = self.manager()
        return {
            "not_seen": manager.count_not_seen_by_recipient(self.userid),
            "last_seen": iso(manager.get_last_seen(self.userid)),
        }

"""@notifications: the authenticated user's notification list."""

from plonesocial.activitystream import api as activitystream
from plonesocial.messaging import api as messaging
from plonesocial.restapi.base import iso
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from plonesocial.urls import portal_url


class NotificationsService(SocialService):
    def base_url(self):
        return f"{portal_url()}/@notifications"

    def serialize(self, notification):
        return serialize(notification, self.request)

    def count(self):
        return {
            "not_seen": activitystream.count_unseen(self.userid),
            # tgapp's badge: new since I last looked (issue 16); not_seen is Lino's.
            "new": activitystream.count_new(self.userid),
            "last_seen": iso(activitystream.get_last_seen(self.userid)),
            # The header's Messages count polls with the bell (issue 14).
            "unread_messages": messaging.count_unread(self.userid),
        }

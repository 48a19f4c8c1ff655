"""JSON of notifications, activities, subscriptions, preferences and push subscriptions."""

from plone import api
from plone.restapi.interfaces import ISerializeToJson
from plonesocial.activitystream.interfaces import IActivity
from plonesocial.activitystream.interfaces import INotification
from plonesocial.activitystream.interfaces import IPreferences
from plonesocial.activitystream.interfaces import ISubscription
from plonesocial.activitystream.readers import ReaderResolver
from plonesocial.activitystream.rendering import render_body
from plonesocial.activitystream.rendering import render_subject
from plonesocial.delivery.interfaces import IPushSubscription
from plonesocial.serializers.base import iso
from plonesocial.urls import notification_url
from plonesocial.urls import portal_url
from zope.component import adapter
from zope.interface import implementer
from zope.interface import Interface


# The preferences a person can read and change (@notification-settings).
PREFERENCE_FIELDS = ("notify_myself", "mail_mode", "mail_modes", "digest_hour",
                     "digest_weekday", "timezone", "dnd_start", "dnd_end")


class Serializer:
    def __init__(self, context, request):
        self.context = context
        self.request = request


@implementer(ISerializeToJson)
@adapter(INotification, Interface)
class NotificationSerializer(Serializer):
    """A notification with its subject and body rendered in the request's language."""

    def __call__(self):
        notification = self.context
        return {
            "@id": f"{portal_url()}/@notifications/{notification.id}",
            "id": notification.id,
            "type": notification.message_type,
            "subject": render_subject(notification),
            "body": render_body(notification),
            "url": notification_url(notification, reader=current_userid()),
            "actors": list(notification.actors),
            "count": notification.count,
            "reasons": list(notification.reasons),
            "broadcast": notification.recipient is None,
            "context": notification.context,
            "created": iso(notification.created),
            "updated": iso(notification.updated),
            "seen": notification.seen,
            "sent": iso(notification.sent),
            "activity_id": notification.activity_id,
        }


@implementer(ISerializeToJson)
@adapter(IActivity, Interface)
class ActivitySerializer(Serializer):
    """An activity as Activity Streams 2.0, its references described for its reader:
    what they may not View (a target elsewhere, a pending comment) is unnamed."""

    def __call__(self):
        reader = current_userid()
        data = self.context.to_json(ReaderResolver(reader))
        from plonesocial.serializers.social import add_social

        return add_social(data, self.context, reader)


def current_userid():
    """The reader: the authenticated user, or None (anonymous: nothing is checked)."""
    return None if api.user.is_anonymous() else api.user.get_current().getId()


@implementer(ISerializeToJson)
@adapter(ISubscription, Interface)
class SubscriptionSerializer(Serializer):
    def __call__(self):
        subscription = self.context
        return {
            "@id": f"{portal_url()}/@subscriptions/{subscription.kind}/{subscription.target}",
            "kind": subscription.kind,
            "subscriber": subscription.subscriber,
            "target": subscription.target,
            "subtree": subscription.subtree,
            "verbs": sorted(subscription.verbs) if subscription.verbs else None,
            "portal_types": (sorted(subscription.portal_types)
                             if subscription.portal_types else None),
            "frequency": subscription.frequency,
            "created": iso(subscription.created),
        }


@implementer(ISerializeToJson)
@adapter(IPreferences, Interface)
class PreferencesSerializer(Serializer):
    def __call__(self):
        data = {name: getattr(self.context, name) for name in PREFERENCE_FIELDS}
        data["mail_modes"] = dict(data["mail_modes"])
        return data


@implementer(ISerializeToJson)
@adapter(IPushSubscription, Interface)
class PushSubscriptionSerializer(Serializer):
    """A push subscription without its keys: they are the browser's secrets."""

    def __call__(self):
        subscription = self.context
        return {"endpoint": subscription.endpoint, "language": subscription.language,
                "user_agent": subscription.user_agent, "created": iso(subscription.created)}

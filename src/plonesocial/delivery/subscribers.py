"""Deliver a notification as it reaches its list: an email if its mode is 'immediately',
a Web Push message if the site and the recipient's browsers have it on."""

from plonesocial.activitystream.content import get_storage
from plonesocial.activitystream.rendering import language_of
from plonesocial.delivery import mail
from plonesocial.delivery import push
from zope.component.hooks import getSite


def notification_delivered(event):
    notification = event.object
    manager = get_storage(getSite())
    if manager is None or not manager.may_view(notification.recipient, notification):
        return
    if event.mail_mode == "immediately" and mail.can_send():
        address = mail.recipient_address(notification.recipient)
        if address is not None:
            mail.send(mail.compose_notification(
                notification, address, language_of(notification.recipient)))
            manager.mark_sent(notification)
    push.push_after_commit(notification)

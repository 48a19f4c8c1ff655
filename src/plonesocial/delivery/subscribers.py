"""Deliver a notification as it reaches its list: an email if its mode is 'immediately',
a Web Push message to each browser the recipient allowed. Both go to the outbox, in
the transaction that made the notification; the worker sends them after the commit."""

from plonesocial.activitystream.content import get_storage
from plonesocial.delivery import mail
from plonesocial.delivery import push
from plonesocial.delivery.outbox import current_outbox
from plonesocial.delivery.settings import get_settings
from plonesocial.delivery.worker import wake_after_commit
from zope.component.hooks import getSite


def notification_delivered(event):
    notification = event.object
    manager = get_storage(getSite())
    if manager is None or not manager.may_view(notification.recipient, notification):
        return
    outbox = current_outbox()
    queued = 0
    # issue 16: during their "Do not disturb" hours, held in the outbox until they end
    # (digests are not affected); the outbox sends each entry once.
    held = manager.preferences.get(notification.recipient, create=False).dnd_ends()
    if event.mail_mode == "immediately" and mail.can_send():
        # The address is looked up by the worker, after the commit, as it composes
        # the mail (it drops the entry of someone without one): not in the request
        # that made the notification (issue 13).
        outbox.add_mail(notification.recipient, (notification,), not_before=held)
        queued += 1
    queued += push.queue(outbox, manager, notification, not_before=held)
    if queued:
        wake_after_commit()


def broadcast_sent(event):
    """Mail and push a broadcast to everybody, if the site says so (issue 16): one
    outbox entry per member and browser, in the broadcast's transaction, each
    held during its recipient's "Do not disturb" hours."""
    settings = get_settings()
    send_mail = bool(settings.broadcast_mail) and mail.can_send()
    send_push = bool(settings.broadcast_push) and push.enabled()
    if not (send_mail or send_push):
        return
    from plone import api

    notification = event.object
    manager = get_storage(getSite())
    outbox = current_outbox()
    queued = 0
    for user in api.user.get_users():
        userid = user.getId()
        held = manager.preferences.get(userid, create=False).dnd_ends()
        # The member listed has its address: no second lookup of each.
        if send_mail and user.getProperty("email", None):
            outbox.add_mail(userid, (notification,), not_before=held)
            queued += 1
        if send_push:
            for subscription in manager.get_push_subscriptions(userid):
                outbox.add_push(userid, subscription.endpoint, notification, not_before=held)
                queued += 1
    if queued:
        wake_after_commit()

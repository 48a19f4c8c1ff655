"""Web Push: desktop notifications through the browsers' push services.

Sent after the transaction that made the notification commits (nothing for
a rolled-back one), with the site's VAPID keys. Subscriptions the push
service answers 404 or 410 for are gone for good and are removed.
"""

from plone import api
from plonesocial import logger
from plonesocial.activitystream.content import get_storage
from plonesocial.activitystream.rendering import language_of
from plonesocial.activitystream.rendering import render_body
from plonesocial.activitystream.rendering import render_subject
from plonesocial.delivery.mail import item_url
from plonesocial.delivery.settings import get_settings
from pywebpush import webpush
from pywebpush import WebPushException
from zope.component.hooks import getSite

import json
import transaction


GONE = (404, 410)
TIMEOUT = 10  # seconds per push service request


def payload(notification, language="en"):
    """The JSON the service worker receives, in the recipient's language."""
    return json.dumps({
        "id": notification.id,
        "title": render_subject(notification, language),
        "body": render_body(notification, language),
        "url": item_url(notification),
    })


def push_after_commit(notification):
    """Arrange for `notification` to be pushed to its recipient's browsers."""
    settings = get_settings()
    if not settings.use_push_api or not settings.vapid_private_key:
        return
    site = getSite()
    manager = get_storage(site)
    subscriptions = manager.get_push_subscriptions(notification.recipient)
    if not subscriptions:
        return
    site_address = api.portal.get_registry_record("plone.email_from_address", default="")
    claims = {"sub": settings.vapid_contact or f"mailto:{site_address}"}
    job = dict(
        userid=notification.recipient,
        data=payload(notification, language_of(notification.recipient)),
        subscriptions=[s.info() for s in subscriptions],
        key=settings.vapid_private_key,
        claims=claims,
        db=site._p_jar.db(),
        site_path=site.getPhysicalPath(),
    )
    transaction.get().addAfterCommitHook(_send_after_commit, (job,))


def _send_after_commit(committed, job):
    if committed:
        send(job)


def send(job):
    """Push to every subscription; remove the dead ones. Return how many got it."""
    delivered, gone = 0, []
    for info in job["subscriptions"]:
        try:
            webpush(info, data=job["data"], vapid_private_key=job["key"],
                    vapid_claims=dict(job["claims"]), timeout=TIMEOUT)
            delivered += 1
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in GONE:
                gone.append(info["endpoint"])
            else:
                logger.warning("Web Push to %s failed: %s", info["endpoint"], error)
    if gone:
        _forget(job, gone)
    return delivered


def _forget(job, endpoints):
    """Remove subscriptions in a transaction of their own (the request's is over)."""
    tm = transaction.TransactionManager()
    connection = job["db"].open(tm)
    try:
        for attempt in tm.attempts(3):
            with attempt:
                site = connection.root()["Application"].unrestrictedTraverse(job["site_path"])
                manager = get_storage(site)
                for endpoint in endpoints:
                    manager.remove_push_subscription(job["userid"], endpoint)
    finally:
        connection.close()

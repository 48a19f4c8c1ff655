"""Web Push: desktop notifications through the browsers' push services.

A notification is queued in the outbox once per browser of its recipient,
in the transaction that made it (nothing for a rolled-back one); the outbox
worker encrypts and sends each one after the commit, with the site's VAPID
key, to an endpoint checked again just before (see push_endpoints).
Subscriptions the push service answers 404 or 410 for are gone for good and
are removed.
"""

from plone import api
from plonesocial.activitystream.rendering import render_body
from plonesocial.activitystream.rendering import render_subject
from plonesocial.bidi import strip_controls
from plonesocial.delivery.mail import item_url
from plonesocial.delivery.mail import site_url
from plonesocial.delivery.settings import get_settings
from plonesocial.delivery.vapid import vapid_for
from urllib.parse import urlsplit

import json
import time


TTL = 24 * 3600  # seconds a push service keeps a message for a browser that is offline


def enabled():
    settings = get_settings()
    return bool(settings.use_push_api and settings.vapid_private_key)


def payload(notification, language="en"):
    """The JSON the service worker receives, in the recipient's language (raise
    SiteURLMissing)."""
    return json.dumps({
        "id": notification.id,
        "title": strip_controls(render_subject(notification, language)),
        "body": render_body(notification, language),
        "url": item_url(notification, site_url(), reader=notification.recipient),
    })


def queue(outbox, manager, notification, not_before=None):
    """Queue `notification` for every browser of its recipient, to leave at
    `not_before` (naive UTC) or at once; return how many."""
    if not enabled():
        return 0
    subscriptions = manager.get_push_subscriptions(notification.recipient)
    for subscription in subscriptions:
        outbox.add_push(notification.recipient, subscription.endpoint, notification,
                        not_before=not_before)
    return len(subscriptions)


def vapid_claims(endpoint):
    settings = get_settings()
    contact = settings.vapid_contact or "mailto:" + (
        api.portal.get_registry_record("plone.email_from_address", default="") or "")
    parts = urlsplit(endpoint)
    return {"sub": contact, "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + 12 * 3600}


def encrypt(subscription, data):
    """Return (body, headers) of the push request for one subscription."""
    from pywebpush import WebPusher

    settings = get_settings()
    body = WebPusher(subscription.info()).encode(data.encode(), "aes128gcm")["body"]
    headers = {"Content-Encoding": "aes128gcm", "TTL": str(TTL),
               "Content-Type": "application/octet-stream"}
    headers.update(vapid_for(settings.vapid_private_key).sign(vapid_claims(subscription.endpoint)))
    return body, headers

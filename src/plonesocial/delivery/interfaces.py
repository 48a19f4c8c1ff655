"""Interfaces of plonesocial.delivery."""

from zope.interface import Attribute
from zope.interface import Interface


class IPushSubscription(Interface):
    """One browser's permission to show this site's notifications (Web Push)."""

    endpoint = Attribute("The push service's URL for this browser.")
    p256dh = Attribute("The browser's public key (base64url).")
    auth = Attribute("The browser's authentication secret (base64url).")
    language = Attribute("The language the browser asked for, or ''.")
    user_agent = Attribute("The browser's User-Agent when it registered.")
    created = Attribute("When it registered: a naive UTC datetime.")

    def info():
        """The subscription as the Push API and pywebpush describe it."""

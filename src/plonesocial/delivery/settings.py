"""Site settings of email and Web Push delivery, kept in the Plone registry."""

from plonesocial import _
from plonesocial.delivery.vapid import check_private_key
from plonesocial.delivery.vapid import check_public_key
from plonesocial.settings import RegistrySettings
from zope import schema
from zope.interface import Interface
from zope.interface import Invalid

import ipaddress
import urllib.parse


PREFIX = "plonesocial.delivery"

# The push services of the browsers people use; an endpoint must be on one of
# them (a leading "*." also allows every subdomain).
KNOWN_PUSH_SERVICES = (
    "fcm.googleapis.com",  # Chrome, Edge, Opera, Samsung
    "updates.push.services.mozilla.com",  # Firefox
    "*.push.apple.com",  # Safari
    "*.notify.windows.com",  # Edge on Windows (WNS)
)


def check_site_url(value):
    """A site URL is an absolute http(s) URL without query or fragment (or not set)."""
    if not value:
        return True
    parts = urllib.parse.urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(_("Enter the address of the site, such as https://intranet.example.org/Plone"))
    if parts.query or parts.fragment or parts.username or parts.password:
        raise Invalid(_("The site URL must not have a query, a fragment or credentials"))
    return True


def check_host_pattern(value):
    """A push service host name, or "*." and a domain (a one-label name such as
    localhost is allowed: a push service of your own)."""
    host = value[2:] if value.startswith("*.") else value
    labels = host.split(".")
    if not host or not all(
            label and label.replace("-", "").isalnum() and label.isascii() for label in labels):
        raise Invalid(_("Enter host names such as fcm.googleapis.com or *.push.apple.com"))
    return True


def check_network(value):
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise Invalid(_("Enter networks such as 10.20.0.0/16 or fd00::/8")) from None
    return True


class IDeliverySettings(Interface):
    """Registry records ``plonesocial.delivery.<name>``."""


    site_url = schema.TextLine(
        title=_("Site URL"),
        description=_(
            "The public address of the site, such as https://intranet.example.org/Plone. "
            "Every link in emails and desktop notifications starts with it; it is set "
            "when plonesocial is installed. Without it, no email is sent."
        ),
        required=False,
        default="",
        constraint=check_site_url,
    )

    push_services = schema.List(
        title=_("Allowed push services"),
        description=_(
            "Browsers may register desktop notifications only at these hosts (one per "
            "line; *.example.com allows its subdomains). Empty: any public https host."
        ),
        value_type=schema.TextLine(constraint=check_host_pattern),
        required=False,
        default=list(KNOWN_PUSH_SERVICES),
        max_length=50,
    )

    push_private_networks = schema.List(
        title=_("Private networks of push services"),
        description=_(
            "Push endpoints must resolve to public addresses. Only list here the "
            "networks of a push service of your own inside your network (CIDR, one per line)."
        ),
        value_type=schema.TextLine(constraint=check_network),
        required=False,
        default=[],
        max_length=20,
    )

    max_attempts = schema.Int(
        title=_("Delivery attempts"),
        description=_(
            "How often an email or desktop notification is tried before it is marked failed."
        ),
        default=8,
        min=1,
        max=50,
    )

    retry_delay = schema.Int(
        title=_("First retry after (seconds)"),
        description=_("Each further retry waits twice as long as the one before."),
        default=60,
        min=1,
        max=86400,
    )

    max_retry_delay = schema.Int(
        title=_("Longest wait between retries (seconds)"),
        default=6 * 3600,
        min=1,
        max=7 * 86400,
    )

    timeout = schema.Int(
        title=_("Network timeout (seconds)"),
        description=_("How long the sender waits for a mail server or a push service."),
        default=20,
        min=1,
        max=300,
    )

    sending_lease = schema.Int(
        title=_("Interrupted after (seconds)"),
        description=_(
            "An entry still being sent after this long was interrupted (the process "
            "stopped): it is shown as failed for you to retry or discard, never sent "
            "again on its own. Keep it well above the network timeout."
        ),
        default=600,
        min=5,
        max=86400,
    )

    keep_sent_days = schema.Int(
        title=_("Keep sent entries (days)"),
        description=_("The outbox forgets what was sent this many days ago."),
        default=7,
        min=0,
        max=365,
    )

    settings_writes_per_minute = schema.Int(
        title=_("Settings changes per minute"),
        description=_(
            "How often one person may change notification settings, subscriptions and "
            "push registrations in any 60 seconds (per Zope process); 0 is unlimited."
        ),
        default=60,
        min=0,
    )

    mark_seen_when_sent = schema.Bool(
        title=_("Mark seen when mailed"),
        description=_("A notification sent by email counts as seen on the site."),
        default=False,
    )

    use_push_api = schema.Bool(
        title=_("Desktop notifications"),
        description=_("Send notifications to browsers through the Push API."),
        default=False,
    )

    broadcast_mail = schema.Bool(
        title=_("Mail broadcasts"),
        description=_("Send every member with an email address a mail of each broadcast "
                      "(through the outbox; held during their Do not disturb hours)."),
        default=False,
        required=False,
    )

    broadcast_push = schema.Bool(
        title=_("Push broadcasts"),
        description=_("Send each broadcast to the browsers of every member who allowed "
                      "desktop notifications."),
        default=False,
        required=False,
    )

    vapid_public_key = schema.TextLine(
        title=_("VAPID public key"),
        description=_("The site's public application server key (base64url)."),
        required=False,
        default="",
        constraint=check_public_key,
    )

    # Text, not TextLine: a PEM key has line breaks.
    vapid_private_key = schema.Text(
        title=_("VAPID private key"),
        description=_("The site's private key: the PEM file, or the raw key in base64url."),
        required=False,
        default="",
        constraint=check_private_key,
    )

    vapid_contact = schema.TextLine(
        title=_("VAPID contact"),
        description=_("A mailto: or https: address push services can reach the site at."),
        required=False,
        default="",
    )


SETTINGS = RegistrySettings(IDeliverySettings, PREFIX)
get_settings = SETTINGS.get
get_delivery_settings = SETTINGS.get
is_installed = SETTINGS.is_installed

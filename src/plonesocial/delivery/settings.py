"""Site settings of email and Web Push delivery, kept in the Plone registry."""

from plonesocial import _
from plonesocial.settings import RegistrySettings
from zope import schema
from zope.interface import Interface


PREFIX = "plonesocial.delivery"


class IDeliverySettings(Interface):
    """Registry records ``plonesocial.delivery.<name>``."""

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

    vapid_public_key = schema.TextLine(
        title=_("VAPID public key"),
        description=_("The site's public application server key (base64url)."),
        required=False,
        default="",
    )

    vapid_private_key = schema.TextLine(
        title=_("VAPID private key"),
        description=_("The site's private key (base64url raw or PEM)."),
        required=False,
        default="",
    )

    vapid_contact = schema.TextLine(
        title=_("VAPID contact"),
        description=_("A mailto: or https: address push services can reach the site at."),
        required=False,
        default="",
    )


SETTINGS = RegistrySettings(IDeliverySettings, PREFIX)
get_settings = SETTINGS.get
is_installed = SETTINGS.is_installed

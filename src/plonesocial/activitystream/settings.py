"""Site settings of the activity streams, kept in the Plone registry."""

from plone.registry.interfaces import IRegistry
from plonesocial import _
from plonesocial.activitystream.interfaces import MAIL_MODES
from plonesocial.delivery.vapid import check_private_key  # issue 12: keys validated on save
from plonesocial.delivery.vapid import check_public_key
from zope import schema
from zope.component import queryUtility
from zope.interface import Interface


# What erasing a user does to their messages in other people's inboxes.
ERASE_MESSAGES = ("anonymise", "keep")


class IActivityStreamSettings(Interface):
    """Registry records ``plonesocial.activitystream.<name>``."""

    max_message_length = schema.Int(
        title=_("Maximum message length"),
        description=_("Longest private message accepted, in characters."),
        default=10000,
        min=1,
        max=1000000,
    )

    max_messages_per_minute = schema.Int(
        title=_("Messages per minute"),
        description=_(
            "How many private messages one person may send in any 60 seconds; 0 is unlimited."
        ),
        default=30,
        min=0,
    )

    max_recipients = schema.Int(
        title=_("Addressed recipients per request"),
        description=_(
            "How many people one activity or notice may address by name; 0 is unlimited. "
            "Followers and watchers are not counted: they get theirs through the fan-out."
        ),
        default=100,
        min=0,
    )

    fanout_threshold = schema.Int(
        title=_("Fan-out threshold"),
        description=_(
            "Notifications written while the request runs; an event with a "
            "larger audience queues the rest for the fan-out job."
        ),
        default=500,
        min=1,
    )

    remove_after = schema.Int(
        title=_("Remove notifications after (days)"),
        description=_("The cleanup job removes older notifications; 0 keeps them forever."),
        default=14,
        min=0,
    )

    keep_unseen = schema.Bool(
        title=_("Keep unseen notifications"),
        description=_("The cleanup job spares notifications their recipient has not seen."),
        default=True,
    )

    creator_watches = schema.Bool(
        title=_("Creators watch their content"),
        description=_("Whoever creates content watches it from then on."),
        default=True,
    )

    default_mail_mode = schema.Choice(
        title=_("Default mail mode"),
        description=_("How people hear of a notification until they choose otherwise."),
        values=MAIL_MODES,
        default="often",
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

    vapid_public_key = schema.TextLine(
        title=_("VAPID public key"),
        description=_("The site's public application server key (base64url)."),
        required=False,
        default="",
        constraint=check_public_key,
    )

    # Text, not TextLine: a PEM key has line breaks (issue 12).
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


    erase_messages = schema.Choice(
        title=_("Messages of erased users"),
        description=_(
            "When a user's data is erased, their messages in other people's inboxes are "
            "anonymised (text and sender replaced) or kept as they are."
        ),
        values=ERASE_MESSAGES,
        default="anonymise",
    )

    erase_on_user_removal = schema.Bool(
        title=_("Erase the data of removed users"),
        description=_("Removing a user erases their messages, notifications and settings."),
        default=True,
    )


PREFIX = "plonesocial.activitystream"


class Defaults:
    """The schema defaults, for a plain ZODB without a registry."""

    def __getattr__(self, name):
        try:
            return IActivityStreamSettings[name].default
        except KeyError:
            raise AttributeError(name) from None


def is_installed():
    """Tell whether the current site's registry has plonesocial's records."""
    registry = queryUtility(IRegistry)
    return registry is not None and f"{PREFIX}.fanout_threshold" in registry.records


def get_settings():
    """Return the settings: the registry's if it has them, else the defaults."""
    if is_installed():
        registry = queryUtility(IRegistry)
        return registry.forInterface(IActivityStreamSettings, prefix=PREFIX, check=False)
    return Defaults()

"""Site settings of personal data erasure, kept in the Plone registry."""

from plonesocial import _
from plonesocial.settings import RegistrySettings
from zope import schema
from zope.interface import Interface


PREFIX = "plonesocial.privacy"

# What erasing a user does to their messages in other people's inboxes.
ERASE_MESSAGES = ("anonymise", "keep")


class IPrivacySettings(Interface):
    """Registry records ``plonesocial.privacy.<name>``."""

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


SETTINGS = RegistrySettings(IPrivacySettings, PREFIX)
get_settings = SETTINGS.get
is_installed = SETTINGS.is_installed

"""Site settings of private messages, kept in the Plone registry."""

from plonesocial import _
from plonesocial.settings import RegistrySettings
from zope import schema
from zope.interface import Interface


PREFIX = "plonesocial.messaging"


class IMessagingSettings(Interface):
    """Registry records ``plonesocial.messaging.<name>``."""

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

    # Issue 15: group conversations.
    max_group_participants = schema.Int(
        title=_("Participants per group"),
        description=_("How many people a group conversation may have besides its owner."),
        default=200,
        min=2,
        max=10000,
    )

    # Issue 15: message requests (messaging/requests.py).
    accept_messages_from = schema.Choice(
        title=_("Accept messages from"),
        description=_(
            "Whom people accept messages from until they choose otherwise. A first message "
            "from anyone else waits as a request until they accept it; site "
            "administrators' messages always arrive."),
        values=("everyone", "following", "nobody"),
        default="everyone",
    )


SETTINGS = RegistrySettings(IMessagingSettings, PREFIX)
get_settings = SETTINGS.get
is_installed = SETTINGS.is_installed

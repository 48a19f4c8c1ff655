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

    # Issue 15: attachments (messaging/attachments.py).
    max_attachment_size = schema.Int(
        title=_("Maximum attachment size"),
        description=_("Largest file accepted on a private message, in megabytes."),
        default=10,
        min=1,
        max=1024,
    )

    max_attachments = schema.Int(
        title=_("Attachments per message"),
        description=_("How many files one private message may carry; 0 turns attachments off."),
        default=5,
        min=0,
        max=50,
    )

    allowed_attachment_types = schema.List(
        title=_("Allowed attachment types"),
        description=_(
            "MIME types accepted on private messages, one a line (image/png, application/pdf). "
            "The type is checked against the file's content; only raster images are shown "
            "in the page, everything else is offered as a download."
        ),
        value_type=schema.ASCIILine(),
        default=[
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "application/pdf",
            "text/plain",
            "application/zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
        ],
        required=False,
    )

    # Issue 15: edit and unsend (messaging/edits.py).
    edit_window_minutes = schema.Int(
        title=_("Editing time"),
        description=_("For how many minutes after sending the sender may edit a message; "
                      "0: messages cannot be edited."),
        default=15,
        min=0,
        max=525600,
    )


SETTINGS = RegistrySettings(IMessagingSettings, PREFIX)
get_settings = SETTINGS.get
is_installed = SETTINGS.is_installed

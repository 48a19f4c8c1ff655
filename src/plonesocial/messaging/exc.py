"""The exceptions of the messaging API (defined in plonesocial.exc, kept here by name)."""

from plonesocial.exc import AttachmentNotFound  # noqa: F401
from plonesocial.exc import AttachmentTooLarge  # noqa: F401
from plonesocial.exc import AttachmentTypeNotAllowed  # noqa: F401
from plonesocial.exc import ConversationNotFound  # noqa: F401
from plonesocial.exc import EditWindowClosed  # noqa: F401
from plonesocial.exc import EmptyMessage  # noqa: F401
from plonesocial.exc import GroupNotFound  # noqa: F401
from plonesocial.exc import InboxNotFound  # noqa: F401
from plonesocial.exc import InvalidAttachment  # noqa: F401
from plonesocial.exc import InvalidGroup  # noqa: F401
from plonesocial.exc import InvalidMessage  # noqa: F401
from plonesocial.exc import InvalidUserId  # noqa: F401
from plonesocial.exc import MessageNotFound  # noqa: F401
from plonesocial.exc import MessageRemoved  # noqa: F401
from plonesocial.exc import MessageTooLong  # noqa: F401
from plonesocial.exc import MessagingError  # noqa: F401
from plonesocial.exc import MessagingNotFound as NotFound  # noqa: F401
from plonesocial.exc import NotAParticipant  # noqa: F401
from plonesocial.exc import NotBlocked  # noqa: F401
from plonesocial.exc import NotGroupOwner  # noqa: F401
from plonesocial.exc import NotTheSender  # noqa: F401
from plonesocial.exc import RateLimitExceeded  # noqa: F401
from plonesocial.exc import RecipientErased  # noqa: F401
from plonesocial.exc import SelfMessage  # noqa: F401
from plonesocial.exc import SenderBlocked  # noqa: F401
from plonesocial.exc import TooManyAttachments  # noqa: F401
from plonesocial.exc import TooManyParticipants  # noqa: F401

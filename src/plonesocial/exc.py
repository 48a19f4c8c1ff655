"""The exceptions plonesocial raises on purpose: one hierarchy with one root.

Catch :class:`SocialError` for every refusal of the API. Each class also
derives from the builtin that fits (``ValueError`` for bad input,
``KeyError`` for an unknown id), so dict-style code keeps working, and the
REST layer maps the hierarchy to HTTP codes in one place
(``plonesocial.restapi.errors``): bad input is 400, an unknown id 404, a
refusal 403, a rate limit 429.

Each subsystem has a root of its own under :class:`SocialError`
(:class:`MessagingError`, :class:`ActivityStreamError`,
:class:`PrivacyError`); the modules ``plonesocial.messaging.exc``,
``plonesocial.activitystream.exc`` and ``plonesocial.privacy.exc`` re-export
these classes for code written against them.
"""


def sentence(message):
    """A message (maybe a translatable ``Message`` with a mapping) as English text."""
    from zope.i18n import interpolate
    from zope.i18nmessageid import Message

    if isinstance(message, Message):
        return interpolate(str(message), message.mapping)
    return str(message)


class SocialError(Exception):
    """Base class of every error plonesocial raises on purpose.

    Its message may be a translatable ``Message``: ``str()`` reads it in
    English, pages and REST translate it for the reader (issue 14).
    """

    def __str__(self):
        return sentence(self.args[0]) if len(self.args) == 1 else super().__str__()


class InvalidInput(SocialError, ValueError):
    """An argument is missing or malformed; nothing was written."""


class UnknownUser(InvalidInput):
    """A user id names nobody on this site; ``userid`` is the id."""

    def __init__(self, message, userid=None):
        super().__init__(message)
        self.userid = userid


class NotAllowed(SocialError):
    """The current user may not act on this user's data (HTTP 403)."""


class NotFound(SocialError, KeyError):
    """Base class for an unknown inbox, conversation, message, activity,
    notification or subscription."""

    def __str__(self):
        # KeyError quotes its argument; these carry a sentence.
        return sentence(self.args[0]) if self.args else ""


class Refused(SocialError):
    """The request is well formed but not allowed (a block, a rate limit)."""


# -- the roots of the subsystems ------------------------------------------------


class MessagingError(SocialError):
    """Base class of every error of the messaging API."""


class ActivityStreamError(SocialError):
    """Base class of every error of the activity stream API."""


class PrivacyError(SocialError):
    """Base class of every error of the personal data API."""


# -- user ids: one class, known to every subsystem ------------------------------


class InvalidActivity(ActivityStreamError, InvalidInput):
    """An argument of an activity or notification is missing or malformed."""


class InvalidUserId(InvalidActivity, MessagingError, PrivacyError):
    """A user id is not a non-empty string without surrounding white space.

    Every subsystem checks user ids the same way and raises this one class;
    it is an error of each of them, so code catching a subsystem's root
    catches it too.
    """


# -- messaging ----------------------------------------------------------------------


class InvalidMessage(MessagingError, InvalidInput):
    """The message cannot be sent as given (wrong type of text or date)."""


class EmptyMessage(InvalidMessage):
    """The text is empty or white space only."""


class MessageTooLong(InvalidMessage):
    """The text is longer than the configured maximum length."""


class RateLimitExceeded(MessagingError, Refused):
    """The sender sent as many messages as allowed in the last minute; nothing was sent.

    ``retry_after`` is how many seconds until the next message is accepted.
    """

    def __init__(self, message, retry_after=60):
        super().__init__(message)
        self.retry_after = retry_after


class RecipientErased(MessagingError, InvalidInput):
    """The recipient is the placeholder of an erased user; nobody reads it."""


class SelfMessage(MessagingError, InvalidInput):
    """Sender and recipient are the same user."""


class SenderBlocked(MessagingError, Refused):
    """The recipient has blocked the sender; nothing was sent."""


class MessagingNotFound(MessagingError, NotFound):
    """Base class for an unknown inbox, conversation or message."""


class InboxNotFound(MessagingNotFound):
    """The user has no inbox (they never sent nor received a message)."""


class ConversationNotFound(MessagingNotFound):
    """The inbox has no conversation with that user."""


class MessageNotFound(MessagingNotFound):
    """The conversation has no message with that id."""


# Issue 15 (blocking everywhere): unblocking someone one has not blocked.
class NotBlocked(MessagingNotFound):
    """The user has not blocked that person."""


# Issue 15: group conversations.
class InvalidGroup(MessagingError, InvalidInput):
    """A group cannot be created or changed as asked (participants, title)."""


class TooManyParticipants(InvalidGroup):
    """More participants than the site allows (``max_group_participants``)."""


class NotGroupOwner(MessagingError, Refused):
    """Only the owner of the group may do this."""


class NotAParticipant(MessagingError, Refused):
    """The user is no (longer a) participant: they may read what they received, not write."""


class GroupNotFound(MessagingNotFound):
    """No group with that id, or the user never was in it."""


class RequestNotFound(MessagingNotFound):
    """No message request of that user (or group) waits for the reader (issue 15)."""


# Issue 15: attachments, edit and unsend.
class InvalidAttachment(MessagingError, InvalidInput):
    """A file cannot be attached: unreadable, or not what its type claims."""


class AttachmentTooLarge(InvalidAttachment):
    """A file is larger than the site allows (``max_attachment_size``)."""


class TooManyAttachments(InvalidAttachment):
    """More files on one message than the site allows (``max_attachments``)."""


class AttachmentTypeNotAllowed(InvalidAttachment):
    """The file's type (checked against its content) is not in ``allowed_attachment_types``."""


class AttachmentNotFound(MessagingNotFound):
    """No such attachment on that message, or the reader may not see it."""


class NotTheSender(MessagingError, NotAllowed):
    """Only the sender of a message may edit or unsend it."""


class EditWindowClosed(MessagingError, Refused):
    """The time to edit the message (``edit_window_minutes``) is over, or editing is off."""


class MessageRemoved(MessagingError, Refused):
    """The message was unsent: there is nothing left to edit."""


# -- activity streams ---------------------------------------------------------------


class InvalidVerb(InvalidActivity):
    """The verb is empty or not a string."""


class InvalidReference(InvalidActivity):
    """A reference names an unknown kind of entity or is malformed."""


class InvalidExtra(InvalidActivity):
    """`extra` is not a dict that serialises to JSON."""


class TooManyRecipients(InvalidActivity):
    """More recipients are addressed by name than the site allows in one call
    (the ``max_recipients`` setting); nothing was recorded nor notified."""


class InvalidSubscription(ActivityStreamError, InvalidInput):
    """A subscription names a bad target or filter."""


class InvalidCursor(ActivityStreamError, InvalidInput):
    """A paging cursor is not a valid id."""


class ActivityStreamNotFound(ActivityStreamError, NotFound):
    """Base class for an unknown activity, notification or subscription."""


class ActivityNotFound(ActivityStreamNotFound):
    """No activity with that id."""


class NotificationNotFound(ActivityStreamNotFound):
    """The user has no notification with that id."""


class SubscriptionNotFound(ActivityStreamNotFound):
    """The user has no such subscription."""


# -- personal data ------------------------------------------------------------------


class InvalidErasure(PrivacyError, InvalidInput):
    """An erasure cannot be done as asked (unknown mode, a placeholder id)."""

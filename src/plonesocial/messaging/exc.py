"""The exceptions raised by the messaging API: one small hierarchy.

Catch :class:`MessagingError` to handle every refusal of the API; the
subclasses also derive from the builtin that fits (``ValueError`` for bad
input, ``KeyError`` for unknown keys), so dict-style code keeps working.
"""


class MessagingError(Exception):
    """Base class of every error the messaging API raises on purpose."""


class InvalidUserId(MessagingError, ValueError):
    """A user id is not a non-empty string without surrounding white space."""


class InvalidMessage(MessagingError, ValueError):
    """The message cannot be sent as given (wrong type of text or date)."""


class EmptyMessage(InvalidMessage):
    """The text is empty or white space only."""


class MessageTooLong(InvalidMessage):
    """The text is longer than the configured maximum length."""


class RateLimitExceeded(MessagingError):
    """The sender sent as many messages as allowed in the last minute; nothing was sent.

    ``retry_after`` is how many seconds until the next message is accepted.
    """

    def __init__(self, message, retry_after=60):
        super().__init__(message)
        self.retry_after = retry_after


class RecipientErased(MessagingError, ValueError):
    """The recipient is the placeholder of an erased user; nobody reads it."""


class SelfMessage(MessagingError, ValueError):
    """Sender and recipient are the same user."""


class SenderBlocked(MessagingError):
    """The recipient has blocked the sender; nothing was sent."""


class NotFound(MessagingError, KeyError):
    """Base class for an unknown inbox, conversation or message."""

    def __str__(self):
        # KeyError quotes its argument; these carry a sentence.
        return str(self.args[0]) if self.args else ""


class InboxNotFound(NotFound):
    """The user has no inbox (they never sent nor received a message)."""


class ConversationNotFound(NotFound):
    """The inbox has no conversation with that user."""


class MessageNotFound(NotFound):
    """The conversation has no message with that id."""

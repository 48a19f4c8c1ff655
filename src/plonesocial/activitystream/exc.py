"""The exceptions raised by the activity stream API: one small hierarchy.

Catch :class:`ActivityStreamError` for every refusal of the API. The
subclasses also derive from the builtin that fits (``ValueError`` for bad
input, ``KeyError`` for unknown ids).
"""


class ActivityStreamError(Exception):
    """Base class of every error the activity stream API raises on purpose."""


class InvalidActivity(ActivityStreamError, ValueError):
    """An argument of an activity or notification is missing or malformed."""


class InvalidUserId(InvalidActivity):
    """A user id is not a non-empty string without surrounding white space."""


class InvalidVerb(InvalidActivity):
    """The verb is empty or not a string."""


class InvalidReference(InvalidActivity):
    """A reference names an unknown kind of entity or is malformed."""


class InvalidExtra(InvalidActivity):
    """`extra` is not a dict that serialises to JSON."""


class TooManyRecipients(InvalidActivity):
    """More recipients are addressed by name than the site allows in one call
    (the ``max_recipients`` setting); nothing was recorded nor notified."""


class InvalidSubscription(ActivityStreamError, ValueError):
    """A subscription names a bad target or filter."""


class InvalidCursor(ActivityStreamError, ValueError):
    """A paging cursor is not a valid id."""


class NotFound(ActivityStreamError, KeyError):
    """Base class for an unknown activity, notification or subscription."""

    def __str__(self):
        # KeyError quotes its argument; these carry a sentence.
        return str(self.args[0]) if self.args else ""


class ActivityNotFound(NotFound):
    """No activity with that id."""


class NotificationNotFound(NotFound):
    """The user has no notification with that id."""


class SubscriptionNotFound(NotFound):
    """The user has no such subscription."""

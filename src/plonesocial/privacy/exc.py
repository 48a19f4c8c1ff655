"""The exceptions raised by the personal data API."""


class PrivacyError(Exception):
    """Base class of every error the personal data API raises on purpose."""


class InvalidUserId(PrivacyError, ValueError):
    """A user id is not a non-empty string without surrounding white space."""


class InvalidErasure(PrivacyError, ValueError):
    """An erasure cannot be done as asked (unknown mode, a placeholder id)."""

"""The exceptions of the personal data API (defined in plonesocial.exc, kept here by name)."""

from plonesocial.exc import InvalidErasure  # noqa: F401
from plonesocial.exc import InvalidUserId  # noqa: F401
from plonesocial.exc import PrivacyError  # noqa: F401

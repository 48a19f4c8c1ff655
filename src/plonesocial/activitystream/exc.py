"""The exceptions of the activity stream API (defined in plonesocial.exc, kept here by name)."""

from plonesocial.exc import ActivityNotFound  # noqa: F401
from plonesocial.exc import ActivityStreamError  # noqa: F401
from plonesocial.exc import ActivityStreamNotFound as NotFound  # noqa: F401
from plonesocial.exc import InvalidActivity  # noqa: F401
from plonesocial.exc import InvalidCursor  # noqa: F401
from plonesocial.exc import InvalidExtra  # noqa: F401
from plonesocial.exc import InvalidReference  # noqa: F401
from plonesocial.exc import InvalidSubscription  # noqa: F401
from plonesocial.exc import InvalidUserId  # noqa: F401
from plonesocial.exc import InvalidVerb  # noqa: F401
from plonesocial.exc import NotificationNotFound  # noqa: F401
from plonesocial.exc import SubscriptionNotFound  # noqa: F401
from plonesocial.exc import TooManyRecipients  # noqa: F401

"""UTC time and the integer microsecond keys that order every plonesocial tree."""

from contextlib import contextmanager
from datetime import datetime
from datetime import timedelta
from datetime import timezone


EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)
_shift = timedelta(0)  # demo data only: see shifted()


def utcnow():
    """Return the current time as a naive datetime in UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None) + _shift


@contextmanager
def shifted(delta):
    """Let plonesocial's clock read `delta` (a timedelta) off the real time meanwhile.

    For demo data that should look lived in ("Bob created X 2 days ago"): a
    script records each step under a shift and commits it inside the block.
    The shift is process-wide: never in a process that serves requests.
    """
    global _shift
    before, _shift = _shift, delta
    try:
        yield
    finally:
        _shift = before


def as_utc(value):
    """Return `value` as a naive UTC datetime; None means now.

    Naive datetimes are taken to be UTC already; aware ones are converted.
    Raises TypeError for anything but a datetime or None.
    """
    if value is None:
        return utcnow()
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, not {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def to_key(value):
    """Return the integer key (UTC microseconds since 1970) of a naive UTC datetime."""
    return (value - EPOCH) // MICROSECOND


def from_key(key):
    """Return the naive UTC datetime of an integer key."""
    return EPOCH + key * MICROSECOND


def isoformat(value):
    """Return a naive UTC datetime as ISO 8601 with a Z, as JSON APIs expect."""
    return value.isoformat(timespec="microseconds").replace("+00:00", "") + "Z"

"""Bounds on what one person may store and send: known names only, capped lists and
bodies, and a rate of settings changes.

Per-user settings are small by nature: a mail mode per kind of notification,
a few verbs and content types per subscription. Taken without bounds, one
request could grow the database by megabytes (a PATCH of 4 MB of
``mail_modes`` keys did), so only known names are accepted, lists are capped,
request bodies are capped, and settings writes are rate-limited.
"""

from collections import deque
from plonesocial import exc
from plonesocial.delivery.settings import get_delivery_settings

import threading
import time


# The kinds of notification a person can choose a mail mode for (the
# preferences page lists the same).
MESSAGE_TYPES = ("message", "comment", "content", "workflow", "deleted", "notice", "post",
                 "mention", "like")

# The Activity Streams 2.0 activity types: the verbs a subscription can filter on.
VERBS = ("Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "Flag",
         "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer",
         "Question", "Read", "Reject", "Remove", "TentativeAccept", "TentativeReject",
         "Travel", "Undo", "Update", "View")

MAX_FILTER = 30  # verbs or portal types in one subscription
MAX_BODY = 64 * 1024  # bytes of a JSON body, except a message's (see max_body_for)
RATE_WINDOW = 60  # seconds


class LimitError(exc.InvalidInput):
    """A value outside the bounds; the message says which and what is allowed."""


def check_mail_modes(mail_modes):
    """Raise LimitError unless every key of `mail_modes` is a known message type."""
    if not isinstance(mail_modes, dict):
        return
    unknown = [key for key in mail_modes if key not in MESSAGE_TYPES]
    if unknown:
        shown = ", ".join(repr(key)[:40] for key in unknown[:5])
        raise LimitError(f"mail_modes: unknown message types {shown}; "
                         f"known are {', '.join(MESSAGE_TYPES)}")


def check_filter(values, name, known):
    """Raise LimitError unless `values` (a list or None) has at most MAX_FILTER known names."""
    if values is None or not isinstance(values, (list, tuple, set, frozenset)):
        return
    if len(values) > MAX_FILTER:
        raise LimitError(f"{name}: at most {MAX_FILTER} are allowed, not {len(values)}")
    unknown = [value for value in values if not isinstance(value, str) or value not in known]
    if unknown:
        shown = ", ".join(repr(value)[:40] for value in unknown[:5])
        raise LimitError(f"{name}: unknown {shown}")


def check_verbs(verbs):
    check_filter(verbs, "verbs", VERBS)


def installed_portal_types():
    from plone import api

    return set(api.portal.get_tool("portal_types").listContentTypes())


def max_body_for_message(max_message_length):
    """A message's text may be JSON-escaped (6 bytes a character at most), plus the rest."""
    return max(MAX_BODY, 6 * max_message_length + 1024)


class SettingsWriteLimiter:
    """How many settings writes each person made in the last minute, in this process.

    Kept in memory, not in the database: counting must not itself write (and
    conflict). With several Zope processes each counts its own share.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._writes = {}  # userid -> deque of monotonic times in the window

    def check(self, userid, limit, now=None):
        """Count a write; return None if allowed, else the seconds to wait."""
        if not limit:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            writes = self._writes.setdefault(userid, deque())
            while writes and writes[0] <= now - RATE_WINDOW:
                writes.popleft()
            if len(writes) >= limit:
                return max(1, int(writes[0] + RATE_WINDOW - now) + 1)
            writes.append(now)
            if len(self._writes) > 10000:  # forget idle people
                for idle in [u for u, w in self._writes.items() if not w]:
                    del self._writes[idle]
            return None

    def reset(self):
        with self._lock:
            self._writes.clear()


SETTINGS_WRITES = SettingsWriteLimiter()


def settings_write_wait(userid):
    """Count a settings write of `userid`; the seconds to wait if over the limit, else None."""
    return SETTINGS_WRITES.check(userid, get_delivery_settings().settings_writes_per_minute)

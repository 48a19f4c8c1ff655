"""Preferences: how each user wants to hear about things, one object per user."""

from BTrees.check import check as check_btree
from BTrees.OOBTree import OOBTree
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from persistent import Persistent
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.interfaces import IPreferences
from plonesocial.activitystream.interfaces import MAIL_MODES
from plonesocial.activitystream.settings import get_settings
from plonesocial.activitystream.validation import check_userid
from plonesocial.activitystream.validation import check_verb
from plonesocial.clock import as_utc
from plonesocial.clock import from_key
from plonesocial.limits import check_mail_modes
from plonesocial.limits import LimitError
from plonesocial.prefetch import prefetch_paths
from plonesocial.prefetch import prefetch_stored
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError
from zope.interface import implementer


MISSING = object()  # "not given", where None means something

# "often" digests go out every 10 minutes; a job run a little early still counts.
OFTEN = timedelta(minutes=9)

# Mail modes collected by the digest job, and how often each is sent.
DIGEST_MODES = ("often", "daily", "weekly")


@implementer(IPreferences)
class Preferences(Persistent):
    """How one user wants to hear about things."""

    notify_myself = False
    mail_mode = None  # the user's default for every type; None: the site's
    digest_hour = 7  # local hour of the daily and weekly digests
    digest_weekday = 0  # Monday: the day of the weekly digest
    timezone = "UTC"
    # message type -> mail mode, overriding mail_mode; replaced, never mutated, so the
    # class default is safe and preferences stored before it existed read as empty
    mail_modes = {}
    # issue 16: "Do not disturb" from dnd_start to dnd_end ("HH:MM", local time; the
    # end may be on the next day); None: never. Push and immediate mail wait.
    dnd_start = None
    dnd_end = None

    def __init__(self, userid):
        self.userid = userid

    def set(self, notify_myself=None, mail_mode=MISSING, mail_modes=None,
            digest_hour=None, digest_weekday=None, timezone=None, dnd_start=MISSING,
            dnd_end=MISSING):
        """Change the given preferences; raise InvalidActivity on bad values.

        Everything is checked before anything changes. `mail_mode` None
        means "the site default"; `mail_modes` maps message types to modes
        (None removes a type's own mode).
        """
        if mail_mode is not MISSING and mail_mode is not None:
            check_mode(mail_mode)
        if notify_myself is not None and not isinstance(notify_myself, bool):
            raise exc.InvalidActivity(_("notify_myself must be true or false."))
        if mail_modes is not None:
            if not isinstance(mail_modes, dict):
                raise exc.InvalidActivity(_("mail_modes must map message types to mail modes."))
            try:  # known message types only: no unbounded keys (plonesocial/limits.py)
                check_mail_modes(mail_modes)
            except LimitError as error:
                raise exc.InvalidActivity(str(error)) from None
            for message_type, mode in mail_modes.items():
                check_verb(message_type)
                if mode is not None:
                    check_mode(mode)
        if digest_hour is not None and (
            isinstance(digest_hour, bool) or not isinstance(digest_hour, int)
            or not 0 <= digest_hour <= 23
        ):
            raise exc.InvalidActivity(_("Choose the hour of the digest: a whole hour from 0 to 23."))
        if digest_weekday is not None and (
            isinstance(digest_weekday, bool) or not isinstance(digest_weekday, int)
            or not 0 <= digest_weekday <= 6
        ):
            raise exc.InvalidActivity(_(
                "Choose the day of the weekly digest: 0 (Monday) to 6 (Sunday)."))
        if timezone is not None:
            check_timezone(timezone)
        for name, value in (("dnd_start", dnd_start), ("dnd_end", dnd_end)):
            if value is not MISSING and value is not None:
                check_clock_time(value, name)
        start = self.dnd_start if dnd_start is MISSING else dnd_start
        end = self.dnd_end if dnd_end is MISSING else dnd_end
        if (start is None) != (end is None) or (start is not None and start == end):
            raise exc.InvalidActivity(_(
                "Do not disturb needs a start and a different end time (HH:MM), or neither"))

        if notify_myself is not None:
            self.notify_myself = notify_myself
        if mail_mode is not MISSING:
            self.mail_mode = mail_mode
        if mail_modes is not None:
            modes = dict(self.mail_modes)
            for message_type, mode in mail_modes.items():
                if mode is None:
                    modes.pop(message_type, None)
                else:
                    modes[message_type] = mode
            self.mail_modes = modes
        if digest_hour is not None:
            self.digest_hour = digest_hour
        if digest_weekday is not None:
            self.digest_weekday = digest_weekday
        if timezone is not None:
            self.timezone = timezone
        if dnd_start is not MISSING:
            self.dnd_start = dnd_start
        if dnd_end is not MISSING:
            self.dnd_end = dnd_end

    def dnd_ends(self, now=None):
        """When the "Do not disturb" hours around `now` (naive UTC) end, naive UTC, or
        None when `now` is outside them (or there are none)."""
        if self.dnd_start is None or self.dnd_end is None:
            return None
        zone = ZoneInfo(self.timezone)
        local = as_utc(now).replace(tzinfo=timezone.utc).astimezone(zone)
        start, end = minutes(self.dnd_start), minutes(self.dnd_end)
        current = local.hour * 60 + local.minute
        if start < end:
            inside = start <= current < end
        else:  # over midnight: 22:00 to 07:00
            inside = current >= start or current < end
        if not inside:
            return None
        day = local.date() if current < end else local.date() + timedelta(days=1)
        ends = datetime.combine(day, time(end // 60, end % 60), tzinfo=zone)
        return ends.astimezone(timezone.utc).replace(tzinfo=None)

    def mode_for(self, message_type, default=None):
        """Return the mail mode for a type of notification."""
        return (self.mail_modes.get(message_type) or self.mail_mode
                or default or get_settings().default_mail_mode)


def is_due(mode, preferences, last, now):
    """Tell whether a digest of `mode` is due at `now` (naive UTC), given the
    UTC µs of the last one (or None) and the recipient's preferences."""
    if mode == "often":
        return last is None or now - from_key(last) >= OFTEN
    zone = ZoneInfo(preferences.timezone)
    local = now.replace(tzinfo=timezone.utc).astimezone(zone)
    if local.hour < preferences.digest_hour:
        return False
    last_local = None
    if last is not None:
        last_local = from_key(last).replace(tzinfo=timezone.utc).astimezone(zone)
        if last_local.date() >= local.date():
            return False  # one per day at most
    if mode == "daily":
        return True
    if local.weekday() == preferences.digest_weekday:
        return True
    # A missed weekly digest (the job did not run that day) goes out late.
    return last_local is not None and (local.date() - last_local.date()).days > 7


def check_mode(mode):
    if mode not in MAIL_MODES:
        raise exc.InvalidActivity(
            f"mail_mode must be one of {', '.join(MAIL_MODES)}, not {mode!r}"
        )
    return mode


def check_clock_time(value, name):
    """Check a local time of day "HH:MM"."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":" or not (
            value[:2].isdigit() and value[3:].isdigit() and value.isascii()) or not (
            int(value[:2]) < 24 and int(value[3:]) < 60):
        raise exc.InvalidActivity(_("${name} must be a time of day as HH:MM, like 22:00",
            mapping={"name": name}))
    return value


def minutes(value):
    return int(value[:2]) * 60 + int(value[3:])


def check_timezone(name):
    if not isinstance(name, str) or not name:
        raise exc.InvalidActivity(_("Choose a time zone by its name, like Europe/Berlin."))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise exc.InvalidActivity(_("There is no time zone ${name}; choose one like Europe/Berlin.",
                                    mapping={"name": name})) from None
    return name


class PreferencesStore(Persistent):
    """The preferences of every user who changed theirs; the others use the defaults."""

    def __init__(self, tree=None):
        """A new store, or one around the tree of a manager stored before the stores."""
        # userid -> Preferences
        self._preferences = OOBTree() if tree is None else tree

    def get(self, userid, create=True):
        """The Preferences of `userid`; stored when first asked for with `create`.

        Without `create`, a user without stored preferences gets the
        defaults, unstored: reading never writes.
        """
        check_userid(userid)
        preferences = self._preferences.get(userid)
        if preferences is None:
            preferences = Preferences(userid)
            if create:
                self._preferences[userid] = preferences
        return preferences

    def get_stored(self, userid):
        """The stored Preferences of `userid`, or None (the defaults apply)."""
        return self._preferences.get(userid)

    def set(self, userid, **changes):
        """Change some preferences of `userid`; everything is checked first.

        A refused change stores nothing, not even the defaults of a user who
        had no stored preferences.
        """
        check_userid(userid)
        preferences = self._preferences.get(userid)
        stored = preferences is not None
        if not stored:
            preferences = Preferences(userid)
        preferences.set(**changes)
        if not stored:
            self._preferences[userid] = preferences
        return preferences

    def remove(self, userid):
        """Forget the preferences of `userid`; return True if there were any."""
        return self._preferences.pop(userid, None) is not None

    def mode(self, userid, message_type):
        """The mail mode of `userid` for a type of notification."""
        preferences = self._preferences.get(userid)
        if preferences is None:
            return get_settings().default_mail_mode
        return preferences.mode_for(message_type)

    def wants(self, userid, actor, message_type):
        """Tell whether `userid` is to be notified of what `actor` did."""
        if self.mode(userid, message_type) == "silent":
            return False
        if userid == actor:
            preferences = self._preferences.get(userid)
            return preferences is not None and preferences.notify_myself
        return True

    def prefetch(self, jar, userids):
        """Load the preferences of many users in a few round trips."""
        prefetch_paths(jar, [(self._preferences, userids)])
        prefetch_stored(jar, [found for found in map(self._preferences.get, userids)
                              if found is not None])

    def check_invariants(self):
        """Raise AssertionError unless the tree is sound (for tests)."""
        check_btree(self._preferences)
        for userid, preferences in self._preferences.items():
            assert preferences.userid == userid, "preferences filed under another user"

    def userids(self):
        """The userids with stored preferences."""
        return self._preferences.keys()

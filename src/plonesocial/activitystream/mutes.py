"""Mutes: what a person does not want to hear about for a while (issue 16, part 8).

A mute names its target generically, as (kind, target):

- ``("activity", "<activity id>")``: one activity (a post and what follows it);
- ``("content", "<UUID>")``: a content item, or a folder with everything in it;
- ``("conversation", "<userid>")``: the 1:1 conversation with that person;
  ``("conversation", "group:<group id>")``: a group conversation.

A mute lasts until a time (an hour, a day, a week) or until it is undone;
expiry needs no job: a mute whose time is over is compared with now and
ignored, and forgotten when its owner next mutes or unmutes something.
While a mute holds, its owner gets no notification (hence no mail, no push)
about the target; with ``hide`` the target's activities also leave their
timeline.

The fan-out asks one function, :func:`unmuted`, which recipients of an event
still hear of it.
"""

from BTrees.check import check as check_btree
from BTrees.OOBTree import OOBTree
from datetime import timedelta
from persistent import Persistent
from plonesocial import _
from plonesocial import exc
from plonesocial import userids
from plonesocial.clock import as_utc
from plonesocial.clock import isoformat
from plonesocial.clock import utcnow


KINDS = ("activity", "content", "conversation")

# The durations a person chooses from; None: until they unmute.
DURATIONS = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    None: None,
}

MAX_TARGET = 200  # characters of a target key (a UUID, an id, "group:" + id)


class Mute:
    """One mute of one person: immutable, stored inline in its owner's tree."""

    def __init__(self, userid, kind, target, until=None, hide=False, created=None):
        self.userid = userid
        self.kind = kind
        self.target = target
        self.until = until  # naive UTC, or None: until unmuted
        self.hide = hide  # also hidden from the owner's timeline
        self.created = created or utcnow()

    def active(self, now):
        return self.until is None or self.until > now

    @property
    def key(self):
        return (self.kind, self.target)

    def info(self):
        """The mute as JSON-ready data (REST and the personal-data export)."""
        return {"kind": self.kind, "target": self.target,
                "until": None if self.until is None else isoformat(self.until),
                "hide": self.hide, "created": isoformat(self.created)}


def check_target(kind, target):
    """Return (kind, target) checked, or raise InvalidInput with a sentence to act on."""
    if kind not in KINDS:
        raise exc.InvalidInput(_("kind must be one of activity, content, conversation, not ${kind}",
            mapping={"kind": repr(kind)[:40]}))
    if isinstance(target, int) and not isinstance(target, bool) and kind == "activity":
        target = str(target)
    if not isinstance(target, str) or not target.strip() or len(target) > MAX_TARGET \
            or target.strip() != target:
        raise exc.InvalidInput(_("target must be a non-empty id of at most 200 characters"))
    userids.check_unicode(target, "target", exc.InvalidInput)
    if kind == "activity" and not target.isdigit():
        raise exc.InvalidInput(_("An activity id is a number"))
    return kind, target


def until_of(duration, now=None):
    """The end of a mute of `duration` ("hour", "day", "week" or None) from now."""
    if not (duration is None or isinstance(duration, str)) or duration not in DURATIONS:
        raise exc.InvalidInput(_("duration must be hour, day, week or null (until you unmute)"))
    span = DURATIONS[duration]
    return None if span is None else as_utc(now) + span


class MuteStore(Persistent):
    """Every person's mutes: one subtree per person, so two people muting never conflict."""

    def __init__(self):
        # userid -> OOBTree((kind, target) -> Mute)
        self._mutes = OOBTree()

    def mute(self, userid, kind, target, until=None, hide=False, now=None):
        """Mute (or re-mute, replacing) a target for `userid`; return the Mute."""
        userids.check_userid(userid, "userid", exc.InvalidUserId)
        kind, target = check_target(kind, target)
        if not isinstance(hide, bool):
            raise exc.InvalidInput(_("hide must be true or false"))
        now = as_utc(now)
        mine = self._mutes.get(userid)
        if mine is None:
            mine = self._mutes[userid] = OOBTree()
        self._forget_expired(mine, now)
        mute = mine[(kind, target)] = Mute(userid, kind, target, until, hide, now)
        return mute

    def unmute(self, userid, kind, target, now=None):
        """End a mute; return True if one was active."""
        mine = self._mutes.get(userid)
        if mine is None or not isinstance(target, str):
            return False
        mute = mine.pop((kind, target), None)
        self._forget_expired(mine, as_utc(now))
        return mute is not None and mute.active(as_utc(now))

    @staticmethod
    def _forget_expired(mine, now):
        for key in [key for key, mute in mine.items() if not mute.active(now)]:
            del mine[key]

    def get(self, userid, kind, target, now=None):
        """The active mute of `userid` on a target, or None."""
        mine = self._mutes.get(userid)
        mute = None if mine is None else mine.get((kind, target))
        return mute if mute is not None and mute.active(as_utc(now)) else None

    def mutes(self, userid, now=None):
        """The active mutes of `userid`, a list ordered by (kind, target)."""
        now = as_utc(now)
        mine = self._mutes.get(userid)
        return [] if mine is None else [m for m in mine.values() if m.active(now)]

    def silences(self, userid, keys, now):
        """Tell whether `userid` muted any of `keys` ((kind, target) pairs) at `now`."""
        mine = self._mutes.get(userid)
        if not mine:
            return False
        for key in keys:
            mute = mine.get(key)
            if mute is not None and mute.active(now):
                return True
        return False

    def hidden(self, userid, now=None):
        """The keys `userid` hides from their timeline now, a frozenset."""
        now = as_utc(now)
        return frozenset(m.key for m in self.mutes(userid, now) if m.hide)

    def __bool__(self):
        return bool(self._mutes)  # the first bucket only: cheap

    def export_user(self, userid):
        mine = self._mutes.get(userid)
        return [] if mine is None else [m.info() for m in mine.values()]

    def erase_user(self, userid):
        """Forget every mute of `userid`, and the mutes of others that name them (their
        1:1 conversation); return how many of their own. Reads every muting user's
        subtree: erasure is rare, and mutes are few per person."""
        mine = self._mutes.pop(userid, None)
        for theirs in self._mutes.values():
            theirs.pop(("conversation", userid), None)
        return 0 if mine is None else len(mine)

    def check_invariants(self):
        check_btree(self._mutes)
        for userid, mine in self._mutes.items():
            check_btree(mine)
            for key, mute in mine.items():
                assert mute.userid == userid and mute.key == key, "mute filed elsewhere"


def about(manager, template):
    """The mute keys an event's notification is about: its activity, its content and
    the folders around it, its conversation."""
    keys = []
    activity_id = template.get("activity_id")
    ancestors = ()
    if activity_id is not None:
        keys.append(("activity", str(activity_id)))
        try:
            ancestors = getattr(manager.activities.get(activity_id), "ancestors", ())
        except exc.ActivityNotFound:
            ancestors = ()
    context = template.get("context")
    if context:
        keys.append(("content", context))
    keys.extend(("content", uuid) for uuid in ancestors)
    owner = template.get("owner")
    if owner is not None:
        if owner.kind == "content" and ("content", owner.id) not in keys:
            keys.append(("content", owner.id))
        elif owner.kind == "user" and template.get("message_type") == "message":
            keys.append(("conversation", owner.id))  # a 1:1 conversation with them
        elif owner.kind == "activity":
            keys.append(("activity", str(owner.id)))
    return keys


def silenced(manager, userid, notification, now=None):
    """Tell whether `userid` muted what a stored `notification` is about (the feed
    items of fan-out on read are checked when read, with the same keys)."""
    store = getattr(manager, "mutes", None)
    if not store:
        return False
    template = {"activity_id": notification.activity_id, "context": notification.context,
                "owner": notification.owner, "message_type": notification.message_type}
    keys = about(manager, template)
    return bool(keys) and store.silences(userid, keys, as_utc(now))


def unmuted(manager, entries, template, now=None):
    """The fan-out's filter: of `entries` ((userid, reasons) pairs), those who did not
    mute what `template` is about, nor hear of it only through watches whose
    frequency is "stream" (timeline only).

    O(1) per recipient: a lookup in their own mute subtree and their own
    subscriptions.
    """
    from plonesocial.activitystream.frequency import stream_only

    store = getattr(manager, "mutes", None)
    keys = about(manager, template) if store else ()
    now = as_utc(now)
    kept = []
    for entry in entries:
        userid, reasons = entry
        if keys and store.silences(userid, keys, now):
            continue
        if stream_only(manager, userid, reasons):
            continue
        kept.append(entry)
    return kept

"""The persistent activity manager of a site: streams, notification lists, fan-out.

See the interfaces module for the storage layout. Conflict avoidance:

- Every user has their own NotificationList; notifying many people touches
  many small subtrees, never one shared object.
- "Not seen" is membership in the list's ``_unseen`` tree, counted by a
  ``Length``: creating a notification and marking others seen change
  different keys and the counter, which ZODB resolves, and the counter stays
  equal to the size of the tree under any interleaving.
- The last-seen time is a ``LastSeen`` marker whose conflicts resolve to the
  later time.
- Ids come from the clock; two transactions taking the same id in the same
  tree conflict and one is retried.
"""

from BTrees.Length import Length
from datetime import timedelta
from datetime import timezone
from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial import userids
from plonesocial.activitystream import exc
from plonesocial.activitystream.activity import Activity
from plonesocial.activitystream.activity import check_extra
from plonesocial.activitystream.activity import make_reference
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.events import activity_created
from plonesocial.activitystream.events import BroadcastEvent
from plonesocial.activitystream.interfaces import IActivityManager
from plonesocial.activitystream.interfaces import INotification
from plonesocial.activitystream.interfaces import INotificationDeliveredEvent
from plonesocial.activitystream.interfaces import IPreferences
from plonesocial.activitystream.interfaces import IVisibility
from plonesocial.activitystream.interfaces import MAIL_MODES
from plonesocial.activitystream.query import Query
from plonesocial.activitystream.query import Source
from plonesocial.activitystream.settings import get_settings
from plonesocial.activitystream.subscriptions import Subscriptions
from plonesocial.clock import as_utc
from plonesocial.clock import from_key
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.prefetch import prefetch_paths
from zope.component import queryUtility
from zope.event import notify
from zope.interface import implementer
from zope.interface.interfaces import ObjectEvent


MISSING = object()  # "not given", where None means something

# "often" digests go out every 10 minutes; a job run a little early still counts.
OFTEN = timedelta(minutes=9)

# Mail modes collected by the digest job, and how often each is sent.
DIGEST_MODES = ("often", "daily", "weekly")
FRONT = -(2 ** 63) + 1  # below every key: the front of a newest-first tree


@implementer(INotificationDeliveredEvent)
class NotificationDeliveredEvent(ObjectEvent):
    """A notification reached a list (new, or grouped into an unseen one)."""

    def __init__(self, notification, mail_mode):
        super().__init__(notification)
        self.mail_mode = mail_mode


def check_userid(userid, role="userid"):
    return userids.check_userid(userid, role, exc.InvalidUserId)


def check_text(value, role, optional=False):
    if optional and value is None:
        return value
    if not isinstance(value, str):
        raise exc.InvalidActivity(f"{role} must be a string, not {type(value).__name__}")
    return userids.check_unicode(value, role, exc.InvalidActivity)


def check_recipients(recipients):
    """Return the distinct valid userids of `recipients`, at most max_recipients of them."""
    if not isinstance(recipients, (list, tuple, set, frozenset)):
        raise exc.InvalidActivity(
            f"recipients must be a list of userids, not {type(recipients).__name__}")
    recipients = tuple(dict.fromkeys(check_userid(r, "recipient") for r in recipients))
    limit = get_settings().max_recipients
    if limit and len(recipients) > limit:
        raise exc.TooManyRecipients(
            f"{len(recipients)} recipients are addressed; at most {limit} are allowed "
            "in one call"
        )
    return recipients


def check_verb(verb):
    if not isinstance(verb, str) or not verb.strip() or verb.strip() != verb:
        raise exc.InvalidVerb(f"verb must be a non-empty string without surrounding "
                              f"white space, not {verb!r}")
    return userids.check_unicode(verb, "verb", exc.InvalidVerb)


def check_uuid(value, role):
    if not isinstance(value, str) or not value or value.strip() != value:
        raise exc.InvalidReference(f"{role} must be a content UUID, not {value!r}")
    return userids.check_unicode(value, role, exc.InvalidReference)


def free_id(tree, when):
    """Return the first positive id at or after `when` not taken in `tree` (keyed by -id)."""
    id_ = to_key(when)
    while -id_ in tree:
        id_ += 1
    return id_


class LastSeen(Persistent):
    """When a user last looked at their notifications.

    Concurrent updates (two tabs, two devices) resolve to the later time
    instead of a ConflictError.
    """

    value = None  # UTC µs (int) or None

    def _p_resolveConflict(self, old, committed, new):
        times = [state.get("value") for state in (committed, new)]
        times = [t for t in times if t is not None]
        resolved = dict(new)
        resolved["value"] = max(times) if times else None
        return resolved


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

    def __init__(self, userid):
        self.userid = userid

    def set(self, notify_myself=None, mail_mode=MISSING, mail_modes=None,
            digest_hour=None, digest_weekday=None, timezone=None):
        """Change the given preferences; raise InvalidActivity on bad values.

        Everything is checked before anything changes. `mail_mode` None
        means "the site default"; `mail_modes` maps message types to modes
        (None removes a type's own mode).
        """
        if mail_mode is not MISSING and mail_mode is not None:
            check_mode(mail_mode)
        if notify_myself is not None and not isinstance(notify_myself, bool):
            raise exc.InvalidActivity("notify_myself must be true or false")
        if mail_modes is not None:
            if not isinstance(mail_modes, dict):
                raise exc.InvalidActivity("mail_modes must map message types to mail modes")
            for message_type, mode in mail_modes.items():
                check_verb(message_type)
                if mode is not None:
                    check_mode(mode)
        if digest_hour is not None and (
            isinstance(digest_hour, bool) or not isinstance(digest_hour, int)
            or not 0 <= digest_hour <= 23
        ):
            raise exc.InvalidActivity("digest_hour must be a whole hour from 0 to 23")
        if digest_weekday is not None and (
            isinstance(digest_weekday, bool) or not isinstance(digest_weekday, int)
            or not 0 <= digest_weekday <= 6
        ):
            raise exc.InvalidActivity("digest_weekday must be 0 (Monday) to 6 (Sunday)")
        if timezone is not None:
            check_timezone(timezone)

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

    def mode_for(self, message_type, default=None):
        """Return the mail mode for a type of notification."""
        return (self.mail_modes.get(message_type) or self.mail_mode
                or default or get_settings().default_mail_mode)


def is_due(mode, preferences, last, now):
    """Tell whether a digest of `mode` is due at `now` (naive UTC), given the
    UTC µs of the last one (or None) and the recipient's preferences."""
    if mode == "often":
        return last is None or now - from_key(last) >= OFTEN
    from zoneinfo import ZoneInfo

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


def check_timezone(name):
    from zoneinfo import ZoneInfo
    from zoneinfo import ZoneInfoNotFoundError

    if not isinstance(name, str) or not name:
        raise exc.InvalidActivity("timezone must be an IANA time zone name")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise exc.InvalidActivity(f"unknown time zone {name!r}") from None
    return name


@implementer(INotification)
class Notification(Persistent):
    """One entry of a notification list, or a broadcast (recipient None)."""

    sent = None

    def __init__(self, id, recipient, template, reasons):
        self.id = id
        self.recipient = recipient
        self.message_type = template["message_type"]
        self.owner = template["owner"]
        self.context = template["context"]
        self.phrase = template["phrase"]
        self.title = template["title"]
        self._subject = template["subject"]
        self.body = template["body"]
        self.activity_id = template["activity_id"]
        actor = template["actor"]
        self.actors = (actor,) if actor else ()
        self._names = {actor: template["actor_name"] or actor} if actor else {}
        self.count = 1
        self.reasons = tuple(reasons)
        self._created = id
        self.__parent__ = None

    @property
    def created(self):
        return from_key(self._created)

    @property
    def updated(self):
        return from_key(self.id)

    @property
    def seen(self):
        return self.__parent__.is_seen(self)

    @property
    def subject(self):
        others = len(self.actors) - 1
        if others <= 0:
            if self.count == 1:
                return self._subject
            return f"{self._subject} ({self.count} times)"
        first = self._names.get(self.actors[0], self.actors[0])
        if self.phrase and self.title:
            plural = "s" if others > 1 else ""
            return f"{first} and {others} other{plural} {self.phrase} {self.title}"
        return f"{self._subject} (and {others} more)"

    def _regroup(self, new_id, template, reasons):
        """Fold a newer event of the same type about the same owner into this one."""
        actor = template["actor"]
        if actor:
            self.actors = (actor,) + tuple(a for a in self.actors if a != actor)
            names = dict(self._names)
            names[actor] = template["actor_name"] or actor
            self._names = names
        self.id = new_id
        self.count += 1
        self.reasons = tuple(dict.fromkeys(self.reasons + tuple(reasons)))
        self._subject = template["subject"]
        self.body = template["body"]
        self.activity_id = template["activity_id"]
        self.phrase = template["phrase"]
        self.title = template["title"]


class BroadcastView:
    """A broadcast as one user sees it: the shared notification plus their seen state."""

    def __init__(self, notification, notification_list):
        self._notification = notification
        self._list = notification_list

    def __getattr__(self, name):
        return getattr(self._notification, name)

    @property
    def seen(self):
        return self._list is not None and self._list.is_seen(self._notification)

    def __eq__(self, other):
        return isinstance(other, BroadcastView) and other._notification is self._notification

    def __hash__(self):
        return hash(id(self._notification))


class NotificationList(Persistent):
    """The notifications of one user, newest first."""

    _broadcast_floor = 0  # broadcasts with id <= this are seen (mark_all_seen)
    # -notification id -> mail mode: waiting for a digest (created when needed)
    _unsent = None
    # mail mode -> UTC µs of the last digest of that mode (replaced, never mutated)
    _digests = {}

    def __init__(self, owner):
        self.owner = owner
        # -notification id -> Notification
        self._items = LOBTree()
        # -notification id -> content UUID or "" : the unseen ones
        self._unseen = LOBTree()
        self._unseen_count = Length()  # == len(self._unseen), read in O(1)
        # (message type, owner Reference) -> -notification id: unseen groups
        self._groups = OOBTree()
        self._last_seen = LastSeen()
        # broadcast ids above the floor marked seen, and below it marked unseen
        self._broadcasts_seen = LLTreeSet()
        self._broadcasts_unseen = LLTreeSet()

    def is_seen(self, notification):
        if notification.recipient is None:
            id_ = notification.id
            if id_ <= self._broadcast_floor:
                return id_ not in self._broadcasts_unseen
            return id_ in self._broadcasts_seen
        return -notification.id not in self._unseen

    def _add(self, notification):
        key = -notification.id
        notification.__parent__ = self
        self._items[key] = notification
        self._unseen[key] = notification.context or ""
        self._unseen_count.change(1)
        if notification.owner is not None:
            self._groups[(notification.message_type, notification.owner)] = key

    def _deliver(self, template, reasons, when):
        """Add a notification from `template`, grouped into an unseen one if any."""
        group = (template["message_type"], template["owner"])
        key = self._groups.get(group) if template["owner"] is not None else None
        if key is not None and key in self._unseen:
            notification = self._items[key]
            del self._items[key]
            del self._unseen[key]
            self._unseen_count.change(-1)
            if self._unsent is not None and key in self._unsent:
                del self._unsent[key]
            notification._regroup(free_id(self._items, when), template, reasons)
            self._add(notification)
            return notification
        notification = Notification(free_id(self._items, when), self.owner, template, reasons)
        self._add(notification)
        return notification

    def _mark_seen(self, notification):
        key = -notification.id
        if key in self._unseen:
            del self._unseen[key]
            self._unseen_count.change(-1)
            self._ungroup(notification, key)

    def _mark_unseen(self, notification):
        key = -notification.id
        if key not in self._unseen:
            self._unseen[key] = notification.context or ""
            self._unseen_count.change(1)

    def _wait_for_digest(self, notification, mode):
        if self._unsent is None:
            self._unsent = LOBTree()
        self._unsent[-notification.id] = mode

    def _remove(self, key):
        notification = self._items.pop(key)
        if self._unsent is not None and key in self._unsent:
            del self._unsent[key]
        if key in self._unseen:
            del self._unseen[key]
            self._unseen_count.change(-1)
        self._ungroup(notification, key)
        return notification

    def _ungroup(self, notification, key):
        """Stop grouping into `notification` (keyed `key`) if it is its group's."""
        if notification.owner is None:
            return  # never grouped: (type, None) is no key of _groups
        group = (notification.message_type, notification.owner)
        if self._groups.get(group) == key:
            del self._groups[group]


class Audience(Persistent):
    """Who a FanoutJob delivers to: stored once, apart from the job's progress."""

    def __init__(self, entries):
        # ((userid, reasons), ...) in delivery order
        self.entries = tuple(entries)


class FanoutJob(Persistent):
    """Notifications still to deliver for one event with a large audience.

    Every chunk writes the job (its position); the audience, tens of
    thousands of entries, is an object of its own so that a chunk does not
    write it again.
    """

    _audience = None  # Audience; jobs queued before it keep theirs in __dict__

    def __init__(self, template, audience, when):
        self.template = template
        self.audience = audience
        self.when = when
        self.position = 0  # audience[:position] is delivered

    @property
    def audience(self):
        if self._audience is None:
            return self.__dict__.get("audience", ())
        return self._audience.entries

    @audience.setter
    def audience(self, entries):
        self.__dict__.pop("audience", None)
        self._audience = Audience(entries)

    @property
    def remaining(self):
        return len(self.audience) - self.position


class PushSubscription:
    """One browser's permission to show this site's notifications. Immutable."""

    def __init__(self, endpoint, p256dh, auth, language="", user_agent=""):
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")) \
                or len(endpoint) > MAX_ENDPOINT:
            raise exc.InvalidActivity(
                f"endpoint must be an http(s) URL of at most {MAX_ENDPOINT} characters")
        check_text(endpoint, "endpoint")
        for name, value in (("p256dh", p256dh), ("auth", auth)):
            if not isinstance(value, str) or not value or not set(value) <= BASE64URL \
                    or len(value) > MAX_KEY:
                raise exc.InvalidActivity(
                    f"{name} must be a base64url string of at most {MAX_KEY} characters")
        for name, value in (("language", language), ("user_agent", user_agent)):
            check_text(value, name)
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
        self.language = language[:35]
        self.user_agent = user_agent[:500]
        self.created = utcnow()

    def info(self):
        """The subscription as the Push API and pywebpush describe it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


# Browsers' push endpoints are a few hundred characters, the keys 87 (p256dh) and
# 22 (auth): the limits keep a client from storing megabytes per subscription.
MAX_ENDPOINT = 2048
MAX_KEY = 256
BASE64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


@implementer(IActivityManager)
class ActivityManager(Persistent):
    """All activities, notifications and subscriptions of a site."""

    # userid -> OOBTree(endpoint -> PushSubscription); created when first needed
    _push = None

    def __init__(self):
        # -activity id -> Activity: the site stream, newest first
        self._activities = LOBTree()
        self._activity_count = Length()
        # actor userid -> LLTreeSet(-activity id)
        self._by_actor = OOBTree()
        # content UUID -> LLTreeSet(-activity id), for the content and every ancestor
        self._by_context = OOBTree()
        # userid -> NotificationList
        self._lists = OOBTree()
        # -notification id -> Notification (recipient None)
        self._broadcasts = LOBTree()
        # userid -> Preferences
        self._preferences = OOBTree()
        self.subscriptions = Subscriptions()
        # job id -> FanoutJob, oldest first
        self._queue = LOBTree()

    # -- settings and helpers ------------------------------------------------

    @property
    def fanout_threshold(self):
        return get_settings().fanout_threshold

    def _list(self, userid, create=False):
        notification_list = self._lists.get(userid)
        if notification_list is None and create:
            notification_list = self._lists[userid] = NotificationList(userid)
        return notification_list

    def get_preferences(self, userid, create=True):
        check_userid(userid)
        preferences = self._preferences.get(userid)
        if preferences is None:
            preferences = Preferences(userid)
            if create:
                self._preferences[userid] = preferences
        return preferences

    def set_preferences(self, userid, **changes):
        check_userid(userid)
        preferences = self._preferences.get(userid)
        stored = preferences is not None
        if not stored:
            preferences = Preferences(userid)
        # Checks everything first: a refused change stores nothing, not even defaults.
        preferences.set(**changes)
        if not stored:
            self._preferences[userid] = preferences
        return preferences

    def _mode(self, userid, message_type):
        preferences = self._preferences.get(userid)
        if preferences is None:
            return get_settings().default_mail_mode
        return preferences.mode_for(message_type)

    def _wants(self, userid, actor, message_type):
        preferences = self._preferences.get(userid)
        if self._mode(userid, message_type) == "silent":
            return False
        if userid == actor:
            return preferences is not None and preferences.notify_myself
        return True

    # -- activities ------------------------------------------------------------

    def create(self, actor, verb, object, target=None, context=None, recipients=(),
               summary="", description="", extra=None, published=None,
               message_type=None, portal_type=None, ancestors=(),
               phrase=None, title=None, restricted_to=None, notify=True,
               actor_name=None):
        check_userid(actor, "actor")
        check_verb(verb)
        object_ = make_reference(object, "object")
        if object_ is None:
            raise exc.InvalidReference("object is required")
        target = make_reference(target, "target")
        context, ancestors, portal_type = self._context(context, ancestors, portal_type)
        recipients = check_recipients(recipients)
        check_text(summary, "summary")
        check_text(description, "description")
        for name, value in (("phrase", phrase), ("title", title), ("actor_name", actor_name),
                            ("message_type", message_type), ("portal_type", portal_type)):
            check_text(value, name, optional=True)
        extra = check_extra(extra)
        try:
            published = as_utc(published)
        except TypeError as error:
            raise exc.InvalidActivity(f"published: {error}") from None
        if restricted_to is not None:
            if not isinstance(restricted_to, (list, tuple, set, frozenset)) or not all(
                    isinstance(principal, str) for principal in restricted_to):
                raise exc.InvalidActivity("restricted_to must be a set of principals")
            restricted_to = frozenset(restricted_to)

        id_ = free_id(self._activities, published)
        activity = Activity(id_, actor, verb, object_, target, context, summary,
                            description, extra, recipients, restricted_to)
        if actor_name:
            activity.actor_name = actor_name
        self._activities[-id_] = activity
        self._activity_count.change(1)
        self._index(self._by_actor, actor, -id_)
        for uuid in (context, *ancestors) if context else ():
            self._index(self._by_context, uuid, -id_)

        if notify:
            template = self._template(
                message_type=message_type or verb.lower(),
                owner=Reference("content", context) if context else object_,
                subject=summary or f"{actor_name or actor} {verb} {object_}",
                body=description, actor=actor, actor_name=actor_name,
                activity_id=id_, context=context, phrase=phrase, title=title,
            )
            audience = self._audience(activity, recipients, ancestors, portal_type)
            visibility = queryUtility(IVisibility)
            if restricted_to is not None and visibility is not None:
                audience = {userid: reasons for userid, reasons in audience.items()
                            if visibility.principals(userid) & restricted_to}
            self._emit(template, audience, published)
        # The realtime "new items" signal of its streams listens to this
        # (`notify` is an argument here: the event module fires it).
        activity_created(activity, (context, *ancestors) if context else ())
        return activity

    def _context(self, context, ancestors, portal_type):
        """Return (context UUID, ancestor UUIDs, portal type) from a UUID or content."""
        if context is None:
            return None, (), portal_type
        if isinstance(context, str):
            check_uuid(context, "context")
            if isinstance(ancestors, str):
                raise exc.InvalidReference("ancestors must be a list of UUIDs")
            return context, tuple(check_uuid(a, "ancestor") for a in ancestors), portal_type
        from plonesocial.activitystream.content import content_chain

        chain = content_chain(context)
        if chain is None:
            raise exc.InvalidReference(
                f"context must be content with a UUID or a UUID, not {type(context).__name__}"
            )
        uuid, found_ancestors, found_type = chain
        return uuid, found_ancestors, portal_type or found_type

    @staticmethod
    def _index(tree, key, value):
        entries = tree.get(key)
        if entries is None:
            entries = tree[key] = LLTreeSet()
        entries.insert(value)

    def _audience(self, activity, recipients, ancestors, portal_type):
        """Return {userid: [reasons]} for an activity, addressed recipients first."""
        audience = {}
        for userid in recipients:
            audience.setdefault(userid, []).append("addressed")
        for follower, subscription in self.subscriptions.followers(activity.actor):
            if subscription.matches(activity.verb, portal_type):
                audience.setdefault(follower, []).append(f"follows:{activity.actor}")
        if activity.context:
            # The context itself, then its folders from the innermost out.
            for uuid in (activity.context, *reversed(ancestors)):
                for watcher, subscription in self.subscriptions.watchers(uuid):
                    if uuid != activity.context and not subscription.subtree:
                        continue
                    if subscription.matches(activity.verb, portal_type):
                        audience.setdefault(watcher, []).append(f"watches:{uuid}")
        return audience

    def get(self, activity_id):
        activity = None
        if isinstance(activity_id, int) and not isinstance(activity_id, bool):
            activity = self._activities.get(-activity_id)
        if activity is None:
            raise exc.ActivityNotFound(f"No activity {activity_id!r}")
        return activity

    def __len__(self):
        return self._activity_count()

    # -- notifications -------------------------------------------------------

    @staticmethod
    def _template(message_type, owner, subject, body, actor, actor_name,
                  activity_id, context, phrase, title):
        return dict(message_type=message_type, owner=owner, subject=subject, body=body,
                    actor=actor, actor_name=actor_name, activity_id=activity_id,
                    context=context, phrase=phrase, title=title)

    def notify(self, recipients, subject, body="", message_type="notice", owner=None,
               actor=None, context=None, reason="addressed", activity_id=None,
               phrase=None, title=None, actor_name=None):
        recipients = check_recipients(recipients)
        check_text(subject, "subject")
        if not subject.strip():
            raise exc.InvalidActivity("subject must not be empty")
        check_text(body, "body")
        check_verb(message_type)
        for name, value in (("phrase", phrase), ("title", title), ("actor_name", actor_name),
                            ("reason", reason)):
            check_text(value, name, optional=True)
        if activity_id is not None and (isinstance(activity_id, bool)
                                        or not isinstance(activity_id, int)):
            raise exc.InvalidActivity("activity_id must be an activity id (an integer)")
        owner = make_reference(owner, "owner")
        if actor is not None:
            check_userid(actor, "actor")
        if context is not None:
            check_uuid(context, "context")
        template = self._template(message_type, owner, subject, body, actor, actor_name,
                                  activity_id, context, phrase, title)
        audience = {userid: [reason] for userid in recipients}
        return self._emit(template, audience, utcnow())

    def _emit(self, template, audience, when):
        """Deliver to the audience: up to the threshold now, the rest queued."""
        actor = template["actor"]
        wanted = [(userid, tuple(reasons)) for userid, reasons in audience.items()
                  if self._wants(userid, actor, template["message_type"])]
        threshold = self.fanout_threshold
        now, later = wanted[:threshold], wanted[threshold:]
        self._prefetch_lists([userid for userid, _ in now], template)
        for userid, reasons in now:
            self._deliver_to(userid, template, reasons, when)
        if later:
            job_id = free_id(self._queue, utcnow())
            self._queue[-job_id] = FanoutJob(template, later, when)
        return len(now)

    def _prefetch_lists(self, userids, template):
        """Load what delivering to many users touches, in a few round trips.

        Their lists, preferences and the front of each list's trees (where a
        new notification goes): on ZEO or RelStorage, loading them one by
        one made a large fan-out wait on the server for every object.
        """
        jar = self._p_jar
        if jar is None or len(userids) < 2:
            return
        prefetch_paths(jar, [(self._lists, userids), (self._preferences, userids)])
        lists = [found for found in map(self._lists.get, userids) if found is not None]
        jar.prefetch([found for found in map(self._preferences.get, userids)
                      if found is not None], lists)
        group = (template["message_type"], template["owner"])
        front = [FRONT]
        paths = []
        for notification_list in lists:
            paths += [(notification_list._items, front), (notification_list._unseen, front)]
            if template["owner"] is not None:
                paths.append((notification_list._groups, [group]))
            if notification_list._unsent is not None:  # waiting for a digest
                paths.append((notification_list._unsent, front))
        jar.prefetch([notification_list._unseen_count for notification_list in lists])
        prefetch_paths(jar, paths)

    def _deliver_to(self, userid, template, reasons, when):
        """Put a notification in one list, note how it is to be mailed, announce it."""
        notification = self._list(userid, create=True)._deliver(template, reasons, when)
        mode = self._mode(userid, template["message_type"])
        if mode in DIGEST_MODES:
            notification.__parent__._wait_for_digest(notification, mode)
        notify(NotificationDeliveredEvent(notification, mode))
        return notification

    def broadcast(self, subject, body="", message_type="broadcast", actor=None):
        check_text(subject, "subject")
        if not subject.strip():
            raise exc.InvalidActivity("subject must not be empty")
        check_text(body, "body")
        check_verb(message_type)
        if actor is not None:
            check_userid(actor, "actor")
        template = self._template(message_type, None, subject, body, actor, None,
                                  None, None, None, None)
        notification = Notification(free_id(self._broadcasts, utcnow()), None, template,
                                    ("broadcast",))
        self._broadcasts[-notification.id] = notification
        notify(BroadcastEvent(notification))  # realtime shows it to everyone connected
        return notification

    def queued(self):
        """Return how many notifications wait in the fan-out queue."""
        return sum(job.remaining for job in self._queue.values())

    def deliver_queued(self, max_recipients=None):
        if max_recipients is None:
            max_recipients = self.fanout_threshold
        delivered = 0
        for key in list(self._queue.keys()):
            if delivered >= max_recipients:
                break
            job = self._queue[key]
            end = min(len(job.audience), job.position + max_recipients - delivered)
            self._prefetch_lists([userid for userid, _ in job.audience[job.position:end]],
                                 job.template)
            for userid, reasons in job.audience[job.position:end]:
                if self._wants(userid, job.template["actor"], job.template["message_type"]):
                    self._deliver_to(userid, job.template, reasons, job.when)
            delivered += end - job.position
            job.position = end
            if job.position >= len(job.audience):
                del self._queue[key]
        return delivered

    # -- reading -------------------------------------------------------------

    def _visibility_filter(self, reader, contexts_of):
        """Return a batch filter for `reader`, or None when nothing is checked."""
        visibility = queryUtility(IVisibility)
        if visibility is None or reader is None:
            return None
        principals = visibility.principals(reader)

        def visible(batch):
            wanted = {uuid for item in batch for uuid in contexts_of(item)}
            allowed = visibility.allowed(wanted) if wanted else {}
            shown = set()
            for item in batch:
                uuids = contexts_of(item)
                if all(allowed.get(uuid, frozenset()) & principals for uuid in uuids):
                    restricted = getattr(item, "restricted_to", None)
                    if restricted is None or restricted & principals:
                        shown.add(item)
            return shown

        return visible

    def get_by_recipient(self, userid):
        check_userid(userid)
        notification_list = self._list(userid)
        sources = [Source(self._broadcasts.keys,
                          lambda key: self._broadcast_view(key, notification_list))]
        if notification_list is not None:
            sources.append(Source(notification_list._items.keys,
                                  notification_list._items.get))
        visible = self._visibility_filter(
            userid, lambda n: (n.context,) if n.context else ()
        )
        return Query(sources, visible)

    def _broadcast_view(self, key, notification_list):
        notification = self._broadcasts.get(key)
        return None if notification is None else BroadcastView(notification, notification_list)

    def get_notification(self, userid, notification_id):
        check_userid(userid)
        if isinstance(notification_id, int) and not isinstance(notification_id, bool):
            notification_list = self._list(userid)
            key = -notification_id
            if notification_list is not None and key in notification_list._items:
                return notification_list._items[key]
            if key in self._broadcasts:
                return BroadcastView(self._broadcasts[key], notification_list)
        raise exc.NotificationNotFound(f"{userid!r} has no notification {notification_id!r}")

    def count_not_seen_by_recipient(self, userid):
        check_userid(userid)
        notification_list = self._list(userid)
        count = self._unseen_broadcasts(notification_list)
        if notification_list is None:
            return count
        count += notification_list._unseen_count()
        visibility = queryUtility(IVisibility)
        if visibility is not None and count:
            # Only unseen notifications about content need a View check.
            contexts = [uuid for uuid in notification_list._unseen.values() if uuid]
            if contexts:
                allowed = visibility.allowed(set(contexts))
                principals = visibility.principals(userid)
                count -= sum(
                    1 for uuid in contexts if not allowed.get(uuid, frozenset()) & principals
                )
        return count

    def _unseen_broadcasts(self, notification_list):
        floor = 0 if notification_list is None else notification_list._broadcast_floor
        count = 0
        for key in self._broadcasts.keys(max=-floor, excludemax=True):
            if notification_list is None or -key not in notification_list._broadcasts_seen:
                count += 1
        if notification_list is not None:
            count += sum(1 for id_ in notification_list._broadcasts_unseen
                         if -id_ in self._broadcasts)
        return count

    # -- marking seen ------------------------------------------------------------

    def mark_seen(self, userid, notification_id):
        notification = self.get_notification(userid, notification_id)
        notification_list = self._list(userid, create=True)
        if notification.recipient is None:
            id_ = notification.id
            if id_ <= notification_list._broadcast_floor:
                if id_ in notification_list._broadcasts_unseen:
                    notification_list._broadcasts_unseen.remove(id_)
            elif id_ not in notification_list._broadcasts_seen:
                notification_list._broadcasts_seen.insert(id_)
        else:
            notification_list._mark_seen(notification)

    def mark_unseen(self, userid, notification_id):
        notification = self.get_notification(userid, notification_id)
        notification_list = self._list(userid, create=True)
        if notification.recipient is None:
            id_ = notification.id
            if id_ <= notification_list._broadcast_floor:
                notification_list._broadcasts_unseen.insert(id_)
            elif id_ in notification_list._broadcasts_seen:
                notification_list._broadcasts_seen.remove(id_)
        else:
            notification_list._mark_unseen(notification)

    def mark_seen_about(self, userid, message_type, owner):
        """Mark seen the unseen notification of a type about an owner (a group), if any.

        Reading the thing a notification is about counts as seeing it: opening
        a conversation marks its "message" notification seen. O(1).
        """
        notification_list = self._list(userid)
        owner = make_reference(owner, "owner")
        if notification_list is None or owner is None:
            return False
        key = notification_list._groups.get((message_type, owner))
        if key is None or key not in notification_list._unseen:
            return False
        notification_list._mark_seen(notification_list._items[key])
        return True

    def mark_all_seen(self, userid):
        check_userid(userid)
        notification_list = self._list(userid, create=True)
        keys = list(notification_list._unseen.keys())
        for key in keys:
            del notification_list._unseen[key]
        if keys:
            notification_list._unseen_count.change(-len(keys))
        for group in list(notification_list._groups.keys()):
            del notification_list._groups[group]
        newest = self._broadcasts.minKey() if self._broadcasts else None
        if newest is not None and -newest > notification_list._broadcast_floor:
            notification_list._broadcast_floor = -newest
            notification_list._broadcasts_seen.clear()
        if notification_list._broadcasts_unseen:
            notification_list._broadcasts_unseen.clear()
        self.update_last_seen(userid)
        return len(keys)

    def get_last_seen(self, userid):
        check_userid(userid)
        notification_list = self._list(userid)
        if notification_list is None or notification_list._last_seen.value is None:
            return None
        return from_key(notification_list._last_seen.value)

    def update_last_seen(self, userid, when=None):
        previous = self.get_last_seen(userid)
        try:
            when = as_utc(when)
        except TypeError as error:
            raise exc.InvalidActivity(f"when: {error}") from None
        marker = self._list(userid, create=True)._last_seen
        value = to_key(when)
        if marker.value is None or value > marker.value:
            marker.value = value
        return previous

    # -- streams -------------------------------------------------------------

    def _activity_query(self, keys, reader):
        visible = self._visibility_filter(
            reader, lambda a: (a.context,) if a.context else ()
        )
        return Query([Source(keys, self._activities.get)], visible)

    def get_site_stream(self, reader):
        return self._activity_query(self._activities.keys, reader)

    def get_by_actor(self, actor, reader):
        check_userid(actor, "actor")
        entries = self._by_actor.get(actor, LLTreeSet())
        return self._activity_query(entries.keys, reader)

    def get_by_context(self, uuid, reader):
        check_uuid(uuid, "uuid")
        entries = self._by_context.get(uuid, LLTreeSet())
        return self._activity_query(entries.keys, reader)

    # -- email bookkeeping ---------------------------------------------------

    def mark_sent(self, notification, when=None):
        """Record that `notification` was mailed; mark it seen if the site says so."""
        notification.sent = as_utc(when)
        if get_settings().mark_seen_when_sent and notification.recipient is not None:
            notification.__parent__._mark_seen(notification)

    def may_view(self, userid, notification):
        """Tell whether `userid` may View what `notification` is about."""
        visible = self._visibility_filter(userid, lambda n: (n.context,) if n.context else ())
        return visible is None or notification in visible([notification])

    def digest_due(self, userid, now=None):
        """Return the modes of the digests due for `userid` now: those with
        notifications waiting whose time has come (a set, maybe empty)."""
        notification_list = self._list(userid)
        if notification_list is None or not notification_list._unsent:
            return set()
        preferences = self._preferences.get(userid) or Preferences(userid)
        now = as_utc(now)
        waiting = set(notification_list._unsent.values())
        return {
            mode for mode in waiting
            if is_due(mode, preferences, notification_list._digests.get(mode), now)
        }

    def take_digest(self, userid, now=None):
        """Take the notifications of `userid` whose digest is due; return them.

        They leave the waiting list whether or not they are returned: those
        seen on the site meanwhile, or about content `userid` may no longer
        View, are not mailed. The caller mails the rest and calls mark_sent,
        in the same transaction.
        """
        now = as_utc(now)
        due = self.digest_due(userid, now)
        if not due:
            return []
        notification_list = self._list(userid)
        unsent = notification_list._unsent
        taken = []
        for key, mode in list(unsent.items()):
            if mode not in due:
                continue
            del unsent[key]
            notification = notification_list._items.get(key)
            if notification is not None and not notification.seen:
                taken.append(notification)
        digests = dict(notification_list._digests)
        digests.update({mode: to_key(now) for mode in due})
        notification_list._digests = digests
        visible = self._visibility_filter(userid, lambda n: (n.context,) if n.context else ())
        if visible is not None and taken:
            shown = visible(taken)
            taken = [n for n in taken if n in shown]
        return taken

    def digest_candidates(self):
        """Iterate over the userids that have notifications waiting for a digest."""
        for userid, notification_list in self._lists.items():
            if notification_list._unsent:
                yield userid

    # -- Web Push subscriptions ------------------------------------------------

    def add_push_subscription(self, userid, endpoint, p256dh, auth, language="", user_agent=""):
        """Store (or renew) a browser's push subscription for `userid`; return it."""
        check_userid(userid)
        subscription = PushSubscription(endpoint, p256dh, auth, language, user_agent)
        if self._push is None:
            self._push = OOBTree()
        mine = self._push.get(userid)
        if mine is None:
            mine = self._push[userid] = OOBTree()
        mine[subscription.endpoint] = subscription
        return subscription

    def remove_push_subscription(self, userid, endpoint):
        """Forget a push subscription; return True if there was one."""
        mine = self._push.get(userid) if self._push is not None else None
        if mine is None or not isinstance(endpoint, str) or endpoint not in mine:
            return False
        del mine[endpoint]
        return True

    def get_push_subscriptions(self, userid):
        """Return the push subscriptions of `userid`, a list."""
        mine = self._push.get(userid) if self._push is not None else None
        return [] if mine is None else list(mine.values())

    def get_timeline(self, userid):
        """Return an IQuery over `userid`'s personal timeline: their own activities,
        those of the people they follow and those in the content they watch (with
        its subtree), as far as they may View them."""
        check_userid(userid)
        subscriptions = self.subscriptions
        sets = [self._by_actor.get(userid)]
        sets += [self._by_actor.get(s.target) for s in subscriptions._following.get(userid, {}).values()]
        sets += [self._by_context.get(s.target) for s in subscriptions._watching.get(userid, {}).values()]
        sources = [Source(entries.keys, self._activities.get) for entries in sets if entries]
        visible = self._visibility_filter(userid, lambda a: (a.context,) if a.context else ())
        return Query(sources, visible)

    # -- retention -----------------------------------------------------------

    def cleanup(self, remove_after=14, keep_unseen=True, now=None):
        if isinstance(remove_after, bool) or not isinstance(remove_after, int) or remove_after < 0:
            raise exc.InvalidActivity("remove_after must be a non-negative number of days")
        if not remove_after:
            return 0
        cutoff = to_key(as_utc(now) - timedelta(days=remove_after))
        removed = 0
        for notification_list in self._lists.values():
            # Keyed by -id: the old ones are the keys from -cutoff up.
            for key in list(notification_list._items.keys(min=-cutoff)):
                if keep_unseen and key in notification_list._unseen:
                    continue
                notification_list._remove(key)
                removed += 1
        for key in list(self._broadcasts.keys(min=-cutoff)):
            del self._broadcasts[key]
            removed += 1
        return removed

"""Interfaces of plonesocial.activitystream: activities, notifications, subscriptions.

Storage layout (one ``ActivityManager`` per site, in the site's annotations);
each store keeps its own trees and rules, in its own module::

    ActivityManager (manager.py)
      activities     ActivityStore (activities.py)
        _activities    LOBTree   -activity id -> Activity      (site stream, newest first)
        _by_actor      OOBTree   userid -> LLTreeSet(-activity id)
        _by_context    OOBTree   content UUID -> LLTreeSet(-activity id)
                                 (an activity is filed under its context and
                                  every ancestor: a folder's stream has its subtree)
      notifications  NotificationStore (notifications.py)
        _lists         OOBTree   userid -> NotificationList    (one subtree per user)
        _broadcasts    LOBTree   -notification id -> Notification (recipient None)
      preferences    PreferencesStore (preferences.py)
        _preferences   OOBTree   userid -> Preferences
      subscriptions  Subscriptions (subscriptions.py)
      queue          FanoutQueue (fanout.py)
        _jobs          LOBTree   job id -> FanoutJob           (large audiences, oldest first)
      push_subscriptions  PushSubscriptionStore (delivery/push_subscriptions.py)
        _subscriptions OOBTree   userid -> OOBTree(endpoint -> PushSubscription)

Ids are UTC microseconds (ints); trees are keyed by the negated id so that
iterating a tree in key order gives the newest first without reverse scans.
"""

from zope.interface import Attribute
from zope.interface import Interface
from zope.interface.interfaces import IObjectEvent


MAIL_MODES = ("silent", "never", "immediately", "often", "daily", "weekly")


class IActivityLocator(Interface):
    """Global utility that finds the activity manager of the current site."""

    def get_manager():
        """Return the IActivityManager of the current site.

        Raises ``LookupError`` without a current site or when plonesocial is
        not installed in it.
        """


class IVisibility(Interface):
    """Tells what a user may View; the Plone integration registers one.

    Without a registered IVisibility (a plain ZODB, in unit tests) every
    activity and notification is visible to everybody.
    """

    def principals(userid):
        """Return the frozenset of principals (``user:<id>``, roles,
        groups) that stand for `userid` in View checks."""

    def allowed(uuids):
        """Return ``{uuid: frozenset of principals allowed to View it}`` for
        the given content UUIDs; content that no longer exists is left out."""


class IActivity(Interface):
    """Something that happened on the site. Immutable."""

    id = Attribute("Positive int: UTC microseconds of publication, unique per site.")
    actor = Attribute("Userid of who did it.")
    verb = Attribute("What was done: a free string; Activity Streams 2.0 type "
                     "names where they fit (Create, Update, Delete, Follow, ...).")
    object = Attribute("Reference to what it was done to.")
    target = Attribute("Reference to where it was done to, or None.")
    context = Attribute("UUID of the content whose stream it belongs to, or None.")
    summary = Attribute("One line for people, e.g. 'Bob created Minutes'.")
    description = Attribute("Longer text, e.g. which fields changed.")
    extra = Attribute("A JSON-serialisable dict.")
    recipients = Attribute("Tuple of userids it was addressed to.")
    published = Attribute("Naive UTC datetime.")

    def to_json(resolver=None):
        """Return the activity as an Activity Streams 2.0 JSON dict."""


class INotification(Interface):
    """An entry in a user's notification list (Lino's notification message)."""

    id = Attribute("Positive int: UTC microseconds of the newest event it reports.")
    recipient = Attribute("Userid, or None for a broadcast to everybody.")
    message_type = Attribute("What kind of notification it is: 'comment', "
                             "'message', 'content', 'workflow', ...")
    owner = Attribute("Reference to what the notification is about, or None.")
    subject = Attribute("One line, grouped: 'Bob and 2 others commented on Y'.")
    body = Attribute("Self-sufficient description of the newest event.")
    actors = Attribute("Userids of who caused it, most recent first, distinct.")
    count = Attribute("Number of events grouped into this notification.")
    reasons = Attribute("Why it reached the recipient: a tuple of strings "
                        "'addressed', 'follows:<userid>', 'watches:<uuid>'.")
    activity_id = Attribute("Id of the newest activity it reports, or None.")
    context = Attribute("UUID of the content it is about (for View checks), or None.")
    created = Attribute("Naive UTC datetime of the first event.")
    updated = Attribute("Naive UTC datetime of the newest event.")
    seen = Attribute("True once the recipient marked it seen.")
    sent = Attribute("Naive UTC datetime it was mailed, or None.")


class IQuery(Interface):
    """A lazy, newest-first query over a stream, with keyset paging."""

    def limit(n):
        """Return a copy that yields at most `n` items."""

    def before(cursor):
        """Return a copy that yields only items older than the id `cursor`."""

    def after(cursor):
        """Return a copy that yields only items newer than the id `cursor`
        (the ones closest to it when limited)."""

    def where(predicate):
        """Return a copy that yields only items for which `predicate(item)` holds."""

    def all():
        """Return the items as a list."""

    def __iter__():
        """Iterate over the items, newest first."""


class IActivityManager(Interface):
    """The activity stream API of a site (tgapp's ActionManager, Lino's notify)."""

    fanout_threshold = Attribute("Notifications written at once per event; the "
                                 "rest is queued for deliver_queued() (default 500).")
    activities = Attribute("The ActivityStore: the site stream and its indexes.")
    notifications = Attribute("The NotificationStore: every user's list, the broadcasts.")
    preferences = Attribute("The PreferencesStore.")
    subscriptions = Attribute("The ISubscriptions: follows and watches.")
    queue = Attribute("The FanoutQueue: deliveries of large audiences, oldest first.")
    push_subscriptions = Attribute("The PushSubscriptionStore: browsers per user.")

    def create(actor, verb, object=None, target=None, context=None, recipients=(),
               summary="", description="", extra=None, published=None,
               message_type=None, portal_type=None, ancestors=(),
               phrase=None, title=None, restricted_to=None, notify=True):
        """Record an activity and notify who should hear of it; return it.

        `object` and `target` are References, ``(kind, id)`` pairs or content
        objects; the object is optional, as in tgapp, when there is a target.
        `extra` is any JSON-serialisable value. `context` is a content object or UUID (with `ancestors`, the
        UUIDs of its folders, innermost last, when it is a UUID). With
        `notify`, the recipients, the followers of the actor and the watchers
        of the context and its folders get a notification, filtered by their
        subscriptions and settings. Raises InvalidActivity subclasses and
        writes nothing then; ``TooManyRecipients`` when more distinct
        `recipients` are named than the ``max_recipients`` setting allows.
        That limit counts only who the caller addresses by name: followers and
        watchers come from subscriptions and are delivered up to the
        ``fanout_threshold`` at once, the rest by the fan-out job.
        """

    # notify(): a None among the recipients is dropped (Lino's callers pass one).
    def notify(recipients, subject, body="", message_type="notice", owner=None,
               actor=None, context=None, reason="addressed", activity_id=None,
               phrase=None, title=None):
        """Emit a notification to each recipient (Lino's emit_notification).

        Respects each recipient's settings (silent; the actor only with
        notify_myself) and groups it into an unseen notification of the same
        type about the same owner. Returns the number of recipients reached
        now; above the fan-out threshold the rest is queued. Raises
        ``TooManyRecipients`` beyond the ``max_recipients`` setting.
        """

    def broadcast(subject, body="", message_type="broadcast", actor=None):
        """Emit one notification for everybody, stored once; return it."""

    def get(activity_id):
        """Return the activity with that id or raise ActivityNotFound."""

    def get_by_recipient(userid):
        """Return an IQuery over the notifications of `userid` (broadcasts
        included), showing only what `userid` may View now."""

    def get_notification(userid, notification_id):
        """Return a notification of `userid` or raise NotificationNotFound."""

    def count_not_seen_by_recipient(userid):
        """Return how many notifications `userid` has not seen and may View.

        Reads a counter; only unseen notifications about content are checked
        against permissions.
        """

    def mark_seen(userid, notification_id):
        """Mark one notification seen (MarkSeen)."""

    def mark_unseen(userid, notification_id):
        """Mark one notification not seen again (ClearSeen)."""

    def mark_all_seen(userid):
        """Mark every notification seen and record the time (MarkAllSeen)."""

    def get_last_seen(userid):
        """Return when `userid` last marked all seen (naive UTC) or None."""

    def update_last_seen(userid, when=None):
        """Record that `userid` looked at the list; return the previous time."""

    def get_site_stream(reader):
        """Return an IQuery over every activity `reader` may View."""

    def get_by_actor(actor, reader):
        """Return an IQuery over the activities of `actor` that `reader` may View."""

    def get_by_context(uuid, reader):
        """Return an IQuery over the activities of a content item and its
        subtree that `reader` may View."""

    def get_timeline(userid):
        """Return an IQuery over the personal timeline of `userid`: their own
        activities, those of whom they follow and in what they watch."""

    def get_preferences(userid, create=True):
        """Return the IPreferences of `userid`, stored when first needed.

        With `create` false, a user without stored preferences gets the
        defaults, unstored: reading never writes.
        """

    def set_preferences(userid, **changes):
        """Change some of the IPreferences of `userid` (the arguments of
        IPreferences.set) and return them.

        All values are checked first: on InvalidActivity nothing is stored,
        not even the defaults of a user who had no stored preferences.
        """

    def deliver_queued(max_recipients=None, worker=0, workers=1):
        """Deliver up to `max_recipients` queued notifications; return how many
        were delivered. Run by the fan-out job, one chunk per transaction;
        `workers` jobs run in parallel, this one as number `worker`."""

    def uses_feed(actor):
        """Tell whether the activities of `actor` go to their feed (fan-out on
        read: at least ``feed_threshold`` followers) rather than into each
        follower's list."""

    def feed_item(userid, source, notification_id):
        """The view `userid` has of an item of the feed of `source`, or None."""

    def cleanup(remove_after=14, keep_unseen=True, now=None):
        """Remove notifications older than `remove_after` days (unseen ones
        too unless `keep_unseen`); return how many were removed."""

    def notify_facts(recipients, message_type, phrase, owner=None, actor=None,
                     context=None, title="", body="", reason="addressed", details=None):
        """As notify(), with no stored sentence: the subject is rendered from
        `phrase` (one of rendering.PHRASES), `title` and the actors when read."""

    def mark_seen_about(userid, message_type, owner):
        """Mark seen the unseen notification of a type about `owner` (its group),
        if any; return True if one was. O(1). Reading a conversation calls it."""

    def queued():
        """Return how many deliveries wait in the fan-out queue."""

    def mark_sent(notification, when=None):
        """Record that `notification` was mailed; mark it seen if the site's
        ``mark_seen_when_sent`` says so."""

    def may_view(userid, notification):
        """Tell whether `userid` may View what `notification` is about."""

    def digest_due(userid, now=None):
        """Return the set of digest modes due for `userid` at `now`."""

    def take_digest(userid, now=None):
        """Take the notifications of `userid` whose digest is due off the
        waiting list; return those still unseen and Viewable, to be mailed."""

    def digest_candidates():
        """Iterate over the userids with notifications waiting for a digest."""

    def add_push_subscription(userid, endpoint, p256dh, auth, language="", user_agent=""):
        """Store (or renew) a browser's push subscription; return it.
        Raises InvalidActivity for a malformed endpoint or keys."""

    def remove_push_subscription(userid, endpoint):
        """Forget a push subscription; return True if there was one."""

    def get_push_subscriptions(userid):
        """Return the push subscriptions of `userid`, a list."""

    def needs_migration():
        """Tell whether the manager still has the layout before stores."""

    def migrate():
        """Move the trees of the layout before stores into the stores; return
        True if anything moved. Copies no activity or notification."""

    def check_invariants():
        """Raise AssertionError unless every store's trees, counters and
        indexes agree (for tests and the stress run)."""


class IPreferences(Interface):
    """How a user wants to hear about things (Lino's mail modes, Sahana's frequencies).

    Mail modes: ``silent`` (no notification at all), ``never`` (on the site
    only), ``immediately`` (one email each), ``often`` (a digest every 10
    minutes), ``daily`` and ``weekly`` (a digest at `digest_hour`, local time).
    """

    notify_myself = Attribute("Also notify me of what I did myself (False).")
    mail_mode = Attribute("My mode for every type, or None for the site default.")
    mail_modes = Attribute("dict: message type -> mode, overriding mail_mode.")
    digest_hour = Attribute("Local hour (0-23) of daily and weekly digests (7).")
    digest_weekday = Attribute("Day of the weekly digest, 0 = Monday.")
    timezone = Attribute("IANA time zone name of the digest hour ('UTC').")

    def set(notify_myself=None, mail_mode=None, mail_modes=None, digest_hour=None,
            digest_weekday=None, timezone=None):
        """Change some preferences; raise InvalidActivity (changing nothing)
        on a bad value."""

    def mode_for(message_type, default=None):
        """Return the mail mode that applies to a type of notification."""


class INotificationDeliveredEvent(IObjectEvent):
    """A notification reached its recipient's list; ``object`` is it.

    ``mail_mode`` is the recipient's mode for its type. Email and Web Push
    delivery subscribe to this.
    """

    mail_mode = Attribute("The recipient's mail mode for this notification.")


class IActivityCreatedEvent(IObjectEvent):
    """An activity was recorded; ``object`` is it.

    Fired after it is stored and its notifications are delivered (or queued).
    ``streams`` are the UUIDs of the content streams it appears in: its
    context and the context's folders.
    """

    streams = Attribute("Tuple of content UUIDs whose streams have it.")


class IBroadcastEvent(IObjectEvent):
    """A notification for everybody was stored; ``object`` is it."""


class ISubscription(Interface):
    """A user's subscription to a person (follow) or content (watch)."""

    subscriber = Attribute("Userid of the subscriber.")
    kind = Attribute("'user' (follow) or 'content' (watch).")
    target = Attribute("Userid or content UUID.")
    subtree = Attribute("For content: the folder's whole subtree too.")
    verbs = Attribute("frozenset of verbs to hear of, or None for all.")
    portal_types = Attribute("frozenset of portal types to hear of, or None for all.")
    created = Attribute("Naive UTC datetime.")

    def matches(verb, portal_type):
        """Tell whether an activity passes the filters."""


class ISubscriptions(Interface):
    """Who follows whom and who watches what."""

    def follow(subscriber, userid, verbs=None, portal_types=None):
        """Follow a user; return the ISubscription (replacing filters)."""

    def unfollow(subscriber, userid):
        """Stop following; raise SubscriptionNotFound if not following."""

    def watch(subscriber, uuid, subtree=True, verbs=None, portal_types=None):
        """Watch a content item (a folder with its subtree); return it."""

    def unwatch(subscriber, uuid):
        """Stop watching; raise SubscriptionNotFound if not watching."""

    def get_subscriptions(subscriber):
        """Iterate over the subscriptions of `subscriber`."""

    def is_following(subscriber, userid):
        """Tell whether `subscriber` follows `userid`."""

    def is_watching(subscriber, uuid):
        """Tell whether `subscriber` watches `uuid` itself."""

    def followers(userid):
        """Iterate over (follower userid, ISubscription) of `userid`."""

    def watchers(uuid):
        """Iterate over (watcher userid, ISubscription) of `uuid`."""

    def follower_count(userid):
        """Return the number of followers of `userid` (O(1))."""


class IRecipientCheck(Interface):
    """Whether a recipient still takes a notification, asked when it is delivered.

    A utility named after the kind of the notification's owner reference
    (``"group"``: a group message, checked against the participant's mute,
    requests and blocks, issue 15). Queued notifications are checked when the
    fan-out job delivers them, so a check reads the state of that moment.
    """

    def __call__(userid, template):
        """Return True if `userid` is to get the notification of `template` (a dict)."""

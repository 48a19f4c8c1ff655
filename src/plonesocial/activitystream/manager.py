"""The activity manager of a site: the persistent root of the activity stores.

Each store keeps its own trees and rules, in its own module:

- ``activities`` (activities.ActivityStore): the site stream, by actor, by content;
- ``notifications`` (notifications.NotificationStore): one NotificationList
  per user, and the broadcasts;
- ``preferences`` (preferences.PreferencesStore);
- ``subscriptions`` (subscriptions.Subscriptions): follows and watches;
- ``queue`` (fanout.FanoutQueue): deliveries of large audiences, oldest first;
- ``feeds`` (feeds.Feeds): fan-out on read: the activities of people with at
  least ``feed_threshold`` followers, stored once, and each reader's markers;
- ``push_subscriptions`` (delivery.push_subscriptions.PushSubscriptionStore).

The manager itself only works out who hears of an event (the audience) and
hands each store its part. Two parts of it live in modules of their own: how
notifications are delivered (``delivering.NotificationDelivery``) and read
(``reading.NotificationReading``, with the feeds of fan-out on read). Its
methods are the IActivityManager contract; ``plonesocial.activitystream.api``
offers the same as plain functions.

Sites whose manager was stored before the stores existed keep their trees
in the manager itself; ``migrate()`` (the 1005 upgrade step, or the first
use) moves them into the stores, without copying any notification.
"""

from datetime import timedelta
from persistent import Persistent
from plonesocial import exc
from plonesocial.activitystream import digests
from plonesocial.activitystream import fixed as fixed_watches
from plonesocial.activitystream.activities import ActivityStore
from plonesocial.activitystream.activity import check_extra
from plonesocial.activitystream.activity import check_json
from plonesocial.activitystream.activity import make_reference
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.chain import content_chain
from plonesocial.activitystream.delivering import NotificationDeliveredEvent  # noqa: F401
from plonesocial.activitystream.delivering import NotificationDelivery
from plonesocial.activitystream.events import activity_created
from plonesocial.activitystream.events import BroadcastEvent
from plonesocial.activitystream.fanout import Audience  # noqa: F401 (old pickles)
from plonesocial.activitystream.fanout import FanoutJob  # noqa: F401 (old pickles)
from plonesocial.activitystream.fanout import FanoutQueue
from plonesocial.activitystream.feeds import Feeds
from plonesocial.activitystream.feeds import FeedView
from plonesocial.activitystream.interfaces import IActivityManager
from plonesocial.activitystream.interfaces import IVisibility
from plonesocial.activitystream.notification import BroadcastView  # noqa: F401
from plonesocial.activitystream.notification import LastSeen  # noqa: F401 (old pickles)
from plonesocial.activitystream.notification import Notification  # noqa: F401 (old pickles)
from plonesocial.activitystream.notification import template as make_template
from plonesocial.activitystream.notifications import NotificationList  # noqa: F401
from plonesocial.activitystream.notifications import NotificationStore
from plonesocial.activitystream.preferences import Preferences  # noqa: F401 (old pickles)
from plonesocial.activitystream.preferences import PreferencesStore
from plonesocial.activitystream.query import Query
from plonesocial.activitystream.query import Source
from plonesocial.activitystream.reading import NotificationReading
from plonesocial.activitystream.seencheck import unseen_verified
from plonesocial.activitystream.settings import get_settings
from plonesocial.activitystream.subscriptions import Subscriptions
from plonesocial.activitystream.timeline import timeline_predicate
from plonesocial.activitystream.validation import check_recipients
from plonesocial.activitystream.validation import check_text
from plonesocial.activitystream.validation import check_userid
from plonesocial.activitystream.validation import check_uuid
from plonesocial.activitystream.validation import check_verb
from plonesocial.activitystream.visibility import checks_visibility
from plonesocial.activitystream.visibility import count_invisible
from plonesocial.activitystream.visibility import visibility_filter
from plonesocial.clock import as_utc
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.delivery.push_subscriptions import PushSubscription  # noqa: F401
from plonesocial.delivery.push_subscriptions import PushSubscriptionStore
from plonesocial.delivery.settings import get_settings as get_delivery_settings
from zope.component import queryUtility
from zope.event import notify
from zope.interface import implementer


FEED_THRESHOLD = 1000  # the registry record's default (settings.feed_threshold)


@implementer(IActivityManager)
class ActivityManager(NotificationDelivery, NotificationReading, Persistent):
    """All activities, notifications and subscriptions of a site."""

    # The stores; None in a manager stored before they existed (see migrate()).
    activities = None
    notifications = None
    preferences = None
    queue = None
    push_subscriptions = None
    # issue 16: mutes.MuteStore and fixed.FixedWatches, made when first written
    mutes = None
    fixed = None
    feeds = None  # created by the first post to a feed on sites set up before feeds

    def __init__(self):
        self.activities = ActivityStore()
        self.notifications = NotificationStore()
        self.preferences = PreferencesStore()
        self.subscriptions = Subscriptions()
        self.queue = FanoutQueue()
        self.push_subscriptions = PushSubscriptionStore()
        self.feeds = Feeds()

    # -- the layout before the stores ------------------------------------------

    def needs_migration(self):
        """Tell whether this manager still keeps its trees in the layout before stores."""
        return self.activities is None

    def migrate(self):
        """Move the trees of the layout before stores into the stores; True if moved.

        The trees themselves move (their objects are kept): no activity or
        notification is copied. Only the fan-out queue, a handful of jobs,
        is re-keyed to run oldest first.
        """
        if not self.needs_migration():
            return False
        state = self.__dict__
        self.activities = ActivityStore(
            state.pop("_activities"), state.pop("_activity_count"),
            state.pop("_by_actor"), state.pop("_by_context"))
        self.notifications = NotificationStore(
            state.pop("_lists"), state.pop("_broadcasts"))
        self.preferences = PreferencesStore(state.pop("_preferences"))
        self.queue = FanoutQueue.from_tree(state.pop("_queue"))
        self.push_subscriptions = PushSubscriptionStore(state.pop("_push", None))
        self._p_changed = True
        return True

    # -- settings ----------------------------------------------------------------

    @property
    def fanout_threshold(self):
        return get_settings().fanout_threshold

    @property
    def feed_threshold(self):
        """Followers from which a person's activities go to their feed (fan-out on
        read) instead of into every follower's list; 0: never."""
        return getattr(get_settings(), "feed_threshold", FEED_THRESHOLD)

    def uses_feed(self, actor):
        """Tell whether the activities of `actor` go to their feed: O(1)."""
        threshold = self.feed_threshold
        return bool(threshold) and self.subscriptions.follower_count(actor) >= threshold

    def get_preferences(self, userid, create=True):
        return self.preferences.get(userid, create=create)

    def set_preferences(self, userid, **changes):
        return self.preferences.set(userid, **changes)

    # -- activities ----------------------------------------------------------------

    def create(self, actor, verb, object=None, target=None, context=None, recipients=(),
               summary="", description="", extra=None, published=None,
               message_type=None, portal_type=None, ancestors=(),
               phrase=None, title=None, restricted_to=None, notify=True,
               actor_name=None, details=None):
        check_userid(actor, "actor")
        check_verb(verb)
        object_ = make_reference(object, "object")
        target = make_reference(target, "target")
        if object_ is None and target is None:
            # tgapp: the object is optional, but an activity is about something.
            raise exc.InvalidReference("an activity needs an object or a target")
        context, ancestors, portal_type = self._context(context, ancestors, portal_type)
        recipients = check_recipients(recipients)
        check_text(summary, "summary")
        check_text(description, "description")
        for name, value in (("phrase", phrase), ("title", title), ("actor_name", actor_name),
                            ("message_type", message_type), ("portal_type", portal_type)):
            check_text(value, name, optional=True)
        extra = {} if extra is None else check_json(extra)  # any JSON value (issue 16)
        details = check_extra(details) or None
        try:
            published = as_utc(published)
        except TypeError as error:
            raise exc.InvalidActivity(f"published: {error}") from None
        if restricted_to is not None:
            if not isinstance(restricted_to, (list, tuple, set, frozenset)) or not all(
                    isinstance(principal, str) for principal in restricted_to):
                raise exc.InvalidActivity("restricted_to must be a set of principals")
            restricted_to = frozenset(restricted_to)

        activity = self.activities.add(
            published, actor, verb, object_, target, context, ancestors, summary,
            description, extra, recipients, restricted_to, actor_name)
        # issue 16: what timelines filter by (a watch's subtree and content types)
        if ancestors:
            activity.ancestors = tuple(ancestors)
        if portal_type:
            activity.portal_type = portal_type
        if notify:
            # A sentence only where the caller gave no facts to render one from.
            facts = phrase is not None and title is not None
            template = make_template(
                message_type=message_type or verb.lower(),
                owner=Reference("content", context) if context else (object_ or target),
                subject=None if facts else (
                    summary or f"{actor_name or actor} {verb} {object_}"),
                # With details (the changed fields) the body is rendered from them.
                body="" if details else description, actor=actor, actor_name=actor_name,
                activity_id=activity.id, context=context, phrase=phrase, title=title,
                details=details,
            )
            if self.uses_feed(actor):
                audience = self._post_to_feed(activity, template, recipients, ancestors,
                                              portal_type, restricted_to, published)
            else:
                audience = self._audience(activity, recipients, ancestors, portal_type)
            if restricted_to is not None:
                audience = self._restrict(audience, restricted_to)
            self._emit(template, audience, published)
        # The realtime "new items" signal of its streams listens to this.
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
        chain = content_chain(context)
        if chain is None:
            raise exc.InvalidReference(
                f"context must be content with a UUID or a UUID, not {type(context).__name__}"
            )
        uuid, found_ancestors, found_type = chain
        return uuid, found_ancestors, portal_type or found_type

    def _post_to_feed(self, activity, template, recipients, ancestors, portal_type,
                      restricted_to, published):
        """Fan-out on read: store the notification once in the actor's feed and queue
        the followers' bookkeeping; return the audience still written (addressed
        people and watchers), which never reads all followers.

        A follower who is addressed or watches the content gets the written
        notification (with both reasons) and is skipped by the feed item.
        """
        actor = activity.actor
        audience = self._audience(activity, recipients, ancestors, portal_type,
                                  followers=False)
        skip = []
        for userid, reasons in audience.items():
            subscription = self.subscriptions.follow_of(userid, actor)
            if subscription is not None and subscription.matches(activity.verb, portal_type):
                reasons.insert(1 if reasons[0] == "addressed" else 0, f"follows:{actor}")
                skip.append(userid)
        if self.feeds is None:
            self.feeds = Feeds()
        notification = self.feeds.create(actor).add(
            template, published, activity.verb, portal_type, skip, restricted_to)
        self.queue.add_feed_post(notification, self.subscriptions.follower_count(actor))
        return audience

    def _audience(self, activity, recipients, ancestors, portal_type, followers=True):
        """Return {userid: [reasons]} for an activity, addressed recipients first
        (without the followers: those of an activity that goes to a feed)."""
        audience = {}
        for userid in recipients:
            audience.setdefault(userid, []).append("addressed")
        for follower, subscription in (self.subscriptions.followers(activity.actor)
                                       if followers else ()):
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
        return fixed_watches.add_fixed_watchers(self, audience, activity.context, ancestors)

    @staticmethod
    def _restrict(audience, restricted_to):
        visibility = queryUtility(IVisibility)
        if visibility is None:
            return audience
        return {userid: reasons for userid, reasons in audience.items()
                if visibility.principals(userid) & restricted_to}

    def get(self, activity_id):
        return self.activities.get(activity_id)

    def __len__(self):
        return len(self.activities)

    # -- notifications -------------------------------------------------------------

    def broadcast(self, subject, body="", message_type="broadcast", actor=None):
        check_text(subject, "subject")
        if not subject.strip():
            raise exc.InvalidActivity("subject must not be empty")
        check_text(body, "body")
        check_verb(message_type)
        if actor is not None:
            check_userid(actor, "actor")
        notification = self.notifications.add_broadcast(
            make_template(message_type, None, subject, body, actor), utcnow())
        notify(BroadcastEvent(notification))  # realtime shows it to everyone connected
        return notification

    def _unseen_feed_items(self, userid):
        """The views of the feed items `userid` has not seen and may View."""
        candidates = []
        for source, _, shows in self._followed_feeds(userid):
            candidates += [self.feeds.view(userid, notification)
                           for notification in self.feeds.unseen(userid, source)
                           if shows(notification)]
        visible = visibility_filter(userid)
        if visible is None or not candidates:
            return candidates
        shown = visible(candidates)
        return [view for view in candidates if view in shown]

    # -- reading notifications -----------------------------------------------------

    def count_not_seen_by_recipient(self, userid):
        check_userid(userid)
        notification_list = self.notifications.get_list(userid)
        count = self.notifications.count_unseen_broadcasts(notification_list)
        count += len(self._unseen_feed_items(userid))
        if notification_list is None:
            return count
        count += notification_list.unseen_count()
        if count and checks_visibility() and not unseen_verified(self, notification_list):
            # Only unseen notifications about content need a View check (and
            # only where anything is checked, and only when something that
            # decides View changed since they were verified: seencheck).
            count -= count_invisible(userid, notification_list.unseen_contexts())
        return count

    # -- streams ---------------------------------------------------------------------

    def _activity_query(self, keys, reader):
        sources = [] if keys is None else [Source(keys, self.activities.fetch)]
        return Query(sources, visibility_filter(reader))

    def get_site_stream(self, reader):
        return self._activity_query(self.activities.keys, reader)

    def get_by_actor(self, actor, reader):
        check_userid(actor, "actor")
        return self._activity_query(self.activities.keys_by_actor(actor), reader)

    def get_by_context(self, uuid, reader):
        check_uuid(uuid, "uuid")
        return self._activity_query(self.activities.keys_by_context(uuid), reader)

    def get_timeline(self, userid):
        """Return an IQuery over `userid`'s personal timeline: their own activities,
        those of the people they follow and those in the content they watch (with
        its subtree), as far as they may View them."""
        check_userid(userid)
        keys = [self.activities.keys_by_actor(userid)]
        keys += [self.activities.keys_by_actor(s.target)
                 for s in self.subscriptions.following(userid)]
        keys += [self.activities.keys_by_context(s.target)
                 for s in self.subscriptions.watching(userid)]
        # issue 16: the folders a group of theirs must watch
        keys += [self.activities.keys_by_context(uuid)
                 for uuid in sorted(fixed_watches.fixed_for(self, userid))]
        sources = [Source(found, self.activities.fetch) for found in keys if found]
        # issue 16: the watches' filters and subtree=False, and hiding mutes
        return Query(sources, visibility_filter(userid)).where(
            timeline_predicate(self, userid))

    # -- email bookkeeping -----------------------------------------------------------

    def mark_sent(self, notification, when=None):
        """Record that `notification` was mailed; mark it seen if the site says so.

        A feed item is shared: only the reader's marker records it (as seen)."""
        if isinstance(notification, FeedView):
            if get_delivery_settings().mark_seen_when_sent:
                self.feeds.mark_seen(notification.recipient, notification.item)
            return
        notification.sent = as_utc(when)
        if get_delivery_settings().mark_seen_when_sent and notification.recipient is not None:
            notification.__parent__.mark_seen(notification)

    def may_view(self, userid, notification):
        """Tell whether `userid` may View what `notification` is about."""
        visible = visibility_filter(userid)
        return visible is None or notification in visible([notification])

    def digest_due(self, userid, now=None):
        """Return the modes of the digests due for `userid` now (a set, maybe empty)."""
        return digests.due(self, userid, as_utc(now))

    def take_digest(self, userid, now=None):
        """Take the notifications of `userid` whose digest is due; return them (digests.take)."""
        return digests.take(self, userid, as_utc(now))

    def digest_candidates(self):
        """Iterate over the userids that have notifications waiting for a digest."""
        return digests.candidates(self)

    # -- Web Push subscriptions --------------------------------------------------------

    def add_push_subscription(self, userid, endpoint, p256dh, auth, language="", user_agent=""):
        """Store (or renew) a browser's push subscription for `userid`; return it."""
        return self.push_subscriptions.add(userid, endpoint, p256dh, auth, language,
                                           user_agent)

    def remove_push_subscription(self, userid, endpoint):
        """Forget a push subscription; return True if there was one."""
        return self.push_subscriptions.remove(userid, endpoint)

    def get_push_subscriptions(self, userid):
        """Return the push subscriptions of `userid`, a list."""
        return self.push_subscriptions.get(userid)

    # -- retention -----------------------------------------------------------------------

    def cleanup(self, remove_after=14, keep_unseen=True, now=None):
        if isinstance(remove_after, bool) or not isinstance(remove_after, int) or remove_after < 0:
            raise exc.InvalidActivity("remove_after must be a non-negative number of days")
        if not remove_after:
            return 0
        cutoff = to_key(as_utc(now) - timedelta(days=remove_after))
        removed = self.notifications.cleanup(cutoff, keep_unseen)
        if self.feeds is not None:  # shared: removed at the cutoff, as broadcasts are
            removed += self.feeds.cleanup(cutoff)
        return removed

    def check_invariants(self):
        """Raise AssertionError unless every store's counters and indexes agree."""
        self.activities.check_invariants()
        self.notifications.check_invariants()
        self.subscriptions.check_invariants()
        self.preferences.check_invariants()
        if self.feeds is not None:
            self.feeds.check_invariants()

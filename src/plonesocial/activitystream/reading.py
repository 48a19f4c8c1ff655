"""Reading notifications: a reader's list, the broadcasts and the feeds they follow
(fan-out on read), and marking them seen.

``NotificationReading`` is a part of ``ActivityManager`` (manager.py), kept here.
"""

from plonesocial import exc
from plonesocial.activitystream import mutes as muting
from plonesocial.activitystream.activity import make_reference
from plonesocial.activitystream.delivering import NotificationDeliveredEvent
from plonesocial.activitystream.feeds import FeedView
from plonesocial.activitystream.notifications import seen_at
from plonesocial.activitystream.preferences import DIGEST_MODES
from plonesocial.activitystream.query import Query
from plonesocial.activitystream.query import Source
from plonesocial.activitystream.validation import check_userid
from plonesocial.activitystream.visibility import visibility_filter
from plonesocial.clock import to_key
from zope.event import notify


class NotificationReading:
    """How readers see notifications: their lists, broadcasts and the feeds they follow."""

    def _feed_bookkeeping(self, userids, notification):
        """What a written notification does as it arrives, for each follower in
        `userids` a feed item is shown to: note it for their digest, and announce
        it (immediate mail, push, realtime) with the reader's view of it."""
        jar = self._p_jar
        if jar is not None and len(userids) > 1:
            self.subscriptions.prefetch_following(jar, userids)
            self.notifications.prefetch_lists(jar, userids)
            self.preferences.prefetch(jar, userids)
        source = notification.source
        for userid in userids:
            shows = self._feed_filter(userid, source)
            if shows is None or not shows(notification):
                continue
            view = self.feeds.view(userid, notification)
            mode = self.preferences.mode(userid, notification.message_type)
            if mode in DIGEST_MODES:
                self.notifications.get_list(userid, create=True).wait_for_digest(view, mode)
            notify(NotificationDeliveredEvent(view, mode))

    # -- reading feeds (fan-out on read) ---------------------------------------------

    def _feed_filter(self, userid, source):
        """Return a test telling whether a feed item of `source` is shown to `userid`,
        or None when they do not follow `source`. An item is theirs when it was posted
        after they followed, their subscription's filters match it, they were not
        given a written notification of it instead and their preferences want it."""
        subscription = self.subscriptions.follow_of(userid, source)
        if subscription is None:
            return None
        since = to_key(subscription.created)
        wanted = {}

        def shows(notification):
            if notification.posted < since or userid in notification.skip:
                return False
            if not subscription.matches(notification.verb, notification.portal_type):
                return False
            if muting.silenced(self, userid, notification):  # issue 16: mutes
                return False
            message_type = notification.message_type
            if message_type not in wanted:
                wanted[message_type] = self.preferences.wants(userid, source, message_type)
            return wanted[message_type]

        return shows

    def _followed_feeds(self, userid):
        """[(source, feed, shows)] for the feeds `userid` reads: the large sources
        they follow (a membership test per feed of the site)."""
        if self.feeds is None:
            return []
        found = []
        for source in self.feeds.sources():
            shows = self._feed_filter(userid, source)
            if shows is not None:
                found.append((source, self.feeds.get(source), shows))
        return found

    def _feed_fetch(self, userid, feed, shows):
        def fetch(key):
            notification = feed.get(key)
            if notification is None or not shows(notification):
                return None
            return self.feeds.view(userid, notification)
        return fetch

    def feed_item(self, userid, source, notification_id):
        """The view `userid` has of the feed item `notification_id` of `source`, or
        None (gone, or not theirs)."""
        if self.feeds is None:
            return None
        feed = self.feeds.get(source)
        shows = self._feed_filter(userid, source)
        if feed is None or shows is None:
            return None
        return self._feed_fetch(userid, feed, shows)(-notification_id)

    def get_by_recipient(self, userid):
        check_userid(userid)
        store = self.notifications
        notification_list = store.get_list(userid)
        sources = [Source(store.broadcast_keys,
                          lambda key: store.broadcast_view(key, notification_list))]
        if notification_list is not None:
            sources.append(Source(notification_list.keys, notification_list.get))
        for _, feed, shows in self._followed_feeds(userid):
            sources.append(Source(feed.keys, self._feed_fetch(userid, feed, shows)))
        return Query(sources, visibility_filter(userid))

    def get_notification(self, userid, notification_id):
        check_userid(userid)
        try:
            return self.notifications.get(userid, notification_id)
        except exc.NotificationNotFound:
            if isinstance(notification_id, int) and not isinstance(notification_id, bool):
                for _, feed, shows in self._followed_feeds(userid):
                    view = self._feed_fetch(userid, feed, shows)(-notification_id)
                    if view is not None:
                        return view
            raise

    def mark_seen(self, userid, notification_id):
        notification = self.get_notification(userid, notification_id)
        if isinstance(notification, FeedView):
            self.feeds.mark_seen(userid, notification.item)
            return
        self.notifications.get_list(userid, create=True).mark_seen(notification)

    def mark_unseen(self, userid, notification_id):
        notification = self.get_notification(userid, notification_id)
        if isinstance(notification, FeedView):
            self.feeds.mark_unseen(userid, notification.item)
            return
        self.notifications.get_list(userid, create=True).mark_unseen(notification)

    def mark_seen_about(self, userid, message_type, owner):
        """Mark seen the unseen notification of a type about an owner (a group), if any.

        Reading the thing a notification is about counts as seeing it: opening
        a conversation marks its "message" notification seen. O(1).
        """
        notification_list = self.notifications.get_list(userid)
        owner = make_reference(owner, "owner")
        if notification_list is None or owner is None:
            return False
        return notification_list.mark_seen_about(message_type, owner)

    def mark_all_seen(self, userid):
        check_userid(userid)
        notification_list = self.notifications.get_list(userid, create=True)
        count = notification_list.mark_all_seen(self.notifications.newest_broadcast())
        feeds = self._followed_feeds(userid)
        if feeds:
            count += len(self._unseen_feed_items(userid))
            for source, _, _ in feeds:  # one marker per large source followed
                self.feeds.mark_all_seen(userid, source)
        self.update_last_seen(userid)
        return count

    def get_last_seen(self, userid):
        check_userid(userid)
        notification_list = self.notifications.get_list(userid)
        return None if notification_list is None else notification_list.last_seen

    def update_last_seen(self, userid, when=None):
        previous = self.get_last_seen(userid)
        when = seen_at(when)
        self.notifications.get_list(userid, create=True).update_last_seen(when)
        return previous

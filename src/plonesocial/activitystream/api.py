"""The activity stream API of a site, in plone.api's style: keyword arguments, typed errors.

Pages, REST services, delivery, privacy and jobs go through these functions
(or the IActivityManager they wrap); each rule lives here or in the store
that keeps it, once::

    from plonesocial.activitystream import api as activitystream

    activitystream.notify(recipients=["bob"], subject="Server restarts at noon")
    activitystream.count_unseen(userid="bob")
    activitystream.mark_seen(userid="bob", ids=[...])

Errors are those of ``plonesocial.exc``.
"""

from plonesocial import exc
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.people import user_exists
from zope.component import getUtility


def get_manager():
    """The IActivityManager of the current site."""
    return getUtility(IActivityLocator).get_manager()


# -- activities and notifications ---------------------------------------------------


def create(**arguments):
    """Record an activity and notify who should hear of it (IActivityManager.create)."""
    return get_manager().create(**arguments)


def notify(**arguments):
    """Notify recipients (IActivityManager.notify); return how many were reached now."""
    return get_manager().notify(**arguments)


def broadcast(**arguments):
    """One notification for everybody, stored once (IActivityManager.broadcast)."""
    return get_manager().broadcast(**arguments)


def get_notifications(userid):
    """An IQuery over the notifications of `userid` that they may View, newest first."""
    return get_manager().get_by_recipient(userid)


def get_notification(userid, notification_id):
    """One notification of `userid` (theirs or a broadcast); NotificationNotFound."""
    return get_manager().get_notification(userid, notification_id)


def count_unseen(userid):
    """How many notifications `userid` has not seen and may View (the badge)."""
    return get_manager().count_not_seen_by_recipient(userid)


def _resolve(userid, ids):
    """Every notification named in `ids`, before anything changes: all or nothing."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, (list, tuple)) or not ids:
        raise exc.InvalidActivity("ids must be a non-empty list of notification ids")
    manager = get_manager()
    found = []
    for notification_id in ids:
        if isinstance(notification_id, str) and notification_id.strip().isdigit():
            notification_id = int(notification_id)
        if isinstance(notification_id, bool) or not isinstance(notification_id, int):
            raise exc.InvalidActivity(f"not a notification id: {notification_id!r}")
        found.append(manager.get_notification(userid, notification_id))
    return found


def mark_seen(userid, ids):
    """Mark the notifications `ids` of `userid` seen; unknown ids change nothing."""
    manager = get_manager()
    for notification in _resolve(userid, ids):
        manager.mark_seen(userid, notification.id)


def mark_unseen(userid, ids):
    """Mark the notifications `ids` of `userid` not seen again."""
    manager = get_manager()
    for notification in _resolve(userid, ids):
        manager.mark_unseen(userid, notification.id)


def mark_all_seen(userid):
    """Mark everything of `userid` seen and note the time; return how many were unseen."""
    return get_manager().mark_all_seen(userid)


def get_last_seen(userid):
    return get_manager().get_last_seen(userid)


def update_last_seen(userid, when=None):
    """Note that `userid` looked at their notifications; return the previous time."""
    return get_manager().update_last_seen(userid, when)


# -- streams --------------------------------------------------------------------------


def get_timeline(userid, only=None):
    """An IQuery over the personal timeline of `userid`; `only` "people" keeps the
    activities of the people they follow, "content" those in what they watch."""
    manager = get_manager()
    if only is None:
        return manager.get_timeline(userid)
    from plonesocial.activitystream.query import Query
    from plonesocial.activitystream.query import Source
    from plonesocial.activitystream.visibility import visibility_filter

    activities, subscriptions = manager.activities, manager.subscriptions
    if only == "people":
        keys = [activities.keys_by_actor(s.target) for s in subscriptions.following(userid)]
    elif only == "content":
        keys = [activities.keys_by_context(s.target) for s in subscriptions.watching(userid)]
    else:
        raise exc.InvalidInput(f"only must be 'people' or 'content', not {only!r}")
    sources = [Source(found, activities.fetch) for found in keys if found]
    return Query(sources, visibility_filter(userid))


def get_stream(reader, context=None, actor=None):
    """An IQuery over the activities `reader` may View: of a content item and its
    subtree (a UUID), of an actor, or of the whole site."""
    manager = get_manager()
    if context is not None:
        return manager.get_by_context(context, reader=reader)
    if actor is not None:
        return manager.get_by_actor(actor, reader=reader)
    return manager.get_site_stream(reader)


# -- preferences ---------------------------------------------------------------------


def get_preferences(userid):
    """The preferences of `userid`; the defaults, unstored, if they never changed them."""
    return get_manager().preferences.get(userid, create=False)


def set_preferences(userid, **changes):
    """Change some preferences of `userid`; all are checked before any is stored."""
    return get_manager().preferences.set(userid, **changes)


# -- subscriptions ---------------------------------------------------------------------


def follow(subscriber, userid, verbs=None, portal_types=None):
    """`subscriber` follows `userid` (a user of this site)."""
    if isinstance(userid, str) and userid and not user_exists(userid):
        raise exc.UnknownUser(f"No user {userid!r}", userid=userid)
    return get_manager().subscriptions.follow(subscriber, userid, verbs=verbs,
                                              portal_types=portal_types)


def unfollow(subscriber, userid):
    get_manager().subscriptions.unfollow(subscriber, userid)


def watch(subscriber, uuid, subtree=True, verbs=None, portal_types=None):
    """`subscriber` watches the content `uuid` (the caller checks that they may View it)."""
    return get_manager().subscriptions.watch(subscriber, uuid, subtree, verbs=verbs,
                                             portal_types=portal_types)


def unwatch(subscriber, uuid):
    get_manager().subscriptions.unwatch(subscriber, uuid)


def get_subscriptions(subscriber, kind=None, after=None):
    """The subscriptions of `subscriber`: follows, then watches; of `kind` only
    ("user" or "content") after the target `after` when given."""
    subscriptions = get_manager().subscriptions
    if kind is None:
        return subscriptions.get_subscriptions(subscriber)
    return subscriptions.page(subscriber, kind, after)


# -- the social layer: posts, comments, likes, favorites, mentions, hashtags ---------
# The rules are in activitystream.social (docs/social.rst).
from plonesocial.activitystream.social import comment as comment  # noqa: E402
from plonesocial.activitystream.social import count_comments as count_comments  # noqa: E402
from plonesocial.activitystream.social import delete_comment as delete_comment  # noqa: E402
from plonesocial.activitystream.social import delete_post as delete_post  # noqa: E402
from plonesocial.activitystream.social import edit_comment as edit_comment  # noqa: E402
from plonesocial.activitystream.social import edit_post as edit_post  # noqa: E402
from plonesocial.activitystream.social import favorite as favorite  # noqa: E402
from plonesocial.activitystream.social import follow_tag as follow_tag  # noqa: E402
from plonesocial.activitystream.social import followed_tags as followed_tags  # noqa: E402
from plonesocial.activitystream.social import get_activity as get_activity  # noqa: E402
from plonesocial.activitystream.social import get_comment as get_comment  # noqa: E402
from plonesocial.activitystream.social import get_comments as get_comments  # noqa: E402
from plonesocial.activitystream.social import get_image as get_image  # noqa: E402
from plonesocial.activitystream.social import get_tag_stream as get_tag_stream  # noqa: E402
from plonesocial.activitystream.social import get_timeline_page as get_timeline_page  # noqa: E402
from plonesocial.activitystream.social import like as like  # noqa: E402
from plonesocial.activitystream.social import post as post  # noqa: E402
from plonesocial.activitystream.social import post_of as post_of  # noqa: E402
from plonesocial.activitystream.social import reactions as reactions  # noqa: E402
from plonesocial.activitystream.social import sort_key as sort_key  # noqa: E402
from plonesocial.activitystream.social import unfavorite as unfavorite  # noqa: E402
from plonesocial.activitystream.social import unfollow_tag as unfollow_tag  # noqa: E402
from plonesocial.activitystream.social import unlike as unlike  # noqa: E402

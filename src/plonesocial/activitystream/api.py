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

from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.people import user_exists
from plonesocial.text import normalize_newlines
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
    """One notification for everybody, stored once (IActivityManager.broadcast); its
    body's line breaks stored as "\n" (text.normalize_newlines)."""
    if "body" in arguments:
        arguments["body"] = normalize_newlines(arguments["body"])
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
    if only == "content":  # issue 16: fixed watches count as watches
        from plonesocial.activitystream.fixed import fixed_for

        keys += [activities.keys_by_context(uuid) for uuid in sorted(fixed_for(manager, userid))]
    sources = [Source(found, activities.fetch) for found in keys if found]
    from plonesocial.activitystream.timeline import timeline_predicate

    return Query(sources, visibility_filter(userid)).where(timeline_predicate(manager, userid))


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
        raise exc.UnknownUser(_("There is no user ${userid}.", mapping={"userid": userid}),
                              userid=userid)
    return get_manager().subscriptions.follow(subscriber, userid, verbs=verbs,
                                              portal_types=portal_types)


def unfollow(subscriber, userid):
    get_manager().subscriptions.unfollow(subscriber, userid)


def watch(subscriber, uuid, subtree=True, verbs=None, portal_types=None, frequency=None):
    """`subscriber` watches the content `uuid` (the caller checks that they may View it);
    `frequency` "immediately", "digest" or "stream" (issue 16; None: immediately)."""
    return get_manager().subscriptions.watch(subscriber, uuid, subtree, verbs=verbs,
                                             portal_types=portal_types, frequency=frequency)


def unwatch(subscriber, uuid):
    """`subscriber` stops watching `uuid`; NotAllowed if a group of theirs must watch it."""
    from plonesocial.activitystream.fixed import group_title

    manager = get_manager()
    fixed_by = fixed_groups_of(subscriber, uuid)
    if fixed_by:
        raise exc.NotAllowed(_(
            "You cannot stop watching this: a site administrator made everybody in "
            "${groups} watch it.", mapping={"groups": ", ".join(map(group_title, fixed_by))}))
    manager.subscriptions.unwatch(subscriber, uuid)


def get_subscriptions(subscriber, kind=None, after=None):
    """The subscriptions of `subscriber`: follows, then watches; of `kind` only
    ("user" or "content") after the target `after` when given."""
    subscriptions = get_manager().subscriptions
    if kind is None:
        return subscriptions.get_subscriptions(subscriber)
    return subscriptions.page(subscriber, kind, after)


# -- mutes (issue 16) --------------------------------------------------------------------


def _store(manager, name, factory):
    """The manager's store `name`, made on the first write of a site installed before it."""
    store = getattr(manager, name, None)
    if store is None:
        store = factory()
        setattr(manager, name, store)
    return store


def mute(userid, kind, target, duration=None, hide=False, now=None):
    """`userid` mutes a target ("activity", "content" or "conversation", see
    activitystream.mutes) for `duration` ("hour", "day", "week"; None: until
    unmuted): no notification about it, and with `hide` not in their timeline.
    A group conversation ("group:<id>") is also muted in the messaging sense: it
    leaves the unread total for as long."""
    from plonesocial.activitystream.mutes import check_target
    from plonesocial.activitystream.mutes import MuteStore
    from plonesocial.activitystream.mutes import until_of
    from plonesocial.clock import as_utc

    kind, target = check_target(kind, target)
    now = as_utc(now)  # one time for the mute's start and its end
    until = until_of(duration, now)
    _check_mutable(userid, kind, target)
    if kind == "conversation" and target.startswith("group:"):
        from plonesocial.messaging import api as messaging

        messaging.mute_group(userid, target[len("group:"):], True, until=until)
    store = _store(get_manager(), "mutes", MuteStore)
    return store.mute(userid, kind, target, until=until, hide=hide, now=now)


def _check_mutable(userid, kind, target):
    """Refuse a mute of what `userid` may not see: nobody learns from a mute whether
    an item they may not View exists."""
    from plonesocial.activitystream.visibility import may_view_content
    from plonesocial.activitystream.visibility import visibility_filter

    if kind == "content" and not may_view_content(userid, target):
        raise exc.InvalidInput(_("No content you may view"))
    if kind == "activity":
        activity = get_manager().activities.get(int(target))  # ActivityNotFound
        visible = visibility_filter(userid)
        if visible is not None and activity not in visible([activity]):
            raise exc.ActivityNotFound(f"No activity {target}")
    if kind == "conversation" and not target.startswith("group:") and not user_exists(target):
        raise exc.UnknownUser(_("There is no user ${userid}.", mapping={"userid": target}),
                              userid=target)


def unmute(userid, kind, target, now=None):
    """End a mute of `userid`; NotFound if there is no such mute."""
    from plonesocial.activitystream.mutes import check_target

    kind, target = check_target(kind, target)
    group_muted = False  # muted as a group only (PATCH @conversations, the group page)
    if kind == "conversation" and target.startswith("group:"):
        from plonesocial.messaging import api as messaging

        groups = messaging.get_groups()
        group = None if groups is None else groups.get(target[len("group:"):])
        membership = None if group is None else group.get_membership(userid)
        group_muted = membership is not None and membership.is_muted()
        try:
            messaging.mute_group(userid, target[len("group:"):], False)
        except exc.NotFound:
            pass  # a group since deleted or left: the mute goes all the same
    store = getattr(get_manager(), "mutes", None)
    unmuted = store is not None and store.unmute(userid, kind, target, now=now)
    if not unmuted and not group_muted:
        raise exc.SubscriptionNotFound(_("You did not mute this"))


def get_mute(userid, kind, target, now=None):
    """The active mute of `userid` on a target, or None."""
    store = getattr(get_manager(), "mutes", None)
    return None if store is None else store.get(userid, kind, target, now)


def get_mutes(userid, now=None):
    """The active mutes of `userid`, a list."""
    store = getattr(get_manager(), "mutes", None)
    return [] if store is None else store.mutes(userid, now)


# -- fixed watches (issue 16) -----------------------------------------------------------


def fix_watch(uuid, group):
    """Make every member of `group` watch `uuid`, unable to stop (site administrators;
    the caller checks the permission and that the group exists)."""
    from plonesocial.activitystream.fixed import FixedWatches

    return _store(get_manager(), "fixed", FixedWatches).fix(uuid, group)


def unfix_watch(uuid, group):
    """End a fixed watch; NotFound if there is none."""
    store = getattr(get_manager(), "fixed", None)
    if store is None or not store.unfix(uuid, group):
        raise exc.SubscriptionNotFound(_("This group has no fixed watch here"))


def get_fixed_watches():
    """Every fixed watch, (uuid, group) pairs."""
    store = getattr(get_manager(), "fixed", None)
    return [] if store is None else list(store.items())


def fixed_groups_of(userid, uuid):
    """The groups of `userid` that must watch `uuid` (fixed by an administrator), a list."""
    from plonesocial.activitystream.fixed import principals_of

    store = getattr(get_manager(), "fixed", None)
    if not store:
        return []
    groups = store.groups(uuid)
    if not groups:
        return []
    mine = principals_of(userid)
    return [group for group in groups if group in mine]


def is_watching(userid, uuid):
    """Tell whether `userid` watches `uuid`, themselves or through a fixed watch."""
    return (get_manager().subscriptions.is_watching(userid, uuid)
            or bool(fixed_groups_of(userid, uuid)))


# -- the badge (issue 16) ---------------------------------------------------------------


def count_new(userid, cap=100):
    """tgapp's badge: how many notifications `userid` may View arrived (or grew)
    since they last looked (`update_last_seen` clears it) and have not seen (read a
    conversation, marked it seen) since, up to `cap`. Lino's
    per-item seen state is `count_unseen` and each notification's `seen`.
    Notification ids are their times: it reads the newest ones, back to that time."""
    from plonesocial.activitystream.notifications import COUNT_EACH
    from plonesocial.clock import to_key

    manager = get_manager()
    last = manager.get_last_seen(userid)
    cutoff = None if last is None else to_key(last)
    count = 0
    for notification in manager.get_by_recipient(userid):
        if count >= cap or (cutoff is not None and notification.id <= cutoff):
            break
        if notification.seen:
            continue  # read already (a conversation open as it came): not news
        # Each private message counts, as on the not-seen badge (COUNT_EACH), when
        # the whole row is new since the last look; a row that only grew counts one.
        weigh = notification.message_type in COUNT_EACH and not notification.seen and (
            cutoff is None or to_key(notification.created) > cutoff)
        count += max(1, notification.count) if weigh else 1
    return min(count, cap)


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

"""What a personal timeline keeps (issue 16): a watch's verb and content-type filters
and its ``subtree=False``, as notifications honour them; fixed watches; mutes that
hide.

The timeline reads the activities of the people followed and of the content
watched (each watched item's index holds its whole subtree); this predicate,
given to the query, keeps an activity only if one of the reader's
subscriptions really asks for it.
"""

from plonesocial.activitystream.fixed import fixed_for
from plonesocial.clock import utcnow


def portal_type_of(activity):
    """The content type of an activity's content, or None when not known."""
    if activity.portal_type:
        return activity.portal_type
    extra = activity.extra
    return extra.get("portal_type") if isinstance(extra, dict) else None


def matches(subscription, activity):
    """Tell whether `subscription`'s filters let `activity` through. An activity
    recorded before its content type was kept passes the type filter."""
    portal_type = portal_type_of(activity)
    if portal_type is None:
        return subscription.verbs is None or activity.verb in subscription.verbs
    return subscription.matches(activity.verb, portal_type)


def mute_keys(activity):
    keys = {("activity", str(activity.id))}
    if activity.context:
        keys.add(("content", activity.context))
        keys.update(("content", uuid) for uuid in activity.ancestors)
    return keys


def timeline_predicate(manager, userid, now=None):
    """A predicate keeping the activities `userid`'s subscriptions ask for."""
    follows = {s.target: s for s in manager.subscriptions.following(userid)}
    watches = {s.target: s for s in manager.subscriptions.watching(userid)}
    fixed = fixed_for(manager, userid)
    store = getattr(manager, "mutes", None)
    hidden = store.hidden(userid, now or utcnow()) if store else frozenset()

    def by_watch(activity):
        context = activity.context
        if not context:
            return False
        if context in fixed or any(uuid in fixed for uuid in activity.ancestors):
            return True
        subscription = watches.get(context)
        if subscription is not None and matches(subscription, activity):
            return True
        if activity.ancestors:
            return any(
                (found := watches.get(uuid)) is not None and found.subtree
                and matches(found, activity)
                for uuid in activity.ancestors)
        # Recorded before its folders were kept: it came through a folder's
        # index, so only a watch with its subtree can want it.
        return any(s.subtree and matches(s, activity) for s in watches.values())

    def keep(activity):
        if hidden and mute_keys(activity) & hidden:
            return False
        if activity.actor == userid:
            return True
        subscription = follows.get(activity.actor)
        if subscription is not None and matches(subscription, activity):
            return True
        return by_watch(activity)

    return keep

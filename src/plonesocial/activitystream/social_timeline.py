"""Reading timelines: filters, sorting by last activity, keyset cursors."""

from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.social_posts import current_manager
from plonesocial.activitystream.social_posts import get_social
from plonesocial.activitystream.social_posts import post_of
from plonesocial.activitystream.social_reactions import favorite_activity_ids
from plonesocial.activitystream.social_tags import check_tag
from plonesocial.activitystream.validation import check_userid


SORTS = ("published", "activity")


def get_timeline_page(reader, tag=None, keyword=None, actor=None, favorites=False,
                      since=None, until=None, sort="published"):
    """An IQuery over what `reader` reads, newest first, filtered.

    Without filters: their timeline (their own activities, those of the people
    they follow, those in the content they watch) and the posts of the tags
    they follow. `actor` shows that actor's activities `reader` may View
    (followed or not); `tag` the activities of a tag in the timeline (or all
    of that tag, if they follow it); `favorites` what they favorited;
    `keyword` what says it; `since`/`until` (datetimes) a range of publication.
    `sort` "activity" puts a commented activity at its last comment (a new comment
    lifts it); its keyset cursors are then ``sort_key(activity)``.
    """
    from plonesocial.activitystream.query import Query
    from plonesocial.activitystream.query import Source
    from plonesocial.activitystream.visibility import visibility_filter
    from plonesocial.clock import as_utc
    from plonesocial.clock import to_key

    check_userid(reader, "reader")
    manager = current_manager()
    activities, subscriptions = manager.activities, manager.subscriptions
    store = get_social()
    followed = set(store.tags.followed_by(reader)) if store is not None else set()
    following = {s.target for s in subscriptions.following(reader)}
    watching = [s.target for s in subscriptions.watching(reader)]
    if sort not in SORTS:
        raise exc.InvalidInput(_("Sort by published or by activity."))
    # The timeline as the reader's subscriptions define it: watches' verb and type
    # filters, subtree=False, fixed watches; what they muted with "hide" is hidden
    # whatever the filter (timeline.py).
    from plonesocial.activitystream.fixed import fixed_for
    from plonesocial.activitystream.timeline import mute_keys
    from plonesocial.activitystream.timeline import timeline_predicate

    in_timeline = timeline_predicate(manager, reader)
    mutes = getattr(manager, "mutes", None)
    hidden = mutes.hidden(reader) if mutes else frozenset()
    where = [lambda a: not (mute_keys(a) & hidden)] if hidden else []
    if actor is not None:
        check_userid(actor, "actor")
        keys = [activities.keys_by_actor(actor)]

        def member(a):
            return a.actor == actor

    elif favorites:
        ids = sorted(favorite_activity_ids(reader), reverse=True)
        keys = [_ids_keys(ids)]
        mine = set(ids)

        def member(a):
            return a.id in mine

    elif tag is not None:
        tag = check_tag(tag)
        keys = [store.tags.keys_by_tag(tag) if store is not None else None]
        if tag not in followed:
            where.append(in_timeline)

        def member(a):
            return store.tags.has_activity(tag, a.id)

    else:
        keys = [activities.keys_by_actor(reader)]
        keys += [activities.keys_by_actor(userid) for userid in following]
        keys += [activities.keys_by_context(uuid) for uuid in watching]
        keys += [activities.keys_by_context(uuid) for uuid in sorted(fixed_for(manager, reader))]
        keys += [store.tags.keys_by_tag(name) for name in followed]

        def member(a):
            return in_timeline(a) or any(
                store.tags.has_activity(name, a.id) for name in followed)

    if tag is not None and (actor is not None or favorites):
        where.append(lambda a, tag=tag: store is not None and store.tags.has_activity(tag, a.id))
    if favorites and actor is not None:
        mine = favorite_activity_ids(reader)
        where.append(lambda a: a.id in mine)
    if keyword is not None:
        if not isinstance(keyword, str) or not keyword.strip():
            raise exc.InvalidInput(_("Search for a word."))
        word = keyword.strip().lower()
        where.append(lambda a: word in search_text(a))
    sources = [Source(found, activities.fetch) for found in keys if found]
    if sort == "activity" and store is not None:
        sources = _by_last_activity(sources, store, activities, member)
    query = Query(sources, visibility_filter(reader))
    if until is not None:
        high = to_key(as_utc(until))
        if sort == "activity":
            where.append(lambda a: a.id < high)
        else:
            query = query.before(high)
    if since is not None:
        low = to_key(as_utc(since))
        where.append(lambda a: a.id >= low)
    for predicate in where:
        query = query.where(predicate)
    return query


def _by_last_activity(sources, store, activities, member):
    """`sources` without the commented activities, and those at their last comment."""
    comments = store.comments

    def unlifted(fetch):
        def fetch_unlifted(key):
            return None if comments.last_active(-key) is not None else fetch(key)
        return fetch_unlifted

    def fetch_lifted(key):
        activity_id = comments.lifted_activity(key)
        activity = None if activity_id is None else activities.fetch(-activity_id)
        return activity if activity is not None and member(activity) else None

    from plonesocial.activitystream.query import Source

    return [Source(source.keys, unlifted(source.fetch)) for source in sources] + [
        Source(comments.lifted_keys, fetch_lifted)]


def sort_key(activity, sort="published"):
    """The keyset cursor of `activity` in a timeline sorted by `sort`."""
    if sort == "activity":
        store = get_social()
        lifted = store.comments.last_active(activity.id) if store is not None else None
        if lifted is not None:
            return lifted
    return activity.id


def _ids_keys(ids):
    """A keys function (as a tree's) over a newest-first list of ids."""
    negated = [-id_ for id_ in ids]

    def keys(min=None, max=None, excludemin=False, excludemax=False):
        for key in negated:
            if min is not None and (key < min or (excludemin and key == min)):
                continue
            if max is not None and (key > max or (excludemax and key == max)):
                continue
            yield key

    return keys


def search_text(activity):
    record = post_of(activity)
    text = record.text if record is not None else activity.summary
    return f"{text} {activity.summary}".lower()

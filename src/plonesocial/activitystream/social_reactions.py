"""Likes and favorites of activities and comments, and the like notification."""

from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.reactions import comment_key
from plonesocial.activitystream.reactions import parse_key
from plonesocial.activitystream.rendering import LIVE_OTHERS
from plonesocial.activitystream.social_comments import comment_owner
from plonesocial.activitystream.social_comments import get_comment
from plonesocial.activitystream.social_comments import owner_of
from plonesocial.activitystream.social_posts import current_manager
from plonesocial.activitystream.social_posts import get_activity
from plonesocial.activitystream.social_posts import get_social
from plonesocial.activitystream.social_posts import may_mention
from plonesocial.activitystream.social_posts import post_of
from plonesocial.activitystream.social_posts import social_store
from plonesocial.activitystream.social_posts import TITLE_LENGTH
from plonesocial.activitystream.validation import check_userid
from plonesocial.people import display_name
from plonesocial.text import excerpt


def _reaction_key(reader, activity_id, comment_id):
    if comment_id is None:
        activity = get_activity(reader, activity_id)
        return activity, None, activity_key(activity.id)
    found = get_comment(reader, activity_id, comment_id)
    if found.deleted:
        raise exc.NotFound(_("No comment ${id} here.", mapping={"id": str(comment_id)[:40]}))
    return current_manager().get(found.activity_id), found, comment_key(found.activity_id, found.id)


def react(userid, kind, activity_id, comment_id=None, on=True):
    """Like (`kind` "like") or favorite an activity or one of its comments, or take it
    back (`on` False). The author hears of a new like. Returns whether it changed."""
    check_userid(userid)
    if kind not in ("like", "favorite"):
        raise exc.InvalidInput(_("A reaction is a like or a favorite."))
    if not isinstance(on, bool):
        raise exc.InvalidInput(_("on must be true or false."))
    activity, found, key = _reaction_key(userid, activity_id, comment_id)
    changed = social_store().reactions.set(kind, key, userid, on)
    if changed and on and kind == "like":
        author = found.author if found is not None else activity.actor
        if author != userid and may_mention(userid, author, activity.context):
            record = post_of(activity)
            if found is not None:
                phrase, owner, words = ("liked your comment",
                                        comment_owner(activity, found.id), found.text)
            else:
                phrase, owner = "liked your post", owner_of(activity)
                words = record.text if record is not None else activity.summary
            _notify_like(author, phrase, owner, userid, activity, key, words)
    return changed


def _notify_like(author, phrase, owner, userid, activity, key, words):
    """Tell `author` of a like: a new notification, unless one about the same thing is
    still unseen. That one is left unchanged (people liking one post at once would
    all rewrite it and conflict); its subject counts the likes since it was made."""
    manager = current_manager()
    notification_list = manager.notifications.get_list(author)
    if notification_list is not None and notification_list.unseen_about(
            "like", owner, phrase) is not None:
        return
    before = social_store().reactions.count("like", key) - 1
    manager.notify_facts(
        [author], message_type="like", phrase=phrase, owner=owner, actor=userid,
        context=activity.context, title=excerpt(words, TITLE_LENGTH),
        details={"reaction": key, "before": before})


def _likes_since(notification):
    """How many more people liked it since `notification` was made (LIVE_OTHERS)."""
    details = notification.details or {}
    if "reaction" not in details:
        return None
    try:
        store = get_social()
    except LookupError:  # no site (a plain ZODB)
        return None
    if store is None:
        return None
    return store.reactions.count("like", details["reaction"]) - details.get("before", 0) - 1


LIVE_OTHERS["liked your post"] = LIVE_OTHERS["liked your comment"] = _likes_since


def like(userid, activity_id, comment_id=None):
    return react(userid, "like", activity_id, comment_id, True)


def unlike(userid, activity_id, comment_id=None):
    return react(userid, "like", activity_id, comment_id, False)


def favorite(userid, activity_id, comment_id=None):
    return react(userid, "favorite", activity_id, comment_id, True)


def unfavorite(userid, activity_id, comment_id=None):
    return react(userid, "favorite", activity_id, comment_id, False)


def reactions(reader, activity_id, comment_id=None):
    """What `reader` may know of the reactions to an activity or comment: counts,
    who liked it, and whether they liked or favorited it themselves."""
    _activity, _found, key = _reaction_key(reader, activity_id, comment_id)
    return summary(reader, key)


def summary(reader, key):
    store = get_social()
    if store is None:
        return {"likes": 0, "liked_by": [], "liked": False, "favorites": 0,
                "favorited": False}
    found = store.reactions
    return {"likes": found.count("like", key), "liked_by": found.users("like", key),
            "liked": found.has("like", key, reader),
            "favorites": found.count("favorite", key),
            "favorited": found.has("favorite", key, reader)}


def liked_by_sentence(userids, reader=None, shown=2):
    """ "Liked by Ann, Bob and 5 others" (names of `shown` people; the reader is "you")."""
    if not userids:
        return None
    userids = sorted(userids, key=lambda u: (u != reader, display_name(u).lower()))
    names = [_("you") if u == reader else display_name(u) for u in userids[:shown]]
    others = len(userids) - len(names)
    if others <= 0:
        if len(names) == 1:
            return _("Liked by ${first}", mapping={"first": names[0]})
        return _("Liked by ${first} and ${second}",
                 mapping={"first": names[0], "second": names[1]})
    return _("Liked by ${names} and ${others} others",
             mapping={"names": ", ".join(str(n) for n in names), "others": others})


def favorite_activity_ids(userid):
    """The ids of the activities `userid` favorited (themselves, not a comment)."""
    store = get_social()
    if store is None:
        return set()
    ids = set()
    for key in store.reactions.keys_of("favorite", userid):
        activity_id, comment_id = parse_key(key)
        if comment_id is None:
            ids.add(activity_id)
    return ids

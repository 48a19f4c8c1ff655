"""Comments on activities: add, read, edit, delete (one level of replies)."""

from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.reactions import comment_key
from plonesocial.activitystream.social_posts import check_id
from plonesocial.activitystream.social_posts import check_post_text
from plonesocial.activitystream.social_posts import current_manager
from plonesocial.activitystream.social_posts import current_site
from plonesocial.activitystream.social_posts import get_activity
from plonesocial.activitystream.social_posts import get_social
from plonesocial.activitystream.social_posts import has_permission
from plonesocial.activitystream.social_posts import may_delete_post
from plonesocial.activitystream.social_posts import may_mention
from plonesocial.activitystream.social_posts import notify_mentions
from plonesocial.activitystream.social_posts import post_of
from plonesocial.activitystream.social_posts import retract_mentions
from plonesocial.activitystream.social_posts import social_store
from plonesocial.activitystream.social_posts import TITLE_LENGTH
from plonesocial.activitystream.tags import find_tags
from plonesocial.activitystream.validation import check_userid
from plonesocial.clock import utcnow
from plonesocial.text import excerpt


def owner_of(activity):
    """The Reference comments and reactions about an activity are grouped by."""
    record = post_of(activity)
    if record is not None:
        return Reference("post", record.uid)
    return activity.object


def comment_owner(activity, comment_id):
    return Reference("comment", f"activity-{activity.id}/{comment_id}")


def comment(userid, activity_id, text, reply_to=None):
    """`userid` comments on an activity they may see (a reply: on a comment of it, one
    level deep). The post's author and earlier commenters are notified. Returns it."""
    check_userid(userid)
    activity = get_activity(userid, activity_id)
    record = post_of(activity)
    if record is not None and record.deleted:
        raise exc.NotAllowed(_("This post was deleted: it takes no new comments."))
    if not has_permission(userid, "plonesocial: Use", current_site()):
        raise exc.NotAllowed(_("You may not comment."))
    text = check_post_text(text)
    store = social_store()
    parent = None
    if reply_to is not None:
        thread = store.comments.thread(activity.id)
        found = thread.get(check_id(reply_to, "comment")) if thread is not None else None
        if found is None or found.deleted:
            raise exc.NotFound(_("No comment ${id} here.", mapping={"id": str(reply_to)[:40]}))
        parent = found.parent or found.id  # one level: a reply to a reply joins its parent
    thread = store.comments.thread(activity.id)
    earlier = set(thread.commenters()) if thread is not None else set()
    new = store.comments.add(activity.id, userid, text, parent, utcnow())
    store.comments.lift(activity.id, new.id)  # a new comment lifts it (sort="activity")
    store.reactions.prepare(comment_key(activity.id, new.id))
    new.tags = find_tags(text)
    store.tags.index(activity.id, new.tags)
    # Who the comment mentions hears of it once, as a mention (it quotes the comment),
    # not also as a comment on their post or thread (as GitHub and Discourse do).
    new.mentions = notify_mentions(userid, text, frozenset(), activity, new,
                                   comment_owner(activity, new.id))
    _tell_of_comment(userid, activity, record, earlier - set(new.mentions), new.mentions)
    return new


def _tell_of_comment(userid, activity, record, commenters, mentioned, only=None):
    """Tell the post's author and `commenters` (earlier ones) that `userid` commented,
    but not those in `mentioned` (a mention told them) nor `userid`; with `only`,
    none but those."""
    owner = owner_of(activity)
    title = excerpt(record.text if record is not None else activity.summary, TITLE_LENGTH)
    manager = current_manager()
    author = activity.actor
    told = {userid} | set(mentioned)
    if only is not None:
        told |= ({author} | set(commenters)) - set(only)
    readers = [u for u in (author,) if u not in told and may_mention(userid, u, activity.context)]
    if readers:
        manager.notify_facts(readers, message_type="comment", phrase="commented on your post",
                             owner=owner, actor=userid, context=activity.context, title=title)
    others = sorted(u for u in set(commenters) - told - {author}
                    if may_mention(userid, u, activity.context))
    if others:
        manager.notify_facts(others, message_type="comment", phrase="commented on",
                             owner=owner, actor=userid, context=activity.context, title=title)


def get_comments(reader, activity_id):
    """The comments of an activity `reader` may see, oldest first (tombstones kept)."""
    activity = get_activity(reader, activity_id)
    store = get_social()
    thread = store.comments.thread(activity.id) if store is not None else None
    return [] if thread is None else thread.comments()


def get_comment(reader, activity_id, comment_id):
    activity = get_activity(reader, activity_id)
    store = get_social()
    thread = store.comments.thread(activity.id) if store is not None else None
    found = thread.get(check_id(comment_id, "comment")) if thread is not None else None
    if found is None:
        raise exc.NotFound(_("No comment ${id} here.", mapping={"id": str(comment_id)[:40]}))
    return found


def count_comments(activity_id):
    store = get_social()
    return 0 if store is None else store.comments.count(activity_id)


def edit_comment(userid, activity_id, comment_id, text):
    found = get_comment(userid, activity_id, comment_id)
    if found.author != userid or found.deleted:
        raise exc.NotAllowed(_("Only its author may edit a comment."))
    text = check_post_text(text)
    activity = current_manager().get(found.activity_id)
    store = social_store()
    tags = find_tags(text)
    store.tags.unindex(activity.id, found.tags - tags - other_tags(activity, found))
    store.tags.index(activity.id, tags)
    found.tags = tags
    found.text = text
    found.edited = utcnow()
    before = found.mentions
    found.mentions = notify_mentions(userid, text, before, activity, found,
                                     comment_owner(activity, found.id))
    # A mention edited away took its notification back: the author and commenters it
    # stood for hear of the comment as everyone else did.
    dropped = set(before) - set(found.mentions)
    if dropped:
        thread = store.comments.thread(activity.id)
        commenters = set(thread.commenters()) if thread is not None else set()
        _tell_of_comment(userid, activity, post_of(activity), commenters, found.mentions,
                         only=dropped)
    return found


def other_tags(activity, but):
    """The tags the activity keeps through its post and other comments."""
    record = post_of(activity)
    tags = set(record.tags) if record is not None else set()
    for other in get_social().comments.thread(activity.id).comments():
        if other is not but:
            tags |= other.tags
    return tags


def delete_comment(userid, activity_id, comment_id):
    """The author (or who may delete the post) deletes a comment."""
    found = get_comment(userid, activity_id, comment_id)
    if found.deleted:
        raise exc.NotFound(_("No comment ${id} here.", mapping={"id": str(comment_id)[:40]}))
    activity = current_manager().get(found.activity_id)
    record = post_of(activity)
    if found.author != userid and not (record is not None
                                       and may_delete_post(userid, activity, record)):
        raise exc.NotAllowed(_("Only its author may delete a comment."))
    store = social_store()
    retract_mentions(found.mentions, activity, found, comment_owner(activity, found.id))
    store.tags.unindex(activity.id, found.tags - other_tags(activity, found))
    store.comments.remove(found)
    if found.id not in {c.id for c in store.comments.thread(activity.id).comments()}:
        store.reactions.forget(comment_key(activity.id, found.id))
    if record is not None and record.deleted and not store.comments.count(activity.id):
        # The tombstone was kept for the comments; the last one is gone.
        store.comments.remove_thread(activity.id)
        store.reactions.forget(activity_key(activity.id))
        store.posts.remove(record.uid)
        current_manager().activities.remove(activity.id, record.ancestors)

"""The social layer's rules: posts, comments, likes, favorites, mentions and hashtags.

``plonesocial.activitystream.api`` offers these functions; pages and REST
call them. A post is an activity (verb Create, object a ``post`` Reference)
made through the manager's ``create``: it reaches the poster's followers and
the context's watchers as every activity does, and streams show it where
its reader may View its context. The stores (``posts``, ``comments``,
``reactions``, ``tags``) hang from one ``SocialStore`` held by the manager.

Every function takes the acting user first; what it names must be visible
to them (else NotFound, so ids cannot be probed) and changes need their
permission (else NotAllowed).
"""

from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.reactions import comment_key
from plonesocial.activitystream.social_comments import comment as comment
from plonesocial.activitystream.social_comments import comment_owner
from plonesocial.activitystream.social_comments import count_comments as count_comments
from plonesocial.activitystream.social_comments import delete_comment as delete_comment
from plonesocial.activitystream.social_comments import edit_comment as edit_comment
from plonesocial.activitystream.social_comments import get_comment as get_comment
from plonesocial.activitystream.social_comments import get_comments as get_comments
from plonesocial.activitystream.social_comments import other_tags
from plonesocial.activitystream.social_posts import check_images as check_images
from plonesocial.activitystream.social_posts import check_post_text as check_post_text
from plonesocial.activitystream.social_posts import current_manager
from plonesocial.activitystream.social_posts import DEFAULT_MAX_LENGTH as DEFAULT_MAX_LENGTH
from plonesocial.activitystream.social_posts import delete_post as delete_post
from plonesocial.activitystream.social_posts import DELETED_TITLE as DELETED_TITLE
from plonesocial.activitystream.social_posts import edit_post as edit_post
from plonesocial.activitystream.social_posts import get_activity as get_activity
from plonesocial.activitystream.social_posts import get_image as get_image
from plonesocial.activitystream.social_posts import get_social as get_social
from plonesocial.activitystream.social_posts import group_reference as group_reference
from plonesocial.activitystream.social_posts import IMAGE_TYPES as IMAGE_TYPES
from plonesocial.activitystream.social_posts import max_length as max_length
from plonesocial.activitystream.social_posts import MAX_MENTIONS as MAX_MENTIONS
from plonesocial.activitystream.social_posts import may_delete_post as may_delete_post
from plonesocial.activitystream.social_posts import mentioned_users as mentioned_users
from plonesocial.activitystream.social_posts import MODERATORS as MODERATORS
from plonesocial.activitystream.social_posts import notify_group_mentions as notify_group_mentions
from plonesocial.activitystream.social_posts import post as post
from plonesocial.activitystream.social_posts import post_of as post_of
from plonesocial.activitystream.social_posts import POST_PERMISSION as POST_PERMISSION
from plonesocial.activitystream.social_posts import retract_mentions
from plonesocial.activitystream.social_posts import SocialStore as SocialStore
from plonesocial.activitystream.social_posts import TITLE_LENGTH as TITLE_LENGTH
from plonesocial.activitystream.social_reactions import favorite as favorite
from plonesocial.activitystream.social_reactions import favorite_activity_ids as favorite_activity_ids
from plonesocial.activitystream.social_reactions import like as like
from plonesocial.activitystream.social_reactions import liked_by_sentence as liked_by_sentence
from plonesocial.activitystream.social_reactions import react as react
from plonesocial.activitystream.social_reactions import reactions as reactions
from plonesocial.activitystream.social_reactions import summary as summary
from plonesocial.activitystream.social_reactions import unfavorite as unfavorite
from plonesocial.activitystream.social_reactions import unlike as unlike
from plonesocial.activitystream.social_tags import check_tag as check_tag
from plonesocial.activitystream.social_tags import follow_tag as follow_tag
from plonesocial.activitystream.social_tags import followed_tags as followed_tags
from plonesocial.activitystream.social_tags import get_tag_stream as get_tag_stream
from plonesocial.activitystream.social_tags import render_html as render_html
from plonesocial.activitystream.social_tags import TOKENS as TOKENS
from plonesocial.activitystream.social_tags import unfollow_tag as unfollow_tag
from plonesocial.activitystream.social_tags import URL as URL
from plonesocial.activitystream.social_timeline import get_timeline_page as get_timeline_page
from plonesocial.activitystream.social_timeline import search_text as search_text
from plonesocial.activitystream.social_timeline import sort_key as sort_key
from plonesocial.activitystream.social_timeline import SORTS as SORTS


# -- personal data -----------------------------------------------------------------------


def export_user(userid):
    """The posts, comments, reactions and tag follows of `userid`, as JSON-ready data."""
    store = get_social()
    if store is None:
        return {"posts": [], "comments": [], "likes": [], "favorites": [], "tags": []}
    from plonesocial.clock import isoformat

    return {
        "posts": [{"activity_id": p.activity_id, "text": p.text, "context": p.context,
                   "images": [{"filename": i.filename, "content_type": i.contentType,
                               "size": i.getSize()} for i in p.images],
                   "created": isoformat(p.created), "deleted": p.deleted,
                   "edited": isoformat(p.edited) if p.edited else None}
                  for p in store.posts.of_author(userid)],
        "comments": [{"activity_id": c.activity_id, "id": c.id, "text": c.text,
                      "reply_to": c.parent, "created": isoformat(c.created)}
                     for c in store.comments.of_author(userid) if not c.deleted],
        "likes": store.reactions.keys_of("like", userid),
        "favorites": store.reactions.keys_of("favorite", userid),
        "tags": store.tags.followed_by(userid),
    }


def erase_user(userid):
    """Delete the posts and comments of `userid` (tombstones where others answered),
    take back their reactions and tag follows. Returns how many things went."""
    store = get_social()
    if store is None:
        return 0
    count = 0
    manager = current_manager()
    for found in store.comments.of_author(userid):
        if found.deleted:
            continue
        activity = manager.activities.fetch(-found.activity_id)
        if activity is None:
            continue
        retract_mentions(found.mentions, activity, found, comment_owner(activity, found.id))
        store.tags.unindex(activity.id, found.tags - other_tags(activity, found))
        store.comments.remove(found)
        store.reactions.forget(comment_key(activity.id, found.id))
        count += 1
    for record in store.posts.of_author(userid):
        activity = manager.activities.fetch(-record.activity_id)
        retract_mentions(record.mentions, activity, record)
        store.tags.unindex(record.activity_id, record.tags)
        if store.comments.count(record.activity_id):
            record.deleted = True
            record.text = ""
            record.images = ()
            record.tags = record.mentions = frozenset()
        else:
            store.comments.remove_thread(record.activity_id)
            store.reactions.forget(activity_key(record.activity_id))
            store.posts.remove(record.uid)
            manager.activities.remove(record.activity_id, record.ancestors)
        count += 1
    count += store.reactions.erase_user(userid)
    count += store.tags.erase_user(userid)
    return count

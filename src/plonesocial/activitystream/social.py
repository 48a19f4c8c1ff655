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

from html import escape
from persistent import Persistent
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.comments import CommentStore
from plonesocial.activitystream.posts import Post
from plonesocial.activitystream.posts import PostStore
from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.reactions import comment_key
from plonesocial.activitystream.reactions import parse_key
from plonesocial.activitystream.reactions import ReactionStore
from plonesocial.activitystream.rendering import LIVE_OTHERS
from plonesocial.activitystream.rendering import LIVE_TITLES
from plonesocial.activitystream.tags import find_mentions
from plonesocial.activitystream.tags import find_tags
from plonesocial.activitystream.tags import MENTION
from plonesocial.activitystream.tags import TAG
from plonesocial.activitystream.tags import TagStore
from plonesocial.activitystream.validation import check_userid
from plonesocial.activitystream.visibility import may_view_content
from plonesocial.clock import utcnow
from plonesocial.people import display_name
from plonesocial.people import user_exists
from plonesocial.text import excerpt
from plonesocial.userids import check_unicode
from urllib.parse import quote

import re
import uuid


POST_PERMISSION = "plonesocial: Post"
DEFAULT_MAX_LENGTH = 5000
TITLE_LENGTH = 80  # of the excerpt notifications quote
DELETED_TITLE = "…"  # what they quote of a deleted post
# Who may delete any post in a context besides its author (and Manager).
MODERATORS = ("Site Administrator", "Manager")


class SocialStore(Persistent):
    """The root of the social stores of a site (held by the ActivityManager)."""

    def __init__(self):
        self.posts = PostStore()
        self.comments = CommentStore()
        self.reactions = ReactionStore()
        self.tags = TagStore()

    def check_invariants(self):
        for store in (self.posts, self.comments, self.reactions, self.tags):
            store.check_invariants()


def _manager():
    from plonesocial.activitystream.api import get_manager

    return get_manager()


def get_social(create=False):
    """The SocialStore of the current site; None before the first post unless `create`."""
    manager = _manager()
    store = getattr(manager, "social", None)
    if store is None and create:
        store = manager.social = SocialStore()
    return store


def _store():
    return get_social(create=True)


# -- input ---------------------------------------------------------------------------


def max_length():
    from plonesocial.activitystream.settings import get_settings

    value = getattr(get_settings(), "max_post_length", None)
    return DEFAULT_MAX_LENGTH if value is None else value


def check_post_text(text, role="text"):
    """Return `text` stripped, or raise InvalidInput (empty, too long, not text)."""
    if not isinstance(text, str):
        raise exc.InvalidInput(_("The text must be a string."))
    check_unicode(text, role, exc.InvalidInput)
    text = text.strip()
    if not text:
        raise exc.InvalidInput(_("Write something first: the text is empty."))
    limit = max_length()
    if limit and len(text) > limit:
        raise exc.InvalidInput(_(
            "The text has ${length} characters; at most ${limit} are allowed.",
            mapping={"length": len(text), "limit": limit}))
    return text


def _content(uuid_or_obj):
    from plone.app.uuid.utils import uuidToObject
    from plone.uuid.interfaces import IUUID

    if isinstance(uuid_or_obj, str):
        return uuidToObject(uuid_or_obj, unrestricted=True) if uuid_or_obj else None
    return uuid_or_obj if IUUID(uuid_or_obj, None) else None


def _has_permission(userid, permission, obj):
    from plone import api

    if api.user.get(userid=userid) is None:
        return False
    return bool(api.user.has_permission(permission, username=userid, obj=obj))


def _site():
    from plone import api

    return api.portal.get()


def _roles_on(userid, obj):
    from plone import api

    user = api.user.get(userid=userid)
    return set(user.getRolesInContext(obj)) if user is not None else set()


# -- posts ---------------------------------------------------------------------------


# Image types a post may carry, as Pillow names them; never SVG (it can hold script).
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
               "WEBP": "image/webp"}


def check_images(images):
    """Return NamedBlobImages of `images` ((filename, bytes) pairs), or raise InvalidInput:
    too many, too large, or not a PNG, JPEG, GIF or WebP image (by content, not name)."""
    from io import BytesIO
    from PIL import Image
    from PIL import UnidentifiedImageError
    from plone.namedfile.file import NamedBlobImage
    from plonesocial.activitystream.settings import get_settings

    if images is None:
        return ()
    if isinstance(images, (str, bytes, dict)) or not isinstance(images, (list, tuple)):
        raise exc.InvalidInput(_("Images come as a list."))
    settings = get_settings()
    most = getattr(settings, "max_post_images", None)
    most = 4 if most is None else most
    largest = (getattr(settings, "max_image_size", None) or 5120) * 1024
    if len(images) > most:
        raise exc.InvalidInput(_("A post may carry at most ${count} images.",
                                 mapping={"count": most}))
    found = []
    for item in images:
        if not (isinstance(item, (list, tuple)) and len(item) == 2
                and isinstance(item[0], str) and isinstance(item[1], bytes)):
            raise exc.InvalidInput(_("An image is a file name and its data."))
        filename, data = item
        if len(data) > largest:
            raise exc.InvalidInput(_("${name} is larger than ${size} kB.",
                                     mapping={"name": filename[:100], "size": largest // 1024}))
        try:
            with Image.open(BytesIO(data)) as image:
                kind = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
                Image.DecompressionBombError):
            kind = None
        if kind not in IMAGE_TYPES:
            raise exc.InvalidInput(_("${name} is not a PNG, JPEG, GIF or WebP image.",
                                     mapping={"name": filename[:100]}))
        name = "".join(c for c in filename if c.isprintable() and c not in '/\\"')[:100]
        found.append(NamedBlobImage(data=data, contentType=IMAGE_TYPES[kind],
                                    filename=name or "image"))
    return tuple(found)


def post(author, text, context=None, images=None):
    """`author` posts `text`, in their stream or in `context` (a UUID or content they
    may View and have "plonesocial: Post" on), with `images` ((filename, bytes) pairs,
    stored as ZODB blobs). Returns the activity."""
    check_userid(author, "author")
    text = check_post_text(text)
    images = check_images(images)
    obj = None
    if context is not None:
        obj = _content(context)
        if obj is None or not _has_permission(author, "View", obj):
            raise exc.NotFound(_("No content ${uuid} you may view.",
                                 mapping={"uuid": str(context)[:100]}))
    if not _has_permission(author, POST_PERMISSION, obj if obj is not None else _site()):
        raise exc.NotAllowed(_("You may not post here."))
    store = _store()
    uid = uuid.uuid4().hex
    now = utcnow()
    activity = _manager().create(
        actor=author, verb="Create", object=Reference("post", uid), context=obj,
        message_type="post", phrase="posted", title=excerpt(text, TITLE_LENGTH),
        actor_name=display_name(author), published=now)
    from plonesocial.activitystream.chain import content_chain

    ancestors = content_chain(obj)[1] if obj is not None else ()
    record = Post(uid, author, text, activity.context, ancestors, now)
    record.activity_id = activity.id
    if images:
        record.images = images
    store.posts.add(record)
    store.reactions.prepare(activity_key(activity.id))
    record.tags = find_tags(text)
    store.tags.index(activity.id, record.tags)
    record.mentions = _notify_mentions(author, text, frozenset(), activity, record)
    return activity


def post_of(activity):
    """The Post an activity shows, or None (a content activity)."""
    if activity.object is None or activity.object.kind != "post":
        return None
    store = get_social()
    return None if store is None else store.posts.get(activity.object.id)


def get_activity(reader, activity_id):
    """The activity `activity_id` if `reader` may see it, else ActivityNotFound."""
    from plonesocial.activitystream.visibility import visibility_filter

    activity_id = _id(activity_id, "activity")
    activity = _manager().get(activity_id)
    visible = visibility_filter(reader)
    if visible is not None and activity not in visible([activity]):
        raise exc.ActivityNotFound(_("No activity ${id}.", mapping={"id": activity_id}))
    return activity


def _id(value, role):
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise exc.ActivityNotFound(_("No ${role} ${id}.",
                                     mapping={"role": role, "id": str(value)[:40]}))
    return value


def _own_post(userid, activity_id):
    activity = get_activity(userid, activity_id)
    record = post_of(activity)
    if record is None or record.deleted:
        raise exc.ActivityNotFound(_("No post ${id}.", mapping={"id": activity.id}))
    return activity, record


def edit_post(userid, activity_id, text):
    """The author changes the words of their post; mentions added are notified once,
    mentions removed lose their notification. Returns the Post."""
    activity, record = _own_post(userid, activity_id)
    if record.author != userid:
        raise exc.NotAllowed(_("Only its author may edit a post."))
    text = check_post_text(text)
    if text == record.text:
        return record  # nothing changed: not "(edited)"
    store = _store()
    tags = find_tags(text)
    store.tags.unindex(activity.id, record.tags - tags)
    store.tags.index(activity.id, tags - record.tags)
    record.tags = tags
    record.text = text
    record.edited = utcnow()
    record.mentions = _notify_mentions(userid, text, record.mentions, activity, record)
    return record


def may_delete_post(userid, activity, record):
    """The author, Site Administrators and the context's Editors may delete a post."""
    if record.author == userid:
        return True
    obj = _content(record.context) if record.context else None
    roles = _roles_on(userid, obj if obj is not None else _site())
    if roles & set(MODERATORS):
        return True
    return obj is not None and "Editor" in roles


def delete_post(userid, activity_id):
    """Delete a post: gone with its likes if nobody commented, else a tombstone that
    keeps the comments. Returns True if it is gone, False if a tombstone stays."""
    activity, record = _own_post(userid, activity_id)
    if not may_delete_post(userid, activity, record):
        raise exc.NotAllowed(_("You may not delete this post."))
    store = _store()
    _retract_mentions(record.mentions, activity, record)
    record.mentions = frozenset()
    store.tags.unindex(activity.id, record.tags)
    record.tags = frozenset()
    if store.comments.count(activity.id):
        record.deleted = True
        record.text = ""
        record.images = ()
        record.edited = utcnow()
        return False
    store.comments.remove_thread(activity.id)
    store.reactions.forget(activity_key(activity.id))
    store.posts.remove(record.uid)
    _manager().activities.remove(activity.id, record.ancestors)
    return True


# -- mentions ------------------------------------------------------------------------


def mentioned_users(text, author):
    """The existing users `text` mentions, the author left out."""
    return frozenset(userid for userid in find_mentions(text)
                     if userid != author and user_exists(userid))


def _may_mention(author, userid, context):
    from plonesocial.messaging.api import is_blocked

    if context and not may_view_content(userid, context):
        return False
    try:
        return not is_blocked(userid, author)
    except LookupError:  # no messaging here (a plain ZODB): nobody blocks anybody
        return True


def _notify_mentions(author, text, already, activity, thing, owner=None):
    """Notify who `text` newly mentions; retract who it no longer does. Returns the
    userids now mentioned and notified."""
    owner = owner or Reference("post", post_of(activity).uid)
    wanted = frozenset(sorted(u for u in mentioned_users(text, author)
                              if _may_mention(author, u, activity.context))[:MAX_MENTIONS])
    new = sorted(wanted - already)
    if new:
        _manager().notify_facts(
            new, message_type="mention", phrase="mentioned you", owner=owner, actor=author,
            context=activity.context, title=excerpt(text, TITLE_LENGTH), reason="mentioned")
    _retract_mentions(already - wanted, activity, thing, owner)
    return wanted


def _retract_mentions(userids, activity, thing, owner=None):
    if not userids:
        return
    if owner is None:
        owner = Reference("post", thing.uid)
    notifications = _manager().notifications
    for userid in userids:
        notification_list = notifications.get_list(userid)
        if notification_list is not None:
            notification_list.remove_about("mention", owner, "mentioned you")


MAX_MENTIONS = 50  # people one message notifies of a mention


def group_reference(group_id):
    """What a mention in a group conversation is about (urls lead to the group)."""
    return Reference("message", f"group-{group_id}")


def notify_group_mentions(sender, group_id, text, is_participant):
    """Tell the participants a group message mentions (``@userid``) of it, reason
    "mentioned": only they may read it, and not who blocked the sender. Returns them."""
    mentioned = sorted(u for u in mentioned_users(text, sender)
                       if is_participant(u) and _may_mention(sender, u, None))[:MAX_MENTIONS]
    if mentioned:
        _manager().notify_facts(
            mentioned, message_type="mention", phrase="mentioned you",
            owner=group_reference(group_id), actor=sender,
            title=excerpt(text, TITLE_LENGTH), reason="mentioned")
    return mentioned


# -- comments ------------------------------------------------------------------------


def _owner_of(activity):
    """The Reference comments and reactions about an activity are grouped by."""
    record = post_of(activity)
    if record is not None:
        return Reference("post", record.uid)
    return activity.object


def _comment_owner(activity, comment_id):
    return Reference("comment", f"activity-{activity.id}/{comment_id}")


def comment(userid, activity_id, text, reply_to=None):
    """`userid` comments on an activity they may see (a reply: on a comment of it, one
    level deep). The post's author and earlier commenters are notified. Returns it."""
    check_userid(userid)
    activity = get_activity(userid, activity_id)
    record = post_of(activity)
    if record is not None and record.deleted:
        raise exc.NotAllowed(_("This post was deleted: it takes no new comments."))
    if not _has_permission(userid, "plonesocial: Use", _site()):
        raise exc.NotAllowed(_("You may not comment."))
    text = check_post_text(text)
    store = _store()
    parent = None
    if reply_to is not None:
        thread = store.comments.thread(activity.id)
        found = thread.get(_id(reply_to, "comment")) if thread is not None else None
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
    owner = _owner_of(activity)
    title = excerpt(record.text if record is not None else activity.summary, TITLE_LENGTH)
    manager = _manager()
    author = activity.actor
    readers = [u for u in (author,) if u != userid and _may_mention(userid, u, activity.context)]
    if readers:
        manager.notify_facts(readers, message_type="comment", phrase="commented on your post",
                             owner=owner, actor=userid, context=activity.context, title=title)
    others = sorted(u for u in earlier - {userid, author}
                    if _may_mention(userid, u, activity.context))
    if others:
        manager.notify_facts(others, message_type="comment", phrase="commented on",
                             owner=owner, actor=userid, context=activity.context, title=title)
    new.mentions = _notify_mentions(userid, text, frozenset(), activity, new,
                                    _comment_owner(activity, new.id))
    return new


def get_image(reader, activity_id, index):
    """Image `index` of a post `reader` may see (a NamedBlobImage), else NotFound."""
    activity = get_activity(reader, activity_id)
    record = post_of(activity)
    if isinstance(index, str) and index.isdigit() and len(index) < 3:
        index = int(index)
    if record is None or isinstance(index, bool) or not isinstance(index, int) \
            or not 0 <= index < len(record.images):
        raise exc.NotFound(_("No image ${index} here.", mapping={"index": str(index)[:10]}))
    return record.images[index]


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
    found = thread.get(_id(comment_id, "comment")) if thread is not None else None
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
    activity = _manager().get(found.activity_id)
    store = _store()
    tags = find_tags(text)
    store.tags.unindex(activity.id, found.tags - tags - _other_tags(activity, found))
    store.tags.index(activity.id, tags)
    found.tags = tags
    found.text = text
    found.edited = utcnow()
    found.mentions = _notify_mentions(userid, text, found.mentions, activity, found,
                                      _comment_owner(activity, found.id))
    return found


def _other_tags(activity, but):
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
    activity = _manager().get(found.activity_id)
    record = post_of(activity)
    if found.author != userid and not (record is not None
                                       and may_delete_post(userid, activity, record)):
        raise exc.NotAllowed(_("Only its author may delete a comment."))
    store = _store()
    _retract_mentions(found.mentions, activity, found, _comment_owner(activity, found.id))
    store.tags.unindex(activity.id, found.tags - _other_tags(activity, found))
    store.comments.remove(found)
    if found.id not in {c.id for c in store.comments.thread(activity.id).comments()}:
        store.reactions.forget(comment_key(activity.id, found.id))
    if record is not None and record.deleted and not store.comments.count(activity.id):
        # The tombstone was kept for the comments; the last one is gone.
        store.comments.remove_thread(activity.id)
        store.reactions.forget(activity_key(activity.id))
        store.posts.remove(record.uid)
        _manager().activities.remove(activity.id, record.ancestors)


# -- likes and favorites ---------------------------------------------------------------


def _reaction_key(reader, activity_id, comment_id):
    if comment_id is None:
        activity = get_activity(reader, activity_id)
        return activity, None, activity_key(activity.id)
    found = get_comment(reader, activity_id, comment_id)
    if found.deleted:
        raise exc.NotFound(_("No comment ${id} here.", mapping={"id": str(comment_id)[:40]}))
    return _manager().get(found.activity_id), found, comment_key(found.activity_id, found.id)


def react(userid, kind, activity_id, comment_id=None, on=True):
    """Like (`kind` "like") or favorite an activity or one of its comments, or take it
    back (`on` False). The author hears of a new like. Returns whether it changed."""
    check_userid(userid)
    if kind not in ("like", "favorite"):
        raise exc.InvalidInput(_("A reaction is a like or a favorite."))
    if not isinstance(on, bool):
        raise exc.InvalidInput(_("on must be true or false."))
    activity, found, key = _reaction_key(userid, activity_id, comment_id)
    changed = _store().reactions.set(kind, key, userid, on)
    if changed and on and kind == "like":
        author = found.author if found is not None else activity.actor
        if author != userid and _may_mention(userid, author, activity.context):
            record = post_of(activity)
            if found is not None:
                phrase, owner, words = ("liked your comment",
                                        _comment_owner(activity, found.id), found.text)
            else:
                phrase, owner = "liked your post", _owner_of(activity)
                words = record.text if record is not None else activity.summary
            _notify_like(author, phrase, owner, userid, activity, key, words)
    return changed


def _notify_like(author, phrase, owner, userid, activity, key, words):
    """Tell `author` of a like: a new notification, unless one about the same thing is
    still unseen. That one is left unchanged (people liking one post at once would
    all rewrite it and conflict); its subject counts the likes since it was made."""
    manager = _manager()
    notification_list = manager.notifications.get_list(author)
    if notification_list is not None and notification_list.unseen_about(
            "like", owner, phrase) is not None:
        return
    before = _store().reactions.count("like", key) - 1
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


def _post_title(notification):
    """The post's words as they are now: an edit shows, and a deleted (or erased)
    post's words are no longer quoted by the notifications it made (LIVE_TITLES).
    None: the notification is not about a post (its stored title stands)."""
    owner = notification.owner
    about_post = owner is not None and owner.kind == "post"
    if not about_post and (notification.message_type != "post"
                           or notification.activity_id is None):
        return None  # not about a post: read nothing
    try:
        store = get_social()
    except LookupError:  # no site (a plain ZODB): no posts either
        return None
    if about_post:
        record = store.posts.get(owner.id) if store is not None else None
    else:
        activity = _manager().activities.fetch(-notification.activity_id)
        record = None if activity is None else post_of(activity)
    if record is None or record.deleted:
        return DELETED_TITLE
    return excerpt(record.text, TITLE_LENGTH)


for _phrase in ("posted", "commented on your post", "commented on", "liked your post"):
    LIVE_TITLES[_phrase] = _post_title


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


# -- hashtags ----------------------------------------------------------------------------


def check_tag(tag):
    if not isinstance(tag, str):
        raise exc.InvalidInput(_("A tag is a word."))
    found = find_tags("#" + tag.lstrip("#"))
    if len(found) != 1 or not TAG.fullmatch("#" + tag.lstrip("#")):
        raise exc.InvalidInput(_("Not a tag: ${tag}", mapping={"tag": tag[:64]}))
    return next(iter(found))


def follow_tag(userid, tag):
    check_userid(userid)
    tag = check_tag(tag)
    _store().tags.follow(userid, tag)
    return tag


def unfollow_tag(userid, tag):
    check_userid(userid)
    tag = check_tag(tag)
    _store().tags.unfollow(userid, tag)
    return tag


def followed_tags(userid):
    store = get_social()
    return [] if store is None else store.tags.followed_by(userid)


def get_tag_stream(reader, tag):
    """An IQuery over the activities of `tag` that `reader` may View, newest first."""
    from plonesocial.activitystream.query import Query
    from plonesocial.activitystream.query import Source
    from plonesocial.activitystream.visibility import visibility_filter

    tag = check_tag(tag)
    store = get_social()
    keys = store.tags.keys_by_tag(tag) if store is not None else None
    manager = _manager()
    sources = [] if keys is None else [Source(keys, manager.activities.fetch)]
    return Query(sources, visibility_filter(reader))


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
    manager = _manager()
    for found in store.comments.of_author(userid):
        if found.deleted:
            continue
        activity = manager.activities.fetch(-found.activity_id)
        if activity is None:
            continue
        _retract_mentions(found.mentions, activity, found, _comment_owner(activity, found.id))
        store.tags.unindex(activity.id, found.tags - _other_tags(activity, found))
        store.comments.remove(found)
        store.reactions.forget(comment_key(activity.id, found.id))
        count += 1
    for record in store.posts.of_author(userid):
        activity = manager.activities.fetch(-record.activity_id)
        _retract_mentions(record.mentions, activity, record)
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


# -- output --------------------------------------------------------------------------------

URL = re.compile(r"https?://[^\s<>\"']+")
TOKENS = re.compile(f"(?P<url>{URL.pattern})|{MENTION.pattern}|{TAG.pattern}")


def render_html(text, reader=None):
    """`text` escaped, its links, @mentions of existing users and #tags made anchors.

    The stored text stays plain; this runs on every output.
    """
    from plonesocial.urls import author_url
    from plonesocial.urls import portal_url

    parts, last = [], 0
    for match in TOKENS.finditer(text or ""):
        url, userid, tag = match.group("url"), match.group(2), match.group(3)
        if url:
            href = escape(url)
            anchor = (f'<a href="{href}" rel="nofollow noopener noreferrer" '
                      f'target="_blank">{href}</a>')
        elif userid:
            if not user_exists(userid):
                continue
            anchor = (f'<a class="mention" href="{escape(author_url(userid))}">'
                      f'@{escape(userid)}</a>')
        else:
            tag = tag.lower().rstrip("-")
            anchor = (f'<a class="hashtag" href="{escape(portal_url())}/@@tag/'
                      f'{quote(tag)}">#{escape(match.group(3))}</a>')
        parts.append(escape(text[last:match.start()]))
        parts.append(anchor)
        last = match.end()
    parts.append(escape((text or "")[last:]))
    return "".join(parts).replace("\n", "<br>")


# -- reading timelines ---------------------------------------------------------------------


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
    manager = _manager()
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

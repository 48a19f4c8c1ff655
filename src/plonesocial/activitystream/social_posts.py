"""Posts and mentions: the SocialStore root, input checks, post, edit, delete.

``social.py`` re-exports these names; see its docstring for the rules they keep.
"""

from persistent import Persistent
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.activity import Reference
from plonesocial.activitystream.comments import CommentStore
from plonesocial.activitystream.posts import Post
from plonesocial.activitystream.posts import PostStore
from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.reactions import ReactionStore
from plonesocial.activitystream.rendering import LIVE_TITLES
from plonesocial.activitystream.tags import find_mentions
from plonesocial.activitystream.tags import find_tags
from plonesocial.activitystream.tags import TagStore
from plonesocial.activitystream.validation import check_userid
from plonesocial.activitystream.visibility import may_view_content
from plonesocial.clock import utcnow
from plonesocial.people import display_name
from plonesocial.people import user_exists
from plonesocial.text import excerpt
from plonesocial.text import normalize_newlines
from plonesocial.userids import check_unicode

import uuid


POST_PERMISSION = "plonesocial: Post"
DEFAULT_MAX_LENGTH = 5000
TITLE_LENGTH = 80  # of the excerpt notifications quote
DELETED_TITLE = "…"  # what they quote of a deleted post
# Who may delete any post in a context besides its author (and Manager).
MODERATORS = ("Site Administrator", "Manager")


class SocialStore(Persistent):
    """The root of the social stores of a site (held by the ActivityManager)."""

    __module__ = "plonesocial.activitystream.social"  # pickles name it there

    def __init__(self):
        self.posts = PostStore()
        self.comments = CommentStore()
        self.reactions = ReactionStore()
        self.tags = TagStore()

    def check_invariants(self):
        for store in (self.posts, self.comments, self.reactions, self.tags):
            store.check_invariants()


def current_manager():
    from plonesocial.activitystream.api import get_manager

    return get_manager()


def get_social(create=False):
    """The SocialStore of the current site; None before the first post unless `create`."""
    manager = current_manager()
    store = getattr(manager, "social", None)
    if store is None and create:
        store = manager.social = SocialStore()
    return store


def social_store():
    return get_social(create=True)


def max_length():
    from plonesocial.activitystream.settings import get_settings

    value = getattr(get_settings(), "max_post_length", None)
    return DEFAULT_MAX_LENGTH if value is None else value


def check_post_text(text, role="text"):
    """Return `text` stripped, its line breaks "\n" (a page's form sends "\r\n"), or
    raise InvalidInput (empty, too long, not text)."""
    if not isinstance(text, str):
        raise exc.InvalidInput(_("The text must be a string."))
    check_unicode(text, role, exc.InvalidInput)
    text = normalize_newlines(text).strip()
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


def has_permission(userid, permission, obj):
    from plone import api

    if api.user.get(userid=userid) is None:
        return False
    return bool(api.user.has_permission(permission, username=userid, obj=obj))


def current_site():
    from plone import api

    return api.portal.get()


def _roles_on(userid, obj):
    from plone import api

    user = api.user.get(userid=userid)
    return set(user.getRolesInContext(obj)) if user is not None else set()


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
        if obj is None or not has_permission(author, "View", obj):
            raise exc.NotFound(_("No content ${uuid} you may view.",
                                 mapping={"uuid": str(context)[:100]}))
    if not has_permission(author, POST_PERMISSION, obj if obj is not None else current_site()):
        raise exc.NotAllowed(_("You may not post here."))
    store = social_store()
    uid = uuid.uuid4().hex
    now = utcnow()
    activity = current_manager().create(
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
    record.mentions = notify_mentions(author, text, frozenset(), activity, record)
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

    activity_id = check_id(activity_id, "activity")
    activity = current_manager().get(activity_id)
    visible = visibility_filter(reader)
    if visible is not None and activity not in visible([activity]):
        raise exc.ActivityNotFound(_("No activity ${id}.", mapping={"id": activity_id}))
    return activity


def check_id(value, role):
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
    store = social_store()
    tags = find_tags(text)
    store.tags.unindex(activity.id, record.tags - tags)
    store.tags.index(activity.id, tags - record.tags)
    record.tags = tags
    record.text = text
    record.edited = utcnow()
    record.mentions = notify_mentions(userid, text, record.mentions, activity, record)
    return record


def may_delete_post(userid, activity, record):
    """The author, Site Administrators and the context's Editors may delete a post."""
    if record.author == userid:
        return True
    obj = _content(record.context) if record.context else None
    roles = _roles_on(userid, obj if obj is not None else current_site())
    if roles & set(MODERATORS):
        return True
    return obj is not None and "Editor" in roles


def delete_post(userid, activity_id):
    """Delete a post: gone with its likes if nobody commented, else a tombstone that
    keeps the comments. Returns True if it is gone, False if a tombstone stays."""
    activity, record = _own_post(userid, activity_id)
    if not may_delete_post(userid, activity, record):
        raise exc.NotAllowed(_("You may not delete this post."))
    store = social_store()
    retract_mentions(record.mentions, activity, record)
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
    current_manager().activities.remove(activity.id, record.ancestors)
    return True


def mentioned_users(text, author):
    """The existing users `text` mentions, the author left out."""
    return frozenset(userid for userid in find_mentions(text)
                     if userid != author and user_exists(userid))


def may_mention(author, userid, context):
    from plonesocial.messaging.blocking import is_blocked

    if context and not may_view_content(userid, context):
        return False
    try:
        return not is_blocked(userid, author)
    except LookupError:  # no messaging here (a plain ZODB): nobody blocks anybody
        return True


def notify_mentions(author, text, already, activity, thing, owner=None):
    """Notify who `text` newly mentions; retract who it no longer does. Returns the
    userids now mentioned and notified."""
    owner = owner or Reference("post", post_of(activity).uid)
    wanted = frozenset(sorted(u for u in mentioned_users(text, author)
                              if may_mention(author, u, activity.context))[:MAX_MENTIONS])
    new = sorted(wanted - already)
    if new:
        current_manager().notify_facts(
            new, message_type="mention", phrase="mentioned you", owner=owner, actor=author,
            context=activity.context, title=excerpt(text, TITLE_LENGTH), reason="mentioned")
    retract_mentions(already - wanted, activity, thing, owner)
    return wanted


def retract_mentions(userids, activity, thing, owner=None):
    if not userids:
        return
    if owner is None:
        owner = Reference("post", thing.uid)
    notifications = current_manager().notifications
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
                       if is_participant(u) and may_mention(sender, u, None))[:MAX_MENTIONS]
    if mentioned:
        current_manager().notify_facts(
            mentioned, message_type="mention", phrase="mentioned you",
            owner=group_reference(group_id), actor=sender,
            title=excerpt(text, TITLE_LENGTH), reason="mentioned")
    return mentioned


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
        activity = current_manager().activities.fetch(-notification.activity_id)
        record = None if activity is None else post_of(activity)
    if record is None or record.deleted:
        return DELETED_TITLE
    return excerpt(record.text, TITLE_LENGTH)


for _phrase in ("posted", "commented on your post", "commented on", "liked your post"):
    LIVE_TITLES[_phrase] = _post_title

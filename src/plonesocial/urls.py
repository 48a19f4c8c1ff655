"""The addresses plonesocial links to: one place that builds them.

Pages and REST answers link under the URL the request sees; mail and push,
which are composed outside the reader's request, link under the configured
site URL (`base`, see delivery.mail.site_url), never under a Host header.
"""

from plone import api
from plone.app.uuid.utils import uuidToObject
from plonesocial.activitystream.visibility import may_view_content
from urllib.parse import urlencode


def configured_site_url():
    """The site's public URL from the registry (``plonesocial.delivery.site_url``), or None.

    The record belongs to the delivery settings (issue 12); read with a
    default, so that a site without it still answers.
    """
    value = api.portal.get_registry_record("plonesocial.delivery.site_url", default=None)
    return value.rstrip("/") if isinstance(value, str) and value.strip() else None


def portal_url(base=None):
    """The site's URL: `base` if given, else as the current request sees it, else as
    configured.

    Outside a request (``plonesocial-jobs`` from cron) ``absolute_url()``
    is a bare path ("Plone/team"): links then go through the configured site URL.
    """
    if base:
        return base
    url = api.portal.get().absolute_url()
    if url.startswith(("http://", "https://")):
        return url
    return configured_site_url() or url


def public(url):
    """`url` of an object of this site, made absolute through the configured site URL
    when no request made it so."""
    if url.startswith(("http://", "https://")):
        return url
    site = api.portal.get().absolute_url()
    configured = configured_site_url()
    if configured is None or not url.startswith(site):
        return url
    return configured + url[len(site):]


def conversation_url(other, base=None):
    """The page of my conversation with `other`."""
    return f"{portal_url(base)}/@@conversation?{urlencode({'with': other})}"


def group_url(group_id, base=None):
    """The page of a group conversation."""
    return f"{portal_url(base)}/@@group?{urlencode({'id': group_id})}"


def author_url(userid, base=None):
    return f"{portal_url(base)}/author/{userid}"


def content_url(obj, base=None):
    """The URL of `obj`: under `base` (its path in the site), else as the request sees it."""
    if base is None:
        return public(obj.absolute_url())
    path = obj.getPhysicalPath()[len(api.portal.get().getPhysicalPath()):]
    return "/".join((base, *path)) if path else base


def notification_url(notification, base=None, reader=None):
    """Where the notification's subject can be seen on the site.

    A message notification leads to the conversation (which opening marks
    read), a notification about content to the content, one about a person to
    their page. Content `reader` may not View is not linked to: the link
    would name it.
    """
    owner = notification.owner
    if owner is not None and owner.kind == "content":
        obj = uuidToObject(owner.id, unrestricted=True)
        if obj is not None and may_view_content(reader, owner.id):
            return content_url(obj, base)
    if owner is not None and owner.kind == "group":
        return group_url(owner.id, base)
    if owner is not None and owner.kind == "message" and owner.id.startswith("group-"):
        return group_url(owner.id[len("group-"):], base)  # a mention in a group (issue 16)
    if owner is not None and owner.kind == "user":
        if notification.message_type == "message":
            return conversation_url(owner.id, base)
        return author_url(owner.id, base)
    if owner is not None and (owner.kind == "post" or (
            owner.kind == "comment" and owner.id.startswith("activity-"))):
        return post_url(notification, base, reader)
    return portal_url(base)


def _post_activity_id(owner):
    """The id of the activity showing a post (owner "post") or a post's comment (owner
    "comment", "activity-<id>/<comment id>"); None if it is gone."""
    if owner.kind == "comment":
        activity_id = owner.id[len("activity-"):].split("/")[0]
        return int(activity_id) if activity_id.isdigit() else None
    from plonesocial.activitystream.social import get_social

    store = get_social()
    record = store.posts.get(owner.id) if store is not None else None
    return None if record is None else record.activity_id


def post_url(notification, base=None, reader=None):
    """A notification about a post or its comments (a like, a comment, a mention): the
    stream it is in, at the post. That is the stream of the post's folder or item
    if `reader` may View it, else the site's stream."""
    context = notification.context
    obj = uuidToObject(context, unrestricted=True) if context else None
    if obj is not None and may_view_content(reader, context):
        url = f"{content_url(obj, base)}/@@stream"
    else:
        url = f"{portal_url(base)}/@@stream?{urlencode({'show': 'site'})}"
    activity_id = _post_activity_id(notification.owner)
    return url if activity_id is None else f"{url}#activity-{activity_id}"

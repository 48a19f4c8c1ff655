"""Hashtags (check, follow, their stream) and the HTML of a post's text."""

from html import escape
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream.social_posts import current_manager
from plonesocial.activitystream.social_posts import get_social
from plonesocial.activitystream.social_posts import social_store
from plonesocial.activitystream.tags import find_tags
from plonesocial.activitystream.tags import MENTION
from plonesocial.activitystream.tags import TAG
from plonesocial.activitystream.validation import check_userid
from plonesocial.people import user_exists
from urllib.parse import quote

import re


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
    social_store().tags.follow(userid, tag)
    return tag


def unfollow_tag(userid, tag):
    check_userid(userid)
    tag = check_tag(tag)
    social_store().tags.unfollow(userid, tag)
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
    manager = current_manager()
    sources = [] if keys is None else [Source(keys, manager.activities.fetch)]
    return Query(sources, visibility_filter(reader))


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

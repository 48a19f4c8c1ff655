"""JSON of the social layer: a post's words, comments, and the likes and replies
collections every activity has (Activity Streams 2.0)."""

from plone.restapi.interfaces import ISerializeToJson
from plonesocial.activitystream import social
from plonesocial.activitystream.comments import IActivityComment
from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.reactions import comment_key
from plonesocial.clock import isoformat
from plonesocial.people import display_name
from plonesocial.serializers.activitystream import current_userid
from plonesocial.urls import author_url
from plonesocial.urls import portal_url
from zope.component import adapter
from zope.interface import implementer
from zope.interface import Interface


def activity_url(activity_id):
    return f"{portal_url()}/@activities/{activity_id}"


def reaction_collections(data, url, key, reader, replies=None):
    """Add the ``likes`` (and ``replies``) collections with their totals to `data`."""
    found = social.summary(reader, key)
    data["likes"] = {"type": "Collection", "id": f"{url}/likes", "totalItems": found["likes"]}
    if replies is not None:
        data["replies"] = {"type": "Collection", "id": f"{url}/comments",
                           "totalItems": replies}
    data["plonesocial:liked"] = found["liked"]
    data["plonesocial:favorited"] = found["favorited"]
    return data


def add_social(data, activity, reader):
    """The social parts of an activity's JSON: its post's words, likes, replies."""
    url = activity_url(activity.id)
    data["url"] = url
    record = social.post_of(activity)
    if record is not None:
        note = {"type": "Tombstone" if record.deleted else "Note",
                "id": f"urn:plonesocial:post:{record.uid}",
                "attributedTo": data.get("actor")}
        if not record.deleted:
            note["content"] = social.render_html(record.text, reader)
            note["source"] = {"content": record.text, "mediaType": "text/plain"}
            note["tag"] = [{"type": "Hashtag", "name": f"#{tag}",
                            "href": f"{portal_url()}/@@tag/{tag}"}
                           for tag in sorted(record.tags)]
            if record.images:
                note["attachment"] = [
                    {"type": "Image", "mediaType": image.contentType, "name": image.filename,
                     "url": f"{portal_url()}/@@post-image/{activity.id}/{index}"}
                    for index, image in enumerate(record.images)]
        if record.edited is not None:
            note["updated"] = isoformat(record.edited)
        data["object"] = note
    return reaction_collections(data, url, activity_key(activity.id), reader,
                                social.count_comments(activity.id))


@implementer(ISerializeToJson)
@adapter(IActivityComment, Interface)
class CommentSerializer:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    def __call__(self):
        comment = self.context
        reader = current_userid()
        url = f"{activity_url(comment.activity_id)}/comments/{comment.id}"
        data = {
            "@id": url,
            "id": comment.id,
            "type": "Tombstone" if comment.deleted else "Note",
            "inReplyTo": (f"{activity_url(comment.activity_id)}/comments/{comment.parent}"
                          if comment.parent else activity_url(comment.activity_id)),
            "attributedTo": {"type": "Person", "id": author_url(comment.author),
                             "name": display_name(comment.author)},
            "published": isoformat(comment.created),
        }
        if not comment.deleted:
            data["content"] = social.render_html(comment.text, reader)
            data["source"] = {"content": comment.text, "mediaType": "text/plain"}
        if comment.edited is not None:
            data["updated"] = isoformat(comment.edited)
        if comment.deleted:
            return data
        return reaction_collections(data, url, comment_key(comment.activity_id, comment.id),
                                    reader)

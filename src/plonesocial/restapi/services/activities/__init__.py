"""@activities/{id}: one activity, its comments, likes and favorites (issue 16).

    GET    @activities/{id}                      the activity (AS2, likes/replies totals)
    PATCH  @activities/{id}                      {"text": ...}: edit one's post
    DELETE @activities/{id}                      delete a post (author, editors, admins)
    GET    @activities/{id}/comments             its comments, oldest first
    POST   @activities/{id}/comments             {"text": ..., "reply_to": comment id}
    PATCH  @activities/{id}/comments/{cid}       {"text": ...}
    DELETE @activities/{id}/comments/{cid}
    GET    @activities/{id}[/comments/{cid}]/likes      who liked it
    POST   @activities/{id}[/comments/{cid}]/likes      like (DELETE: unlike)
    POST   @activities/{id}[/comments/{cid}]/favorites  favorite (DELETE: unfavorite)

Every id is checked against what the user may View: another's private
activity is a 404, exactly as one that does not exist.
"""

from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.social import liked_by_sentence
from plonesocial.people import display_name
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from plonesocial.serializers.social import activity_url
from plonesocial.urls import author_url
from zExceptions import BadRequest
from zExceptions import NotFound
from zope.i18n import translate


REACTIONS = {"likes": "like", "favorites": "favorite"}


class ActivitiesService(SocialService):
    """Parses the path: (activity id, comment id or None, collection or None)."""

    def target(self):
        params = list(self.params)
        if not params or len(params) > 4:
            raise NotFound("No such resource")
        activity_id, comment_id, collection = params.pop(0), None, None
        if params and params[0] == "comments":
            params.pop(0)
            collection = "comments"
            if params:
                comment_id = params.pop(0)
                collection = None
        if params:
            collection = params.pop(0)
            if collection not in REACTIONS or params:
                raise NotFound("No such resource")
        return activity_id, comment_id, collection

    def text(self, data, known=("text",)):
        if set(data) - set(known) or "text" not in data:
            raise BadRequest('Send {"text": ...}')
        return data["text"]

    def likes(self, activity_id, comment_id):
        found = activitystream.reactions(self.userid, activity_id, comment_id)
        url = activity_url(activity_id)
        if comment_id is not None:
            url = f"{url}/comments/{comment_id}"
        sentence = liked_by_sentence(found["liked_by"], self.userid)
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{url}/likes",
            "type": "Collection",
            "totalItems": found["likes"],
            "items": [{"type": "Person", "id": author_url(userid),
                       "name": display_name(userid)} for userid in found["liked_by"]],
            "summary": translate(sentence, context=self.request) if sentence else "",
            "plonesocial:liked": found["liked"],
            "plonesocial:favorited": found["favorited"],
            "plonesocial:favorites": found["favorites"],
        }

    def comments(self, activity_id):
        comments = activitystream.get_comments(self.userid, activity_id)
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{activity_url(activity_id)}/comments",
            "type": "OrderedCollection",
            "totalItems": activitystream.count_comments(int(activity_id)),
            "orderedItems": [serialize(c, self.request) for c in comments],
        }

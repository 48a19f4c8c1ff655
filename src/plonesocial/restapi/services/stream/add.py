"""POST @stream: post ({"text": ..., "context": uuid}) to one's stream, or on content
to that content's stream."""

from plone.base.interfaces import IPloneSiteRoot
from plone.uuid.interfaces import IUUID
from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from zExceptions import BadRequest
from zExceptions import NotFound


class StreamPost(SocialService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        data = self.body()
        if set(data) - {"text", "context"} or "text" not in data:
            raise BadRequest('Send {"text": ...} with an optional "context" (a UUID)')
        context = data.get("context")
        if not IPloneSiteRoot.providedBy(self.context):
            if context is not None and context != IUUID(self.context):
                raise BadRequest("Post to a context on the site, or on the context itself")
            context = IUUID(self.context)
        if context is not None and not isinstance(context, str):
            raise BadRequest("context must be a UUID")
        activity = activitystream.post(self.userid, data["text"], context=context or None)
        self.request.response.setStatus(201)
        return serialize(activity, self.request)

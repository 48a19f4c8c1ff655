"""GET @stream: activities as an OrderedCollectionPage, filtered by actor and verb."""

from plone.base.interfaces import IPloneSiteRoot
from plone.uuid.interfaces import IUUID
from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from zExceptions import BadRequest
from zExceptions import NotFound


class StreamGet(SocialService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        if IPloneSiteRoot.providedBy(self.context):
            query = activitystream.get_timeline(self.userid)
        else:
            query = activitystream.get_stream(self.userid, context=IUUID(self.context))
        filters = {}
        for name in ("actor", "verb"):
            value = self.request.form.get(name)
            if value:
                if not isinstance(value, str):
                    raise BadRequest(f"{name} must be given once")
                filters[name] = value
                query = query.where(lambda a, name=name, value=value: getattr(a, name) == value)
        activities, limit = self.run_query(query)
        url = f"{self.context.absolute_url()}/@stream"
        return self.page(url, [serialize(a, self.request) for a in activities],
                         [a.id for a in activities], limit, url, query=filters)

"""GET @stream: activities as an OrderedCollectionPage, filtered by actor and verb."""

from plone.base.interfaces import IPloneSiteRoot
from plone.uuid.interfaces import IUUID
from plonesocial.activitystream.readers import ReaderResolver
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.restapi.base import SocialService
from zExceptions import BadRequest
from zExceptions import NotFound
from zope.component import getUtility


class StreamGet(SocialService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        manager = getUtility(IActivityLocator).get_manager()
        if IPloneSiteRoot.providedBy(self.context):
            query = manager.get_timeline(self.userid)
        else:
            query = manager.get_by_context(IUUID(self.context), reader=self.userid)
        filters = {}
        for name in ("actor", "verb"):
            value = self.request.form.get(name)
            if value:
                if not isinstance(value, str):
                    raise BadRequest(f"{name} must be given once")
                filters[name] = value
                query = query.where(lambda a, name=name, value=value: getattr(a, name) == value)
        activities, limit = self.run_query(query)
        resolver = ReaderResolver(self.userid)  # issue 12: targets checked for View
        url = f"{self.context.absolute_url()}/@stream"
        return self.page(url, [a.to_json(resolver) for a in activities],
                         [a.id for a in activities], limit, url, query=filters)

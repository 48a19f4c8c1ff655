"""GET @stream: activities as an OrderedCollectionPage.

On the site, the personal timeline (with the posts of followed tags); on
content, its stream with its subtree. Filters: ``actor`` (on the site: that
actor's activities the reader may View, followed or not), ``verb``, ``tag``,
``q`` (a keyword), ``favorites=true``, ``since`` and ``until`` (ISO dates).
"""

from datetime import datetime
from plone.base.interfaces import IPloneSiteRoot
from plone.uuid.interfaces import IUUID
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.social import check_tag
from plonesocial.activitystream.social import favorite_activity_ids
from plonesocial.activitystream.social import get_social
from plonesocial.activitystream.social import search_text
from plonesocial.activitystream.social import sort_key
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from zExceptions import BadRequest
from zExceptions import NotFound


FILTERS = ("actor", "verb", "tag", "q", "favorites", "since", "until", "sort")


class StreamGet(SocialService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        filters = {}
        for name in FILTERS:
            value = self.request.form.get(name)
            if value:
                if not isinstance(value, str):
                    raise BadRequest(f"{name} must be given once")
                filters[name] = value
        favorites = filters.get("favorites")
        if favorites not in (None, "true", "false"):
            raise BadRequest("favorites must be true or false")
        favorites = favorites == "true"
        since, until = (self.date(filters.get(name), name) for name in ("since", "until"))
        sort = filters.get("sort", "published")
        if IPloneSiteRoot.providedBy(self.context):
            query = activitystream.get_timeline_page(
                self.userid, tag=filters.get("tag"), keyword=filters.get("q"),
                actor=filters.get("actor"), favorites=favorites, since=since, until=until,
                sort=sort)
        elif sort != "published":
            raise BadRequest("A content's stream is sorted by published only")
        else:
            query = activitystream.get_stream(self.userid, context=IUUID(self.context))
            query = self.narrow(query, filters, favorites, since, until)
        verb = filters.get("verb")
        if verb:
            query = query.where(lambda a: a.verb == verb)
        activities, limit = self.run_query(query)
        url = f"{self.context.absolute_url()}/@stream"
        return self.page(url, [serialize(a, self.request) for a in activities],
                         [sort_key(a, sort) for a in activities], limit, url, query=filters)

    def date(self, value, name):
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise BadRequest(f"{name} must be an ISO date, like 2026-12-01") from None

    def narrow(self, query, filters, favorites, since, until):
        """The filters of the timeline, on a context's stream."""
        from plonesocial.clock import as_utc
        from plonesocial.clock import to_key

        actor = filters.get("actor")
        if actor:
            query = query.where(lambda a: a.actor == actor)
        if filters.get("tag"):
            tag = check_tag(filters["tag"])
            store = get_social()
            query = query.where(lambda a: store is not None and store.tags.has_activity(tag, a.id))
        if filters.get("q"):
            word = filters["q"].strip().lower()
            query = query.where(lambda a: word in search_text(a))
        if favorites:
            mine = favorite_activity_ids(self.userid)
            query = query.where(lambda a: a.id in mine)
        if until is not None:
            query = query.before(to_key(as_utc(until)))
        if since is not None:
            low = to_key(as_utc(since))
            query = query.where(lambda a: a.id >= low)
        return query

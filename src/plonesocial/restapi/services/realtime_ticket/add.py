"""POST @realtime-ticket: a ticket for the authenticated user, and the gateway's URL.

A POST (with plone.protect's token when the login cookie authenticates it)
and never cached: a ticket lets its holder receive the user's events for as
long as the connection it opens lasts.
"""

from plone import api
from plone.app.uuid.utils import uuidToObject
from plonesocial.realtime import tickets
from plonesocial.realtime.routing import SITE_STREAM
from plonesocial.realtime.settings import get_settings
from plonesocial.restapi.base import SocialService
from urllib.parse import urlsplit
from zExceptions import BadRequest
from zExceptions import NotFound


# Streams one page follows: the site's and a few content streams.
MAX_STREAMS = 10


def site_origin():
    """The origin (scheme://host[:port]) of the site as the request sees it."""
    url = urlsplit(api.portal.get().absolute_url())
    # Browsers leave the default port out of Origin.
    default = {"http": 80, "https": 443}.get(url.scheme)
    port = "" if url.port in (None, default) else f":{url.port}"
    return f"{url.scheme}://{url.hostname}{port}"


class RealtimeTicketPost(SocialService):
    def reply(self):
        settings = get_settings()
        if settings is None or not settings.enabled or not settings.gateway_url \
                or not settings.secret:
            raise NotFound("Realtime updates are not enabled on this site")
        data = self.body() if self.request.get("BODY") else {}
        streams = data.get("streams", [])
        if not isinstance(streams, list) or not all(isinstance(s, str) for s in streams):
            raise BadRequest('"streams" must be a list of "site" or content UUIDs')
        if len(streams) > MAX_STREAMS:
            raise BadRequest(f"At most {MAX_STREAMS} streams per ticket")
        for stream in streams:
            if stream == SITE_STREAM:
                continue
            # A stream's signal tells when its content changes: only for readers.
            obj = uuidToObject(stream, unrestricted=True)
            if obj is None or not api.user.has_permission("View", obj=obj):
                raise BadRequest(f"No content {stream!r} you may view")
        ticket = tickets.issue(
            settings.secret, self.userid,
            origins=settings.allowed_origins or [site_origin()],
            max_connections=settings.max_connections_per_user,
            streams=streams,
        )
        self.request.response.setHeader("Cache-Control", "no-store")
        return {"ticket": ticket, "gateway_url": settings.gateway_url,
                "expires_in": tickets.DEFAULT_TTL}

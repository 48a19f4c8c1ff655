"""@blocks: the people the authenticated user refuses messages from."""

from plonesocial.people import display_name
from plonesocial.restapi.base import SocialService
from plonesocial.urls import portal_url
from urllib.parse import quote


class BlocksService(SocialService):
    """Shared by the @blocks verbs: always the authenticated user's own list."""

    def base_url(self):
        return f"{portal_url()}/@blocks"

    def item(self, userid):
        return {"@id": f"{self.base_url()}/{quote(userid, safe='')}", "userid": userid,
                "fullname": display_name(userid)}

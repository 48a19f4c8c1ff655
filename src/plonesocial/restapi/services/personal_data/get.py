"""GET @personal-data: everything plonesocial stores about the authenticated user, as a file."""

from plonesocial.privacy import export_user_data
from plonesocial.restapi.base import SocialService
from zExceptions import NotFound


class PersonalDataGet(SocialService):
    def reply(self):
        if self.params:
            # Only one's own data: there is no @personal-data/{userid} to read.
            raise NotFound("No such resource")
        response = self.request.response
        response.setHeader(
            "Content-Disposition", 'attachment; filename="plonesocial-personal-data.json"')
        response.setHeader("Cache-Control", "private, no-store")
        return export_user_data(self.userid)

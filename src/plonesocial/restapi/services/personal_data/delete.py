"""DELETE @personal-data/{userid}[?messages=anonymise|keep]: erase a user's data (administrators).

The only plonesocial service that names another user in the URL: its permission
(Plone Site Setup: Users and Groups) is that of removing the user altogether.
"""

from plonesocial.privacy import erase_user_data
from plonesocial.privacy.authority import check_may_erase
from plonesocial.restapi.base import SocialService
from zExceptions import BadRequest


class PersonalDataDelete(SocialService):
    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Name the user: DELETE @personal-data/{userid}")
        messages = self.request.form.get("messages") or None
        check_may_erase(self.params[0])  # only Managers act on Managers (403)
        return erase_user_data(self.params[0], messages=messages)

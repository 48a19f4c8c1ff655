"""DELETE @personal-data/{userid}[?messages=anonymise|keep]: erase a user's data (administrators).

The only plonesocial service that names another user in the URL: its permission
(Plone Site Setup: Users and Groups) is that of removing the user altogether.
"""

from plonesocial.privacy import erase_user_data
from plonesocial.privacy.authority import check_may_erase
from plonesocial.privacy.authority import NotAllowed
from plonesocial.privacy.exc import PrivacyError
from plonesocial.restapi.base import SocialService
from zExceptions import BadRequest
from zExceptions import Forbidden


class PersonalDataDelete(SocialService):
    def reply(self):
        if len(self.params) != 1:
            raise BadRequest("Name the user: DELETE @personal-data/{userid}")
        messages = self.request.form.get("messages") or None
        try:
            check_may_erase(self.params[0])
        except NotAllowed as error:
            raise Forbidden(str(error)) from None
        try:
            return erase_user_data(self.params[0], messages=messages)
        except PrivacyError as error:
            raise BadRequest(str(error)) from None

"""Personal data pages: a person downloads their data; an administrator erases a user's."""

from plone import api
from plone.protect import CheckAuthenticator
from plonesocial import _
from plonesocial.exc import NotAllowed
from plonesocial.exc import PrivacyError
from plonesocial.privacy import erase_user_data
from plonesocial.privacy import export_user_data
from plonesocial.privacy.authority import check_may_erase
from plonesocial.privacy.settings import ERASE_MESSAGES
from plonesocial.privacy.settings import get_settings
from Products.Five.browser import BrowserView
from zExceptions import MethodNotAllowed
from zExceptions import Unauthorized

import json


class PersonalDataView(BrowserView):
    """@@personal-data: the current user's data as a JSON download. Reads only."""

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to download your data")
        if self.request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        data = export_user_data(api.user.get_current().getId())
        response = self.request.response
        response.setHeader("Content-Type", "application/json; charset=utf-8")
        response.setHeader(
            "Content-Disposition", 'attachment; filename="plonesocial-personal-data.json"')
        response.setHeader("Cache-Control", "private, no-store")
        return json.dumps(data, indent=2, ensure_ascii=False)


ERASE_LABELS = {
    "anonymise": _("Anonymise their messages in other people's inboxes"),
    "keep": _("Keep their messages in other people's inboxes"),
}


class EraseUserDataView(BrowserView):
    """@@erase-personal-data: GET shows the form; POST (CSRF token) erases one user's data."""

    def __call__(self):
        if self.request.method not in ("GET", "HEAD", "POST"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        self.errors = []
        self.summary = None
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            self.erase()
        return self.index()

    def modes(self):
        default = get_settings().erase_messages
        return [{"value": mode, "label": ERASE_LABELS[mode], "checked": mode == default}
                for mode in ERASE_MESSAGES]

    def erase(self):
        form = self.request.form
        userid = (form.get("userid") or "").strip()
        if not userid:
            self.errors.append(_("Name the user whose data to erase."))
            return
        try:
            check_may_erase(userid)
            self.summary = erase_user_data(userid, messages=form.get("messages") or None)
        except (PrivacyError, NotAllowed) as error:
            self.errors.append(str(error))
            return
        api.portal.show_message(
            _("The data of ${userid} was erased.", mapping={"userid": userid}), self.request)

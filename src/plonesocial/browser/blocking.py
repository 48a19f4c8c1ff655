"""@@blocked: the people I refuse messages from; block and unblock on a page."""

from plone import api
from plonesocial import _
from plonesocial import exc
from plonesocial.browser.views import SocialView
from plonesocial.messaging import api as messaging
from zExceptions import NotFound
from zope.i18n import translate


class BlockedView(SocialView):
    """GET lists whom I block; POST block=<userid> or unblock=<userid>.

    `back` (a conversation page of this site) is where a Block button on
    that page returns to; any other value returns here.
    """

    page_title = _("Blocked people")

    def prepare(self):
        self.blocked = [{"userid": userid, "fullname": self.fullname(userid)}
                        for userid in messaging.get_blocked(self.userid)]

    def unblock_label(self, name):
        return translate(_("Unblock ${name}", mapping={"name": name}), context=self.request)

    def back(self):
        back = self.request.form.get("back")
        if isinstance(back, str) and back.startswith(f"{self.portal_url}/@@conversation?"):
            return back
        return f"{self.portal_url}/@@blocked"

    def handle_post(self):
        form = self.request.form
        if "unblock" in form:
            userid = form["unblock"]
            try:
                messaging.unblock(self.userid, userid)
            except exc.NotBlocked:
                raise NotFound("You have not blocked this person") from None
            api.portal.show_message(
                _("You accept messages from ${name} again.",
                  mapping={"name": self.fullname(userid)}), self.request)
            return self.back()
        userid = form.get("block")
        userid = userid.strip() if isinstance(userid, str) else ""
        try:
            messaging.block(self.userid, userid)
        except (exc.UnknownUser, exc.InvalidUserId):
            api.portal.show_message(_("There is no user ${userid}.",
                                      mapping={"userid": userid}), self.request, type="error")
            return self.back()
        except exc.SelfMessage:
            api.portal.show_message(_("You cannot block yourself."), self.request, type="error")
            return self.back()
        api.portal.show_message(
            _("${name} can no longer send you messages.",
              mapping={"name": self.fullname(userid)}), self.request)
        return self.back()

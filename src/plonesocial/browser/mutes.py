"""The mute menu (issue 16): on content and folders (beside Watch), on conversations,
and the list on the Following page. One form, posted to @@mute on the site."""

from plone import api
from plone.protect import CheckAuthenticator
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.mutes import Mute
from plonesocial.browser.presentation import Times
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zExceptions import MethodNotAllowed
from zExceptions import Unauthorized

import zlib


DURATIONS = (("hour", _("1 hour")), ("day", _("1 day")), ("week", _("1 week")),
             ("", _("Until I unmute")))


class MuteView(BrowserView):
    """POST @@mute: kind, target, action (mute|unmute), duration, hide, came_from."""

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in first")
        if self.request.method != "POST":
            raise MethodNotAllowed("POST only")
        CheckAuthenticator(self.request)
        userid = api.user.get_current().getId()
        form = self.request.form
        kind, target = form.get("kind"), form.get("target")
        try:
            if form.get("action") == "unmute":
                activitystream.unmute(userid, kind, target)
                api.portal.show_message(_("Unmuted: you hear of it again."), self.request)
            else:
                activitystream.mute(userid, kind, target, duration=form.get("duration") or None,
                                    hide=bool(form.get("hide")))
                api.portal.show_message(_("Muted: no notifications about it."), self.request)
        except exc.SocialError as error:
            api.portal.show_message(error.args[0] if error.args else str(error),
                                    self.request, type="error")
        return self.request.response.redirect(self.came_from())

    def came_from(self):
        """Back to the page the form was on, if it is on this site."""
        portal_url = api.portal.get().absolute_url()
        came_from = self.request.form.get("came_from")
        if isinstance(came_from, str) and (came_from == portal_url
                                           or came_from.startswith(portal_url + "/")):
            return came_from
        return portal_url


class MuteMenu(BrowserView):
    """Renders the mute menu for one target (not published: used by other pages)."""

    template = ViewPageTemplateFile("templates/mute_menu.pt")

    def render(self, kind, target, came_from, label=None, membership=None):
        userid = api.user.get_current().getId()
        mute = activitystream.get_mute(userid, kind, target)
        if mute is None and membership is not None and membership.is_muted():
            # a group muted on its own (PATCH @conversations): shown as a mute
            mute = Mute(userid, kind, target, until=membership.muted_until)
        times = Times(userid, self.request)
        return self.template(
            kind=kind, target=target, came_from=came_from, mute=mute,
            until=times.exact(mute.until) if mute is not None and mute.until else "",
            until_iso=times.iso(mute.until) if mute is not None and mute.until else "",
            durations=DURATIONS, label=label,
            action=f"{api.portal.get().absolute_url()}/@@mute",
            token=self.context.restrictedTraverse("@@authenticator").token(),
            dom_id=f"mute-{kind}-{zlib.crc32(target.encode())}")


def mute_menu(context, request, kind, target, came_from=None, label=None, membership=None):
    """The HTML of the mute menu of `target`, for the current user (`membership`: a
    group's, whose own mute counts too)."""
    return MuteMenu(context, request).render(kind, target, came_from or request.get("ACTUAL_URL"),
                                             label, membership)

"""The notifications menu in the page header: a bell and Messages whose counts update without reloading."""

from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plonesocial import _
from plonesocial.activitystream import api as activitystream
from plonesocial.browser.presentation import icon
from plonesocial.browser.presentation import initials
from plonesocial.browser.presentation import Times
from plonesocial.browser.presentation import why
from plonesocial.messaging import api as messaging
from plonesocial.people import display_name
from plonesocial.urls import notification_url
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from zExceptions import MethodNotAllowed
from zExceptions import Unauthorized
from zope.i18n import translate


LATEST = 5  # notifications in the menu


class LatestNotifications:
    """What the menu lists, shared by the viewlet and the @@plonesocial-menu-items fragment."""

    items = ViewPageTemplateFile("templates/menu_item.pt")

    def load_latest(self):
        userid = self.userid = api.user.get_current().getId()
        self.portal_url = api.portal.get().absolute_url()
        self.times = Times(userid, self.request)
        self.latest = activitystream.get_notifications(userid).limit(LATEST).all()
        return userid

    def see_url(self, notification):
        # What the reader may not View is not linked to (the link would name it).
        query = urlencode({"id": notification.id,
                           "target": notification_url(notification, reader=self.userid)})
        return f"{self.portal_url}/@@see?{query}"

    def actor_name(self, notification):
        return display_name(notification.actors[0]) if notification.actors else ""

    def initials(self, notification):
        return initials(self.actor_name(notification))

    def why(self, notification):
        return why(notification, self.request)


class NotificationsMenu(LatestNotifications, ViewletBase):
    """Bell with the not-seen count, the latest notifications, and the unread messages."""

    interval = 10000  # ms between two polls of the count (a 304 while nothing changed)
    bell = icon("bell")

    def update(self):
        super().update()
        self.available = not api.user.is_anonymous()
        if not self.available:
            return
        userid = self.load_latest()
        # times.js writes times in the page's language and the reader's zone.
        self.language = self.request.get("LANGUAGE") or ""
        self.timezone = self.times.zone.key
        self.not_seen = activitystream.count_unseen(userid)
        # issue 16: the bell's badge is tgapp's "new since I last looked" (opening the
        # bell clears it); the list keeps Lino's per-item seen state.
        self.new = activitystream.count_new(userid)
        self.unread = messaging.count_unread(userid)

    @property
    def labels(self):
        """The announcements menu.js makes, translated here ({count}: filled in there)."""
        def label(message):
            return translate(message, context=self.request)

        return {
            "one": label(_("1 new notification")),
            "many": label(_("${count} new notifications", mapping={"count": "{count}"})),
            "messages": label(_("${count} unread messages", mapping={"count": "{count}"})),
            "just_now": label(_("just now")),
        }


class MenuItems(LatestNotifications, BrowserView):
    """@@plonesocial-menu-items: the menu's list, re-rendered when the count changes."""

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in first")
        if self.request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        self.load_latest()
        self.request.response.setHeader("Cache-Control", "private, no-cache")
        return self.items()

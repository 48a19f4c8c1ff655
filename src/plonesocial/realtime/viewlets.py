"""The realtime client script, on every page of a logged-in person when realtime is on."""

from html import escape
from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plonesocial import _
from plonesocial.realtime.settings import get_settings
from zope.i18n import translate


LABELS = {
    "unread": _("${count} unread"),
    "seen": _("Seen"),
    "group": _("Group conversation"),
    "typing": _("${name} is typing..."),
    "new-items": _("${count} new items - show"),
    "new-notifications": _("New notifications - show"),
}


class RealtimeScript(ViewletBase):
    """A script tag whose data attributes tell realtime.js where to get its ticket."""

    def update(self):
        super().update()
        settings = get_settings()
        self.available = (
            settings is not None and settings.enabled and bool(settings.gateway_url)
            and bool(settings.secret) and not api.user.is_anonymous()
        )

    def render(self):
        if not self.available:
            return ""
        portal_url = api.portal.get().absolute_url()
        token = self.context.restrictedTraverse("@@authenticator").token()
        attributes = {
            "src": f"{portal_url}/++resource++plonesocial.realtime/realtime.js",
            "id": "plonesocial-realtime",
            "data-ticket-url": f"{portal_url}/@realtime-ticket",
            "data-portal-url": portal_url,
            "data-token": token,
            "data-userid": api.user.get_current().getId(),
        }
        # ${...} stays in the translation: the script fills it in.
        for name, label in LABELS.items():
            attributes[f"data-label-{name}"] = translate(label, context=self.request)
        html = " ".join(f'{name}="{escape(value, quote=True)}"'
                        for name, value in attributes.items())
        return f"<script defer {html}></script>"

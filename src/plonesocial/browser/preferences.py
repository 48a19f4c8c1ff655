"""The notification preferences page of the authenticated user."""

from pathlib import Path
from plone import api
from plone.protect import CheckAuthenticator
from plonesocial import _
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.interfaces import MAIL_MODES
from plonesocial.activitystream.settings import get_settings
from plonesocial.browser.account import account_tabs
from plonesocial.browser.titles import ISocialPage
from plonesocial.delivery.settings import get_settings as get_delivery_settings
from plonesocial.exc import InvalidActivity
from plonesocial.restapi.errors import error_text
from Products.Five.browser import BrowserView
from zExceptions import MethodNotAllowed
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.interface import implementer

import zoneinfo


# The notification types people can set a mode for, with their labels.
MESSAGE_TYPES = (
    ("message", _("Private messages")),
    ("comment", _("Comments")),
    ("content", _("New and edited content")),
    ("workflow", _("Publication changes")),
    ("deleted", _("Deleted content")),
    ("notice", _("Notices")),
    ("post", _("Posts")),
    ("mention", _("Mentions of you")),
    ("like", _("Likes")),
)

MODE_LABELS = {
    "silent": _("Silent: no notification at all"),
    "never": _("On the site only, no email"),
    "immediately": _("Email immediately"),
    "often": _("Email digest every 10 minutes"),
    "daily": _("Daily email digest"),
    "weekly": _("Weekly email digest"),
}

WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday"))


@implementer(ISocialPage)
class PreferencesView(BrowserView):
    """GET shows the form; POST (with a CSRF token) saves it for the current user only."""

    page_title = _("Notification preferences")

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to change your notification preferences")
        if self.request.method not in ("GET", "HEAD", "POST"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        self.userid = api.user.get_current().getId()
        self.errors = []
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            self.save()
        return self.index()

    @property
    def preferences(self):
        # Reading never writes: the defaults are stored only when a change is saved.
        return activitystream.get_preferences(self.userid)

    def modes(self):
        return [{"value": mode, "label": MODE_LABELS[mode]} for mode in MAIL_MODES]

    def message_types(self):
        own = self.preferences.mail_modes
        return [{"name": name, "label": label, "mode": own.get(name, "")}
                for name, label in MESSAGE_TYPES]

    def weekdays(self):
        return list(enumerate(WEEKDAYS))

    def timezones(self):
        return sorted(zoneinfo.available_timezones())

    def push(self):
        """The Web Push settings the page's script needs, or None when push is off."""
        settings = get_delivery_settings()
        key = settings.vapid_public_key
        if not settings.use_push_api or not key:
            return None
        portal_url = api.portal.get().absolute_url()

        def text(message):
            return translate(message, context=self.request)

        # What the button's script says, in the reader's language (the script has no prose).
        return {"key": key, "worker": f"{portal_url}/@@plonesocial-sw.js",
                "endpoint": f"{portal_url}/@push-subscriptions",
                "unsupported": text(_("This browser cannot show desktop notifications.")),
                "enabled": text(_("Desktop notifications are on for this browser.")),
                "refused": text(_("The site refused the subscription.")),
                "failed": text(_("Not enabled: ${error}", mapping={"error": "{error}"}))}

    def tabs(self):
        """Plone's personal preferences tabs, this page's selected."""
        return account_tabs(self.context, self.request)

    def site_default(self):
        return get_settings().default_mail_mode

    def save(self):
        form = self.request.form

        def number(name):
            value = form.get(name, "")
            try:
                return int(value)
            except (TypeError, ValueError, OverflowError):
                raise InvalidActivity(_("Choose a number for ${name}.",
                                          mapping={"name": name})) from None

        try:
            mail_modes = {name: (form.get(f"mode-{name}") or None) for name, label in MESSAGE_TYPES}
            # The same rule as PATCH @notification-settings: everything is
            # checked before anything (the defaults included) is stored.
            activitystream.set_preferences(
                self.userid,
                notify_myself=bool(form.get("notify_myself")),
                mail_mode=form.get("mail_mode") or None,
                mail_modes=mail_modes,
                digest_hour=number("digest_hour"),
                digest_weekday=number("digest_weekday"),
                timezone=form.get("timezone") or "UTC",
                # issue 16: "Do not disturb" (a time input sends HH:MM, or nothing)
                dnd_start=clock_time(form.get("dnd_start")),
                dnd_end=clock_time(form.get("dnd_end")),
            )
        except InvalidActivity as error:
            self.errors.append(error_text(error, self.request))
            api.portal.show_message(_("Nothing was saved: ${error}", mapping={
                "error": error_text(error, self.request)}),
                                    self.request, type="error")
            return
        api.portal.show_message(_("Your notification preferences were saved."), self.request)


def clock_time(value):
    """A time field's value as HH:MM (browsers may add seconds), or None when empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:5]


class ServiceWorkerView(BrowserView):
    """@@plonesocial-sw.js: the service worker, served from the site so that its scope is the site."""

    def __call__(self):
        if self.request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        response = self.request.response
        response.setHeader("Content-Type", "text/javascript; charset=utf-8")
        response.setHeader("Cache-Control", "no-cache")
        return (Path(__file__).parent / "static" / "service-worker.js").read_text()

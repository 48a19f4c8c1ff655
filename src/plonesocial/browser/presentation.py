"""How pages show times, people and reasons: relative times in the reader's zone, initials, "why"."""

from datetime import datetime
from datetime import timezone
from plone import api
from plonesocial import _
from plonesocial.activitystream import api as activitystream
from plonesocial.people import display_name
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError
from zope.i18n import translate


def reader_zone(userid):
    """The time zone `userid` reads times in.

    Their plonesocial preference when they chose one, else their Plone
    personal preference, else the site's zone, else UTC.
    """
    names = [activitystream.get_preferences(userid).timezone]
    if names[0] == "UTC":  # the default: maybe never chosen here
        user = api.user.get(userid=userid)
        names = [user.getProperty("timezone", None) if user is not None else None,
                 api.portal.get_registry_record("plone.portal_timezone", default=None),
                 "UTC"]
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def relative(when, now=None):
    """`when` (naive UTC) as a message: "5 minutes ago", "yesterday", or None (older)."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    seconds = int((now - when).total_seconds())
    if seconds < 60:
        return _("just now")
    minutes = seconds // 60
    if minutes < 60:
        if minutes == 1:
            return _("1 minute ago")
        return _("${count} minutes ago", mapping={"count": minutes})
    hours = minutes // 60
    if hours < 24:
        if hours == 1:
            return _("1 hour ago")
        return _("${count} hours ago", mapping={"count": hours})
    days = hours // 24
    if days == 1:
        return _("yesterday")
    if days < 7:
        return _("${count} days ago", mapping={"count": days})
    return None


class Times:
    """Times for one reader: relative text, and the exact local time for the hover."""

    def __init__(self, userid, request):
        self.zone = reader_zone(userid)
        self.request = request

    def local(self, when):
        return when.replace(tzinfo=timezone.utc).astimezone(self.zone)

    def exact(self, when):
        """'2026-11-30 21:05 CET': the exact time in the reader's zone."""
        return self.local(when).strftime("%Y-%m-%d %H:%M %Z") if when else ""

    def text(self, when):
        """The relative time, or the local date for older times, translated."""
        if not when:
            return ""
        message = relative(when)
        if message is None:
            return self.local(when).strftime("%Y-%m-%d")
        return translate(message, context=self.request)

    def iso(self, when):
        return when.replace(tzinfo=timezone.utc).isoformat() if when else ""


def initials(name):
    """Up to two initials of a display name, for an avatar: 'Ann Ames' -> 'AA'."""
    words = [w for w in (name or "").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def reason_text(reason, request):
    """Why a notification reached its reader, as a sentence: "You watch Team"."""
    kind, _sep, value = reason.partition(":")
    if kind == "follows" and value:
        message = _("You follow ${name}", mapping={"name": display_name(value)})
    elif kind in ("watches", "fixed") and value:
        # The catalog answers only what the reader may View.
        brains = api.portal.get_tool("portal_catalog")(UID=value)
        if not brains:
            return ""
        message = _("You watch ${title}", mapping={"title": brains[0].Title})
    elif kind == "addressed":
        message = _("Sent to you")
    else:
        return ""
    return translate(message, context=request)


def why(notification, request):
    """The first reason of `notification` that can be told, or ""."""
    if notification.recipient is None:
        return translate(_("Sent to everybody"), context=request)
    for reason in notification.reasons:
        text = reason_text(reason, request)
        if text:
            return text
    return ""


# Icons as inline SVG (16x16, currentColor): emoji need a font a server cannot count on.
ICONS = {
    "bell": "M8 1a1 1 0 0 1 1 1v.6A5 5 0 0 1 13 7.5V11l2 2H1l2-2V7.5A5 5 0 0 1 7 2.6V2a1 1 0 0 1 "
            "1-1zM6 14h4a2 2 0 0 1-4 0z",
    "create": "M7 2h2v5h5v2H9v5H7V9H2V7h5z",
    "edit": "M11 1l4 4-9 9H2v-4z",
    "move": "M1 7h10V3l5 5-5 5V9H1z",
    "delete": "M5 1h6v2h4v2H1V3h4zM2 6h12l-1 9H3z",
    "comment": "M1 2h14v9H6l-4 4v-4H1z",
    "other": "M8 5a3 3 0 1 1 0 6 3 3 0 0 1 0-6z",
}


def icon(name):
    """An inline SVG icon, hidden from screen readers (the text next to it says it all)."""
    return ('<svg class="plonesocial-icon" width="16" height="16" viewBox="0 0 16 16" '
            f'fill="currentColor" aria-hidden="true" focusable="false"><path d="{ICONS[name]}"/></svg>')

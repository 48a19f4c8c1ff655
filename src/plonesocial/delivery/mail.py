"""Notification emails: one notification, or a digest, as text and HTML.

Composed by the outbox worker when it sends (never in the request that made
the notification), with every link built from the configured site URL: not
from the Host header of whatever request happens to be running, and not
relative when no request runs at all (the jobs command).
"""

from email import policy
from email.message import EmailMessage
from email.utils import formataddr
from email.utils import formatdate
from html import escape
from plone import api
from plonesocial import _
from plonesocial import logger
from plonesocial.activitystream.rendering import render_body
from plonesocial.activitystream.rendering import render_subject
from plonesocial.bidi import isolate
from plonesocial.bidi import strip_controls
from plonesocial.delivery.settings import get_delivery_settings
from plonesocial.people import get_user
from plonesocial.urls import notification_url
from zope.i18n import translate


PREFERENCES_VIEW = "@@notification-preferences"


class SiteURLMissing(LookupError):
    """The site URL is not configured: no absolute link can be made outside a request."""

    def __init__(self):
        super().__init__(
            "plonesocial: the site URL is not set, so no email or desktop notification "
            "can link to the site. Set it in Site Setup > Messaging: mail and push "
            "delivery (registry record plonesocial.delivery.site_url), e.g. "
            "https://intranet.example.org/Plone"
        )


def _t(message, language=None):
    """Translate a message (English unless a language is given)."""
    return translate(message, target_language=language or "en")


def site_url():
    """The configured public URL of the site, without a trailing slash; raise SiteURLMissing."""
    url = (get_delivery_settings().site_url or "").strip().rstrip("/")
    if not url:
        raise SiteURLMissing()
    return url


def site_title():
    """The site's title as the site control panel sets it, safe for a mail header."""
    title = api.portal.get_registry_record("plone.site_title", default=None)
    if not title:
        title = api.portal.get().Title()
    return strip_controls(title) or "Plone"


def sender_address():
    """The site as sender: the From address and name of the mail settings."""
    address = api.portal.get_registry_record("plone.email_from_address", default=None)
    if not address:
        raise ValueError("Set the site's email address in the mail control panel first")
    name = api.portal.get_registry_record("plone.email_from_name", default="") or ""
    return formataddr((strip_controls(name), address))


def envelope_sender():
    return api.portal.get_registry_record("plone.email_from_address", default=None)


def can_send():
    """Tell whether the site has a sender address; warn once per call if not."""
    if api.portal.get_registry_record("plone.email_from_address", default=None):
        return True
    logger.warning("plonesocial: no email sent, the site has no sender address "
                   "(Site Setup > Mail)")
    return False


def recipient_address(userid):
    """Return the email address of a user, or None."""
    user = get_user(userid)
    if user is None:
        return None
    return user.getProperty("email") or None


# Kept under its old name for callers of plonesocial.delivery.mail.
item_url = notification_url


def reason_text(notification, language=None):
    """Why the recipient got it, as a sentence part."""
    reasons = notification.reasons or ("addressed",)
    reason = reasons[0]
    if reason.startswith("follows:"):
        return _t(_("you follow ${userid}", mapping={"userid": reason.split(":", 1)[1]}),
                  language)
    if reason.startswith(("watches:", "fixed:")):
        return _t(_("you watch this item or its folder"), language)
    if reason == "broadcast":
        return _t(_("it was sent to everybody"), language)
    return _t(_("it was addressed to you"), language)


def _message(to, subject, text, html, message_id=None):
    # CRLF line ends, as SMTP wants them: strict servers refuse bare LF.
    message = EmailMessage(policy=policy.SMTP)
    # User text (names, titles) in a header: no line breaks (the email package
    # refuses them) and no bidi controls (they would disguise the subject).
    message["Subject"] = strip_controls(subject)
    message["From"] = sender_address()
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    if message_id:
        message["Message-ID"] = message_id
    # Quoted-printable keeps lines short, whatever the text (RFC 5321).
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def _footer(language, base):
    preferences_url = f"{base}/{PREFERENCES_VIEW}"
    label = _t(_("Change how you hear about things"), language)
    return (f"{label}: {preferences_url}",
            f'<p><a href="{escape(preferences_url)}">{escape(label)}</a></p>')


def compose_notification(notification, to, language=None, message_id=None):
    """Return the EmailMessage for one notification (raise SiteURLMissing)."""
    base = site_url()
    url = item_url(notification, base, reader=notification.recipient)
    why = _t(_("You get this email because ${reason}.",
               mapping={"reason": reason_text(notification, language)}), language)
    open_label = _t(_("Open"), language)
    footer_text, footer_html = _footer(language, base)
    subject = strip_controls(render_subject(notification, language or "en"))
    body = render_body(notification, language or "en")
    text = "\n\n".join(part for part in (
        subject,
        body,
        f"{open_label}: {url}",
        f"-- \n{why}\n{footer_text}",
    ) if part)
    body_html = f"<p>{isolate(body)}</p>" if body else ""
    html = (
        f"<html><body><h1>{isolate(render_subject(notification, language or 'en'))}</h1>"
        f"{body_html}"
        f'<p><a href="{escape(url)}">{escape(open_label)}</a></p>'
        f"<hr><p>{escape(why)}</p>{footer_html}</body></html>"
    )
    return _message(to, f"[{site_title()}] {subject}", text, html, message_id)


def compose_digest(notifications, to, language=None, message_id=None):
    """Return the EmailMessage summarising `notifications`, grouped by what they are about."""
    base = site_url()
    count = len(notifications)
    if count == 1:
        heading = _t(_("1 new notification"), language)
    else:
        heading = _t(_("${count} new notifications", mapping={"count": count}), language)
    groups = {}  # item URL -> notifications about it, newest first
    for notification in notifications:
        url = item_url(notification, base, reader=notification.recipient)
        groups.setdefault(url, []).append(notification)
    footer_text, footer_html = _footer(language, base)
    text_parts = [heading]
    html_parts = [f"<html><body><h1>{escape(heading)}</h1>"]
    for url, items in groups.items():
        text_parts.append("\n".join(
            [f"* {strip_controls(render_subject(n, language or 'en'))}" for n in items]
            + [f"  {url}"]
        ))
        html_items = "".join(f"<li>{isolate(render_subject(n, language or 'en'))}</li>"
                             for n in items)
        html_parts.append(f'<ul>{html_items}</ul><p><a href="{escape(url)}">{escape(url)}</a></p>')
    text_parts.append(f"-- \n{footer_text}")
    html_parts.append(f"<hr>{footer_html}</body></html>")
    return _message(to, f"[{site_title()}] {heading}", "\n\n".join(text_parts),
                    "".join(html_parts), message_id)

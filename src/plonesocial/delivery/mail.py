"""Notification emails: one notification, or a digest, as text and HTML, through MailHost.

MailHost sends when the transaction commits (or queues, if its queue is
on): a rolled-back transaction sends nothing, and a retried one sends once.
"""

from email import policy
from email.message import EmailMessage
from email.utils import formataddr
from html import escape
from plone import api
from plonesocial import _
from plonesocial import logger
from plonesocial.activitystream.rendering import render_body
from plonesocial.activitystream.rendering import render_subject
from plonesocial.urls import notification_url as item_url
from plonesocial.urls import portal_url as site_url
from zope.i18n import translate


PREFERENCES_VIEW = "@@notification-preferences"


def _t(message, language=None):
    """Translate a message (English unless a language is given)."""
    return translate(message, target_language=language or "en")


def sender_address():
    """The site as sender: the From address and name of the mail settings."""
    address = api.portal.get_registry_record("plone.email_from_address", default=None)
    if not address:
        raise ValueError("Set the site's email address in the mail control panel first")
    name = api.portal.get_registry_record("plone.email_from_name", default="") or ""
    return formataddr((name, address))


def can_send():
    """Tell whether the site has a sender address; warn once per call if not."""
    if api.portal.get_registry_record("plone.email_from_address", default=None):
        return True
    logger.warning("plonesocial: no email sent, the site has no sender address "
                   "(Site Setup > Mail)")
    return False


def recipient_address(userid):
    """Return the email address of a user, or None."""
    user = api.user.get(userid=userid)
    if user is None:
        return None
    return user.getProperty("email") or None


def reason_text(notification, language=None):
    """Why the recipient got it, as a sentence part."""
    reasons = notification.reasons or ("addressed",)
    reason = reasons[0]
    if reason.startswith("follows:"):
        return _t(_("you follow ${userid}", mapping={"userid": reason.split(":", 1)[1]}),
                  language)
    if reason.startswith("watches:"):
        return _t(_("you watch this item or its folder"), language)
    if reason == "broadcast":
        return _t(_("it was sent to everybody"), language)
    return _t(_("it was addressed to you"), language)


def _message(to, subject, text, html):
    # CRLF line ends, as SMTP wants them: strict servers refuse bare LF.
    message = EmailMessage(policy=policy.SMTP)
    # A subject is made of user text (names, titles): line breaks in it would
    # be refused by the email package, so every run of white space becomes one space.
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender_address()
    message["To"] = to
    # Quoted-printable keeps lines short, whatever the text (RFC 5321).
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def _footer(language):
    # The configured site URL when a job mails outside a request (issue 14).
    preferences_url = f"{site_url()}/{PREFERENCES_VIEW}"
    label = _t(_("Change how you hear about things"), language)
    return (f"{label}: {preferences_url}",
            f'<p><a href="{escape(preferences_url)}">{escape(label)}</a></p>')


def compose_notification(notification, to, language=None):
    """Return the EmailMessage for one notification."""
    site = api.portal.get().Title()
    url = item_url(notification)
    why = _t(_("You get this email because ${reason}.",
               mapping={"reason": reason_text(notification, language)}), language)
    open_label = _t(_("Open"), language)
    footer_text, footer_html = _footer(language)
    subject = render_subject(notification, language or "en")
    body = render_body(notification, language or "en")
    text = "\n\n".join(part for part in (
        subject,
        body,
        f"{open_label}: {url}",
        f"-- \n{why}\n{footer_text}",
    ) if part)
    body_html = f"<p>{escape(body)}</p>" if body else ""
    html = (
        f"<html><body><h1>{escape(subject)}</h1>{body_html}"
        f'<p><a href="{escape(url)}">{escape(open_label)}</a></p>'
        f"<hr><p>{escape(why)}</p>{footer_html}</body></html>"
    )
    return _message(to, f"[{site}] {subject}", text, html)


def compose_digest(notifications, to, language=None):
    """Return the EmailMessage summarising `notifications`, grouped by what they are about."""
    site = api.portal.get().Title()
    count = len(notifications)
    if count == 1:
        heading = _t(_("1 new notification"), language)
    else:
        heading = _t(_("${count} new notifications", mapping={"count": count}), language)
    groups = {}  # item URL -> notifications about it, newest first
    for notification in notifications:
        groups.setdefault(item_url(notification), []).append(notification)
    footer_text, footer_html = _footer(language)
    text_parts = [heading]
    html_parts = [f"<html><body><h1>{escape(heading)}</h1>"]
    for url, items in groups.items():
        text_parts.append("\n".join(
            [f"* {render_subject(n, language or 'en')}" for n in items] + [f"  {url}"]
        ))
        html_items = "".join(f"<li>{escape(render_subject(n, language or 'en'))}</li>"
                             for n in items)
        html_parts.append(f'<ul>{html_items}</ul><p><a href="{escape(url)}">{escape(url)}</a></p>')
    text_parts.append(f"-- \n{footer_text}")
    html_parts.append(f"<hr>{footer_html}</body></html>")
    return _message(to, f"[{site}] {heading}", "\n\n".join(text_parts), "".join(html_parts))


def send(message):
    """Hand a message to the site's MailHost; it goes out when the transaction commits."""
    mailhost = api.portal.get_tool("MailHost")
    mailhost.send(message, immediate=False)

"""The addresses plonesocial links to: one place that builds them."""

from plone import api
from plone.app.uuid.utils import uuidToObject
from urllib.parse import urlencode


def configured_site_url():
    """The site's public URL from the registry (``plonesocial.delivery.site_url``), or None.

    The record belongs to the delivery settings (issue 12); read with a
    default, so that a site without it still answers.
    """
    value = api.portal.get_registry_record("plonesocial.delivery.site_url", default=None)
    return value.rstrip("/") if isinstance(value, str) and value.strip() else None


def portal_url():
    """The site's URL: as the current request sees it, else as configured.

    Outside a request (``plonesocial-jobs`` from cron) ``absolute_url()``
    is a bare path ("Plone/team"): mails then link through the configured
    site URL (issue 14, defect 5).
    """
    url = api.portal.get().absolute_url()
    if url.startswith(("http://", "https://")):
        return url
    return configured_site_url() or url


def public(url):
    """`url` of an object of this site, made absolute through the configured site URL
    when no request made it so."""
    if url.startswith(("http://", "https://")):
        return url
    site = api.portal.get().absolute_url()
    configured = configured_site_url()
    if configured is None or not url.startswith(site):
        return url
    return configured + url[len(site):]


def conversation_url(other):
    """The page of my conversation with `other`."""
    return f"{portal_url()}/@@conversation?{urlencode({'with': other})}"


def inbox_url():
    return f"{portal_url()}/@@inbox"


def author_url(userid):
    return f"{portal_url()}/author/{userid}"


def notification_url(notification):
    """Where the notification's subject can be seen on the site.

    A message notification leads to the conversation (which opening marks
    read), a notification about content to the content, one about a person to
    their page.
    """
    owner = notification.owner
    if owner is not None and owner.kind == "content":
        obj = uuidToObject(owner.id, unrestricted=True)
        if obj is not None:
            return public(obj.absolute_url())
    if owner is not None and owner.kind == "user":
        if notification.message_type == "message":
            return conversation_url(owner.id)
        return author_url(owner.id)
    return portal_url()

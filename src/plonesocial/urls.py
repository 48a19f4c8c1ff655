"""The addresses plonesocial links to: one place that builds them."""

from plone import api
from plone.app.uuid.utils import uuidToObject
from urllib.parse import urlencode


def portal_url():
    """The site's URL, as the current request sees it."""
    return api.portal.get().absolute_url()


def conversation_url(other):
    """The page of my conversation with `other`."""
    return f"{portal_url()}/@@conversation?{urlencode({'with': other})}"


def group_url(group_id):
    """The page of a group conversation (issue 15)."""
    return f"{portal_url()}/@@group?{urlencode({'id': group_id})}"


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
            return obj.absolute_url()
    if owner is not None and owner.kind == "user":
        if notification.message_type == "message":
            return conversation_url(owner.id)
        return author_url(owner.id)
    return portal_url()

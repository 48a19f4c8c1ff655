"""Interfaces of the plonesocial add-on as a whole."""

from zope.publisher.interfaces.browser import IDefaultBrowserLayer


class IPlonesocialLayer(IDefaultBrowserLayer):
    """Browser layer, active on sites where plonesocial is installed."""

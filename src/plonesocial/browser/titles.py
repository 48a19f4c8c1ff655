"""Page titles and breadcrumbs of plonesocial's pages: "Notifications — Site", Home / Notifications.

Plone titles a view of the site root with the site's name alone and shows
"Home" as its only crumb; a page that says what it is reads better in tabs,
history and screen readers. Each page names itself in ``page_title``.
"""

from html import escape
from plone.app.layout.viewlets.common import PathBarViewlet
from plone.app.layout.viewlets.common import TitleViewlet
from zope.i18n import translate
from zope.interface import Interface


class ISocialPage(Interface):
    """A plonesocial page; ``page_title`` is a message naming it."""


def page_title(view, request):
    title = getattr(view, "page_title", None)
    return translate(title, context=request) if title else None


class PageTitleViewlet(TitleViewlet):
    def update(self):
        super().update()
        title = page_title(self.view, self.request)
        if title:
            self.site_title = self.sep.join([escape(title), self.site_title])


class PageBreadcrumbsViewlet(PathBarViewlet):
    def update(self):
        super().update()
        title = page_title(self.view, self.request)
        if title:
            self.breadcrumbs = tuple(self.breadcrumbs) + (
                {"absolute_url": self.request.getURL(), "Title": title},)

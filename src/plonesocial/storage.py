"""Persistent roots kept in a site's annotations: outside the content tree, so they are
not catalogued, not traversable, and survive an uninstall."""

from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite


class SiteStorage:
    """One persistent root per site under an annotation key, made by `factory`."""

    def __init__(self, key, factory):
        self.key = key
        self.factory = factory

    def get(self, site):
        """Return the root stored on `site`, or None."""
        return IAnnotations(site).get(self.key)

    def create(self, site):
        """Return the root of `site`, creating it if there is none."""
        annotations = IAnnotations(site)
        root = annotations.get(self.key)
        if root is None:
            root = annotations[self.key] = self.factory()
        return root

    def purge(self, site):
        """Delete the root of `site`; return True if there was one."""
        annotations = IAnnotations(site)
        if self.key not in annotations:
            return False
        del annotations[self.key]
        return True

    def current(self):
        """Return the root of the current site; raise LookupError if there is none."""
        site = getSite()
        if site is None:
            raise LookupError("No current site: call setSite(portal) first")
        root = self.get(site)
        if root is None:
            raise LookupError(
                f"plonesocial is not installed in {site.getId()!r}: "
                "install the 'plonesocial:default' profile"
            )
        return root

"""@@fixed-watches: a page for site administrators to fix a folder's watch for a group
(issue 16); the same API as REST @fixed-watches."""

from plone import api
from plone.app.uuid.utils import uuidToObject
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.fixed import group_title
from plonesocial.browser.views import SocialView


class FixedWatchesView(SocialView):
    page_title = _("Fixed watches")

    def prepare(self):
        self.items = []
        for uuid, group in activitystream.get_fixed_watches():
            obj = uuidToObject(uuid)
            self.items.append({"uuid": uuid, "group": group, "group_title": group_title(group),
                               "title": obj.Title() if obj is not None else uuid,
                               "url": obj.absolute_url() if obj is not None else None})
        self.groups = sorted(
            ({"id": g.getId(), "title": g.getProperty("title") or g.getId()}
             for g in api.group.get_groups()), key=lambda g: g["title"].lower())

    def find(self, value):
        """A folder by its path below the site (or URL) or by its UUID, if the
        administrator may View it."""
        if not isinstance(value, str) or not value.strip():
            return None
        value = value.strip()
        portal = api.portal.get()
        if value.startswith(self.portal_url):
            value = value[len(self.portal_url):]
        obj = uuidToObject(value)
        if obj is None:
            obj = portal.unrestrictedTraverse(value.strip("/"), None) if "/" in value or \
                value.replace("-", "").isalnum() else None
        if obj is None or obj is portal or not api.user.has_permission("View", obj=obj) \
                or not hasattr(obj, "UID"):
            return None
        return obj

    def handle_post(self):
        form = self.request.form
        back = f"{self.portal_url}/@@fixed-watches"
        if isinstance(form.get("remove"), str):
            uuid, _sep, group = form["remove"].partition(" ")
            try:
                activitystream.unfix_watch(uuid, group)
            except exc.NotFound:
                pass
            api.portal.show_message(_("The fixed watch ended."), self.request)
            return back
        obj = self.find(form.get("folder"))
        group = form.get("group")
        if obj is None:
            api.portal.show_message(_("No folder at that path you may view."), self.request,
                                    type="error")
            return back
        if not isinstance(group, str) or api.group.get(groupname=group) is None:
            api.portal.show_message(_("Choose a group."), self.request, type="error")
            return back
        activitystream.fix_watch(obj.UID(), group)
        api.portal.show_message(
            _("Everybody in ${group} watches ${title} now.",
              mapping={"group": group_title(group), "title": obj.Title()}), self.request)
        return back

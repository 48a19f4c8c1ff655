"""@fixed-watches: watches a site administrator fixed for a group (issue 16).

- GET @fixed-watches: every fixed watch;
- POST @fixed-watches {"uuid": folder UUID, "group": group id};
- DELETE @fixed-watches/{uuid}/{group}.

Members of the group watch the folder (and what is in it) and cannot stop;
who is a member is asked when it matters (activitystream.fixed).
"""

from plone import api
from plone.app.uuid.utils import uuidToObject
from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.base import SocialService
from plonesocial.urls import portal_url
from zExceptions import BadRequest
from zExceptions import NotFound


def serialize(uuid, group):
    obj = uuidToObject(uuid, unrestricted=True)
    return {"@id": f"{portal_url()}/@fixed-watches/{uuid}/{group}", "uuid": uuid,
            "group": group, "title": obj.Title() if obj is not None else None,
            "url": obj.absolute_url() if obj is not None else None}


class FixedWatchesGet(SocialService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        items = [serialize(uuid, group) for uuid, group in activitystream.get_fixed_watches()]
        return {"@id": f"{portal_url()}/@fixed-watches", "items": items,
                "items_total": len(items)}


class FixedWatchesPost(SocialService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        data = self.body()
        uuid, group = data.get("uuid"), data.get("group")
        if set(data) != {"uuid", "group"}:
            raise BadRequest('Send {"uuid": a folder\'s UUID, "group": a group id}')
        obj = uuidToObject(uuid, unrestricted=True) if isinstance(uuid, str) else None
        if obj is None or not api.user.has_permission("View", obj=obj):
            raise BadRequest(f"No content {uuid!r} you may view"[:200])
        if not isinstance(group, str) or api.group.get(groupname=group) is None:
            raise BadRequest(f"No group {group!r}"[:200])
        activitystream.fix_watch(uuid, group)
        self.request.response.setStatus(201)
        return serialize(uuid, group)


class FixedWatchesDelete(SocialService):
    def reply(self):
        if len(self.params) != 2:
            raise NotFound("No such fixed watch")
        activitystream.unfix_watch(*self.params)
        return self.reply_no_content()

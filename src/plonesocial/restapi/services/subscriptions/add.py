"""POST @subscriptions: follow a user ({"follow": userid}) or watch content ({"watch": uuid})."""

from plone import api
from plone.app.uuid.utils import uuidToObject
from plonesocial.activitystream import api as activitystream
from plonesocial.limits import check_filter
from plonesocial.limits import installed_portal_types
from plonesocial.restapi.services.subscriptions import SubscriptionsService
from zExceptions import BadRequest


class SubscriptionsPost(SubscriptionsService):
    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        data = self.body()
        known = {"follow", "watch", "subtree", "verbs", "portal_types", "frequency"}
        if set(data) - known or ("follow" in data) == ("watch" in data):
            raise BadRequest('Send {"follow": userid} or {"watch": uuid}, with optional '
                             '"subtree", "verbs", "portal_types" and (watches) "frequency"')
        filters = {"verbs": data.get("verbs"), "portal_types": data.get("portal_types")}
        # Only content types this site has (a LimitError is a 400).
        check_filter(filters["portal_types"], "portal_types", installed_portal_types())
        if "follow" in data:
            if not isinstance(data["follow"], str):
                raise BadRequest(f"No user {data['follow']!r}")
            subscription = activitystream.follow(self.userid, data["follow"], **filters)
        else:
            uuid = data["watch"]
            # Only what the user may View can be watched.
            obj = uuidToObject(uuid, unrestricted=True) if isinstance(uuid, str) else None
            if obj is None or not api.user.has_permission("View", obj=obj):
                raise BadRequest(f"No content {uuid!r} you may view")
            subtree = data.get("subtree", True)
            if not isinstance(subtree, bool):
                raise BadRequest("subtree must be true or false")
            subscription = activitystream.watch(self.userid, uuid, subtree,
                                                frequency=data.get("frequency"), **filters)
        self.request.response.setStatus(201)
        return self.serialize(subscription)

"""GET @subscriptions: my follows, then my watches, a page at a time."""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.base import MAX_LIMIT
from plonesocial.restapi.services.subscriptions import SubscriptionsService
from urllib.parse import urlencode
from zExceptions import BadRequest
from zExceptions import NotFound


KINDS = ("user", "content")


class SubscriptionsGet(SubscriptionsService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        # Everything by default, as before paging existed, up to the maximum.
        limit = self.int_param("limit", MAX_LIMIT, 1, MAX_LIMIT)
        kind, target = self.cursor()
        items = []
        more = False
        for tree_kind in KINDS[KINDS.index(kind):] if kind else KINDS:
            after = target if tree_kind == kind else None
            for subscription in activitystream.get_subscriptions(self.userid, tree_kind, after):
                if len(items) == limit:
                    more = True
                    break
                items.append(self.serialize(subscription))
            if more:
                break
        page = {"@id": self.base_url(), "items": items, "items_total": len(items),
                "fixed": self.fixed()}
        if more:
            last = items[-1]
            query = urlencode({"after": f"{last['kind']}/{last['target']}", "limit": limit})
            page["next"] = f"{self.base_url()}?{query}"
        return page

    def fixed(self):
        """Issue 16: the content a group of mine must watch (that I may View), with the
        groups; these watches cannot be ended."""
        from plonesocial.activitystream.fixed import fixed_for
        from plonesocial.activitystream.visibility import may_view_content

        return [{"target": uuid, "groups": activitystream.fixed_groups_of(self.userid, uuid)}
                for uuid in sorted(fixed_for(activitystream.get_manager(), self.userid))
                if may_view_content(self.userid, uuid)]

    def cursor(self):
        """The (kind, target) after which the page starts, or (None, None)."""
        after = self.request.form.get("after")
        if not after:
            return None, None
        kind, _, target = after.partition("/") if isinstance(after, str) else ("", "", "")
        if kind not in KINDS or not target:
            raise BadRequest("after must be user/{userid} or content/{uuid}")
        return kind, target

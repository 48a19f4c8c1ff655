"""@mutes: what the authenticated user muted (issue 16).

- GET @mutes: the active mutes;
- GET @mutes/{kind}/{target}: one (404 if not muted);
- POST @mutes {"kind": "content", "target": uuid, "duration": "day", "hide": false};
- DELETE @mutes/{kind}/{target}: unmute.

A group conversation's target is "group:<id>" (in a path: group:<id> as well).
"""

from plonesocial.activitystream import api as activitystream
from plonesocial.restapi.base import SocialService
from plonesocial.urls import portal_url
from zExceptions import BadRequest
from zExceptions import NotFound


def serialize(mute):
    data = mute.info()
    data["@id"] = f"{portal_url()}/@mutes/{mute.kind}/{mute.target}"
    return data


class MutesGet(SocialService):
    def reply(self):
        if len(self.params) == 2:
            mute = activitystream.get_mute(self.userid, *self.params)
            if mute is None:
                raise NotFound("You did not mute this")
            return serialize(mute)
        if self.params:
            raise NotFound("No such resource")
        items = [serialize(mute) for mute in activitystream.get_mutes(self.userid)]
        return {"@id": f"{portal_url()}/@mutes", "items": items, "items_total": len(items)}


class MutesPost(SocialService):
    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        if self.params:
            raise NotFound("No such resource")
        data = self.body()
        if set(data) - {"kind", "target", "duration", "hide"} or not {"kind", "target"} <= set(
                data):
            raise BadRequest('Send {"kind": "activity", "content" or "conversation", '
                             '"target": its id, with optional "duration" ("hour", "day", '
                             '"week" or null) and "hide" (true: also off your timeline)}')
        mute = activitystream.mute(self.userid, data["kind"], data["target"],
                                   duration=data.get("duration"), hide=data.get("hide", False))
        self.request.response.setStatus(201)
        return serialize(mute)


class MutesDelete(SocialService):
    def reply(self):
        limited = self.settings_write_limited()
        if limited is not None:
            return limited
        if len(self.params) != 2:
            raise NotFound("No such mute")
        activitystream.unmute(self.userid, *self.params)
        return self.reply_no_content()

"""@tags: the tags one follows; @tags/{tag}: a tag's activities (GET), follow it
(POST), stop following it (DELETE)."""

from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.social import check_tag
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from plonesocial.urls import portal_url
from zExceptions import NotFound


class TagsService(SocialService):
    def tag(self):
        if len(self.params) != 1:
            raise NotFound("No such tag")
        return check_tag(self.params[0])

    def url(self, tag):
        return f"{portal_url()}/@tags/{tag}"


class TagsGet(TagsService):
    def reply(self):
        if not self.params:
            return {"@id": f"{portal_url()}/@tags",
                    "items": [{"@id": self.url(tag), "tag": tag}
                              for tag in activitystream.followed_tags(self.userid)]}
        tag = self.tag()
        activities, limit = self.run_query(activitystream.get_tag_stream(self.userid, tag))
        url = self.url(tag)
        page = self.page(url, [serialize(a, self.request) for a in activities],
                         [a.id for a in activities], limit, url)
        page["plonesocial:tag"] = tag
        page["plonesocial:following"] = tag in activitystream.followed_tags(self.userid)
        return page


class TagsPost(TagsService):
    def reply(self):
        tag = activitystream.follow_tag(self.userid, self.tag())
        self.request.response.setStatus(201)
        return {"@id": self.url(tag), "tag": tag, "following": True}


class TagsDelete(TagsService):
    def reply(self):
        activitystream.unfollow_tag(self.userid, self.tag())
        return self.reply_no_content()

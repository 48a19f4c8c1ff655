"""The page of whom a user follows and watches, and what they muted."""

from plone import api
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.browser.views import SocialView
from plonesocial.messaging import api as messaging
from plonesocial.messaging.group_rendering import group_title
from plonesocial.people import display_name
from plonesocial.urls import conversation_url
from plonesocial.urls import group_url


class FollowingView(SocialView):
    """@@following: everyone I follow and everything I watch, each with a stop button."""

    page_title = _("Following and watching")

    def prepare(self):
        catalog = api.portal.get_tool("portal_catalog")
        self.people = sorted(
            ({"id": s.target, "name": display_name(s.target), "url": self.author_url(s.target)}
             for s in activitystream.get_subscriptions(self.userid, kind="user")),
            key=lambda person: person["name"].lower())
        self.content = []
        for subscription in activitystream.get_subscriptions(self.userid, kind="content"):
            brains = catalog(UID=subscription.target)  # only what I may still View
            if brains:
                self.content.append({"id": subscription.target, "title": brains[0].Title,
                                     "url": brains[0].getURL(),
                                     "subtree": subscription.subtree,
                                     "frequency": subscription.frequency})
        # Issue 16: the tags I follow, each with its page (as Mastodon's followed hashtags).
        self.tags = [{"tag": tag, "url": f"{self.portal_url}/@@tag/{tag}"}
                     for tag in sorted(activitystream.followed_tags(self.userid))]
        self.prepare_mutes(catalog)

    def prepare_mutes(self, catalog):
        """Issue 16: the folders a group of mine must watch, and what I muted."""
        from plonesocial.activitystream.fixed import fixed_for
        from plonesocial.activitystream.fixed import group_title

        manager = activitystream.get_manager()
        self.fixed = []
        for uuid in sorted(fixed_for(manager, self.userid)):
            brains = catalog(UID=uuid)
            if brains:
                groups = activitystream.fixed_groups_of(self.userid, uuid)
                self.fixed.append({"title": brains[0].Title, "url": brains[0].getURL(),
                                   "groups": ", ".join(map(group_title, groups))})
        self.mutes = []
        for mute in activitystream.get_mutes(self.userid):
            title, url = None, None
            if mute.kind == "content":
                brains = catalog(UID=mute.target)
                if not brains:
                    continue  # no longer Viewable: not named
                title, url = brains[0].Title, brains[0].getURL()
            elif mute.kind == "conversation" and mute.target.startswith("group:"):
                title, url = self.group_of(mute.target[len("group:"):])
            elif mute.kind == "conversation":
                title = _("Conversation with ${name}",
                          mapping={"name": display_name(mute.target)})
                url = conversation_url(mute.target)
            else:
                title = _("An activity")
            self.mutes.append({"kind": mute.kind, "target": mute.target, "title": title,
                               "url": url, "hide": mute.hide,
                               "until": self.times.exact(mute.until) if mute.until else "",
                               "until_iso": self.times.iso(mute.until) if mute.until else ""})

    def group_of(self, group_id):
        """A muted group's title (as my inbox shows it) and page: several are told apart."""
        try:
            group = messaging.get_group(self.userid, group_id)
        except exc.GroupNotFound:
            return _("A group conversation"), None  # deleted meanwhile
        return group_title(group, self.userid), group_url(group_id)

    def handle_post(self):
        form = self.request.form
        subscriptions = activitystream.get_manager().subscriptions
        if isinstance(form.get("unfollow"), str):
            if subscriptions.is_following(self.userid, form["unfollow"]):
                activitystream.unfollow(self.userid, form["unfollow"])
            api.portal.show_message(_("You no longer follow ${name}.",
                                      mapping={"name": display_name(form["unfollow"])}),
                                    self.request)
        elif isinstance(form.get("unwatch"), str):
            if subscriptions.is_watching(self.userid, form["unwatch"]):
                try:
                    activitystream.unwatch(self.userid, form["unwatch"])
                except exc.NotAllowed as error:  # issue 16: a fixed watch
                    api.portal.show_message(error.args[0], self.request, type="error")
                    return f"{self.portal_url}/@@following"
            api.portal.show_message(_("You no longer watch this item."), self.request)
        return f"{self.portal_url}/@@following"

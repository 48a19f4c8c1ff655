"""Watch/Unwatch on content and Follow/Unfollow on a person's author page."""

from Acquisition import aq_chain
from Acquisition import aq_inner
from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plone.protect import CheckAuthenticator
from plone.uuid.interfaces import IUUID
from plonesocial import _
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.fixed import group_title
from plonesocial.exc import InvalidInput
from plonesocial.exc import NotAllowed
from plonesocial.people import display_name
from plonesocial.people import user_exists
from Products.CMFCore.interfaces import ISiteRoot
from Products.CMFPlone.browser.author import AuthorView
from Products.Five.browser import BrowserView
from zExceptions import BadRequest
from zExceptions import MethodNotAllowed
from zExceptions import Unauthorized


def _subscriptions():
    return activitystream.get_manager().subscriptions


def _me():
    if api.user.is_anonymous():
        raise Unauthorized("Log in first")
    return api.user.get_current().getId()


class WatchView(BrowserView):
    """POST @@watch on content (action=watch|unwatch), for the authenticated user."""

    def __call__(self):
        userid = _me()
        if self.request.method != "POST":
            raise MethodNotAllowed("POST only")
        CheckAuthenticator(self.request)
        uuid = IUUID(self.context)
        subscriptions = _subscriptions()
        action = self.request.form.get("action")
        fixed_by = activitystream.fixed_groups_of(userid, uuid)
        if action == "unwatch" and fixed_by:
            # issue 16: a fixed watch cannot be stopped; the refusal says why.
            try:
                activitystream.unwatch(userid, uuid)
            except NotAllowed as error:
                api.portal.show_message(error.args[0], self.request, type="error")
        elif action == "unwatch":
            if subscriptions.is_watching(userid, uuid):
                activitystream.unwatch(userid, uuid)
            api.portal.show_message(_("You no longer watch this item."), self.request)
        elif action == "frequency":
            frequency = self.request.form.get("frequency") or None
            mine = subscriptions.get(userid, "content", uuid)
            try:
                activitystream.watch(
                    userid, uuid, mine.subtree if mine else True,
                    verbs=mine.verbs if mine else None,
                    portal_types=mine.portal_types if mine else None, frequency=frequency)
            except InvalidInput as error:
                api.portal.show_message(error.args[0], self.request, type="error")
            else:
                api.portal.show_message(_("Saved how often you hear of this item."),
                                        self.request)
        else:
            subscriptions.watch(userid, uuid)
            api.portal.show_message(_("You watch this item now."), self.request)
        return self.request.response.redirect(self.context.absolute_url())


class FollowView(BrowserView):
    """POST @@follow on the site (userid=..., action=follow|unfollow)."""

    def __call__(self):
        me = _me()
        if self.request.method != "POST":
            raise MethodNotAllowed("POST only")
        CheckAuthenticator(self.request)
        userid = self.request.form.get("userid")
        if not isinstance(userid, str) or not user_exists(userid) or userid == me:
            raise BadRequest("No such person to follow")
        subscriptions = _subscriptions()
        mapping = {"name": display_name(userid)}
        if self.request.form.get("action") == "unfollow":
            if subscriptions.is_following(me, userid):
                subscriptions.unfollow(me, userid)
            api.portal.show_message(_("You no longer follow ${name}.", mapping=mapping),
                                    self.request)
        else:
            subscriptions.follow(me, userid)
            api.portal.show_message(_("You follow ${name} now.", mapping=mapping), self.request)
        portal_url = api.portal.get().absolute_url()
        return self.request.response.redirect(f"{portal_url}/author/{userid}")


class WatchViewlet(ViewletBase):
    """Below the title of content: Watch or Unwatch, and a link to its activity."""

    def update(self):
        super().update()
        # Content only: the site root is a container too, but watching it is the
        # site stream's business.
        self.available = (not api.user.is_anonymous() and IUUID(self.context, None) is not None
                          and not ISiteRoot.providedBy(self.context))
        self.inherited = None
        self.fixed = ""
        if self.available:
            me = api.user.get_current().getId()
            uuid = IUUID(self.context)
            subscriptions = _subscriptions()
            self.subscription = subscriptions.get(me, "content", uuid)
            self.watching = self.subscription is not None
            self.frequency = getattr(self.subscription, "frequency", None) or "immediately"
            # issue 16: a watch fixed for a group of theirs, which they cannot stop
            self.fixed = ", ".join(group_title(g)
                                   for g in activitystream.fixed_groups_of(me, uuid))
            if not self.watching and not self.fixed:
                self.inherited = self.watched_parent(subscriptions, me)

    def frequencies(self):
        return [("immediately", _("Notify me as my preferences say")),
                ("digest", _("At most in a digest")),
                ("stream", _("Only in my timeline"))]

    def mute_menu(self):
        from plonesocial.browser.mutes import mute_menu

        return mute_menu(self.context, self.request, "content", IUUID(self.context),
                         self.context.absolute_url())

    def watched_parent(self, subscriptions, me):
        """The nearest folder above whose watch (with its subtree) covers this item, or None."""
        for parent in aq_chain(aq_inner(self.context))[1:]:
            if ISiteRoot.providedBy(parent):
                return None
            uuid = IUUID(parent, None)
            if uuid is not None and activitystream.fixed_groups_of(me, uuid):
                return parent  # issue 16: fixed for a group of mine, with its subtree
            if uuid is not None and subscriptions.is_watching(me, uuid):
                found = [s for s in subscriptions.watching(me) if s.target == uuid]
                if found and found[0].subtree:
                    return parent
        return None


class FollowViewlet(ViewletBase):
    """On a person's author page: Follow or Unfollow."""

    def update(self):
        super().update()
        self.userid = getattr(self.view, "username", None)
        me = None if api.user.is_anonymous() else api.user.get_current().getId()
        self.available = bool(self.userid and me and self.userid != me
                              and isinstance(self.view, AuthorView))
        if self.available:
            self.following = _subscriptions().is_following(me, self.userid)
            self.portal_url = api.portal.get().absolute_url()
            self.message_url = f"{self.portal_url}/@@inbox?to={self.userid}"

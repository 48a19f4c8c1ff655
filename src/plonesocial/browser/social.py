"""The social layer's pages: the post box and the like, favorite and comment controls
of stream items (@@stream), the forms they send (@@social-action) and a tag's page
(@@tag/{tag}). Every rule is the API's (activitystream.social)."""

from plone import api
from plone.base.interfaces import IPloneSiteRoot
from plone.uuid.interfaces import IUUID
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream import social
from plonesocial.activitystream.reactions import activity_key
from plonesocial.activitystream.reactions import comment_key
from plonesocial.browser.views import PAGE
from plonesocial.browser.views import SocialView
from plonesocial.browser.views import StreamView
from plonesocial.restapi.errors import error_text
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zExceptions import BadRequest
from zExceptions import NotFound
from zope.i18n import translate
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


ACTIONS = ("post", "comment", "like", "unlike", "favorite", "unfavorite", "delete-post",
           "delete-comment", "follow-tag", "unfollow-tag")


def threaded(comments):
    """`comments` (oldest first) with each one's replies right under it (one level)."""
    replies = {}
    for comment in comments:
        if comment["parent"] is not None:
            replies.setdefault(comment["parent"], []).append(comment)
    result = []
    for comment in comments:
        if comment["parent"] is None:
            result.append(comment)
            result.extend(replies.pop(comment["id"], ()))
    for rest in replies.values():  # a reply whose comment is gone from the thread
        result.extend(rest)
    return result


class SocialItems:
    """What a stream page shows of each activity: a post's words, likes, comments."""

    social_macros = ViewPageTemplateFile("templates/social_macros.pt")

    def may_post(self):
        """Whether the post box is shown: "plonesocial: Post" here (View is given)."""
        return api.user.has_permission(social.POST_PERMISSION, obj=self.context)

    def post_context(self):
        """The UUID a post from this page is made in, or "" on the site."""
        return "" if IPloneSiteRoot.providedBy(self.context) else IUUID(self.context)

    def max_post_length(self):
        return social.max_length()

    def social_of(self, activity):
        record = social.post_of(activity)
        found = social.summary(self.userid, activity_key(activity.id))
        sentence = social.liked_by_sentence(found["liked_by"], self.userid)
        comments = []
        store = social.get_social()
        thread = store.comments.thread(activity.id) if store is not None else None
        for comment in thread.comments() if thread is not None else ():
            likes = social.summary(self.userid, comment_key(activity.id, comment.id))
            comments.append({
                "id": comment.id, "author": comment.author, "deleted": comment.deleted,
                "html": "" if comment.deleted else social.render_html(comment.text,
                                                                      self.userid),
                "created": comment.created, "reply": comment.parent is not None,
                "parent": comment.parent,
                "mine": comment.author == self.userid, "likes": likes["likes"],
                "liked": likes["liked"]})
        return {
            "id": activity.id,
            "post": record is not None,
            "html": (social.render_html(record.text, self.userid)
                     if record is not None and not record.deleted else ""),
            "deleted": record is not None and record.deleted,
            "images": [{"url": f"{self.portal_url}/@@post-image/{activity.id}/{index}",
                        "alt": image.filename or ""}
                       for index, image in enumerate(record.images if record else ())],
            "edited": record is not None and record.edited is not None,
            "may_delete": (record is not None and not record.deleted
                           and social.may_delete_post(self.userid, activity, record)),
            "likes": found["likes"], "liked": found["liked"],
            "favorited": found["favorited"],
            "liked_by": translate(sentence, context=self.request) if sentence else "",
            "comments": threaded(comments),
            "count": social.count_comments(activity.id),
        }

    def came_from(self):
        """This page as shown, with its filter and page (?show=, ?before=)."""
        query = self.request.get("QUERY_STRING")
        return f"{self.request.getURL()}?{query}" if query else self.request.getURL()

    def item_came_from(self, activity):
        """Where an item's forms return to: this page, at the item (not at the top)."""
        return f"{self.came_from()}#activity-{activity.id}"

    def headline(self, activity):
        """ "Ann posted" for a post, the summary (or the verb) for anything else."""
        if social.post_of(activity) is not None:
            return translate(_("${name} posted", mapping={"name": self.fullname(activity.actor)}),
                             context=self.request)
        return activity.summary or activity.verb


class SocialStreamView(SocialItems, StreamView):
    """@@stream with the post box and each item's likes, favorite and comments, and
    on the site two more views of the timeline: by last activity, and favorites."""

    FILTERS = (*StreamView.FILTERS, ("active", _("Recently active")),
               ("favorites", _("My favorites")))

    def prepare(self):
        show = self.request.form.get("show")
        if not IPloneSiteRoot.providedBy(self.context) or show not in ("active", "favorites"):
            return super().prepare()
        self.on_site = True
        self.show = show
        self.title = self.page_title = _("Your activity stream")
        if show == "favorites":
            query = activitystream.get_timeline_page(self.userid, favorites=True)
        else:
            query = activitystream.get_timeline_page(self.userid, sort="activity")
        before = self.before()
        if before is not None:
            query = query.before(before)
        items = query.limit(PAGE + 1).all()
        sort = "activity" if show == "active" else "published"
        self.older = social.sort_key(items[PAGE - 1], sort) if len(items) > PAGE else None
        self.activities = items[:PAGE]
        return None


@implementer(IPublishTraverse)
class TagView(SocialItems, SocialView):
    """@@tag/{tag}: the activities of a tag the reader may View, and Follow/Unfollow."""

    tag = None

    def publishTraverse(self, request, name):
        if self.tag is not None:
            raise NotFound(name)
        self.tag = name
        return self

    def prepare(self):
        try:
            self.tag = social.check_tag(self.tag or self.request.form.get("tag") or "")
        except exc.InvalidInput:
            raise NotFound("No such tag") from None
        self.title = self.page_title = _("#${tag}", mapping={"tag": self.tag})
        self.following = self.tag in activitystream.followed_tags(self.userid)
        self.activities, self.older = self.page_of(
            activitystream.get_tag_stream(self.userid, self.tag))

    def came_from(self):
        return f"{self.portal_url}/@@tag/{self.tag}"


class SocialActionView(SocialView):
    """POST @@social-action: the forms of the stream pages; back to where they came from."""

    def methods(self):
        return ("POST",)

    def handle_post(self):
        form = self.request.form
        action = form.get("action")
        if action not in ACTIONS:
            raise BadRequest("Unknown action")
        back = self.back()
        try:
            message = self.act(action, form)
        except exc.NotFound as error:
            raise NotFound(error_text(error, self.request)) from None
        except exc.SocialError as error:
            api.portal.show_message(error_text(error, self.request), self.request,
                                    type="error")
            return back
        if message:
            api.portal.show_message(message, self.request)
        return back

    def back(self):
        came_from = self.request.form.get("came_from")
        portal_url = api.portal.get_tool("portal_url")
        if isinstance(came_from, str) and came_from.startswith(("http://", "https://")) \
                and portal_url.isURLInPortal(came_from):
            return came_from
        return f"{self.portal_url}/@@stream"

    def text(self, form):
        text = form.get("text")
        return text if isinstance(text, str) else None

    def act(self, action, form):
        me = self.userid
        activity_id, comment_id = form.get("id"), form.get("comment") or None
        if action == "post":
            context = form.get("context") or None
            uploads = form.get("images") or []
            uploads = uploads if isinstance(uploads, list) else [uploads]
            images = [(upload.filename, upload.read()) for upload in uploads
                      if getattr(upload, "filename", "") and hasattr(upload, "read")]
            activitystream.post(me, self.text(form), context=context, images=images or None)
            return _("Posted.")
        if action == "comment":
            activitystream.comment(me, activity_id, self.text(form),
                                   reply_to=form.get("reply_to") or None)
            return _("Comment added.")
        if action in ("like", "unlike", "favorite", "unfavorite"):
            kind = "like" if action.endswith("like") else "favorite"
            social.react(me, kind, activity_id, comment_id, not action.startswith("un"))
            return None
        if action == "delete-post":
            activitystream.delete_post(me, activity_id)
            return _("Post deleted.")
        if action == "delete-comment":
            activitystream.delete_comment(me, activity_id, comment_id)
            return _("Comment deleted.")
        tag = form.get("tag") if isinstance(form.get("tag"), str) else ""
        if action == "follow-tag":
            activitystream.follow_tag(me, tag)
            return _("You follow #${tag} now.", mapping={"tag": social.check_tag(tag)})
        activitystream.unfollow_tag(me, tag)
        return _("You no longer follow #${tag}.", mapping={"tag": social.check_tag(tag)})

    def prepare(self):
        raise NotFound("Nothing to show here")


@implementer(IPublishTraverse)
class PostImageView(SocialView):
    """@@post-image/{activity id}/{index}: an image of a post its reader may see (404
    otherwise), served inline with its checked type and never sniffed."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        if len(self.params) >= 2:
            raise NotFound(name)
        self.params.append(name)
        return self

    def prepare(self):
        if len(self.params) != 2:
            raise NotFound("No such image")
        try:
            image = social.get_image(self.userid, self.params[0], self.params[1])
        except exc.NotFound:
            raise NotFound("No such image") from None
        self.image = image

    def index(self):
        image = self.image
        response = self.request.response
        response.setHeader("Content-Type", image.contentType)
        response.setHeader("Content-Length", str(image.getSize()))
        response.setHeader("X-Content-Type-Options", "nosniff")
        response.setHeader("Content-Security-Policy", "default-src 'none'; sandbox")
        response.setHeader("Cache-Control", "private, max-age=3600")
        safe = "".join(c for c in image.filename or "image" if c.isalnum() or c in "._-")
        response.setHeader("Content-Disposition", f'inline; filename="{safe or "image"}"')
        return image.data


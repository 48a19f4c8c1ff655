"""Classic UI pages: inbox, conversation, notifications, streams, and see-and-redirect.

Every page acts for the authenticated user only. Writes are POSTs checked
against plone.protect's token; the two GETs that write are declared here:
opening a conversation marks it read, and @@see marks a notification seen.
"""

from html import escape
from plone import api
from plone.base.interfaces import IPloneSiteRoot
from plone.protect import CheckAuthenticator
from plone.protect.interfaces import IDisableCSRFProtection
from plone.uuid.interfaces import IUUID
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.messaging import api as messaging
from plonesocial.messaging.group_rendering import group_title
from plonesocial.messaging.group_rendering import system_text
from plonesocial.messaging.interfaces import IGroupConversation
from plonesocial.people import display_name
from plonesocial.people import user_exists
from plonesocial.text import excerpt
from plonesocial.urls import conversation_url
from plonesocial.urls import group_url
from plonesocial.urls import notification_url
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zExceptions import MethodNotAllowed
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.interface import alsoProvides

import re


URL = re.compile(r"https?://[^\s<>\"']+")


def form_id(value):
    """A message or notification id from a form, or None.

    Only decimal digits are an id: Zope's ``:float`` or ``:list`` forms are
    not rounded or guessed (``int(float("inf"))`` would be a server error).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # Ids are 64-bit: 19 digits at most (Python refuses to parse thousands of them).
    if isinstance(value, str) and value.strip().isdigit() and value.isascii() \
            and len(value.strip()) <= 19:
        return int(value)
    return None


def linkify(text):
    """Escape a message's text and turn its http(s) URLs into safe anchors."""
    parts, last = [], 0
    for match in URL.finditer(text):
        parts.append(escape(text[last:match.start()]))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">{url}</a>')
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts).replace("\n", "<br>")


class SocialView(BrowserView):
    """Base: the authenticated user, the portal URL, the two storages."""

    def methods(self):
        """The HTTP methods this page answers: POST only where it handles a form."""
        if type(self).handle_post is SocialView.handle_post:
            return ("GET", "HEAD")
        return ("GET", "HEAD", "POST")

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in first")
        if self.request.method not in self.methods():
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        self.userid = api.user.get_current().getId()
        self.portal_url = api.portal.get().absolute_url()
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            redirect = self.handle_post()
            if redirect:
                return self.request.response.redirect(redirect)
        self.prepare()
        return self.index()

    def handle_post(self):
        raise NotFound("Nothing to post here")

    def prepare(self):
        pass

    def fullname(self, userid):
        return display_name(userid)

    def when(self, value):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


class InboxView(SocialView):
    """@@inbox: my conversations, newest first."""

    def prepare(self):
        self.unread = messaging.count_unread(self.userid)
        # Issue 15: 1:1 conversations and groups together, newest first.
        self.conversations = [entry(self.userid, conversation) for _, conversation in
                              messaging.list_conversations(self.userid, limit=100)]

    def handle_post(self):
        recipient = self.request.form.get("recipient")
        recipient = recipient.strip() if isinstance(recipient, str) else ""
        return self.send(recipient, self.request.form.get("text"), f"{self.portal_url}/@@inbox")

    def conversation_url(self, userid):
        return conversation_url(userid)

    def send(self, recipient, text, back):
        try:
            messaging.send(self.userid, recipient, text)
        except (exc.UnknownUser, exc.InvalidUserId):
            api.portal.show_message(_("There is no user ${userid}.",
                                      mapping={"userid": recipient}), self.request, type="error")
            return back
        except exc.MessagingError as error:
            api.portal.show_message(_("Not sent: ${error}", mapping={"error": str(error)}),
                                    self.request, type="error")
            return back
        return self.conversation_url(recipient)

    def excerpt(self, conversation):
        message = conversation.last_message
        return excerpt(message.text, 100) if message is not None else ""


def entry(userid, conversation):
    """A row of the inbox: a 1:1 conversation or a group, as `userid` sees it."""
    if not IGroupConversation.providedBy(conversation):
        message = conversation.last_message
        return {"url": conversation_url(conversation.username),
                "username": conversation.username,  # live updates find the row by it
                "name": display_name(conversation.username),
                "excerpt": excerpt(message.text, 100) if message is not None else "",
                "updated": conversation.last_updated,
                "unread": conversation.new_messages_count, "group": False}
    ids = conversation.message_ids(userid, 1)
    last = conversation.get_message(userid, ids[0]) if ids else None
    text = "" if last is None else (system_text(last) if last.action else last.text)
    return {"url": group_url(conversation.id), "username": None,
            "name": group_title(conversation, userid),
            "excerpt": excerpt(text, 100), "updated": last.created if last else None,
            "unread": conversation.unread(userid), "group": True,
            "participants": conversation.participants_count}


class ConversationView(InboxView):
    """@@conversation?with=userid: my messages with one person; opening it marks it read."""

    def other(self):
        other = self.request.form.get("with")
        if not isinstance(other, str) or not other:
            raise NotFound("No such conversation")
        return other

    def prepare(self):
        self.with_ = self.other()
        # Issue 15: the Block / Unblock button of the page.
        self.blocked = messaging.is_blocked(self.userid, self.with_)
        try:
            self.conversation = messaging.get_conversation(self.userid, self.with_)
        except exc.ConversationNotFound:
            if not user_exists(self.with_):
                raise NotFound("No such conversation") from None
            self.conversation, self.messages, self.seen = None, [], None
            return
        if self.conversation.new_messages_count:
            # The one GET that writes on purpose: reading a conversation marks it read.
            alsoProvides(self.request, IDisableCSRFProtection)
        self.conversation, self.messages = messaging.open_conversation(self.userid, self.with_)
        # Issue 15: the read receipt ("Seen" under my newest message they read).
        self.seen = messaging.seen_by_other(self.userid, self.with_)

    def handle_post(self):
        other = self.other()
        back = self.conversation_url(other)
        form = self.request.form
        try:
            if "delete_message" in form:
                messaging.delete_message(self.userid, other, form_id(form["delete_message"]))
                return back
            if "delete_conversation" in form:
                messaging.delete_conversation(self.userid, other)
                return f"{self.portal_url}/@@inbox"
        except exc.NotFound:
            raise NotFound("No such message or conversation") from None
        return self.send(other, form.get("text"), back)

    def text(self, message):
        return linkify(message.text)


class NotificationsView(SocialView):
    """@@notifications: my notifications, with mark seen and mark all seen."""

    def prepare(self):
        self.items = activitystream.get_notifications(self.userid).limit(50).all()
        self.not_seen = activitystream.count_unseen(self.userid)

    def handle_post(self):
        form = self.request.form
        if "mark_all" in form:
            activitystream.mark_all_seen(self.userid)
        elif "mark_seen" in form or "mark_unseen" in form:
            ids = [form_id(form.get("mark_seen") or form.get("mark_unseen"))]
            try:
                if "mark_seen" in form:
                    activitystream.mark_seen(self.userid, ids)
                else:
                    activitystream.mark_unseen(self.userid, ids)
            except exc.ActivityStreamError:
                raise NotFound("No such notification") from None
        return f"{self.portal_url}/@@notifications"

    def see_url(self, notification):
        query = urlencode({"id": notification.id,
                           "target": notification_url(notification, reader=self.userid)})
        return f"{self.portal_url}/@@see?{query}"


class StreamView(SocialView):
    """@@stream: the personal timeline on the site, the item's stream on content."""

    def prepare(self):
        if IPloneSiteRoot.providedBy(self.context):
            self.title = _("Your activity stream")
            query = activitystream.get_timeline(self.userid)
        else:
            self.title = _("Activity")
            query = activitystream.get_stream(self.userid, context=IUUID(self.context))
        self.activities = query.limit(50).all()


class SeeView(SocialView):
    """@@see?id=...&target=...: mark a notification seen, then go to the target.

    tgapp's see-and-redirect, a GET that writes on purpose (a link in the
    notifications menu). It only redirects to URLs of this site.
    """

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in first")
        # A link, so GET only: a POST (a form on another site) must not mark anything.
        if self.request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        self.userid = api.user.get_current().getId()
        portal = api.portal.get()
        alsoProvides(self.request, IDisableCSRFProtection)
        try:
            activitystream.mark_seen(self.userid, [form_id(self.request.form.get("id"))])
        except exc.ActivityStreamError:
            pass  # a stale or foreign id: nothing to mark, still go on
        activitystream.update_last_seen(self.userid)
        target = self.request.form.get("target")
        portal_url = portal.absolute_url()
        if not isinstance(target, str) or not target.startswith(("http://", "https://")) \
                or not api.portal.get_tool("portal_url").isURLInPortal(target):
            target = f"{portal_url}/@@notifications"
        return self.request.response.redirect(target)

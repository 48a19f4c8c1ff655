"""Classic UI pages: inbox, conversation, notifications, streams, and see-and-redirect.

Every page acts for the authenticated user only. Writes are POSTs checked
against plone.protect's token; the two GETs that write are declared here:
opening a conversation marks it read, and @@see marks a notification seen.
"""

from html import escape
from plone import api
from plone.protect import CheckAuthenticator
from plone.protect.interfaces import IDisableCSRFProtection
from plonesocial import _
from plonesocial.activitystream.exc import NotificationNotFound
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.delivery.mail import item_url
from plonesocial.messaging import exc
from plonesocial.messaging.interfaces import IMessagingLocator
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zExceptions import MethodNotAllowed
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.component import getUtility
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

    @property
    def inboxes(self):
        return getUtility(IMessagingLocator).get_inboxes()

    @property
    def manager(self):
        return getUtility(IActivityLocator).get_manager()

    def fullname(self, userid):
        user = api.user.get(userid=userid)
        return (user.getProperty("fullname") if user is not None else None) or userid

    def when(self, value):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


class InboxView(SocialView):
    """@@inbox: my conversations, newest first."""

    def prepare(self):
        inbox = self.inboxes.get(self.userid)
        self.unread = inbox.new_messages_count if inbox is not None else 0
        self.conversations = list(inbox.get_conversations()) if inbox is not None else []

    def handle_post(self):
        recipient = self.request.form.get("recipient")
        recipient = recipient.strip() if isinstance(recipient, str) else ""
        return self.send(recipient, self.request.form.get("text"), f"{self.portal_url}/@@inbox")

    def conversation_url(self, userid):
        return f"{self.portal_url}/@@conversation?{urlencode({'with': userid})}"

    def send(self, recipient, text, back):
        # Only to people who exist: an inbox made for a userid nobody has yet
        # would greet whoever gets that userid later with planted messages.
        if not isinstance(recipient, str) or not recipient \
                or api.user.get(userid=recipient) is None:
            api.portal.show_message(_("There is no user ${userid}.",
                                      mapping={"userid": recipient}), self.request, type="error")
            return back
        try:
            self.inboxes.send_message(self.userid, recipient, text)
        except exc.MessagingError as error:
            api.portal.show_message(_("Not sent: ${error}", mapping={"error": str(error)}),
                                    self.request, type="error")
            return back
        return self.conversation_url(recipient)

    def excerpt(self, conversation):
        if conversation._updated is None:
            return ""
        message = conversation.get(conversation._updated)
        text = " ".join(message.text.split()) if message else ""
        return text if len(text) <= 100 else text[:99] + "…"


class ConversationView(InboxView):
    """@@conversation?with=userid: my messages with one person; opening it marks it read."""

    def other(self):
        other = self.request.form.get("with")
        if not isinstance(other, str) or not other:
            raise NotFound("No such conversation")
        return other

    def prepare(self):
        self.with_ = self.other()
        inbox = self.inboxes.get(self.userid)
        self.conversation = inbox.get(self.with_) if inbox is not None else None
        if self.conversation is None:
            if api.user.get(userid=self.with_) is None:
                raise NotFound("No such conversation")
            self.messages = []
            return
        if self.conversation.new_messages_count:
            # The one GET that writes on purpose: reading a conversation marks it read.
            alsoProvides(self.request, IDisableCSRFProtection)
            self.messages = list(self.conversation.get_messages())
            self.conversation.mark_read()
            self.manager.mark_seen_about(self.userid, "message", ("user", self.with_))
        else:
            self.messages = list(self.conversation.get_messages())

    def handle_post(self):
        other = self.other()
        back = self.conversation_url(other)
        form = self.request.form
        if "delete_message" in form:
            inbox = self.inboxes.get(self.userid)
            conversation = inbox.get(other) if inbox is not None else None
            message_id = form_id(form["delete_message"])
            if conversation is None or message_id not in conversation:
                raise NotFound("No such message")
            del conversation[message_id]
            return back
        if "delete_conversation" in form:
            inbox = self.inboxes.get(self.userid)
            if inbox is None or other not in inbox:
                raise NotFound("No such conversation")
            del inbox[other]
            return f"{self.portal_url}/@@inbox"
        return self.send(other, form.get("text"), back)

    def text(self, message):
        return linkify(message.text)


class NotificationsView(SocialView):
    """@@notifications: my notifications, with mark seen and mark all seen."""

    def prepare(self):
        self.items = self.manager.get_by_recipient(self.userid).limit(50).all()
        self.not_seen = self.manager.count_not_seen_by_recipient(self.userid)

    def handle_post(self):
        form = self.request.form
        if "mark_all" in form:
            self.manager.mark_all_seen(self.userid)
        elif "mark_seen" in form or "mark_unseen" in form:
            notification_id = form_id(form.get("mark_seen") or form.get("mark_unseen"))
            try:
                if "mark_seen" in form:
                    self.manager.mark_seen(self.userid, notification_id)
                else:
                    self.manager.mark_unseen(self.userid, notification_id)
            except NotificationNotFound:
                raise NotFound("No such notification") from None
        return f"{self.portal_url}/@@notifications"

    def see_url(self, notification):
        query = urlencode({"id": notification.id,
                           "target": item_url(notification, reader=self.userid)})
        return f"{self.portal_url}/@@see?{query}"


class StreamView(SocialView):
    """@@stream: the personal timeline on the site, the item's stream on content."""

    def prepare(self):
        from plone.base.interfaces import IPloneSiteRoot
        from plone.uuid.interfaces import IUUID

        if IPloneSiteRoot.providedBy(self.context):
            self.title = _("Your activity stream")
            query = self.manager.get_timeline(self.userid)
        else:
            self.title = _("Activity")
            query = self.manager.get_by_context(IUUID(self.context), reader=self.userid)
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
            self.manager.mark_seen(self.userid, form_id(self.request.form.get("id")))
        except NotificationNotFound:
            pass  # a stale or foreign id: nothing to mark, still go on
        self.manager.update_last_seen(self.userid)
        target = self.request.form.get("target")
        portal_url = portal.absolute_url()
        if not isinstance(target, str) or not target.startswith(("http://", "https://")) \
                or not api.portal.get_tool("portal_url").isURLInPortal(target):
            target = f"{portal_url}/@@notifications"
        return self.request.response.redirect(target)

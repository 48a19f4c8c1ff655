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
from plonesocial.browser.message_parts import MessageParts
from plonesocial.browser.presentation import icon
from plonesocial.browser.presentation import initials
from plonesocial.browser.presentation import Times
from plonesocial.browser.presentation import why
from plonesocial.browser.titles import ISocialPage
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.messaging.group_rendering import group_title
from plonesocial.messaging.group_rendering import system_text
from plonesocial.messaging.interfaces import IGroupConversation
from plonesocial.messaging.settings import get_settings as messaging_settings
from plonesocial.people import display_name
from plonesocial.people import user_exists
from plonesocial.restapi.errors import error_text
from plonesocial.text import excerpt
from plonesocial.urls import conversation_url
from plonesocial.urls import group_url
from plonesocial.urls import notification_url
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zExceptions import MethodNotAllowed
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.interface import alsoProvides
from zope.interface import implementer

import re


URL = re.compile(r"https?://[^\s<>\"']+")
PAGE = 20  # items per page of the notifications, streams and conversations


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


@implementer(ISocialPage)
class SocialView(BrowserView):
    """Base: the authenticated user, the portal URL, the two storages."""

    page_title = None  # a message: the page's name in the title and the breadcrumbs
    redirect_to = None  # set by prepare(): the page is elsewhere (a GET redirects)

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
        self.times = Times(self.userid, self.request)
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            redirect = self.handle_post()
            if redirect:
                return self.request.response.redirect(redirect)
        self.prepare()
        if self.redirect_to:
            return self.request.response.redirect(self.redirect_to)
        return self.index()

    def handle_post(self):
        raise NotFound("Nothing to post here")

    def prepare(self):
        pass

    def fullname(self, userid):
        return display_name(userid)

    def initials(self, userid):
        return initials(display_name(userid))

    def initials_of(self, name):
        """Initials of a shown name (a person's, or a group's title)."""
        return initials(name)

    def author_url(self, userid):
        return f"{self.portal_url}/author/{userid}"

    def before(self):
        """The keyset cursor of "load older" (?before=id), or None."""
        return form_id(self.request.form.get("before"))

    def page_of(self, query):
        """One page of `query` from ?before=, and the cursor of the next older page."""
        before = self.before()
        if before is not None:
            query = query.before(before)
        items = query.limit(PAGE + 1).all()
        older = items[PAGE - 1].id if len(items) > PAGE else None
        return items[:PAGE], older

    def older_url(self, cursor, **query):
        query = {k: v for k, v in query.items() if v}
        query["before"] = cursor
        return f"{self.request.getURL()}?{urlencode(query)}"


class InboxView(SocialView):
    """@@inbox: my conversations, newest first."""

    page_title = _("Messages")

    # What the person typed, shown again when sending failed (a draft is never lost).
    draft_recipient = ""
    draft_text = ""
    focus_text = False

    def prepare(self):
        self.unread = messaging.count_unread(self.userid)
        self.requests_count = messaging.count_requests(self.userid)  # issue 15: the tab
        # 1:1 conversations and groups together, newest first.
        self.conversations = [entry(self.userid, conversation) for _, conversation in
                              messaging.list_conversations(self.userid, limit=100)]
        self.max_length = messaging_settings().max_message_length
        if not self.draft_recipient:
            to = self.request.form.get("to")
            self.draft_recipient = to if isinstance(to, str) and user_exists(to) else ""
            # "Send message" on a person's page: the cursor waits in the message box.
            self.focus_text = bool(self.draft_recipient)

    def handle_post(self):
        recipient = self.request.form.get("recipient")
        recipient = recipient.strip() if isinstance(recipient, str) else ""
        return self.send(recipient, self.request.form.get("text"), f"{self.portal_url}/@@inbox")

    def conversation_url(self, userid):
        return conversation_url(userid)

    def send(self, recipient, text, back, attachments=None):
        """Send; on success go to the conversation, on error show the page again, filled in.

        `attachments` is the form's file field (issue 15).
        """
        try:
            uploads = files.uploads_from_form(attachments)
            messaging.send(self.userid, recipient, text, attachments=uploads)
        except (exc.UnknownUser, exc.InvalidUserId):
            self.refuse(recipient, text, _("There is no user ${userid}.",
                                           mapping={"userid": recipient}))
            return None
        except exc.MessagingError as error:
            self.refuse(recipient, text, _("Not sent: ${error}",
                                           mapping={"error": error_text(error, self.request)}))
            return None
        api.portal.show_message(_("Message sent."), self.request)
        return self.conversation_url(recipient)

    def counter_template(self):
        """The counter under the text box; pages.js fills in {count} and {max}."""
        return translate(_("${count} of ${max} characters",
                           mapping={"count": "{count}", "max": "{max}"}), context=self.request)

    def refuse(self, recipient, text, message):
        """Answer 400 with the message and the form as the person left it."""
        api.portal.show_message(message, self.request, type="error")
        self.request.response.setStatus(400)
        self.error = translate(message, context=self.request)
        self.draft_recipient = recipient
        self.draft_text = text if isinstance(text, str) else ""

    def excerpt(self, conversation):
        message = conversation.last_message
        return files.message_excerpt(message, 100) if message is not None else ""


def entry(userid, conversation):
    """A row of the inbox: a 1:1 conversation or a group, as `userid` sees it."""
    if not IGroupConversation.providedBy(conversation):
        message = conversation.last_message
        return {"url": conversation_url(conversation.username),
                "username": conversation.username,  # live updates find the row by it
                "name": display_name(conversation.username),
                "excerpt": files.message_excerpt(message, 100) if message is not None else "",
                "updated": conversation.last_updated,
                "unread": conversation.new_messages_count, "group": False, "group_id": None}
    ids = conversation.message_ids(userid, 1)
    last = conversation.get_message(userid, ids[0]) if ids else None
    text = "" if last is None or not last.action else system_text(last)
    return {"url": group_url(conversation.id), "username": None,
            "name": group_title(conversation, userid),
            "excerpt": (excerpt(text, 100) if last is None or last.action
                        else files.message_excerpt(last, 100)), "updated": last.created if last else None,
            "unread": conversation.unread(userid), "group": True,
            "group_id": conversation.id,  # live updates find the row by it
            "participants": conversation.participants_count}


class ConversationView(MessageParts, InboxView):
    """@@conversation?with=userid: my messages with one person; opening it marks it read."""

    def other(self):
        other = self.request.form.get("with")
        if not isinstance(other, str) or not other:
            raise NotFound("No such conversation")
        return other

    older = None

    @property
    def page_title(self):
        return _("Conversation with ${name}", mapping={"name": display_name(self.other())})

    def mute_menu(self):
        """Issue 16: mute this conversation's notifications for a while."""
        from plonesocial.browser.mutes import mute_menu

        return mute_menu(self.context, self.request, "conversation", self.with_,
                         self.conversation_url(self.with_),
                         label=_("Mute the conversation"))

    def prepare(self):
        self.with_ = self.other()
        # Issue 15: the Block / Unblock button of the page.
        self.blocked = messaging.is_blocked(self.userid, self.with_)
        self.max_length = messaging_settings().max_message_length
        try:
            self.conversation = messaging.get_conversation(self.userid, self.with_)
        except exc.ConversationNotFound:
            if not user_exists(self.with_):
                raise NotFound("No such conversation") from None
            if self.waiting_request():
                return
            self.conversation, self.messages, self.seen = None, [], None
            return
        if self.conversation.new_messages_count:
            # The one GET that writes on purpose: reading a conversation marks it read.
            alsoProvides(self.request, IDisableCSRFProtection)
        self.conversation, messages = messaging.open_conversation(self.userid, self.with_)
        # The newest page, or the page before ?before=id ("load older"), oldest first.
        before = self.before()
        if before is not None:
            messages = [m for m in messages if m.id < before]
        self.older = messages[-PAGE].id if len(messages) > PAGE else None
        self.messages = messages[-PAGE:]
        # The read receipt ("Seen" under my newest message they read).
        self.seen = messaging.seen_by_other(self.userid, self.with_)

    def waiting_request(self):
        """Issue 15: their messages wait as my request: shown on the requests page,
        with Accept, Decline and Block (not as an empty conversation)."""
        try:
            messaging.get_request(self.userid, self.with_)
        except exc.RequestNotFound:
            return False
        self.redirect_to = f"{self.portal_url}/@@message-requests?" \
            f"{urlencode({'with': self.with_})}"
        return True

    def mine(self, message):
        return message.sender == self.userid

    def confirm_text(self):
        return {
            # Only my copy goes (the other person keeps theirs): said, next to "Unsend".
            "message": translate(_("Delete this message for you? The other person keeps it. "
                                   "You cannot undo it."), context=self.request),
            "conversation": translate(
                _("Delete the whole conversation for you? The other person keeps it. "
                  "You cannot undo it."), context=self.request),
        }

    def handle_post(self):
        other = self.other()
        back = self.conversation_url(other)
        form = self.request.form
        try:
            if "delete_message" in form:
                messaging.delete_message(self.userid, other, form_id(form["delete_message"]))
                api.portal.show_message(_("The message was deleted."), self.request)
                return back
            if "delete_conversation" in form:
                messaging.delete_conversation(self.userid, other)
                api.portal.show_message(_("The conversation was deleted."), self.request)
                return f"{self.portal_url}/@@inbox"
            # Issue 15: edit and unsend, for both copies.
            if "unsend_message" in form:
                messaging.unsend_message(self.userid, other, form_id(form["unsend_message"]))
                api.portal.show_message(_("The message was removed."), self.request)
                return back
            if "edit_message" in form:
                messaging.edit_message(self.userid, other, form_id(form["edit_message"]),
                                       form.get("edited_text"))
                api.portal.show_message(_("The message was edited."), self.request)
                return back
        except exc.NotFound:
            raise NotFound("No such message or conversation") from None
        except (exc.Refused, exc.NotAllowed, exc.InvalidInput) as error:
            api.portal.show_message(_("Not done: ${error}", mapping={
                "error": error_text(error, self.request)}), self.request, type="error")
            return back
        self.draft_recipient = other
        return self.send(other, form.get("text"), back, form.get("attachments"))

    def text(self, message):
        return linkify(message.text)


class NotificationsView(SocialView):
    """@@notifications: my notifications, with mark seen and mark all seen."""

    page_title = _("Notifications")

    def prepare(self):
        self.items, self.older = self.page_of(activitystream.get_notifications(self.userid))
        self.not_seen = activitystream.count_unseen(self.userid)

    def actor(self, notification):
        return notification.actors[0] if notification.actors else None

    def why(self, notification):
        return why(notification, self.request)

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
        if "mark_all" in form:
            api.portal.show_message(_("All notifications are marked read."), self.request)
        return f"{self.portal_url}/@@notifications"

    def see_url(self, notification):
        query = urlencode({"id": notification.id,
                           "target": notification_url(notification, reader=self.userid)})
        return f"{self.portal_url}/@@see?{query}"


class StreamView(SocialView):
    """@@stream: the personal timeline on the site (filtered), the item's stream on content."""

    FILTERS = (
        ("", _("Everything I follow and watch")),
        ("people", _("People I follow")),
        ("content", _("Watched content")),
        ("site", _("Everything on the site")),
    )
    ICONS = {"Create": "create", "Update": "edit", "Delete": "delete", "Move": "move"}

    def prepare(self):
        self.on_site = IPloneSiteRoot.providedBy(self.context)
        show = self.request.form.get("show")
        self.show = show if show in dict(self.FILTERS) else ""
        if self.on_site:
            self.title = _("Your activity stream")
            if self.show == "site":
                query = activitystream.get_stream(self.userid)
            else:
                query = activitystream.get_timeline(self.userid, only=self.show or None)
        else:
            self.title = _("Activity in ${title}", mapping={"title": self.context.Title()})
            query = activitystream.get_stream(self.userid, context=IUUID(self.context))
        self.activities, self.older = self.page_of(query)
        self.page_title = self.title

    def filters(self):
        base = self.request.getURL()
        return [{"value": value, "label": label, "current": value == self.show,
                 "url": f"{base}?{urlencode({'show': value})}" if value else base}
                for value, label in self.FILTERS]

    def icon(self, activity):
        if activity.object is not None and activity.object.kind == "comment":
            return icon("comment")
        return icon(self.ICONS.get(activity.verb, "other"))

    def object_url(self, activity):
        """The URL of the activity's object (a comment's item) if the reader may View it."""
        catalog = api.portal.get_tool("portal_catalog")
        for ref in (activity.object, getattr(activity, "target", None)):
            if ref is not None and ref.kind in ("content", "comment"):
                # The catalog answers only what the reader may View.
                brains = catalog(UID=ref.id.split("/")[0])
                if brains:
                    return brains[0].getURL()
        return None


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

"""Group conversation pages: New conversation (with a user picker) and a group's page
with its participants, messages and the group menu."""

from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from plonesocial import _
from plonesocial import exc
from plonesocial.activitystream import api as activitystream
from plonesocial.browser.message_parts import MessageParts
from plonesocial.browser.picker import PeoplePicker
from plonesocial.browser.views import form_id
from plonesocial.browser.views import InboxView
from plonesocial.browser.views import linkify
from plonesocial.browser.views import SocialView
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.messaging.group_rendering import group_title
from plonesocial.messaging.group_rendering import seen_by_text
from plonesocial.messaging.group_rendering import system_text
from plonesocial.messaging.groups import check_text
from plonesocial.messaging.settings import get_settings as messaging_settings
from plonesocial.people import display_name
from plonesocial.people import is_erased
from plonesocial.people import user_exists
from plonesocial.restapi.errors import error_text
from plonesocial.urls import group_url
from urllib.parse import urlencode
from zExceptions import NotFound
from zope.i18n import translate
from zope.interface import alsoProvides

import re


MAX_CONTACTS = 500
SEPARATORS = re.compile(r"[\s,;]+")


def contacts(userid):
    """The people `userid` may pick: whom they follow, write with or share a group with.

    Only people the writer already sees on the site, never a list of all
    members; anyone else is named by user name. Not those who blocked the writer:
    a message or a group with them would be refused.
    """
    found = {s.target for s in activitystream.get_manager().subscriptions.following(userid)}
    inbox = messaging.get_inbox(userid)
    if inbox is not None:
        found.update(inbox.keys())
    for group in messaging.get_user_groups(userid):
        found.update(m.userid for m in group.participants())
    found.discard(userid)
    people = [p for p in found if not is_erased(p) and not messaging.is_blocked(p, userid)
              and user_exists(p)][:MAX_CONTACTS]
    return sorted(people, key=lambda p: (display_name(p).lower(), p))


def userids_from_form(form, picked="participants", typed="more"):
    """The user ids picked (checkboxes) and typed (separated by spaces or commas)."""
    chosen = form.get(picked) or []
    if isinstance(chosen, str):
        chosen = [chosen]
    more = form.get(typed)
    typed_ids = SEPARATORS.split(more.strip()) if isinstance(more, str) and more.strip() else []
    result = []
    for userid in [*chosen, *typed_ids]:
        if isinstance(userid, str) and userid and userid not in result:
            result.append(userid)
    return result


class NewConversationView(PeoplePicker, SocialView):
    """@@new-conversation: pick people (2 or more: a group; 1: a 1:1 conversation)."""

    page_title = _("New conversation")

    # What the person chose and typed, shown again when creating failed (as the inbox does).
    draft = {"picked": (), "more": "", "title": "", "text": ""}

    def prepare(self):
        known = contacts(self.userid)
        self.contacts = [{"userid": p, "fullname": self.fullname(p),
                          "picked": p in self.draft["picked"]} for p in known]
        # Picked with the picker, not among the checkboxes: chips again after a refusal.
        self.chosen = [{"userid": p, "fullname": self.fullname(p)}
                       for p in self.draft["picked"] if p not in known]

    def handle_post(self):
        form = self.request.form
        people = userids_from_form(form)
        text = form.get("text")
        try:
            if not people:
                raise exc.InvalidGroup(_("Choose at least one person to write to."))
            if len(people) == 1:
                if not isinstance(text, str) or not text.strip():
                    raise exc.EmptyMessage(_("Write a first message to start a conversation"))
                messaging.send(self.userid, people[0], text)
                return f"{self.portal_url}/@@conversation?{urlencode({'with': people[0]})}"
            if isinstance(text, str) and text.strip():
                # Checked before the group exists: a refused text creates nothing.
                check_text(text, messaging_settings().max_message_length)
            group = messaging.create_group(self.userid, people, form.get("title"))
            if isinstance(text, str) and text.strip():
                messaging.send_to_group(self.userid, group.id, text)
        except exc.UnknownUser as error:
            return self.refuse(_("There is no user ${userid}.", mapping={"userid": error.userid}))
        except exc.MessagingError as error:
            return self.refuse(_("Not created: ${error}", mapping={
                "error": error_text(error, self.request)}))
        return group_url(group.id)

    def refuse(self, message):
        """Answer 400 with the message and the form as the person left it."""
        api.portal.show_message(message, self.request, type="error")
        self.request.response.setStatus(400)
        form = self.request.form
        picked = form.get("participants") or []
        self.draft = {key: value if isinstance(value, str) else ""
                      for key, value in (("more", form.get("more")), ("title", form.get("title")),
                                         ("text", form.get("text")))}
        self.draft["picked"] = [picked] if isinstance(picked, str) else \
            [p for p in picked if isinstance(p, str)]


class GroupView(PeoplePicker, MessageParts, SocialView):
    """@@group?id=...: a group's messages and menu; opening it marks it read."""

    draft_text = ""  # what the person typed, shown again when sending failed
    # Add people as the owner left it, shown again when adding was refused: the
    # field's text and the people picked with the picker (chips again).
    add_typed = ""
    add_refusal = None  # why adding was refused: shown under Add people, which takes the focus
    add_chosen = ()

    def group_id(self):
        group_id = self.request.form.get("id")
        if not isinstance(group_id, str) or not group_id:
            raise NotFound("No such conversation")
        return group_id

    def mute_menu(self):
        """Issue 16: the mute menu; a group's mute also leaves its unread count."""
        from plonesocial.browser.mutes import mute_menu

        return mute_menu(self.context, self.request, "conversation", f"group:{self.group.id}",
                         group_url(self.group.id), label=_("Mute the conversation"),
                         membership=self.membership)

    def prepare(self):
        try:
            group = messaging.get_group(self.userid, self.group_id())
        except exc.GroupNotFound:
            raise NotFound("No such conversation") from None
        if messaging.is_group_request(self.userid, group):
            # Issue 15: it waits in my requests: shown there, with Accept, Decline
            # and Block, as a 1:1 request is (writing in it still accepts it).
            self.redirect_to = f"{self.portal_url}/@@message-requests?" \
                f"{urlencode({'group': group.id})}"
            return
        if group.unread(self.userid):
            # Like the 1:1 page: reading a conversation marks it read.
            alsoProvides(self.request, IDisableCSRFProtection)
        self.group, self.messages = messaging.open_group(self.userid, group.id)
        self.membership = group.get_membership(self.userid)
        self.is_owner = group.owner == self.userid
        self.participants = [{"userid": m.userid, "fullname": self.fullname(m.userid),
                              "owner": m.userid == group.owner}
                             for m in group.participants()]
        self.title = self.page_title = group_title(group, self.userid)
        # Read receipts under the newest message: "Seen by Ann, Bob and 3 others".
        last = self.messages[-1] if self.messages else None
        self.seen_by = seen_by_text(messaging.group_seen_by(self.userid, group.id, last.id)) \
            if last is not None else ""
        self.last_id = last.id if last is not None else None
        self.url = group_url(group.id)
        self.max_length = messaging_settings().max_message_length

    def text(self, message):
        return linkify(message.text)

    def confirm_text(self):
        """The questions pages.js asks before what cannot be undone."""
        return {
            "leave": translate(_("Leave this conversation? You can only come back if "
                                 "someone adds you again."), context=self.request),
            "delete": translate(_("Delete this conversation for everyone? You cannot "
                                  "undo it."), context=self.request),
        }

    def transfer_question(self, name):
        """Asked before making someone else the owner: only they can give it back."""
        return translate(_("Make ${name} the owner? Only they can make you the owner again.",
                           mapping={"name": name}), context=self.request)

    def system_text(self, message):
        return system_text(message)

    # The counter under the text box, as on the 1:1 page.
    counter_template = InboxView.counter_template

    def send(self, group_id, text, attachments, back):
        """Send; a refusal shows the page again with the text kept (400), as the 1:1 page does."""
        try:
            messaging.send_to_group(self.userid, group_id, text,
                                    attachments=files.uploads_from_form(attachments))
        except exc.GroupNotFound:
            raise NotFound("No such conversation") from None
        except exc.MessagingError as error:
            api.portal.show_message(_("Not sent: ${error}", mapping={
                "error": error_text(error, self.request)}), self.request, type="error")
            self.request.response.setStatus(400)
            self.draft_text = text if isinstance(text, str) else ""
            return None
        return back

    def add(self, group_id, form, back):
        """Add people; a refusal shows the page again with Add people as the owner left
        it (400), as a refused send keeps its text."""
        try:
            messaging.add_participants(self.userid, group_id,
                                       userids_from_form(form, typed="userids"))
        except exc.GroupNotFound:
            raise NotFound("No such conversation") from None
        except exc.UnknownUser as error:
            refusal = _("There is no user ${userid}.", mapping={"userid": error.userid})
        except exc.MessagingError as error:
            refusal = _("Not done: ${error}", mapping={"error": error_text(error, self.request)})
        else:
            return back
        api.portal.show_message(refusal, self.request, type="error")
        self.request.response.setStatus(400)
        self.add_refusal = refusal
        typed, picked = form.get("userids"), form.get("participants") or []
        self.add_typed = typed if isinstance(typed, str) else ""
        picked = [picked] if isinstance(picked, str) else picked
        self.add_chosen = [{"userid": p, "fullname": self.fullname(p)}
                           for p in dict.fromkeys(p for p in picked if isinstance(p, str) and p)]
        return None

    def handle_post(self):
        form = self.request.form
        group_id = self.group_id()
        back = group_url(group_id)
        me = self.userid
        try:
            if "leave" in form:
                messaging.leave_group(me, group_id)
                api.portal.show_message(_("You left the conversation."), self.request)
                return f"{self.portal_url}/@@inbox"
            if "delete" in form:
                messaging.delete_group(me, group_id)
                api.portal.show_message(_("The conversation was deleted."), self.request)
                return f"{self.portal_url}/@@inbox"
            if "kick" in form:
                messaging.kick_participant(me, group_id, form["kick"])
            elif "transfer" in form:
                messaging.transfer_group(me, group_id, form["transfer"])
            elif "rename" in form:
                messaging.rename_group(me, group_id, form.get("title"))
            elif "add" in form:
                return self.add(group_id, form, back)
            elif "mute" in form:
                messaging.mute_group(me, group_id, form["mute"] == "1")
            elif "unsend_message" in form:  # issue 15: edit and unsend
                messaging.unsend_group_message(me, group_id, form_id(form["unsend_message"]))
                api.portal.show_message(_("The message was removed."), self.request)
            elif "edit_message" in form:
                messaging.edit_group_message(me, group_id, form_id(form["edit_message"]),
                                             form.get("edited_text"))
                api.portal.show_message(_("The message was edited."), self.request)
            else:
                return self.send(group_id, form.get("text"), form.get("attachments"), back)
        except exc.GroupNotFound:
            raise NotFound("No such conversation") from None
        except exc.UnknownUser as error:
            api.portal.show_message(_("There is no user ${userid}.",
                                      mapping={"userid": error.userid}), self.request,
                                    type="error")
        except exc.MessageNotFound:
            raise NotFound("No such message") from None
        except exc.MessagingError as error:
            api.portal.show_message(_("Not done: ${error}", mapping={
                "error": error_text(error, self.request)}), self.request, type="error")
        return back

"""@@conversation-messages: what the open 1:1 conversation page adds or replaces live.

When a message arrives, is edited or is unsent, realtime.js asks this view for
the message as the page itself renders it (the macro "item" of
message_parts.pt): the same escaped text with its line breaks and links, the
same files, and the Edit and Unsend controls where the page has them. A live
message looks as it does after a reload, and no second rendering of a message
lives in the script.

GET ?with=userid&after=id: up to 100 messages newer than `id`, oldest first (without
`after`, the newest 100); ?with=userid&id=id: that one message (none if it is gone).
Reads the person's own copy of the conversation and writes nothing: the page marks
what arrives read as before (PATCH @inbox/<userid>).
"""

from plonesocial import exc
from plonesocial.browser.views import ConversationView
from plonesocial.browser.views import form_id
from plonesocial.messaging import api as messaging
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zExceptions import NotFound

import json


LIMIT = 100


class ConversationMessagesView(ConversationView):
    """JSON: {"items": [{"id", "mine", "html"}], "seen"}; each html is one <li> of the page."""

    item = ViewPageTemplateFile("templates/conversation_item.pt")
    page_title = None

    def methods(self):
        return ("GET", "HEAD")

    def prepare(self):
        self.with_ = self.other()
        try:
            conversation = messaging.get_conversation(self.userid, self.with_)
        except exc.ConversationNotFound:
            raise NotFound("No such conversation") from None
        if "id" in self.request.form:
            wanted = form_id(self.request.form.get("id"))
            self.messages = [conversation[wanted]] if wanted is not None and \
                wanted in conversation else []
        else:
            after = form_id(self.request.form.get("after")) or None
            self.messages = messaging.get_messages(self.userid, self.with_, LIMIT, after=after)
            self.messages.reverse()  # oldest first, as the page lists them
        self.seen = messaging.seen_by_other(self.userid, self.with_)

    def index(self):
        shared = {"token": self.context.restrictedTraverse("@@authenticator").token(),
                  "action": self.conversation_url(self.with_),
                  "confirm": self.confirm_text(), "labels": self.message_labels()}
        items = [{"id": message.id, "mine": self.mine(message),
                  "html": self.item(message=message, **shared).strip()}
                 for message in self.messages]
        response = self.request.response
        response.setHeader("Content-Type", "application/json")
        response.setHeader("Cache-Control", "private, no-store")
        return json.dumps({"items": items, "seen": self.seen})

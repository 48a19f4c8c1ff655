"""@@message-requests: the message requests waiting for me, answered on a page (issue 15)."""

from plone import api
from plonesocial import _
from plonesocial import exc
from plonesocial.browser.views import SocialView
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.messaging.group_rendering import group_title
from plonesocial.messaging.group_rendering import system_text
from plonesocial.messaging.interfaces import IGroupConversation
from plonesocial.urls import conversation_url
from plonesocial.urls import group_url
from zExceptions import NotFound
from zope.i18n import translate


SHOWN = 20  # the newest messages of a request shown on the page


class MessageRequestsView(SocialView):
    """GET lists the requests with their newest messages; POST answers one:
    ``with=<userid>`` or ``group=<id>``, and ``accept``, ``decline`` or ``block``."""

    page_title = _("Message requests")

    focused = False  # showing one request (?with= or ?group=), not all

    def prepare(self):
        self.unread = messaging.count_unread(self.userid)
        self.requests_count = messaging.count_requests(self.userid)
        one = self.named_request()
        if one is not None:
            self.focused = True
            self.requests = [self.entry(one)]
            return
        self.requests = [self.entry(r) for r in messaging.get_requests(self.userid, 100)]

    def named_request(self):
        """The request ?with=<userid> or ?group=<id> names, if it waits for me."""
        form = self.request.form
        other, group_id = form.get("with"), form.get("group")
        try:
            if isinstance(other, str) and other:
                return messaging.get_request(self.userid, other)
            if isinstance(group_id, str) and group_id:
                return messaging.get_group_request(self.userid, group_id)
        except exc.RequestNotFound:
            pass  # answered meanwhile, or never mine: the list
        return None

    def entry(self, request):
        if IGroupConversation.providedBy(request):
            ids = request.message_ids(self.userid, SHOWN)
            messages = [request.get_message(self.userid, i) for i in reversed(ids)]
            adder = request.get_membership(self.userid).invited_by
            return {"group": True, "key": request.id, "field": "group",
                    "name": group_title(request, self.userid),
                    "sender": adder, "sender_name": self.fullname(adder) if adder else "",
                    "messages": [self.message(m) for m in messages]}
        ids = request.message_ids(SHOWN)
        messages = [request[i] for i in reversed(ids)]
        return {"group": False, "key": request.username, "field": "with",
                "name": self.fullname(request.username),
                "sender": request.username, "sender_name": self.fullname(request.username),
                "messages": [self.message(m) for m in messages]}

    def message(self, message):
        """A request's message as the page shows it: its text (or the system line, or
        "Message removed"), and the names of its files, never the files themselves."""
        if getattr(message, "action", None):
            text = system_text(message)
        elif message.unsent:
            text = translate(_("Message removed"), context=self.request)
        else:
            text = message.text
        names = ", ".join(a.filename for a in files.of_message(message))
        return {"sender": self.fullname(message.sender), "text": text, "created": message.created,
                "files": translate(_("Attached: ${names}", mapping={"names": names}),
                                   context=self.request) if names else ""}

    def handle_post(self):
        form = self.request.form
        other, group_id = form.get("with"), form.get("group")
        if not isinstance(other, str) and not isinstance(group_id, str):
            raise NotFound("Name the request to answer")
        back = f"{self.portal_url}/@@message-requests"
        try:
            if isinstance(group_id, str):
                if "accept" in form:
                    messaging.accept_group_request(self.userid, group_id)
                    api.portal.show_message(_("Request accepted."), self.request)
                    return group_url(group_id)
                messaging.decline_group_request(self.userid, group_id,
                                                block_sender="block" in form)
            else:
                if "accept" in form:
                    messaging.accept_request(self.userid, other)
                    api.portal.show_message(_("Request accepted."), self.request)
                    return conversation_url(other)
                messaging.decline_request(self.userid, other, block_sender="block" in form)
        except exc.RequestNotFound:
            raise NotFound("No such message request") from None
        if "block" in form:
            api.portal.show_message(_("Request declined; the sender is blocked."), self.request)
        else:
            api.portal.show_message(_("Request declined."), self.request)
        return back

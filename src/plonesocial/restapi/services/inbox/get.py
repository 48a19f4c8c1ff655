"""GET @inbox (conversations) and GET @inbox/{userid} (messages, paged)."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.inbox import InboxService
from urllib.parse import urlencode
from zExceptions import NotFound


class InboxGet(InboxService):
    def reply(self):
        if not self.params:
            return self.list_conversations()
        if len(self.params) > 2:
            raise NotFound("No such resource")
        conversation = self.conversation()
        message_id = self.message_id()
        if message_id is not None:
            return self.serialize(messaging.get_message(self.userid, self.other(), message_id))
        return self.list_messages(conversation)

    def list_conversations(self):
        """A page of conversations, newest first; `next` continues after the last one.

        ``?start=<userid>`` starts after that conversation (issue 14: a
        ``limit`` used to cut the list with no way on).
        """
        inbox = messaging.get_inbox(self.userid)
        limit = self.limit()
        start = self.request.form.get("start")
        conversations = []
        if inbox is not None:
            entries = inbox.get_conversations()
            if isinstance(start, str) and start:
                for conversation in entries:
                    if conversation.username == start:
                        break
            for conversation in entries:
                conversations.append(conversation)
                if len(conversations) > limit:
                    break
        page = {
            "@id": self.base_url(),
            "new_messages_count": messaging.count_unread(self.userid),
            # Issue 15: requests wait apart, in @message-requests.
            "requests_count": messaging.count_requests(self.userid),
            "items_total": len(inbox) if inbox is not None else 0,
            "items": [self.serialize(c) for c in conversations[:limit]],
        }
        if len(conversations) > limit:
            last = conversations[limit - 1].username
            page["next"] = f"{self.base_url()}?{urlencode({'start': last, 'limit': limit})}"
        return page

    def list_messages(self, conversation):
        limit = self.limit()
        messages = messaging.get_messages(
            self.userid, conversation.username, limit,
            before=self.int_param("before"), after=self.int_param("after"))
        url = f"{self.base_url()}/{conversation.username}"
        page = self.page(url, [self.serialize(m) for m in messages],
                         [m.id for m in messages], limit, url)
        page["conversation"] = self.serialize(conversation)
        # Issue 15: the read receipt, my newest message the other has read.
        page["seen"] = messaging.seen_by_other(self.userid, conversation.username)
        return page

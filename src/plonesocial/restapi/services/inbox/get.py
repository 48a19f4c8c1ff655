"""GET @inbox (conversations) and GET @inbox/{userid} (messages, paged)."""

from plonesocial.restapi.services.inbox import InboxService
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
            message = conversation.get(message_id)
            if message is None:
                raise NotFound("No such message")
            return self.serialize_message(message, conversation.username)
        return self.list_messages(conversation)

    def list_conversations(self):
        inbox = self.inboxes().get(self.userid)
        limit = self.limit()
        conversations = []
        if inbox is not None:
            for conversation in inbox.get_conversations():
                conversations.append(self.serialize_conversation(conversation))
                if len(conversations) >= limit:
                    break
        return {
            "@id": self.base_url(),
            "new_messages_count": inbox.new_messages_count if inbox is not None else 0,
            "items_total": len(inbox) if inbox is not None else 0,
            "items": conversations,
        }

    def list_messages(self, conversation):
        limit = self.limit()
        before = self.int_param("before")
        after = self.int_param("after")
        if after is not None and before is None:
            ids = list(conversation._messages.keys(min=after, excludemin=True))[:limit]
        else:
            kw = {} if before is None else {"max": before, "excludemax": True}
            ids = list(conversation._messages.keys(**kw))[-limit:]
        ids.reverse()  # newest first
        other = conversation.username
        url = f"{self.base_url()}/{other}"
        page = self.page(
            url, [self.serialize_message(conversation[i], other) for i in ids], ids, limit, url
        )
        page["conversation"] = self.serialize_conversation(conversation)
        return page

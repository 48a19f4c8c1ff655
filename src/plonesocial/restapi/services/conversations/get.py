"""GET @conversations (the list, keyset-paged), @conversations/{id} (a group),
@conversations/{id}/messages (its messages, paged) and .../messages/{message id}."""

from plonesocial.messaging import api as messaging
from plonesocial.restapi.services.conversations import ConversationsService
from zExceptions import NotFound


class ConversationsGet(ConversationsService):
    def reply(self):
        if not self.params:
            return self.list_conversations()
        group = messaging.get_group(self.userid, self.group_id())
        part = self.part()
        if part is None:
            return self.serialize(group)
        if part == "participants":
            if self.item() is not None:
                raise NotFound("No such resource")
            return self.serialize(group)["participants"]
        message_id = self.message_id()
        if message_id is not None:
            return self.serialize(messaging.get_group_message(self.userid, group.id, message_id))
        return self.list_messages(group)

    def list_conversations(self):
        limit = self.limit()
        pairs = messaging.list_conversations(self.userid, limit, before=self.int_param("before"))
        items = []
        for _, conversation in pairs:
            data = self.serialize(conversation)
            if "group" not in data:  # a 1:1 conversation (its own @inbox address)
                data.update(type="OrderedCollection", group=False)
            items.append(data)
        url = self.base_url()
        page = self.page(url, items, [key for key, _ in pairs], limit, url)
        page["new_messages_count"] = messaging.count_unread(self.userid)
        return page

    def list_messages(self, group):
        limit = self.limit()
        messages = messaging.get_group_messages(
            self.userid, group.id, limit,
            before=self.int_param("before"), after=self.int_param("after"))
        url = f"{self.base_url()}/{group.id}/messages"
        page = self.page(url, [self.serialize(m) for m in messages],
                         [m.id for m in messages], limit, url)
        page["conversation"] = self.serialize(group)
        return page

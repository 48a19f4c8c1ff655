"""Events fired by the messaging API."""

from plonesocial.messaging.interfaces import IConversationReadEvent
from plonesocial.messaging.interfaces import IGroupMessageSentEvent
from plonesocial.messaging.interfaces import IGroupReadEvent
from plonesocial.messaging.interfaces import IMessageChangedEvent
from plonesocial.messaging.interfaces import IMessageSentEvent
from zope.interface import implementer
from zope.interface.interfaces import ObjectEvent


@implementer(IMessageSentEvent)
class MessageSentEvent(ObjectEvent):
    """A message was sent; `object` is the recipient's copy."""

    def __init__(self, recipient_message, sender_message, request=False):
        super().__init__(recipient_message)
        self.sender_message = sender_message
        # Issue 15: True when the recipient's copy is a message request (no
        # notification, no badge until they accept it).
        self.request = request
        self.sender = recipient_message.sender
        self.recipient = recipient_message.recipient


@implementer(IConversationReadEvent)
class ConversationReadEvent(ObjectEvent):
    """The owner of a conversation marked it read; `object` is the conversation.

    `moved` is true when the read marker moved (there was something new).
    """

    def __init__(self, conversation, moved=True):
        super().__init__(conversation)
        self.owner = conversation.owner
        self.username = conversation.username
        self.moved = moved


@implementer(IGroupMessageSentEvent)
class GroupMessageSentEvent(ObjectEvent):
    """A message was sent to a group; `object` is the message (issue 15)."""

    def __init__(self, message, group):
        super().__init__(message)
        self.group = group
        self.sender = message.sender


@implementer(IGroupReadEvent)
class GroupReadEvent(ObjectEvent):
    """`userid` read the group `object` (issue 15)."""

    def __init__(self, group, userid):
        super().__init__(group)
        self.userid = userid


@implementer(IMessageChangedEvent)
class MessageChangedEvent(ObjectEvent):
    """The sender edited or unsent a message (issue 15); `object` is the sender's copy.

    `other_copy` is the other party's copy of a 1:1 message (None when they
    deleted it, and for a group message, which `group` names); `change` is
    "edited" or "unsent".
    """

    def __init__(self, message, other_copy, change, group=None, old_text=None):
        super().__init__(message)
        self.other_copy = other_copy
        self.change = change
        self.group = group
        self.old_text = old_text  # the text before the change (notifications quote it)

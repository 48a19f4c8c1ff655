"""Message requests: first messages from people the recipient does not accept (yet).

A user says whom they accept messages from (``accept_messages_from`` on their
inbox; None follows the site's default, ``plonesocial.messaging.accept_messages_from``):

- ``everyone``: every message arrives in the inbox (the default);
- ``following``: messages from people they follow arrive; a first message
  from anyone else is a request;
- ``nobody``: every first message is a request.

A conversation already in the inbox is accepted (the user accepted it, wrote
in it, or it began while they accepted everyone), and messages from site
administrators always arrive. A request waits in the recipient's
MessageRequests, apart from the inbox: it counts in no unread total and
makes no notification, mail, push or realtime badge. Accepting moves the
conversation into the inbox (counted from then on); declining drops it, and
the sender is never told: their send answered as any other.

Storage: one MessageRequests per user that received a request, held by their
inbox (one subtree per user). A request send writes the recipient's
MessageRequests, its conversation and the sender's copy: O(1) objects, and
senders writing to different people share nothing.
"""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial import _
from plonesocial.activitystream.interfaces import IRecipientCheck
from plonesocial.messaging.conversation import Conversation
from plonesocial.messaging.interfaces import IMessageRequests
from zope.interface import implementer


EVERYONE = "everyone"
FOLLOWING = "following"
NOBODY = "nobody"
POLICIES = (EVERYONE, FOLLOWING, NOBODY)

# The choices as pages and the control panel show them.
POLICY_TITLES = {
    EVERYONE: _("Everyone"),
    FOLLOWING: _("People I follow or have written to"),
    NOBODY: _("Nobody (every first message is a request)"),
}

# Global roles whose messages always arrive.
ADMIN_ROLES = ("Manager", "Site Administrator")


@implementer(IMessageRequests)
class MessageRequests(Persistent):
    """The requests waiting for one user, newest first.

    While it waits here a request's Conversation has this object as its
    parent: its messages count in the conversation (so accepting knows how
    many are new) but in no inbox total, and its order is kept here.
    """

    def __init__(self, owner):
        self.owner = owner
        # sender's userid -> Conversation (the recipient's copy)
        self._conversations = OOBTree()
        # (-id of the newest message, sender's userid): newest first
        self._recent = OOTreeSet()
        self._count = Length()  # requests waiting

    def __len__(self):
        return self._count()

    def __contains__(self, userid):
        return isinstance(userid, str) and userid in self._conversations

    def get(self, userid, default=None):
        if not isinstance(userid, str):
            return default
        return self._conversations.get(userid, default)

    def get_conversations(self):
        """The requests' conversations, newest first."""
        for _key, userid in self._recent.keys():
            yield self._conversations[userid]

    def conversation_with(self, userid):
        """The request of `userid`, made by their first message (Inboxes.send)."""
        conversation = self._conversations.get(userid)
        if conversation is None:
            conversation = Conversation(self, userid)
            self._conversations[userid] = conversation
            self._count.change(1)
        return conversation

    def pop(self, userid):
        """Take the request of `userid` out (accepted or declined) and return it."""
        conversation = self._conversations.pop(userid)
        if conversation.recency_key is not None:
            self._recent.remove((-conversation.recency_key, userid))
        self._count.change(-1)
        conversation._p_changed = True  # serialise with a concurrent send into it
        return conversation

    # What a Conversation asks of its parent:

    def change_unread(self, delta):
        """A request counts in no unread total: nothing to do."""

    def touch(self, conversation, key):
        """Move the request of `conversation` to the front."""
        if conversation.recency_key is not None:
            self._recent.remove((-conversation.recency_key, conversation.username))
        conversation.recency_key = key
        self._recent.add((-key, conversation.username))

    def check_invariants(self):
        """Raise AssertionError unless trees and counter agree (tests)."""
        check_btree(self._conversations)
        check_btree(self._recent)
        conversations = list(self._conversations.values())
        assert self._count() == len(conversations), "request counter"
        assert len(self._recent) == sum(1 for c in conversations if c.recency_key), "order"
        for conversation in conversations:
            conversation.check_invariants()


@implementer(IRecipientCheck)
class GroupRecipientCheck:
    """Whether a participant still takes the notification of a group message:
    asked when it is delivered (at once, or by the fan-out job)."""

    def __call__(self, userid, template):
        from plonesocial.messaging.api import group_notification_wanted

        return group_notification_wanted(userid, template["owner"].id, template["actor"])

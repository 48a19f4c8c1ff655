"""Group conversations: messages stored once, per-participant read markers.

A group's messages live in one tree of the group, never copied per
participant, so a send writes O(1) objects whatever the group's size:

- the bucket of the group's message tree that takes the new message,
- the group's message counter (a ``BTrees.Length``: concurrent sends add up),
- the sender's own Membership (their read marker moves past their message).

Nothing else: not the group object (its title, owner and participants change
only when the owner or a participant changes them), not the other
participants. Each participant's unread count is derived, not stored: the
group's message count minus the count at their read marker. Concurrent sends
by different participants touch the counter (resolved by adding up), the
bucket (resolved by BTrees unless two sends split the same bucket or take
the same key, which Zope's retry repeats) and different Memberships.

A participant's conversation list finds their groups in a per-user index
(one subtree per user), written only when they join or the group is deleted.
"""

from BTrees.check import check as check_btree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial import _
from plonesocial import exc
from plonesocial import userids
from plonesocial.clock import as_utc
from plonesocial.clock import to_key
from plonesocial.messaging.group_conversation import ADDED as ADDED
from plonesocial.messaging.group_conversation import CREATED as CREATED
from plonesocial.messaging.group_conversation import GroupConversation as GroupConversation
from plonesocial.messaging.group_conversation import GroupMessage as GroupMessage
from plonesocial.messaging.group_conversation import KICKED as KICKED
from plonesocial.messaging.group_conversation import LEFT as LEFT
from plonesocial.messaging.group_conversation import Membership as Membership
from plonesocial.messaging.group_conversation import OWNER as OWNER
from plonesocial.messaging.group_conversation import RENAMED as RENAMED
from plonesocial.messaging.group_conversation import shard_of as shard_of
from plonesocial.messaging.group_conversation import SHARDS as SHARDS
from plonesocial.messaging.group_conversation import SYSTEM_ACTIONS as SYSTEM_ACTIONS
from plonesocial.messaging.inbox import check_userid
from plonesocial.messaging.interfaces import IGroups
from plonesocial.text import normalize_newlines
from zope.interface import implementer

import heapq
import itertools
import uuid


MAX_TITLE_LENGTH = 200


def check_title(title):
    """Return `title` stripped ('' for none); raise InvalidGroup if it is no short text."""
    if title is None:
        return ""
    if not isinstance(title, str):
        raise exc.InvalidGroup(f"title must be a string, not {type(title).__name__}")
    userids.check_unicode(title, "title", exc.InvalidGroup)
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_LENGTH:
        raise exc.InvalidGroup(_(
            "The title has ${length} characters; at most ${max} are allowed",
            mapping={"length": len(title), "max": MAX_TITLE_LENGTH}))
    return title


def check_text(text, max_length, allow_empty=False):
    """Return `text` as stored (its line breaks "\n"); raise an InvalidMessage error
    unless it is a message to send.

    The rule of Inboxes.send for 1:1 messages, for group messages and edits.
    """
    if not isinstance(text, str):
        raise exc.InvalidMessage(f"text must be a string, not {type(text).__name__}")
    text = normalize_newlines(text)
    userids.check_unicode(text, "text", exc.InvalidMessage)
    if not text.strip() and not allow_empty:  # a message of attachments only
        raise exc.EmptyMessage(_("The message is empty"))
    if len(text) > max_length:
        raise exc.MessageTooLong(_(
            "The message has ${length} characters; at most ${max} are allowed",
            mapping={"length": len(text), "max": max_length}))
    return text


def check_group(owner, participants, title, max_participants):
    """Return (other participants, title) of a group to create, or raise (see IGroups.create)."""
    check_userid(owner, "owner")
    if isinstance(participants, str) or not isinstance(participants, (list, tuple)):
        raise exc.InvalidGroup("participants must be a list of user ids")
    others = []
    for userid in participants:
        check_userid(userid, "participant")
        if userid == owner:
            raise exc.InvalidGroup(_("The creator is a participant already"))
        if userid in others:
            raise exc.InvalidGroup(_("'${userid}' is listed twice", mapping={"userid": userid}))
        others.append(userid)
    if len(others) < 2:
        raise exc.InvalidGroup(_("A group needs at least 2 other participants"))
    if len(others) > max_participants:
        raise exc.TooManyParticipants(_(
            "A group has at most ${max} other participants, not ${count}",
            mapping={"max": max_participants, "count": len(others)}))
    return others, check_title(title)


@implementer(IGroups)
class Groups(Persistent):
    """Every group conversation of a site, and each user's index of theirs."""

    def __init__(self):
        # group id (hex str) -> GroupConversation
        self._groups = OOBTree()
        # userid -> OOTreeSet(group ids): groups they are or were in
        self._by_user = OOBTree()

    def _index(self, userid, group_id):
        tree = self._by_user.get(userid)
        if tree is None:
            tree = self._by_user[userid] = OOTreeSet()
        tree.add(group_id)

    def _unindex(self, userid, group_id):
        tree = self._by_user.get(userid)
        if tree is not None and group_id in tree:
            tree.remove(group_id)
            if not tree:
                del self._by_user[userid]

    def create(self, owner, participants, title=None, created=None, max_participants=200):
        """Create a group of `owner` and `participants`; return it (see IGroups)."""
        others, title = check_group(owner, participants, title, max_participants)
        created = as_utc(created)
        group_id = uuid.uuid4().hex
        group = GroupConversation(group_id, owner, title, to_key(created) - 1)
        self._groups[group_id] = group
        for userid in (owner, *others):
            group.join(userid, 0)
            self._index(userid, group_id)
        group.system(owner, CREATED, created, userids=tuple(others), title=title)
        return group

    def get(self, group_id):
        return self._groups.get(group_id) if isinstance(group_id, str) else None

    def group_ids(self, userid):
        """Ids of the groups `userid` is or was in."""
        tree = self._by_user.get(userid) if isinstance(userid, str) else None
        return list(tree) if tree is not None else []

    def groups_of(self, userid):
        return [self._groups[group_id] for group_id in self.group_ids(userid)]

    def add(self, group, userids_to_add, created=None, max_participants=200):
        created = as_utc(created)
        for userid in userids_to_add:
            check_userid(userid, "participant")
            if group.is_participant(userid):
                raise exc.InvalidGroup(_("'${userid}' is a participant already",
                                         mapping={"userid": userid}))
        if len(set(userids_to_add)) != len(userids_to_add) or not userids_to_add:
            raise exc.InvalidGroup(_("Name each person to add once"))
        if group.participants_count - 1 + len(userids_to_add) > max_participants:
            raise exc.TooManyParticipants(_(
                "A group has at most ${max} other participants",
                mapping={"max": max_participants}))
        key = group.last_key or group.created_key
        for userid in userids_to_add:
            group.join(userid, key)
            self._index(userid, group.id)

    def delete(self, group):
        """Delete `group` for everyone (its messages with it)."""
        for membership in group.memberships():
            self._unindex(membership.userid, group.id)
        del self._groups[group.id]

    def erase_user(self, userid, placeholder=None, text=None):
        """Erase `userid` from every group they were in; return how many.

        Their Memberships and index go (ownership passes on); with a
        `placeholder`, their messages are anonymised (their text becomes
        `text`) and the placeholder stands for them in system messages.
        """
        groups = self.groups_of(userid)
        for group in groups:
            if placeholder is not None:
                group.anonymise(userid, placeholder, text)
            group.forget_member(userid)
        self._by_user.pop(userid, None)
        return len(groups)

    def count_unread(self, userid):
        """Unread messages of the groups `userid` is in and did not mute: derived
        from each group's counter and their read marker, O(number of their groups)."""
        total = 0
        for group in self.groups_of(userid):
            membership = group.get_membership(userid)
            if not membership.is_muted() and not membership.pending:
                total += group.unread(userid)
        return total

    def check_invariants(self):
        check_btree(self._groups)
        check_btree(self._by_user)
        for userid, tree in self._by_user.items():
            for group_id in tree:
                assert self._groups[group_id].get_membership(userid) is not None, "index"
        for group in self._groups.values():
            group.check_invariants()


def conversation_list(inbox, groups, userid, limit, before=None):
    """Up to `limit` (cursor, conversation) pairs of `userid`, 1:1 (from `inbox`,
    an IInbox or None) and groups (from `groups`, an IGroups or None) mixed,
    newest first; with `before`, only those whose cursor is smaller.

    The cursor is the id of the newest message the user sees in it. 1:1
    conversations come in order from the inbox's sharded order (read, never
    written by a group send); groups are ordered here, O(g log g) for the
    user's g groups: a send to a group writes nobody's list.
    """
    mine = [] if groups is None else groups.groups_of(userid)
    mine = [group for group in mine if not group.get_membership(userid).pending]  # requests
    pairs = [(group.recency_key(userid), group) for group in mine]
    if before is not None:
        pairs = [(key, group) for key, group in pairs if key < before]
    pairs.sort(key=lambda pair: (-pair[0], pair[1].id))
    direct = inbox.get_conversations() if inbox is not None else iter(())
    direct = ((c.recency_key, c) for c in direct if c.recency_key is not None)
    if before is not None:
        direct = ((key, c) for key, c in direct if key < before)
    merged = heapq.merge(direct, pairs, key=lambda pair: -pair[0])
    return list(itertools.islice(merged, limit))

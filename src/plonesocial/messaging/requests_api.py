"""Message requests (issue 15): the requests waiting for a user, accepting and
declining them; the rules and the storage are described in messaging/requests.py.
``api`` re-exports these.
"""

from plonesocial import exc
from plonesocial.messaging.blocking import block
from plonesocial.messaging.blocking import is_blocked
from plonesocial.messaging.group_api import leave_group
from plonesocial.messaging.policy import is_group_request
from plonesocial.messaging.stores import get_groups
from plonesocial.messaging.stores import get_inbox
from plonesocial.people import ERASED_PREFIX

import heapq
import itertools


def _request_box(userid):
    inbox = get_inbox(userid)
    return None if inbox is None else inbox.get_requests()


def _group_requests(userid):
    groups = get_groups()
    return [] if groups is None else [
        group for group in groups.groups_of(userid) if is_group_request(userid, group)]


def count_requests(userid):
    """How many requests wait for `userid`: 1:1 (a counter) and groups (O(their groups))."""
    box = _request_box(userid)
    return (0 if box is None else len(box)) + len(_group_requests(userid))


def get_requests(userid, limit=None):
    """The requests waiting for `userid`, newest first (at most `limit`): 1:1
    conversations (IConversation) and groups (IGroupConversation) mixed."""
    box = _request_box(userid)
    direct = [] if box is None else box.get_conversations()
    direct = ((c.recency_key or 0, c) for c in direct)
    groups = sorted(((g.recency_key(userid), g) for g in _group_requests(userid)),
                    key=lambda pair: -pair[0])
    merged = heapq.merge(direct, groups, key=lambda pair: -pair[0])
    return [conversation for _key, conversation in itertools.islice(merged, limit)]


def get_request(userid, other):
    """The 1:1 request of `other` waiting for `userid`; raise RequestNotFound."""
    box = _request_box(userid)
    conversation = None if box is None else box.get(other)
    if conversation is None:
        raise exc.RequestNotFound(f"No message request of {other!r}")
    return conversation


def get_group_request(userid, group_id):
    """The group `group_id` if it waits in `userid`'s requests; raise RequestNotFound."""
    groups = get_groups()
    group = None if groups is None else groups.get(group_id)
    if group is None or not is_group_request(userid, group):
        raise exc.RequestNotFound(f"No message request {group_id!r}")
    return group


def accept_request(userid, other):
    """Move the request of `other` into `userid`'s inbox; its messages count from now."""
    get_request(userid, other)
    get_inbox(userid).adopt(_request_box(userid).pop(other))


def decline_request(userid, other, block_sender=False):
    """Drop the request of `other` (its messages with it); `other` is not told.

    With `block_sender`, refuse their messages from now on too.
    """
    get_request(userid, other)
    _request_box(userid).pop(other)
    if block_sender:
        block(userid, other, check_user=False)


def accept_group_request(userid, group_id):
    """Take the group into `userid`'s conversations; its messages count from now."""
    group = get_group_request(userid, group_id)
    group.get_membership(userid).pending = False


def decline_group_request(userid, group_id, block_sender=False):
    """Leave the group (as anyone leaves: the others see it, not why); with
    `block_sender`, refuse messages from who added `userid` as well."""
    group = get_group_request(userid, group_id)
    adder = group.get_membership(userid).invited_by
    leave_group(userid, group.id)
    if block_sender and adder and adder != userid and not adder.startswith(ERASED_PREFIX):
        block(userid, adder, check_user=False)


def group_notification_wanted(userid, group_id, sender):
    """Tell whether `userid` is still to be notified of `sender`'s message in the group:
    a participant who did not mute it, has it not waiting as a request, and does
    not block `sender`. Read when the notification is delivered (it may be queued)."""
    groups = get_groups()
    group = None if groups is None else groups.get(group_id)
    membership = None if group is None else group.get_membership(userid)
    if membership is None or not membership.active or membership.is_muted() or membership.pending:
        return False
    return not is_blocked(userid, sender)

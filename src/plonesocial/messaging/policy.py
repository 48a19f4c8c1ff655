"""Whom a user accepts messages from (issue 15), and which group memberships wait
as requests; the rules and the storage are described in messaging/requests.py.
``api`` re-exports these.
"""

from plonesocial import _
from plonesocial import exc
from plonesocial.messaging.requests import ADMIN_ROLES
from plonesocial.messaging.requests import EVERYONE
from plonesocial.messaging.requests import FOLLOWING
from plonesocial.messaging.requests import POLICIES
from plonesocial.messaging.settings import get_settings
from plonesocial.messaging.stores import get_inbox
from plonesocial.messaging.stores import get_inboxes
from zope.component.hooks import getSite


def default_message_policy():
    """The site's default of whom people accept messages from."""
    return getattr(get_settings(), "accept_messages_from", None) or EVERYONE


def message_policy(userid):
    """Whom `userid` accepts messages from: everyone, following or nobody."""
    inbox = get_inbox(userid)
    chosen = None if inbox is None else inbox.accept_messages_from
    return chosen or default_message_policy()


def set_message_policy(userid, policy):
    """Set whom `userid` accepts messages from (None: the site's default again).

    Raises InvalidInput unless `policy` is one of ``requests.POLICIES`` or None.
    """
    if policy is not None and policy not in POLICIES:
        raise exc.InvalidInput(_(
            "Choose whom you accept messages from: ${choices}",
            mapping={"choices": ", ".join(POLICIES)}))
    inbox = get_inbox(userid)
    if (None if inbox is None else inbox.accept_messages_from) == policy:
        return
    get_inboxes().get_inbox(userid, create=True).accept_messages_from = policy


def is_site_admin(userid):
    """Tell whether `userid` is a Manager or Site Administrator of the site."""
    acl_users = getattr(getSite(), "acl_users", None)
    user = acl_users.getUserById(userid) if acl_users is not None else None
    return user is not None and any(role in ADMIN_ROLES for role in user.getRoles())


def accepts_messages(recipient, sender):
    """Tell whether a first message of `sender` reaches `recipient`'s inbox (not Requests).

    By `recipient`'s policy: everyone; people they follow (the activity
    stream's follows); nobody. Site administrators' messages always arrive.
    A conversation in the inbox is accepted whatever the policy (send checks
    that first).
    """
    policy = message_policy(recipient)
    if policy == EVERYONE or is_site_admin(sender):
        return True
    if policy == FOLLOWING:
        from plonesocial.activitystream.api import get_manager

        return get_manager().subscriptions.is_following(recipient, sender)
    return False


def has_conversation(userid, other):
    inbox = get_inbox(userid)
    return inbox is not None and inbox.get(other) is not None


def accepts_group(userid, adder):
    return has_conversation(userid, adder) or accepts_messages(userid, adder)


def mark_pending(group, adder, pending):
    """Make the memberships of `pending` (just added by `adder`) group requests."""
    for userid in pending:
        membership = group.get_membership(userid)
        membership.pending = True
        membership.invited_by = adder


def is_group_request(userid, group):
    """Tell whether `group` waits in `userid`'s requests (added by someone they do
    not accept messages from, not accepted yet)."""
    membership = group.get_membership(userid)
    return membership is not None and membership.active and membership.pending

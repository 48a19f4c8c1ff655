"""Blocks: whom a user refuses messages from (``api`` re-exports these)."""

from plonesocial import _
from plonesocial import exc
from plonesocial.messaging.inbox import check_userid
from plonesocial.messaging.stores import get_inbox
from plonesocial.messaging.stores import get_inboxes
from plonesocial.people import display_name
from plonesocial.people import user_exists


def block(userid, other, check_user=True):
    """Refuse messages from `other` from now on; blocking twice is blocking once.

    With `check_user`, only users of this site: a block set against an id
    nobody has would greet whoever registers it later. Raises UnknownUser,
    InvalidUserId or SelfMessage (blocking oneself); nothing is written then.
    """
    check_userid(other)
    if check_user and not user_exists(other):
        raise exc.UnknownUser(_("There is no user ${userid}.", mapping={"userid": other}),
                              userid=other)
    inboxes = get_inboxes()
    inbox = inboxes.get(userid)
    if inbox is not None and inbox.is_blocked(other):
        return
    if other == userid:
        raise exc.SelfMessage(_("You cannot block yourself."))
    inbox = inboxes.get_inbox(userid, create=True)
    inbox.block(other)
    waiting = inbox.get_requests()
    if waiting is not None and other in waiting:
        waiting.pop(other)  # issue 15: a blocked person's request goes with the block


def unblock(userid, other):
    """Accept messages from `other` again; raise NotBlocked unless `userid` blocked them."""
    if not is_blocked(userid, other):
        raise exc.NotBlocked(_("You have not blocked ${name}.",
                                mapping={"name": display_name(other)}))
    get_inbox(userid).unblock(other)


def is_blocked(userid, other):
    """Tell whether `userid` refuses messages from `other`."""
    inbox = get_inbox(userid)
    return inbox is not None and inbox.is_blocked(other)


def get_blocked(userid):
    """The user ids `userid` refuses messages from, a list."""
    inbox = get_inbox(userid)
    return [] if inbox is None else list(inbox.get_blocked())

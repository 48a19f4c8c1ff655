"""Digest bookkeeping: which notifications wait for which digest, and when one is due.

The waiting list and the time of each mode's last digest are kept by each
user's NotificationList (one subtree per user); the due rule reads the
user's preferences (hour, weekday, time zone).
"""

from plonesocial.activitystream.preferences import is_due
from plonesocial.activitystream.visibility import visibility_filter


def due(manager, userid, now):
    """The modes of the digests due for `userid` at `now` (naive UTC): those with
    notifications waiting whose time has come (a set, maybe empty)."""
    notification_list = manager.notifications.get_list(userid)
    if notification_list is None or not notification_list.has_waiting():
        return set()
    preferences = manager.preferences.get(userid, create=False)
    return {mode for mode in notification_list.waiting_modes()
            if is_due(mode, preferences, notification_list.last_digest(mode), now)}


def take(manager, userid, now):
    """Take the notifications of `userid` whose digest is due at `now`; return them.

    They leave the waiting list whether or not they are returned: those
    seen on the site meanwhile, or about content `userid` may no longer
    View, are not mailed. The caller mails the rest and calls mark_sent,
    in the same transaction.
    """
    modes = due(manager, userid, now)
    if not modes:
        return []
    taken = manager.notifications.get_list(userid).take_digest(
        modes, now, lambda source, id_: manager.feed_item(userid, source, id_))
    visible = visibility_filter(userid)
    if visible is not None and taken:
        shown = visible(taken)
        taken = [n for n in taken if n in shown]
    return taken


def candidates(manager):
    """Iterate over the userids that have notifications waiting for a digest."""
    for notification_list in manager.notifications.lists_with_digest_state():
        if notification_list.has_waiting():
            yield notification_list.owner

"""The digest job: one email per person per period with what they have not seen."""

from plonesocial.activitystream.rendering import language_of
from plonesocial.clock import as_utc
from plonesocial.delivery import mail

import transaction


def send_digests(get_manager, now=None, transaction_manager=None):
    """Mail every digest that is due; return how many emails were sent.

    One person per transaction: their email is queued with the bookkeeping
    that marks their notifications sent, so a crash resumes where it stopped
    and running the job twice sends nothing twice.
    """
    tm = transaction_manager or transaction.manager
    now = as_utc(now)
    sent = 0
    if not mail.can_send():
        return 0  # the notifications wait until the site can send
    for userid in list(get_manager().digest_candidates()):
        for attempt in tm.attempts(5):
            with attempt:
                sent += send_digest(get_manager(), userid, now)
    return sent


def send_digest(manager, userid, now):
    """Mail `userid` their due digest, if any; return 1 if an email was sent."""
    notifications = manager.take_digest(userid, now)
    address = mail.recipient_address(userid)
    if not notifications or address is None:
        return 0
    mail.send(mail.compose_digest(notifications, address, language_of(userid)))
    for notification in notifications:
        manager.mark_sent(notification, now)
    return 1

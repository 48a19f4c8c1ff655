"""The digest job: one email per person per period with what they have not seen."""

from plonesocial.clock import as_utc
from plonesocial.delivery import mail
from plonesocial.delivery.outbox import current_outbox

import transaction


def send_digests(get_manager, now=None, transaction_manager=None):
    """Queue every digest that is due in the outbox; return how many were queued.

    One person per transaction: their digest entry is stored with the
    bookkeeping that takes their notifications off the waiting list, so a
    crash resumes where it stopped and running the job twice queues nothing
    twice. The outbox worker sends them (``plonesocial-jobs ... outbox``,
    which ``all`` runs after this).
    """
    tm = transaction_manager or transaction.manager
    now = as_utc(now)
    queued = 0
    if not mail.can_send():
        return 0  # the notifications wait until the site can send
    for userid in list(get_manager().digest_candidates()):
        for attempt in tm.attempts(5):
            with attempt:
                queued += send_digest(get_manager(), userid, now)
    return queued


def send_digest(manager, userid, now):
    """Queue `userid`'s due digest, if any; return 1 if one was queued.

    The notifications are marked sent when the mail server accepts the email.
    """
    notifications = manager.take_digest(userid, now)
    if not notifications or mail.recipient_address(userid) is None:
        return 0
    current_outbox().add_mail(userid, notifications, digest=True)
    return 1

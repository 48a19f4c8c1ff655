"""The outbox worker: sends what the outbox holds, after the commit, with retries.

One entry at a time, in three steps:

1. In a transaction: compose the email or encrypt the push message, mark the
   entry *sending* and commit. Two workers (two Zope processes, or the
   thread and the jobs command) that take the same entry conflict here, and
   the loser leaves it to the winner.
2. Outside any transaction: talk to the server.
3. In a transaction: record the outcome (sent, retry later, failed, gone).

A crash between 2 and 3 leaves the entry *sending*: after the lease it is
marked failed ("interrupted") and never sent again on its own.

It runs in ``plonesocial-jobs <zope.conf> outbox`` and, in every Zope process
started with ``PLONESOCIAL_OUTBOX_WORKER=1`` (``make run`` does), in a thread
that a committed write wakes at once.
"""

from plonesocial import logger
from plonesocial.activitystream.content import get_storage
from plonesocial.activitystream.rendering import language_of
from plonesocial.delivery import mail
from plonesocial.delivery import push
from plonesocial.delivery import transport
from plonesocial.delivery.mail import SiteURLMissing
from plonesocial.delivery.outbox import create_outbox
from plonesocial.delivery.settings import get_delivery_settings
from plonesocial.delivery.vapid import InvalidKey
from ZODB.POSException import ConflictError
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import os
import threading
import transaction


INTERRUPTED = ("interrupted while sending: it may or may not have been delivered; "
               "retry to send it again")
WAKE = threading.Event()  # set after a commit that queued something
POLL = 30  # seconds the thread sleeps when nothing wakes it


def wake_after_commit():
    """Make the worker thread look at the outbox once the current transaction commits."""
    txn = transaction.get()
    try:
        txn.data(WAKE)
    except KeyError:
        txn.set_data(WAKE, True)  # one hook per transaction
        txn.addAfterCommitHook(lambda committed: committed and WAKE.set())


def run_outbox(get_site, now=None, transaction_manager=None, limit=None):
    """Send the due entries of the outbox of `get_site()`; return counts by outcome.

    Raises SiteURLMissing (before sending anything) when the site URL is not set.
    """
    tm = transaction_manager or transaction.manager
    counts = {"sent": 0, "retry": 0, "failed": 0, "dropped": 0, "interrupted": 0}
    tm.begin()
    setSite(get_site())
    mail.site_url()
    settings = get_delivery_settings()
    lease = settings.sending_lease
    tm.abort()
    for attempt in tm.attempts(5):
        with attempt:
            outbox = create_outbox(get_site())
            counts["interrupted"] = 0
            for entry_id in outbox.stale(lease, now):
                outbox.fail(outbox.get(entry_id), INTERRUPTED)
                counts["interrupted"] += 1
    tm.begin()
    due = create_outbox(get_site()).due(now)
    tm.abort()
    for entry_id in due[:limit] if limit else due:
        outcome = deliver(get_site, entry_id, now, tm)
        if outcome is not None:
            counts[outcome] += 1
    # One write of the waiting set per pass, rather than one per entry sent.
    try:
        for attempt in tm.attempts(3):
            with attempt:
                create_outbox(get_site()).prune_waiting()
    except ConflictError:
        pass  # the next pass prunes them
    return counts


def deliver(get_site, entry_id, now=None, transaction_manager=None):
    """Send one entry (steps 1-3); return what happened to it, or None if another
    worker has it."""
    tm = transaction_manager or transaction.manager
    try:
        tm.begin()
        site = get_site()
        setSite(site)
        outbox = create_outbox(site)
        entry = outbox.get(entry_id)
        if entry is None or entry.state != "pending":
            tm.abort()
            return None
        try:
            action, detail = prepare(entry)
        except ConflictError:
            raise
        except SiteURLMissing:
            raise
        except Exception as error:
            # An entry that cannot be composed must not stop the others, nor be
            # tried on every pass: it fails, visibly.
            logger.exception("plonesocial outbox: entry %s could not be composed", entry_id)
            action, detail = "fail", f"could not be composed: {type(error).__name__}: {error}"
        if action == "drop":
            logger.info("plonesocial outbox: %s entry %s dropped: %s", entry.kind, entry.id, detail)
            outbox.drop(entry)
        elif action == "fail":
            outbox.fail(entry, detail)
        else:
            outbox.begin(entry, now)
        tm.commit()
    except ConflictError:
        tm.abort()
        return None
    if action == "drop":
        return "dropped"
    if action == "fail":
        return "failed"
    outcome = detail()  # talk to the server: no transaction open
    for attempt in tm.attempts(10):
        with attempt:
            site = get_site()
            setSite(site)
            result = record(site, create_outbox(site).get(entry_id), outcome, now)
    return result


def prepare(entry):
    """Return ("send", callable returning an Outcome), ("drop", why) or ("fail", why)."""
    manager = get_storage(getSite())
    notifications = [n for n in entry.notifications if manager.may_view(entry.recipient, n)]
    if not notifications:
        return "drop", "the recipient may no longer view it"
    settings = get_delivery_settings()
    language = language_of(entry.recipient)  # composed now, in the reader's language
    if entry.kind == "mail":
        address = mail.recipient_address(entry.recipient)
        if address is None:
            return "drop", "the recipient has no email address"
        if entry.digest:
            message = mail.compose_digest(notifications, address, language,
                                          message_id=entry.message_id)
        else:
            message = mail.compose_notification(notifications[0], address, language,
                                                message_id=entry.message_id)
        sender = mail.envelope_sender()
        server = transport.smtp_settings()
        return "send", lambda: transport.send_mail(message, sender, [address],
                                                   settings.timeout, server)
    if not push.enabled():
        return "drop", "desktop notifications are off"
    subscription = next((s for s in manager.get_push_subscriptions(entry.recipient)
                         if s.endpoint == entry.endpoint), None)
    if subscription is None:
        return "drop", "the browser's subscription is gone"
    try:
        body, headers = push.encrypt(subscription, push.payload(notifications[0], language))
    except InvalidKey as error:
        return "fail", f"the site's VAPID private key is not usable: {error}"
    except ValueError as error:
        return "fail", f"the subscription's keys are not usable: {error}"
    return "send", lambda: transport.post_push(entry.endpoint, body, headers, settings.timeout,
                                               settings)


def record(site, entry, outcome, now=None):
    """Record the outcome of sending `entry`; return its name for the counts."""
    if entry is None or entry.state != "sending":
        return "dropped"  # erased meanwhile
    outbox = create_outbox(site)
    status, detail = outcome
    if status == transport.SENT:
        outbox.succeeded(entry, now)
        if entry.kind == "mail":
            manager = get_storage(site)
            for notification in entry.notifications:
                manager.mark_sent(notification, now)
        return "sent"
    if status == transport.GONE:
        get_storage(site).remove_push_subscription(entry.recipient, entry.endpoint)
        outbox.drop(entry)
        return "dropped"
    if status == transport.RETRY:
        outbox.retry_later(entry, detail, get_delivery_settings(), now)
        return "retry" if entry.state == "pending" else "failed"
    outbox.fail(entry, detail)
    return "failed"


# -- the thread of a Zope process ------------------------------------------------------


class WorkerThread(threading.Thread):
    """Sends the outboxes of every plonesocial site of a database, woken by commits."""

    def __init__(self, db, poll=POLL):
        super().__init__(name="plonesocial-outbox", daemon=True)
        self.db = db
        self.poll = poll
        self.stopping = threading.Event()
        self.warned = set()

    def run(self):
        while not self.stopping.is_set():
            WAKE.wait(self.poll)
            WAKE.clear()
            try:
                self.run_once()
            except Exception:
                logger.exception("plonesocial outbox worker")

    def run_once(self):
        from plonesocial.jobs import plonesocial_sites

        tm = transaction.TransactionManager()
        connection = self.db.open(tm)
        try:
            app = connection.root()["Application"]
            site_ids = [site.getId() for site in plonesocial_sites(app)]
            tm.abort()
            for site_id in site_ids:
                try:
                    run_outbox(lambda: app[site_id], transaction_manager=tm)
                except SiteURLMissing as error:
                    if site_id not in self.warned:
                        self.warned.add(site_id)
                        logger.warning("%s (site %s)", error, site_id)
        finally:
            setSite(None)
            tm.abort()
            connection.close()


def start_worker_thread(event):
    """IDatabaseOpenedWithRoot: start the worker if PLONESOCIAL_OUTBOX_WORKER=1."""
    if os.environ.get("PLONESOCIAL_OUTBOX_WORKER") != "1":
        return None
    thread = WorkerThread(event.database)
    thread.start()
    logger.info("plonesocial outbox worker started")
    return thread

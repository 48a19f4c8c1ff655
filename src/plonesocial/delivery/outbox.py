"""The outbox: emails and desktop notifications waiting to leave, stored with the write.

A request that notifies someone adds an entry here, in its own transaction:
the write and what it owes the recipient commit (or roll back) together, and
no request ever opens a connection to a mail server or a push service. A
worker (``plonesocial.delivery.worker``) sends the entries after the commit.

Every entry goes pending -> sending -> sent, or to failed:

- *pending*: waiting for its next attempt (``next_attempt``);
- *sending*: a worker recorded that it is about to send it, and committed,
  **before** sending (record-before-send). A crash between sending and
  recording the result leaves the entry *sending*; once the lease is over it
  becomes failed ("interrupted"), for an administrator to retry or discard.
  It is never sent again on its own: nothing goes out twice.
- *sent*: the server accepted it (SMTP 250, push 201); kept a few days.
- *failed*: refused for good (SMTP 5xx, push 4xx), out of attempts, or
  interrupted; listed in the control panel.

Conflicts: entry ids are random 62-bit integers, so concurrent requests add
entries in different buckets of the trees; counters are ``Length``; each
recipient has their own id set, kept when it empties. The sets of waiting,
failed and sent entries always hold a sentinel (id 0, below every real id):
an emptied tree loses its bucket, and two transactions that then add to it
both create one, which ZODB cannot resolve; the worker empties the waiting set
all the time. Entries are persistent objects of their own: the worker changing
one never writes a tree a request writes, except to take an id out of a set.
"""

from BTrees.Length import Length
from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial.clock import from_key
from plonesocial.clock import to_key
from plonesocial.clock import utcnow
from plonesocial.storage import SiteStorage

import random
import uuid


KINDS = ("mail", "push")
SENTINEL = 0  # in _waiting and _failed (and (0, 0) in _sent): the trees never empty
STATES = ("pending", "sending", "sent", "failed")
MAX_ERROR = 500  # characters of a server's answer kept with an entry


class OutboxEntry(Persistent):
    """One email (one notification, or a digest of several) or one push to one browser."""

    state = "pending"
    attempts = 0
    error = ""
    sending_since = None  # UTC µs, while sending
    sent = None  # UTC µs, once the server accepted it

    def __init__(self, id, kind, recipient, notifications, endpoint=None, digest=False,
                 when=None):
        self.id = id
        self.kind = kind
        self.recipient = recipient
        # the Notification objects it tells about (persistent references:
        # a notification regrouped meanwhile is sent as it is then)
        self.notifications = tuple(notifications)
        self.endpoint = endpoint
        self.digest = digest
        self.created = to_key(when or utcnow())
        self.next_attempt = self.created
        # The same Message-ID on every attempt: a mail server or client that
        # got it already can tell.
        self.message_id = f"<{uuid.uuid4().hex}.{id}@plonesocial>"

    @property
    def created_at(self):
        return from_key(self.created)

    @property
    def sent_at(self):
        return None if self.sent is None else from_key(self.sent)

    def info(self):
        """The entry as JSON-ready data (the control panel and the personal-data export)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "recipient": self.recipient,
            "endpoint": self.endpoint,
            "digest": self.digest,
            "state": self.state,
            "attempts": self.attempts,
            "error": self.error,
            "created": from_key(self.created).isoformat() + "Z",
            "sent": None if self.sent is None else from_key(self.sent).isoformat() + "Z",
            "notifications": [n.id for n in self.notifications],
        }


class Outbox(Persistent):
    """What a site still has to send, and what it sent or could not send lately."""

    def __init__(self):
        # entry id (random int) -> OutboxEntry
        self._entries = LOBTree()
        # entry ids that are pending or sending, and SENTINEL: what the worker looks
        # at. Ids of entries that left those states go in a batch (prune_waiting),
        # not one by one: requests add to this set all the time.
        self._waiting = LLTreeSet([SENTINEL])
        # entry ids that failed, and SENTINEL: what the control panel lists
        self._failed = LLTreeSet([SENTINEL])
        # (sent UTC µs, entry id), and (SENTINEL, SENTINEL): the sent ones, oldest
        # first, for the cleanup
        self._sent = OOTreeSet([(SENTINEL, SENTINEL)])
        # recipient userid -> LLTreeSet(entry id): for export and erasure
        self._by_recipient = OOBTree()
        self._waiting_count = Length()  # entries pending or sending
        self._failed_count = Length()  # == len(self._failed)
        self._sent_count = Length()  # == len(self._sent)

    # -- adding (in the request's transaction) ---------------------------------

    def _new_id(self):
        while True:
            id_ = random.getrandbits(62) + 1
            if id_ not in self._entries:
                return id_

    def _add(self, entry):
        self._entries[entry.id] = entry
        self._waiting.insert(entry.id)
        self._waiting_count.change(1)
        mine = self._by_recipient.get(entry.recipient)
        if mine is None:
            mine = self._by_recipient[entry.recipient] = LLTreeSet()
        mine.insert(entry.id)
        return entry

    def add_mail(self, recipient, notifications, digest=False, when=None, not_before=None):
        """Queue an email to `recipient` about `notifications`; return the entry.
        With `not_before` (naive UTC) it waits until then (issue 16: "Do not disturb")."""
        return self._add(self._held(OutboxEntry(self._new_id(), "mail", recipient,
                                                notifications, digest=digest, when=when),
                                    not_before))

    def add_push(self, recipient, endpoint, notification, when=None, not_before=None):
        """Queue a push of `notification` to one browser of `recipient`; return the entry."""
        return self._add(self._held(OutboxEntry(self._new_id(), "push", recipient,
                                                (notification,), endpoint=endpoint,
                                                when=when), not_before))

    @staticmethod
    def _held(entry, not_before):
        if not_before is not None:
            entry.next_attempt = max(entry.next_attempt, to_key(not_before))
        return entry

    # -- reading -----------------------------------------------------------------

    def get(self, entry_id):
        return self._entries.get(entry_id) if isinstance(entry_id, int) else None

    def waiting(self):
        """The entries pending or sending (a generator)."""
        for id_ in self._waiting.keys(min=SENTINEL, excludemin=True):
            entry = self._entries.get(id_)
            if entry is not None and entry.state in ("pending", "sending"):
                yield entry

    def due(self, now=None):
        """The ids of the pending entries whose time has come, oldest first."""
        now = to_key(now or utcnow())
        entries = [e for e in self.waiting() if e.state == "pending" and e.next_attempt <= now]
        entries.sort(key=lambda e: (e.next_attempt, e.created))
        return [e.id for e in entries]

    def stale(self, lease, now=None):
        """The ids of the entries 'sending' for longer than `lease` seconds."""
        limit = to_key(now or utcnow()) - lease * 1_000_000
        return [e.id for e in self.waiting()
                if e.state == "sending" and e.sending_since is not None
                and e.sending_since <= limit]

    def failed(self):
        """The failed entries, a generator."""
        for id_ in self._failed.keys(min=SENTINEL, excludemin=True):
            entry = self._entries.get(id_)
            if entry is not None:
                yield entry

    def counts(self):
        return {"waiting": self._waiting_count(), "failed": self._failed_count(),
                "sent": self._sent_count()}

    def for_recipient(self, userid):
        """Every entry addressed to `userid`, a list."""
        ids = self._by_recipient.get(userid)
        return [] if ids is None else [self._entries[i] for i in ids if i in self._entries]

    # -- the worker's transitions --------------------------------------------------

    def begin(self, entry, now=None):
        """Record that `entry` is about to be sent (commit this before sending)."""
        if entry.state != "pending":
            raise ValueError(f"entry {entry.id} is {entry.state}, not pending")
        entry.state = "sending"
        entry.attempts += 1
        entry.sending_since = to_key(now or utcnow())

    def succeeded(self, entry, now=None):
        """The server accepted `entry`."""
        self._leave_waiting(entry)
        entry.state = "sent"
        entry.sent = to_key(now or utcnow())
        entry.sending_since = None
        entry.error = ""
        self._sent.insert((entry.sent, entry.id))
        self._sent_count.change(1)

    def retry_later(self, entry, error, settings, now=None):
        """A temporary failure: back off exponentially, or fail when out of attempts."""
        if entry.attempts >= settings.max_attempts:
            self.fail(entry, f"gave up after {entry.attempts} attempts: {error}")
            return
        delay = min(settings.max_retry_delay, settings.retry_delay * 2 ** (entry.attempts - 1))
        entry.state = "pending"
        entry.sending_since = None
        entry.error = str(error)[:MAX_ERROR]
        entry.next_attempt = to_key(now or utcnow()) + delay * 1_000_000

    def fail(self, entry, error):
        """A permanent failure: keep the entry for an administrator."""
        if entry.state in ("pending", "sending"):
            self._leave_waiting(entry)
        if entry.state != "failed":
            self._failed.insert(entry.id)
            self._failed_count.change(1)
        entry.state = "failed"
        entry.sending_since = None
        entry.error = str(error)[:MAX_ERROR]

    def drop(self, entry):
        """Forget an entry that has nothing left to deliver (its recipient or browser is gone)."""
        if entry.state in ("pending", "sending"):
            self._leave_waiting(entry)
        elif entry.state == "failed":
            self._failed.remove(entry.id)
            self._failed_count.change(-1)
        elif entry.state == "sent":
            self._sent.remove((entry.sent, entry.id))
            self._sent_count.change(-1)
        del self._entries[entry.id]
        mine = self._by_recipient.get(entry.recipient)
        if mine is not None and entry.id in mine:
            mine.remove(entry.id)

    def _leave_waiting(self, entry):
        # The id stays in _waiting until prune_waiting: taking it out now would
        # write the bucket concurrent requests insert into.
        self._waiting_count.change(-1)

    def prune_waiting(self):
        """Take the ids of entries no longer pending or sending out of the waiting set
        (the worker, once per pass); return how many."""
        gone = [id_ for id_ in self._waiting.keys(min=SENTINEL, excludemin=True)
                if getattr(self._entries.get(id_), "state", None) not in ("pending", "sending")]
        for id_ in gone:
            self._waiting.remove(id_)
        return len(gone)

    # -- the administrator's actions -------------------------------------------------

    def retry(self, entry_id, now=None):
        """Send a failed entry again, from its first attempt; return it (None: no such)."""
        entry = self.get(entry_id)
        if entry is None or entry.state != "failed":
            return None
        self._failed.remove(entry.id)
        self._failed_count.change(-1)
        entry.state = "pending"
        entry.attempts = 0
        entry.next_attempt = to_key(now or utcnow())
        if entry.id not in self._waiting:
            self._waiting.insert(entry.id)
        self._waiting_count.change(1)
        return entry

    def discard(self, entry_id):
        """Forget a failed entry; return it (None: no such failed entry)."""
        entry = self.get(entry_id)
        if entry is None or entry.state != "failed":
            return None
        self.drop(entry)
        return entry

    # -- personal data and retention -----------------------------------------------------

    def export_user(self, userid):
        return [entry.info() for entry in self.for_recipient(userid)]

    def erase_user(self, userid):
        """Forget every entry to `userid` (sent, waiting or failed); return how many."""
        entries = self.for_recipient(userid)
        for entry in entries:
            self.drop(entry)
        if userid in self._by_recipient:
            del self._by_recipient[userid]
        return len(entries)

    def cleanup(self, keep_days, now=None):
        """Forget the entries sent more than `keep_days` days ago; return how many."""
        cutoff = to_key(now or utcnow()) - keep_days * 86400 * 1_000_000
        old = list(self._sent.keys(min=(SENTINEL, SENTINEL), max=(cutoff, 2 ** 63 - 1),
                                   excludemin=True))
        for _, id_ in old:
            entry = self._entries.get(id_)
            if entry is not None:
                self.drop(entry)
            elif (_, id_) in self._sent:
                self._sent.remove((_, id_))
                self._sent_count.change(-1)
        return len(old)


STORAGE = SiteStorage("plonesocial.delivery.outbox", Outbox)

get_outbox = STORAGE.get
create_outbox = STORAGE.create
purge_outbox = STORAGE.purge


def current_outbox(create=True):
    """The outbox of the current site (created when first needed, as on sites
    installed before it existed), or None outside a site."""
    from zope.component.hooks import getSite

    site = getSite()
    if site is None:
        return None
    return create_outbox(site) if create else get_outbox(site)

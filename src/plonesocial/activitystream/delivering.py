"""Delivering notifications: to a list now, or queued for the fan-out workers.

``NotificationDelivery`` is a part of ``ActivityManager`` (manager.py), kept here.
"""

from plonesocial import exc
from plonesocial.activitystream import frequency
from plonesocial.activitystream import mutes as muting
from plonesocial.activitystream.activity import check_extra
from plonesocial.activitystream.activity import make_reference
from plonesocial.activitystream.fanout import FeedPost
from plonesocial.activitystream.fanout import FeedSlice
from plonesocial.activitystream.interfaces import INotificationDeliveredEvent
from plonesocial.activitystream.interfaces import IRecipientCheck
from plonesocial.activitystream.notification import template as make_template
from plonesocial.activitystream.preferences import DIGEST_MODES
from plonesocial.activitystream.seencheck import verified_at
from plonesocial.activitystream.validation import check_id
from plonesocial.activitystream.validation import check_recipients
from plonesocial.activitystream.validation import check_text
from plonesocial.activitystream.validation import check_userid
from plonesocial.activitystream.validation import check_uuid
from plonesocial.activitystream.validation import check_verb
from plonesocial.clock import utcnow
from zope.component import queryUtility
from zope.event import notify
from zope.interface import implementer
from zope.interface.interfaces import ObjectEvent


@implementer(INotificationDeliveredEvent)
class NotificationDeliveredEvent(ObjectEvent):
    """A notification reached a list (new, or grouped into an unseen one)."""

    def __init__(self, notification, mail_mode):
        super().__init__(notification)
        self.mail_mode = mail_mode


class NotificationDelivery:
    """How notifications reach their lists: now, or queued for the fan-out workers."""

    def notify(self, recipients, subject, body="", message_type="notice", owner=None,
               actor=None, context=None, reason="addressed", activity_id=None,
               phrase=None, title=None, actor_name=None, details=None):
        if isinstance(recipients, (list, tuple, set, frozenset)):
            # Lino and tgapp callers pass a None recipient (nobody to tell): dropped.
            recipients = [userid for userid in recipients if userid is not None]
        recipients = check_recipients(recipients)
        check_text(subject, "subject")
        if not subject.strip():
            raise exc.InvalidActivity("subject must not be empty")
        check_text(body, "body")
        check_verb(message_type)
        for name, value in (("phrase", phrase), ("title", title), ("actor_name", actor_name),
                            ("reason", reason)):
            check_text(value, name, optional=True)
        check_id(activity_id, "activity_id")
        owner = make_reference(owner, "owner")
        if actor is not None:
            check_userid(actor, "actor")
        if context is not None:
            check_uuid(context, "context")
        details = check_extra(details) or None
        template = make_template(message_type, owner, subject, body, actor, actor_name,
                                 activity_id, context, phrase, title, details)
        return self._emit(template, {userid: [reason] for userid in recipients}, utcnow())

    def notify_facts(self, recipients, message_type, phrase, owner=None, actor=None,
                     context=None, title="", body="", reason="addressed", details=None,
                     deliver_now=None):
        """Notify of an event by its facts only; the subject is rendered when read.

        As ``notify``, without a stored sentence: `phrase` is one of
        ``rendering.PHRASES`` ("sent you a message", "commented on", ...).
        With `deliver_now`, at most that many are delivered at once and the
        rest queued (a group message: O(1) writes for its sender); the
        audience is then the site's own (a group's participants, bounded by
        the group size limit), not limited by ``max_recipients``.
        """
        recipients = check_recipients(recipients, limited=deliver_now is None)
        check_verb(message_type)
        for name, value in (("phrase", phrase), ("title", title), ("body", body)):
            check_text(value, name)
        owner = make_reference(owner, "owner")
        if actor is not None:
            check_userid(actor, "actor")
        if context is not None:
            check_uuid(context, "context")
        template = make_template(message_type, owner, None, body, actor, None, None,
                                 context, phrase, title, check_extra(details) or None)
        return self._emit(template, {userid: [reason] for userid in recipients}, utcnow(),
                          deliver_now)

    def _accepts(self, userid, template):
        """Ask the owner's kind whether `userid` still takes this notification
        (an IRecipientCheck named after it, e.g. "group"); True without one."""
        owner = template["owner"]
        check = None if owner is None else queryUtility(IRecipientCheck, name=owner.kind)
        return check is None or check(userid, template)

    def _emit(self, template, audience, when, deliver_now=None):
        """Deliver to the audience: up to the threshold now, the rest queued.

        With `deliver_now`, the first that many entries are checked and
        delivered now and the rest are queued unchecked: the job checks them.
        """
        actor = template["actor"]
        entries = [(userid, tuple(reasons)) for userid, reasons in audience.items()]
        threshold = self.fanout_threshold if deliver_now is None else deliver_now
        if deliver_now is not None:
            entries, later = entries[:threshold], entries[threshold:]
        wanted = [(userid, reasons) for userid, reasons in entries
                  if self.preferences.wants(userid, actor, template["message_type"])
                  and self._accepts(userid, template)]
        if deliver_now is not None:
            now = wanted
        else:
            now, later = wanted[:threshold], wanted[threshold:]
        # issue 16: mutes and "stream" watches; the queued part is filtered when delivered
        now = muting.unmuted(self, now, template)
        self.notifications.prefetch(self._p_jar, [userid for userid, _ in now], template,
                                    self.preferences)
        for userid, reasons in now:
            self._deliver_to(userid, template, reasons, when)
        if later:
            self.queue.add(template, later, when)
        return len(now)

    def _deliver_to(self, userid, template, reasons, when):
        """Put a notification in one list, note how it is to be mailed, announce it."""
        notification_list = self.notifications.get_list(userid, create=True)
        notification = notification_list.deliver(template, reasons, when,
                                                 verified_at(self, userid, template))
        mode = self.preferences.mode(userid, template["message_type"])
        mode = frequency.mail_mode(self, userid, reasons, mode)  # issue 16: a watch's frequency
        if mode in DIGEST_MODES:
            notification_list.wait_for_digest(notification, mode)
        notify(NotificationDeliveredEvent(notification, mode))
        return notification

    def queued(self):
        """Return how many notifications wait in the fan-out queue."""
        return self.queue.remaining()

    def deliver_queued(self, max_recipients=None, worker=0, workers=1):
        """Deliver up to `max_recipients` queued notifications (one chunk); return how
        many. Several workers (each its own `worker` number of `workers`) take
        different jobs; any worker splits a new feed post into slices."""
        if max_recipients is None:
            max_recipients = self.fanout_threshold
        delivered = 0
        jobs = self.queue.jobs(worker, workers)
        if workers > 1:  # a new feed post is everybody's: splitting it makes their work
            posts = [(job_id, job) for job_id, job in self.queue.jobs()
                     if isinstance(job, FeedPost)]
            jobs = posts + [(job_id, job) for job_id, job in jobs
                            if not isinstance(job, FeedPost)]
        for job_id, job in jobs:  # oldest first
            if delivered >= max_recipients:
                break
            if isinstance(job, FeedPost):
                self.queue.remove(job_id)
                source = job.source
                self.queue.add_feed_slices(
                    job.notification,
                    [(userid, (f"follows:{source}",))
                     for userid, _ in self.subscriptions.followers(source)],
                    job.notification.updated, max(1, max_recipients), max(1, workers))
                return max(1, delivered)  # the slices are taken by the next chunks
            chunk = job.next_chunk(max_recipients - delivered)
            if isinstance(job, FeedSlice):
                self._feed_bookkeeping([userid for userid, _ in chunk], job.notification)
                delivered += len(chunk)
                if job.advance(len(chunk)):
                    self.queue.remove(job_id)
                continue
            self.notifications.prefetch(self._p_jar, [userid for userid, _ in chunk],
                                        job.template, self.preferences)
            # issue 16: muted since it was queued (mutes, "stream" watches)
            for userid, reasons in muting.unmuted(self, chunk, job.template):
                if self.preferences.wants(userid, job.template["actor"],
                                          job.template["message_type"]) \
                        and self._accepts(userid, job.template):
                    self._deliver_to(userid, job.template, reasons, job.when)
            delivered += len(chunk)
            if job.advance(len(chunk)):
                self.queue.remove(job_id)
        return delivered

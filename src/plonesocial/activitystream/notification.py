"""A notification: one entry of a user's list (or a broadcast), its facts, and its seen state.

It stores what happened (type, actor ids, what it is about, the changed
fields), not sentences: ``rendering`` composes its subject and body in the
reader's language when it is shown or mailed.
"""

from persistent import Persistent
from plonesocial.activitystream.interfaces import INotification
from plonesocial.activitystream.rendering import render_subject
from plonesocial.activitystream.rendering import scrub_subject
from plonesocial.clock import from_key
from zope.interface import implementer


class LastSeen(Persistent):
    """When a user last looked at their notifications.

    Concurrent updates (two tabs, two devices) resolve to the later time
    instead of a ConflictError.
    """

    value = None  # UTC µs (int) or None

    def _p_resolveConflict(self, old, committed, new):
        times = [state.get("value") for state in (committed, new)]
        times = [t for t in times if t is not None]
        resolved = dict(new)
        resolved["value"] = max(times) if times else None
        return resolved


def template(message_type, owner=None, subject=None, body="", actor=None, actor_name=None,
             activity_id=None, context=None, phrase=None, title=None, details=None):
    """What one event tells its audience: the facts every notification of it starts from.

    `subject` is a sentence given by the caller (``notify(subject=...)``);
    without it the subject is rendered from `phrase`, `title` and the actors.
    `details` holds further facts for the body, e.g. ``{"fields": [...]}``.
    """
    return dict(message_type=message_type, owner=owner, subject=subject, body=body,
                actor=actor, actor_name=actor_name, activity_id=activity_id,
                context=context, phrase=phrase, title=title, details=details or None)


@implementer(INotification)
class Notification(Persistent):
    """One entry of a notification list, or a broadcast (recipient None)."""

    sent = None
    # A sentence given by whoever notified, or stored by releases before
    # notifications kept facts only; None: rendered from the facts.
    _subject = None
    # actor userid -> display name, kept by those releases (read, never written now)
    _names = {}
    details = None  # further facts for the body, e.g. {"fields": (...)}
    phrase = None
    title = None
    # While unseen, the occurrences folded in beyond the first that count on the badge
    # (a COUNT_EACH type: each private message counts); the list keeps it exact.
    extra = 0
    # UTC µs of the newest event folded in where the notification stands (grow,
    # renew: NotificationList.deliver); None: its id says when, as after a move.
    _updated = None
    # The mail mode of the digest it waits for, or None (notification_digests.py)
    waits_for = None

    def __init__(self, id, recipient, template, reasons):
        self.id = id
        self.recipient = recipient
        self.message_type = template["message_type"]
        self.owner = template["owner"]
        self.context = template["context"]
        self.activity_id = template["activity_id"]
        actor = template["actor"]
        self.actors = (actor,) if actor else ()
        self.count = 1
        self.reasons = tuple(reasons)
        self._created = id
        self.__parent__ = None
        self._set_facts(template)

    def _set_facts(self, template):
        # Templates queued by earlier releases (in fan-out jobs) have no "details".
        self.phrase = template["phrase"]
        self.title = template["title"]
        self.body = template["body"]
        self.details = template.get("details")
        self._subject = template["subject"]

    @property
    def created(self):
        return from_key(self._created)

    @property
    def updated(self):
        return from_key(self.id if self._updated is None else self._updated)

    @property
    def seen(self):
        return self.__parent__.is_seen(self)

    @property
    def stored_subject(self):
        """The sentence stored with the notification, or None (rendered from facts)."""
        return self._subject

    def stored_name(self, userid):
        """The display name stored for an actor by earlier releases, or None."""
        return self._names.get(userid)

    @property
    def subject(self):
        """The subject in the current request's language (see ``rendering``)."""
        return render_subject(self)

    def regroup(self, new_id, template, reasons):
        """Fold a newer event of the same type about the same owner into this one."""
        actor = template["actor"]
        if actor:
            self.actors = (actor,) + tuple(a for a in self.actors if a != actor)
        self.id = new_id
        if self._updated is not None:
            self._updated = None
        self.count += 1
        self.reasons = tuple(dict.fromkeys(self.reasons + tuple(reasons)))
        self.activity_id = template["activity_id"]
        self._set_facts(template)

    def renew(self, new_id, template, reasons, when_key=None):
        """Start again as a notification of `template` alone (a seen one reused by
        its list): at `new_id`, or where it stands with `when_key` (UTC µs) as its
        time."""
        self.id = new_id
        self._created = new_id if when_key is None else max(when_key, new_id)
        self._updated = None if when_key is None else self._created
        self.context = template["context"]
        self.activity_id = template["activity_id"]
        actor = template["actor"]
        self.actors = (actor,) if actor else ()
        self.count = 1
        self.extra = 0
        self.reasons = tuple(reasons)
        if self.sent is not None:
            self.sent = None
        self._set_facts(template)

    def grow(self, when_key, template, reasons):
        """Fold a newer event in where this one stands: its id stays, `updated`
        says `when_key` (UTC µs)."""
        self.regroup(self.id, template, reasons)
        self._updated = max(when_key, self.id)

    def replace_actor(self, userid, placeholder, body=None):
        """Put `placeholder` where `userid` was among the actors (erasing a user);
        `body`, if given, replaces a quote of their words."""
        if userid in self.actors:
            self.actors = tuple(placeholder if a == userid else a for a in self.actors)
            if userid in self._names:
                self._names = {a: n for a, n in self._names.items() if a != userid}
        if self._subject is not None:
            self._subject = scrub_subject(self, userid)
        if body is not None:
            self.body = body


class BroadcastView:
    """A broadcast as one user sees it: the shared notification plus their seen state."""

    def __init__(self, notification, notification_list):
        self._notification = notification
        self._list = notification_list

    def __getattr__(self, name):
        return getattr(self._notification, name)

    @property
    def subject(self):
        return self._notification.subject

    @property
    def seen(self):
        return self._list is not None and self._list.is_seen(self._notification)

    def __eq__(self, other):
        return isinstance(other, BroadcastView) and other._notification is self._notification

    def __hash__(self):
        return hash(id(self._notification))

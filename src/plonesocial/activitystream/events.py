"""Events fired by the activity manager about activities and broadcasts."""

from plonesocial.activitystream.interfaces import IActivityCreatedEvent
from plonesocial.activitystream.interfaces import IBroadcastEvent
from zope.event import notify
from zope.interface import implementer
from zope.interface.interfaces import ObjectEvent


@implementer(IActivityCreatedEvent)
class ActivityCreatedEvent(ObjectEvent):
    """An activity was recorded; `streams` are its context and the context's folders."""

    def __init__(self, activity, streams=()):
        super().__init__(activity)
        self.streams = tuple(streams)


@implementer(IBroadcastEvent)
class BroadcastEvent(ObjectEvent):
    """A notification for everybody was stored; `object` is it."""


def activity_created(activity, streams=()):
    """Fire an ActivityCreatedEvent (for callers whose `notify` is a flag)."""
    notify(ActivityCreatedEvent(activity, streams))

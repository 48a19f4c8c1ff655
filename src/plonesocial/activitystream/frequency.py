"""How often a watch speaks up (issue 16, part 8): per subscription, on top of the
per-type mail mode.

- ``immediately`` (or none set): the per-type mail mode decides, as before;
- ``digest``: at most a digest: an "immediately" mail mode becomes "daily";
- ``stream``: the timeline only: no notification at all.

A recipient hears through the strongest of their reasons: someone addressed,
or also following the actor without a frequency, is notified as usual.
"""

from plonesocial import _
from plonesocial import exc


FREQUENCIES = ("immediately", "digest", "stream")
RANK = {"stream": 0, "digest": 1, "immediately": 2}


def check_frequency(frequency):
    if frequency is not None and frequency not in FREQUENCIES:
        raise exc.InvalidSubscription(_("frequency must be immediately, digest or stream, not ${value}",
            mapping={"value": repr(frequency)[:40]}))
    return frequency


def strongest(manager, userid, reasons):
    """The strongest frequency among `reasons` ("immediately" unless every reason is
    a subscription with a weaker one)."""
    best = None
    for reason in reasons:
        kind, _sep, target = reason.partition(":")
        if kind == "watches":
            subscription = manager.subscriptions.get(userid, "content", target)
        elif kind == "follows":
            subscription = manager.subscriptions.get(userid, "user", target)
        else:
            return "immediately"  # addressed, fixed contexts, mentions ...
        frequency = getattr(subscription, "frequency", None) or "immediately"
        if best is None or RANK[frequency] > RANK[best]:
            best = frequency
        if best == "immediately":
            return best
    return best or "immediately"


def stream_only(manager, userid, reasons):
    """Tell whether `userid` hears of an event only through "stream" subscriptions."""
    return bool(reasons) and strongest(manager, userid, reasons) == "stream"


def mail_mode(manager, userid, reasons, mode):
    """The mail mode of one notification: `mode` (the per-type one), held back to a
    digest when the subscriptions it came through ask for no more."""
    if mode == "immediately" and strongest(manager, userid, reasons) == "digest":
        return "daily"
    return mode

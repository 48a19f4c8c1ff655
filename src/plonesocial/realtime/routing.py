"""Routing keys of the realtime exchange, shared by Zope and the gateway.

One topic exchange carries everything: ``user.<id>`` for what one person
receives, ``stream.<id>`` for the "new items" signal of a stream (``site``
or a content UUID) and ``broadcast`` for everybody. Ids are percent-encoded,
dots included, so that no user id can contain a word separator or an AMQP
wildcard (``*``, ``#``) and bind to more than its own key.
"""

from urllib.parse import quote
from urllib.parse import unquote


BROADCAST = "broadcast"
SITE_STREAM = "site"


def _word(value):
    return quote(value, safe="").replace(".", "%2E")


def user_key(userid):
    """The routing key of what `userid` receives."""
    return f"user.{_word(userid)}"


def stream_key(stream):
    """The routing key of the signal of a stream (``site`` or a content UUID)."""
    return f"stream.{_word(stream)}"


def parse(key):
    """Return ``(kind, id)`` for a routing key: ('user', id), ('stream', id) or
    ('broadcast', None); raise ValueError for anything else."""
    if key == BROADCAST:
        return BROADCAST, None
    kind, _, word = key.partition(".")
    if kind not in ("user", "stream") or not word or "." in word:
        raise ValueError(f"not a realtime routing key: {key!r}")
    return kind, unquote(word)

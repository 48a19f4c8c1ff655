"""Activities, the references they make to entities, and their Activity Streams 2.0 form."""

from collections import namedtuple
from plone.uuid.interfaces import IUUID
from plonesocial import exc
from plonesocial.activitystream.interfaces import IActivity
from plonesocial.clock import from_key
from plonesocial.clock import isoformat
from zope.interface import implementer

import json


AS2_CONTEXT = "https://www.w3.org/ns/activitystreams"

# kind -> Activity Streams 2.0 type used when nothing better is known
REFERENCE_KINDS = {
    "content": "Object",  # Plone content, by UUID
    "user": "Person",  # a user, by userid
    "message": "Note",  # a private message, by the uid its two copies share
    "comment": "Note",  # a discussion comment, by its UUID
    "site": "Service",  # the site itself
    "group": "Collection",  # a group conversation, by its id (issue 15)
    "post": "Note",  # a member's post, by its uid (activitystream.posts)
}


class Reference(namedtuple("Reference", ["kind", "id"])):
    """An immutable pointer to an entity: its kind and its id (both strings)."""

    __slots__ = ()

    def __str__(self):
        return f"{self.kind}:{self.id}"


def make_reference(value, role="reference"):
    """Return a Reference for `value`.

    Accepts a Reference, a ``(kind, id)`` pair, or a Plone content object
    (anything with a UUID). None stays None. Raises InvalidReference.
    """
    if value is None or isinstance(value, Reference):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        kind, id_ = value
        if kind not in REFERENCE_KINDS:
            known = ", ".join(sorted(REFERENCE_KINDS))
            raise exc.InvalidReference(
                f"{role}: unknown kind {kind!r}; known kinds are {known}"
            )
        if not isinstance(id_, str) or not id_ or id_.strip() != id_:
            raise exc.InvalidReference(f"{role}: the id must be a non-empty string, not {id_!r}")
        return Reference(kind, id_)
    uuid = IUUID(value, None)
    if uuid is None:
        raise exc.InvalidReference(
            f"{role}: expected a Reference, a (kind, id) pair or content "
            f"with a UUID, not {type(value).__name__}"
        )
    return Reference("content", uuid)


def check_json(value, role="extra"):
    """Return a copy of any JSON-serialisable `value` (tgapp's and Lino's `extra`:
    a dict, a list, a string, a number, true/false or null)."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as error:
        raise exc.InvalidExtra(f"{role} does not serialise to JSON: {error}") from None


def check_extra(extra):
    """Return a copy of `extra` that is known to serialise to JSON."""
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise exc.InvalidExtra(f"extra must be a dict, not {type(extra).__name__}")
    try:
        # A round trip both validates and detaches the value from the caller.
        return json.loads(json.dumps(extra, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as error:
        raise exc.InvalidExtra(f"extra does not serialise to JSON: {error}") from None


class URNResolver:
    """Describes references as ``urn:plonesocial:<kind>:<id>`` with no name.

    The Plone integration registers a resolver that gives URLs and titles.
    """

    def describe(self, reference):
        return {
            "type": REFERENCE_KINDS[reference.kind],
            "id": f"urn:plonesocial:{reference.kind}:{reference.id}",
        }


@implementer(IActivity)
class Activity:
    """Something that happened: immutable, stored inline in the stream tree."""

    # The actor's display name when it happened, as used in `summary` (None:
    # not known, as for activities recorded before it was kept). Erasing the
    # actor's data takes this name out of the summary.
    actor_name = None
    # issue 16: the folders around `context` (innermost last) and the content type,
    # for the timeline's watch filters; unknown for activities recorded before
    ancestors = ()
    portal_type = None

    def __init__(self, id, actor, verb, object, target=None, context=None,
                 summary="", description="", extra=None, recipients=(),
                 restricted_to=None):
        self.id = id
        self.actor = actor
        self.verb = verb
        self.object = object
        self.target = target
        self.context = context
        self.summary = summary
        self.description = description
        self.extra = {} if extra is None else extra
        self.recipients = tuple(recipients)
        # frozenset of the principals that could View the object when it was
        # deleted, or None: a Delete must not show what its reader never saw.
        self.restricted_to = restricted_to

    @property
    def published(self):
        return from_key(self.id)

    def to_json(self, resolver=None):
        resolver = resolver or URNResolver()
        data = {
            "@context": AS2_CONTEXT,
            "id": f"urn:plonesocial:activity:{self.id}",
            "type": self.verb,
            "actor": resolver.describe(Reference("user", self.actor)),
            "published": isoformat(self.published),
        }
        if self.object is not None:  # optional, as in tgapp (issue 16)
            data["object"] = resolver.describe(self.object)
        if self.target is not None:
            data["target"] = resolver.describe(self.target)
        if self.context is not None:
            data["context"] = resolver.describe(Reference("content", self.context))
        if self.summary:
            data["summary"] = self.summary
        if self.description:
            data["content"] = self.description
        if self.recipients:
            data["to"] = [
                resolver.describe(Reference("user", userid))["id"]
                for userid in self.recipients
            ]
        if self.extra not in ({}, None):
            data["plonesocial:extra"] = self.extra
        return data

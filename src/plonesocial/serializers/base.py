"""Finding a serializer: the one way REST services and the personal-data export turn objects into JSON."""

from plone.restapi.interfaces import ISerializeToJson
from plonesocial.clock import isoformat
from zope.component import getMultiAdapter
from zope.globalrequest import getRequest
from zope.publisher.browser import TestRequest


def serialize(obj, request=None):
    """The JSON-ready dict of `obj`, from its ISerializeToJson adapter."""
    if request is None:
        request = getRequest() or TestRequest()
    return getMultiAdapter((obj, request), ISerializeToJson)()


def iso(value):
    """A naive UTC datetime as ISO 8601 with a Z, or None."""
    return None if value is None else isoformat(value)

"""The one place where plonesocial's errors become HTTP answers."""

from plonesocial import exc
from zExceptions import BadRequest
from zExceptions import Forbidden
from zExceptions import NotFound
from zope.globalrequest import getRequest
from zope.i18n import translate
from zope.i18nmessageid import Message


def error_text(error, request=None):
    """The error's sentence in the request's language (its own words if not translatable)."""
    message = error.args[0] if len(error.args) == 1 else None
    if isinstance(message, Message):
        return translate(message, context=request if request is not None else getRequest())
    return str(error)


def http_error(error):
    """The zExceptions error to raise for a plonesocial error, or None (429: see below).

    Bad input (``InvalidInput``) and refusals (a block) are 400 with the
    error's message, unknown ids 404, acting on data one may not (``NotAllowed``)
    403; a rate limit is answered 429 by the
    service itself (zExceptions has no 429).
    """
    if isinstance(error, exc.RateLimitExceeded):
        return None
    if isinstance(error, exc.NotFound):
        return NotFound(error_text(error))
    if isinstance(error, exc.NotAllowed):
        return Forbidden(error_text(error))
    return BadRequest(error_text(error))

"""The one place where plonesocial's errors become HTTP answers."""

from plonesocial import exc
from zExceptions import BadRequest
from zExceptions import Forbidden
from zExceptions import NotFound


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
        return NotFound(str(error))
    if isinstance(error, exc.NotAllowed):
        return Forbidden(str(error))
    return BadRequest(str(error))

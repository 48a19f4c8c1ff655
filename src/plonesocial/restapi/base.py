"""What every plonesocial service shares: the acting user, input, CSRF, collection pages."""

from AccessControl import getSecurityManager
from AccessControl.SpecialUsers import nobody
from plone.protect.authenticator import _verify_request as verify_token
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.services import Service
from plonesocial import exc
from plonesocial import logger
from plonesocial.activitystream.activity import AS2_CONTEXT
from plonesocial.activitystream.query import MAX_CURSOR
from plonesocial.clock import isoformat
from plonesocial.limits import MAX_BODY
from plonesocial.limits import settings_write_wait
from plonesocial.people import display_name
from plonesocial.restapi.errors import error_text
from plonesocial.restapi.errors import http_error
from urllib.parse import urlencode
from zExceptions import BadRequest
from zExceptions import Forbidden
from zExceptions import Unauthorized
from zope.interface import alsoProvides
from zope.interface import directlyProvides
from zope.interface import implementedBy
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse

import json
import transaction


DEFAULT_LIMIT = 20
MAX_LIMIT = 100
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
JSON = "application/json"
ANONYMOUS = nobody.getUserName()  # "Anonymous User"


@implementer(IPublishTraverse)
class SocialService(Service):
    """A service that acts for the authenticated user only, never for an id from the request."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        # @inbox/bob/123 -> params ["bob", "123"]
        self.params.append(name)
        return self

    def render(self):
        # The security manager's user, as plone.api's is_anonymous and get_current
        # read it, without wrapping it as a member (issue 13).
        user = getSecurityManager().getUser()
        if user is None or user.getUserName() == ANONYMOUS:
            raise Unauthorized("Log in to use this service")
        self.userid = user.getId()
        if self.request.method in WRITE_METHODS:
            self.check_csrf()
        try:
            return super().render()
        except exc.SocialError as error:
            mapped = http_error(error)
            if mapped is None:  # the rate limit
                self.request.response.setHeader("Content-Type", self.content_type)
                return json.dumps(self.too_many_requests(error_text(error), error.retry_after))
            if isinstance(mapped, BadRequest):
                return self.client_error(mapped)
            raise mapped from None
        except BadRequest as error:
            return self.client_error(error)

    def client_error(self, error):
        """Answer 400 as plone.restapi would, logged at INFO without a traceback.

        Raised, a BadRequest reaches Zope's error log, which logs it as an
        ERROR with a traceback: the client's mistake is no server fault
        (issue 14). The transaction is doomed: a refusal writes nothing.
        """
        transaction.doom()
        message = str(error)
        logger.info("400 %s %s: %s", self.request.method, self.request.getURL(), message)
        response = self.request.response
        response.setStatus(400)
        response.setHeader("Content-Type", self.content_type)
        return json.dumps({"type": "BadRequest", "message": message})

    def check_csrf(self):
        """Refuse a write that a page on another site could make the browser send.

        The login cookie goes with every request the browser makes, and so do
        HTTP Basic credentials it has cached: such a write must carry
        plone.protect's token in the X-CSRF-TOKEN header, unless it could not
        come from another site at all. A bearer token (JWT) is never added by
        the browser; a JSON body, PATCH or DELETE cross-site need a CORS
        preflight, which only the site's CORS policy can grant. A cross-site
        form can send POST with a form or text/plain body, and json_body
        would read a JSON text/plain body: so Basic-authenticated POSTs need
        the JSON content type (clients send it) or the token.
        """
        if not verify_token(self.request) and self.forgeable():
            raise Forbidden("A write needs the X-CSRF-TOKEN header (plone.protect's token)")
        # Checked here; plone.protect's automatic check would refuse the
        # service's own (legitimate) writes.
        disable_automatic_check(self.request)

    def settings_write_limited(self):
        """The 429 answer if the user changed settings too often, else None."""
        wait = settings_write_wait(self.userid)
        if wait is None:
            return None
        return self.too_many_requests(
            f"Too many changes of settings and subscriptions; try again in {wait} seconds",
            wait)

    def too_many_requests(self, message, retry_after):
        """Answer 429 in the shape of plone.restapi's errors, with a Retry-After header.

        Returned, not raised: zExceptions has no 429, and the refusal wrote nothing.
        """
        response = self.request.response
        response.setStatus(429)
        response.setHeader("Retry-After", str(retry_after))
        return {"type": "TooManyRequests", "message": message, "retry_after": retry_after}

    def forgeable(self):
        """Tell whether a page on another site could have made this request."""
        # Zope moves the Authorization header out of the environment into _auth.
        authorization = getattr(self.request, "_auth", None) or self.request.getHeader(
            "Authorization") or ""
        if not authorization:
            return True  # the login cookie, or nothing
        if authorization[:7].lower() == "bearer ":
            return False
        content_type = (self.request.getHeader("Content-Type") or "").split(";")[0]
        return self.request.method == "POST" and content_type.strip().lower() != JSON

    # Bytes of JSON body accepted (a 4 MB PATCH once grew Data.fs by 6.6 MB); never
    # below MAX_BODY (a service may accept more: a message with its files).
    max_body = MAX_BODY

    def body(self):
        """Return the JSON body as a dict, or raise BadRequest."""
        size = len(self.request.get("BODY") or b"")
        # A larger limit is computed from the site's settings: only for a larger body.
        if size > MAX_BODY and size > self.max_body:
            raise BadRequest(f"The request body has {size} bytes; at most {self.max_body} "
                             "are accepted here")
        try:
            data = json.loads(self.request.get("BODY") or "{}")
        except ValueError:
            raise BadRequest("The body is not valid JSON") from None
        if not isinstance(data, dict):  # valid JSON, but a list, a string, a number
            raise BadRequest("The body must be a JSON object")
        return data

    def int_param(self, name, default=None, minimum=1, maximum=MAX_CURSOR):
        """The query parameter `name` as an int from `minimum` to `maximum`, or BadRequest.

        Only a decimal string (or Zope's ``:int``) is a number: ``:float``,
        ``:list`` or ``:record`` forms are refused, not rounded or guessed.
        """
        value = self.request.form.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("+-").isascii():
            try:
                number = int(value)
            except ValueError:
                pass
        if number is None:
            raise BadRequest(f"{name} must be an integer, not {value!r}"[:200])
        if not minimum <= number <= maximum:
            raise BadRequest(f"{name} must be between {minimum} and {maximum}")
        return number

    def limit(self):
        return self.int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)

    def run_query(self, query):
        """Apply the request's limit and keyset cursors to an IQuery; return (items, limit)."""
        limit = self.limit()
        query = query.limit(limit)
        before = self.int_param("before")
        after = self.int_param("after")
        if before is not None:
            query = query.before(before)
        if after is not None:
            query = query.after(after)
        return query.all(), limit

    def page(self, base_url, items, ids, limit, part_of, query=None):
        """An Activity Streams 2.0 OrderedCollectionPage with keyset links.

        `items` are JSON objects newest first, `ids` their cursors.
        """
        query = dict(query or {})
        this = dict(query)
        for name in ("before", "after"):
            if self.request.form.get(name):
                this[name] = self.request.form[name]
        page = {
            "@context": AS2_CONTEXT,
            "type": "OrderedCollectionPage",
            "id": _url(base_url, this),
            "partOf": part_of,
            "orderedItems": items,
        }
        if ids and len(ids) >= limit:
            page["next"] = _url(base_url, dict(query, before=ids[-1], limit=limit))
        if ids and (self.request.form.get("before") or self.request.form.get("after")):
            page["prev"] = _url(base_url, dict(query, after=ids[0], limit=limit))
        return page


# (request class, its own interfaces) -> those with IDisableCSRFProtection: kept so
# that zope.interface's cache of such declarations (weak) finds them next time.
_WITHOUT_CHECK = {}


def disable_automatic_check(request):
    """``alsoProvides(request, IDisableCSRFProtection)``, without computing the
    resolution order of the request's dozen interfaces anew on every write.

    alsoProvides declares the request's interfaces plus the new one through a
    fresh declaration, which zope.interface cannot find in its cache: 0.4 ms a
    write on a Plone site (issue 13). The same interfaces declared one by one
    are found there, once a declaration of them is kept alive.
    """
    provides = getattr(request, "__provides__", None)
    bases = getattr(provides, "__bases__", ())
    if not bases or bases[-1] is not implementedBy(type(request)):
        alsoProvides(request, IDisableCSRFProtection)  # not a plain instance declaration
        return
    if IDisableCSRFProtection in bases[:-1]:
        return
    key = (type(request), *bases[:-1])
    directlyProvides(request, *bases[:-1], IDisableCSRFProtection)
    if key not in _WITHOUT_CHECK and len(_WITHOUT_CHECK) < 64:
        _WITHOUT_CHECK[key] = request.__provides__


def _url(base, query):
    return f"{base}?{urlencode(query)}" if query else base


def iso(value):
    return None if value is None else isoformat(value)


def fullname(userid):
    return display_name(userid)

"""Short-lived HMAC tickets: how a page proves to the gateway who it is.

Plone signs a ticket for the authenticated user (``@realtime-ticket``); the
gateway, which never sees a Plone session, accepts a connection only with a
valid, unexpired ticket it has not seen before. Everything the gateway needs
to know about the connection comes signed inside it: the user id, the expiry,
the origins the page may come from, the per-user connection cap and the
streams the user may follow. Nothing here imports Zope: the gateway uses it.

A ticket is ``<payload>.<signature>``, both base64url without padding; the
payload is compact JSON and the signature HMAC-SHA256 over the payload's
base64 text with the shared secret.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time


# The longest a ticket may live, checked by the gateway whatever the site says:
# a ticket that leaks (a log, a proxy) is useless a minute later.
MAX_TTL = 60
DEFAULT_TTL = 30


class TicketError(ValueError):
    """A ticket was refused; the message says why (for the gateway's log)."""


def new_secret():
    """Return a fresh random shared secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret, data):
    """Return the base64url HMAC-SHA256 of `data` (bytes) with `secret` (str)."""
    return _b64(hmac.new(secret.encode("utf-8"), data, hashlib.sha256).digest())


def verify_signature(secret, data, signature):
    """Tell whether `signature` is the HMAC of `data`, in constant time."""
    if not secret or not isinstance(signature, str):
        return False
    return hmac.compare_digest(sign(secret, data), signature)


def issue(secret, userid, origins=(), max_connections=10, streams=(), ttl=DEFAULT_TTL,
          now=None):
    """Return a ticket for `userid`, valid for `ttl` seconds (at most MAX_TTL)."""
    if not secret:
        raise TicketError("no shared secret configured")
    if not isinstance(userid, str) or not userid:
        raise TicketError("a ticket needs a user id")
    ttl = min(int(ttl), MAX_TTL)
    now = time.time() if now is None else now
    payload = {
        "u": userid,
        "e": int(now) + ttl,
        "o": sorted(set(origins)),
        "c": int(max_connections),
        "s": sorted(set(streams)),
        "n": secrets.token_urlsafe(12),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{body}.{sign(secret, body.encode('ascii'))}"


def verify(secrets_, ticket, now=None):
    """Return the payload of `ticket` if one of `secrets_` signed it and it is valid.

    `secrets_` is the current secret and, during a rotation, the previous one.
    Raises TicketError for a malformed, forged, expired or too long-lived one.
    """
    if not isinstance(ticket, str) or ticket.count(".") != 1 or len(ticket) > 4096:
        raise TicketError("malformed ticket")
    body, signature = ticket.split(".")
    if not any(verify_signature(secret, body.encode("ascii", "replace"), signature)
               for secret in secrets_ if secret):
        raise TicketError("bad signature")
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        raise TicketError("malformed payload") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), str) \
            or not isinstance(payload.get("e"), int):
        raise TicketError("malformed payload")
    now = time.time() if now is None else now
    if payload["e"] <= now:
        raise TicketError("expired ticket")
    if payload["e"] - now > MAX_TTL + 1:
        raise TicketError("ticket lives longer than allowed")
    return payload

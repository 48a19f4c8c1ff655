"""Which push endpoints the site talks to: https only, known push services, public addresses.

A browser's push subscription names the URL the site POSTs to. Taken as it
comes, it makes the site a request forgery channel into its own network
(127.0.0.1, 10.0.0.0/8, 169.254.169.254...). So an endpoint is accepted only
if it is https, its host is on the site's allow-list of push services, and
every address its name resolves to is public (or in a network the
administrator listed). The check runs at registration and again before every
send, and the send connects to an address that was just checked: a name that
resolves elsewhere by then (DNS rebinding) is refused, not followed.
"""

from plonesocial.delivery.settings import get_delivery_settings
from plonesocial.delivery.vapid import b64url_decode
from plonesocial.delivery.vapid import InvalidKey
from plonesocial.delivery.vapid import load_public_point

import ipaddress
import socket
import urllib.parse


MAX_ENDPOINT = 2048


class UnsafeEndpoint(ValueError):
    """An endpoint the site must not send to; the message says why."""


def check_keys(p256dh, auth):
    """Raise UnsafeEndpoint unless p256dh is a P-256 point and auth 16 bytes (base64url)."""
    try:
        load_public_point(p256dh)
    except InvalidKey as error:
        raise UnsafeEndpoint(f"p256dh is {error}") from None
    try:
        secret = b64url_decode(auth) if isinstance(auth, str) else b""
    except InvalidKey:
        secret = b""
    if len(secret) != 16:
        raise UnsafeEndpoint("auth must be the browser's 16-byte secret in base64url")


def _host_allowed(host, patterns):
    if not patterns:
        return True
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


def parse_endpoint(endpoint, settings=None):
    """Return (host, port, path) of an https endpoint on an allowed host; raise UnsafeEndpoint."""
    settings = settings or get_delivery_settings()
    if not isinstance(endpoint, str) or len(endpoint) > MAX_ENDPOINT:
        raise UnsafeEndpoint(f"endpoint must be a URL of at most {MAX_ENDPOINT} characters")
    try:
        parts = urllib.parse.urlsplit(endpoint)
        port = parts.port or 443
    except ValueError:
        raise UnsafeEndpoint("endpoint is not a URL") from None
    if parts.scheme != "https":
        raise UnsafeEndpoint("endpoint must be an https URL")
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password or not endpoint.isprintable():
        raise UnsafeEndpoint("endpoint must be an https URL with a host and no credentials")
    if not _host_allowed(host, settings.push_services):
        raise UnsafeEndpoint(f"{host} is not one of the push services this site sends to")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return host, port, path


def _is_allowed_address(address, networks):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for network in networks:
        network = ipaddress.ip_network(network, strict=False)
        if ip.version == network.version and ip in network:
            return True
    return ip.is_global and not ip.is_multicast


def resolve(host, port, settings=None):
    """Return every address of `host`, all checked public (or in the allowed private
    networks); raise UnsafeEndpoint if any is not, or if there is none."""
    settings = settings or get_delivery_settings()
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeEndpoint(f"{host} does not resolve: {error}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    networks = settings.push_private_networks or ()
    for address in addresses:
        if not _is_allowed_address(address, networks):
            raise UnsafeEndpoint(f"{host} resolves to {address}, which is not a public address")
    if not addresses:
        raise UnsafeEndpoint(f"{host} does not resolve")
    return addresses


def check_endpoint(endpoint, settings=None):
    """Return (host, port, path, addresses) for a safe endpoint; raise UnsafeEndpoint."""
    settings = settings or get_delivery_settings()
    host, port, path = parse_endpoint(endpoint, settings)
    return host, port, path, resolve(host, port, settings)


def check_registration(endpoint, p256dh, auth):
    """Everything a new push subscription must pass (PushSubscription calls it)."""
    check_keys(p256dh, auth)
    check_endpoint(endpoint)


def check_subscription(endpoint, p256dh, auth, settings=None):
    """What a stored push subscription must pass without the network: real keys,
    https, an allowed push service. (Addresses are checked by check_endpoint at
    registration over the web, and before every send.)"""
    check_keys(p256dh, auth)
    parse_endpoint(endpoint, settings)

"""The site's VAPID keys: accepted as PEM (with or without line breaks) or base64url."""

from base64 import urlsafe_b64decode
from base64 import urlsafe_b64encode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from plonesocial import _
from zope.interface import Invalid

import binascii
import re


PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.S)


class InvalidKey(ValueError):
    """A key that is not a P-256 key in a form we read."""


def b64url_decode(value):
    value = "".join(value.split())
    if not re.fullmatch(r"[A-Za-z0-9_\-]+=*", value or "!"):
        raise InvalidKey("not base64url")
    try:
        return urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise InvalidKey("not base64url") from None


def b64url_encode(data):
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def load_private_key(value):
    """Return the EC private key of `value`: PEM (any line breaks), or base64url of the
    raw 32-byte secret or of DER. Raise InvalidKey."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidKey("no key")
    text = value.strip()
    match = PEM.search(text)
    try:
        if match:
            # A PEM pasted into a one-line field lost its line breaks: rewrap it.
            label, body = match.group(1), "".join(match.group(2).split())
            lines = [body[i:i + 64] for i in range(0, len(body), 64)]
            pem = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])
            key = serialization.load_pem_private_key(pem.encode(), password=None)
        else:
            raw = b64url_decode(text)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except InvalidKey:
        raise
    except (ValueError, TypeError):
        raise InvalidKey("not a private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise InvalidKey("not a P-256 (prime256v1) key")
    return key


def load_public_point(value):
    """Return the P-256 public key of base64url `value` (an uncompressed point); raise InvalidKey."""
    raw = b64url_decode(value) if isinstance(value, str) else b""
    if len(raw) != 65 or raw[0] != 4:
        raise InvalidKey("not an uncompressed P-256 point (65 bytes starting with 0x04)")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise InvalidKey("not a point on the P-256 curve") from None


def public_key_of(private_key):
    """The base64url application server key browsers need for `private_key`."""
    return b64url_encode(private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def vapid_for(value):
    """A py_vapid signer for the stored private key."""
    from py_vapid import Vapid02

    return Vapid02(private_key=load_private_key(value))


def check_private_key(value):
    """Field constraint: an empty value, or a key load_private_key reads."""
    if value and value.strip():
        try:
            load_private_key(value)
        except InvalidKey as error:
            raise Invalid(_("The VAPID private key is not usable (${reason}): paste the "
                            "PEM file or the base64url key",
                            mapping={"reason": str(error)})) from None
    return True


def check_public_key(value):
    """Field constraint: an empty value, or an uncompressed P-256 point in base64url."""
    if value and value.strip():
        try:
            load_public_point(value.strip())
        except InvalidKey as error:
            raise Invalid(_("The VAPID public key is not usable (${reason})",
                            mapping={"reason": str(error)})) from None
    return True

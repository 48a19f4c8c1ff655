"""What a file is, by its content (``sniff``), and a safe name for it; ``attachments``
re-exports these names."""

from io import BytesIO
from plonesocial import _
from plonesocial import exc

import mimetypes
import unicodedata
import warnings


# Raster formats PIL reads, and the only types ever shown inline.
RASTER = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
INLINE_TYPES = frozenset(RASTER.values())
MAX_PIXELS = 50_000_000  # larger images are refused (a decompression bomb)
MAX_NAME = 120  # characters of a file name, extension included
SNIFF_BYTES = 1024

# Signatures of the types told apart by their first bytes.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x7fELF", "application/x-executable"),
    (b"MZ", "application/x-msdownload"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
)
# Markup a browser would render (or run) if it sniffed it: never stored as anything else.
MARKUP = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe",
          b"<img", b"<a ", b"<div", b"<meta", b"<style", b"<svg", b"<!--")
# Types that are zip archives inside: a client's more exact claim is kept.
ZIP_FAMILY = ("application/zip", "application/vnd.openxmlformats-officedocument.",
              "application/vnd.oasis.opendocument.", "application/epub+zip",
              "application/java-archive")
OLE_FAMILY = ("application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint")
TEXT_TYPES = ("text/plain", "text/csv", "text/markdown", "text/calendar", "text/vcard")
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
FORBIDDEN_IN_NAMES = '<>:"|?*'


def clean_type(value):
    """A declared MIME type, lowercased without parameters ('' if none or malformed)."""
    if not isinstance(value, str):
        return ""
    value = value.split(";")[0].strip().lower()
    if value.count("/") != 1 or not value.isascii() or len(value) > 200 or any(
            ch.isspace() or not ch.isprintable() for ch in value):
        return ""
    return value


def raster_type(data):
    """The MIME type of `data` if PIL reads it as a PNG, JPEG, GIF or WebP, else None.

    Refuses (InvalidAttachment) an image of more than MAX_PIXELS pixels.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(BytesIO(data))
            fmt = image.format
            width, height = image.size
            image.verify()
    except Exception:
        return None
    if fmt not in RASTER:
        return None
    if width * height > MAX_PIXELS:
        raise exc.InvalidAttachment(_(
            "The image has ${pixels} pixels; at most ${max} are accepted.",
            mapping={"pixels": width * height, "max": MAX_PIXELS}))
    return RASTER[fmt]


def sniff(data):
    """The MIME type the content of `data` shows, or None when it does not tell.

    Markup (HTML, SVG, XML) is found as a browser would find it: at the start,
    after a byte-order mark and white space.
    """
    head = data[:SNIFF_BYTES]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom):]
            break
    lowered = head.lstrip().lower()
    if lowered.startswith(b"<svg") or (lowered.startswith(b"<?xml") and b"<svg" in lowered):
        return "image/svg+xml"
    if lowered.startswith(MARKUP):
        return "text/html"
    if lowered.startswith(b"<?xml"):
        return "application/xml"
    found = raster_type(data)
    if found is not None:
        return found
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if b"\x00" not in head:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def content_type_of(declared, data, filename=""):
    """The type to store for `data` that a client declared as `declared`.

    The content decides where it tells (`sniff`); a client's more exact
    claim is kept only where the content agrees (a .docx is a zip). A claim
    of a raster image that the content does not back is refused.
    """
    declared = clean_type(declared) or clean_type(mimetypes.guess_type(filename or "")[0])
    detected = sniff(data)
    if detected in INLINE_TYPES:
        return detected
    if declared in INLINE_TYPES:
        raise exc.InvalidAttachment(_(
            "The file ${name} is not the image it claims to be.", mapping={"name": filename}))
    if detected == "application/zip" and declared.startswith(ZIP_FAMILY):
        return declared
    if detected == "application/x-ole-storage" and declared in OLE_FAMILY:
        return declared
    if detected == "text/plain":
        return declared if declared in TEXT_TYPES else "text/plain"
    if detected is not None:
        return detected
    # Binary content the sniffer does not know: no claim of a type it would know.
    if not declared or declared.startswith(("text/", "image/")) or declared in (
            "application/pdf", "application/xml", "application/xhtml+xml") or \
            declared.startswith(ZIP_FAMILY) or declared in OLE_FAMILY:
        return "application/octet-stream"
    return declared


def sanitise_filename(name, content_type="application/octet-stream"):
    """A file name safe to show and to offer for download.

    Only the last part of a path; no control, format (bidi) or separator
    characters; no characters Windows refuses; no leading dots; at most
    MAX_NAME characters with the extension kept; "attachment" (with an
    extension for the type) when nothing is left.
    """
    if not isinstance(name, str):
        name = ""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("Z") or ch.isspace():
            kept.append(" ")
        elif category.startswith("C") or ch in FORBIDDEN_IN_NAMES:
            kept.append("" if category.startswith("C") else "_")
        else:
            kept.append(ch)
    name = " ".join("".join(kept).split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 10 or " " in extension:
        stem, extension = name, ""
    if stem.upper() in WINDOWS_RESERVED:
        stem = f"_{stem}"
    if not stem:
        stem = "attachment"
        extension = (mimetypes.guess_extension(content_type) or "").lstrip(".")
    suffix = f".{extension}" if extension else ""
    stem = stem[:MAX_NAME - len(suffix)].rstrip(" .") or "attachment"
    return stem + suffix

"""User text next to other text: bidi controls removed from headers, isolated in HTML.

A name or a title with U+202E (RIGHT-TO-LEFT OVERRIDE) reverses what follows
it on screen: "evil\u202Efdp.exe" shows as "evilexe.pdf", and a subject line
can be made to read as something the site never wrote. In mail headers (which
have no markup) every bidi control and other invisible control character is
removed; in HTML each piece of user text is wrapped in ``<bdi>``, whose
content cannot reorder the text around it.
"""

from html import escape

import re
import unicodedata


# Embeddings, overrides, isolates and marks (the explicit bidi formatting characters).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def strip_controls(text):
    """Return `text` without bidi controls, control characters (line breaks become
    spaces) or other invisible format characters; runs of white space become one."""
    if not text:
        return ""
    text = _BIDI.sub("", text)
    text = "".join(
        " " if unicodedata.category(char) == "Cc" else char
        for char in text
        if unicodedata.category(char) != "Cf" or char in "\u200d"  # keep emoji joiners
    )
    return " ".join(text.split())


def isolate(text):
    """HTML for user text among other text: escaped, and in a <bdi> of its own."""
    return f"<bdi>{escape(text or '')}</bdi>"


def has_bidi_controls(text):
    return bool(text) and bool(_BIDI.search(text))

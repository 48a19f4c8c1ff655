"""User text: its line endings as stored, and excerpts as notifications, lists and mails
quote it."""


def normalize_newlines(text):
    """`text` with each line break as "\\n": "\\r\\n" (what browsers submit from a
    textarea) and a lone "\\r" become "\\n". Anything but a str comes back as it is,
    for the caller's own check to refuse.

    Called once where user text enters storage (the messaging store's send, the
    messaging and activity stream APIs), before its length is checked: pages and REST
    clients then read the same text.
    """
    if not isinstance(text, str) or "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def excerpt(text, length):
    """`text` on one line, cut to at most `length` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"

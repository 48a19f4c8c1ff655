"""Excerpts of user text, as notifications, lists and mails quote it."""


def excerpt(text, length):
    """`text` on one line, cut to at most `length` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"

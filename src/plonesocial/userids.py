"""Validation of the user ids and texts that messaging and activity streams accept."""


def check_unicode(value, role, error):
    """Return the string `value` if it can be written out as UTF-8; else raise `error`.

    JSON can carry lone surrogates ("\\ud800"), which Python keeps in a str but no
    page, mail or UTF-8 response can encode: refused where they come in.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{role} is not valid Unicode (it has lone surrogates)") from None
    return value


def check_userid(userid, role, error):
    """Return `userid` if it is a non-empty, stripped string; else raise `error`."""
    if not isinstance(userid, str):
        raise error(f"{role} must be a string, not {type(userid).__name__}")
    if not userid or userid.strip() != userid:
        raise error(
            f"{role} must be a non-empty string without surrounding "
            f"white space, not {userid!r}"
        )
    return check_unicode(userid, role, error)

"""Validation of the user ids that messaging and activity streams accept."""


def check_userid(userid, role, error):
    """Return `userid` if it is a non-empty, stripped string; else raise `error`."""
    if not isinstance(userid, str):
        raise error(f"{role} must be a string, not {type(userid).__name__}")
    if not userid or userid.strip() != userid:
        raise error(
            f"{role} must be a non-empty string without surrounding "
            f"white space, not {userid!r}"
        )
    return userid

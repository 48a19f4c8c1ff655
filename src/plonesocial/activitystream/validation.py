"""The checks every activity stream store applies to its input, before the first write."""

from plonesocial import exc
from plonesocial import userids
from plonesocial.activitystream.settings import get_settings
from plonesocial.clock import to_key


def check_userid(userid, role="userid"):
    return userids.check_userid(userid, role, exc.InvalidUserId)


def check_text(value, role, optional=False):
    if optional and value is None:
        return value
    if not isinstance(value, str):
        raise exc.InvalidActivity(f"{role} must be a string, not {type(value).__name__}")
    return userids.check_unicode(value, role, exc.InvalidActivity)


def check_recipients(recipients, limited=True):
    """Return the distinct valid userids of `recipients`, at most max_recipients of them
    (unless not `limited`: an audience the site made, such as a group's participants)."""
    if not isinstance(recipients, (list, tuple, set, frozenset)):
        raise exc.InvalidActivity(
            f"recipients must be a list of userids, not {type(recipients).__name__}")
    recipients = tuple(dict.fromkeys(check_userid(r, "recipient") for r in recipients))
    limit = get_settings().max_recipients
    if limited and limit and len(recipients) > limit:
        raise exc.TooManyRecipients(
            f"{len(recipients)} recipients are addressed; at most {limit} are allowed "
            "in one call"
        )
    return recipients


def check_verb(verb):
    if not isinstance(verb, str) or not verb.strip() or verb.strip() != verb:
        raise exc.InvalidVerb(f"verb must be a non-empty string without surrounding "
                              f"white space, not {verb!r}")
    return userids.check_unicode(verb, "verb", exc.InvalidVerb)


def check_uuid(value, role):
    if not isinstance(value, str) or not value or value.strip() != value:
        raise exc.InvalidReference(f"{role} must be a content UUID, not {value!r}")
    return userids.check_unicode(value, role, exc.InvalidReference)


def check_id(value, role):
    """Return `value` if it is an id (an int, not a bool); else raise InvalidActivity."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise exc.InvalidActivity(f"{role} must be an id (an integer)")
    return value


def free_id(tree, when):
    """Return the first positive id at or after `when` not taken in `tree` (keyed by -id)."""
    id_ = to_key(when)
    while -id_ in tree:
        id_ += 1
    return id_

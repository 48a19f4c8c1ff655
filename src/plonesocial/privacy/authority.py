"""Who may erase whose data: Plone's rule that only Managers act on Managers."""

from plone import api
from plonesocial.exc import NotAllowed  # noqa: F401 (raised here)
from plonesocial.people import get_user


def check_may_erase(userid):
    """Raise NotAllowed if `userid` is a Manager and the current user is not.

    Plone refuses ``DELETE @users/boss`` to a Site Administrator when boss is
    a Manager; erasing boss's data is as grave, so the same rule applies.
    """
    user = get_user(userid)
    if user is None:
        return  # a removed user's leftovers: whoever may remove users may erase them
    if "Manager" not in api.user.get_roles(user=user):
        return
    if "Manager" not in api.user.get_roles(user=api.user.get_current()):
        raise NotAllowed(f"Only a Manager may erase the data of {userid!r}, who is a Manager")

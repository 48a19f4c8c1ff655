"""People as plonesocial shows them: display names, who exists, erased users.

Looked up through plone.api when there is a site, once per user id and
request (a page of 20 notifications by the same person asks once); on a
plain ZODB (unit tests, scripts without a site) a user id is its own name.
"""

from AccessControl import getSecurityManager
from Acquisition import aq_base
from Acquisition import aq_inner
from Acquisition import aq_parent
from plone import api
from zope.component.hooks import getSite
from zope.globalrequest import getRequest


# The user id that stands for an erased user in other people's inboxes starts
# with this; Plone's registration refuses brackets in user ids.
ERASED_PREFIX = "[deleted]"
# What replaces an erased user's name and the text of their messages.
ERASED_NAME = "[deleted]"
ERASED_TEXT = "[deleted]"

_CACHE_KEY = "plonesocial.people"
_CHANGED_KEY = "plonesocial.people.principals-changed"


def request_cache():
    """A dict that lives as long as the current request (a fresh one without a request)."""
    return _cache()


def _cache():
    request = getRequest()
    if request is None:
        return {}
    try:
        cache = request.other.get(_CACHE_KEY)
        if cache is None:
            cache = request.other[_CACHE_KEY] = {}
        return cache
    except AttributeError:  # a request without `other` (a test request)
        return {}


def get_user(userid):
    """The Plone member of `userid`, or None (also without a site); cached per request."""
    if not isinstance(userid, str) or not userid:
        return None
    cache = _cache()
    if userid in cache:
        return cache[userid]
    try:
        user = _member(userid)
    except api.exc.CannotGetPortalError:  # a plain ZODB has no users to look up
        user = None
    cache[userid] = user
    return user


def _member(userid):
    """``api.user.get(userid=userid)`` with one lookup in the site's user folder, not
    two (the membership tool finds the folder holding the user, then the user in it;
    issue 13); a user of another folder (a Zope root user) as plone.api finds it."""
    site = getSite()
    folder = getattr(site, "acl_users", None)  # as the membership tool acquires it
    membership = getattr(site, "portal_membership", None)
    if folder is not None and membership is not None:
        user = folder.getUserById(userid)
        if user is not None:
            return membership.wrapUser(user.__of__(folder))
    return api.user.get(userid=userid)


def authenticated_user(userid):
    """The user this request was authenticated as, if that is `userid`, else None.

    No lookup: the site's user folder found it before publishing (issue 13: one
    lookup per user id and request). None as well for a user of another folder
    (a Zope root user), and once groups changed in this request
    (`principals_changed`): the user object holds the groups it was found with.
    """
    request = getRequest()
    if request is None or not isinstance(userid, str) or not userid:
        return None
    try:
        if request.other.get(_CHANGED_KEY):
            return None
    except AttributeError:  # a request without `other` (a test request)
        return None
    user = getSecurityManager().getUser()
    if user is None or not hasattr(aq_base(user), "getGroups") or user.getId() != userid:
        return None
    # Found by the user folder of this site (its only one), not of the Zope root.
    site = getSite()
    if site is None or aq_base(aq_parent(aq_parent(aq_inner(user)))) is not aq_base(site):
        return None
    return user


def principals_changed():
    """Note that group memberships changed in this request: users found before are stale."""
    request = getRequest()
    try:
        request.other[_CHANGED_KEY] = True
    except AttributeError:  # no request, or one without `other`
        pass


def _listed(userid):
    """Tell whether the site's user folder lists `userid`: an exact id search of its
    enumeration plugins, without building a member (properties, groups, roles),
    about 40 times cheaper than ``api.user.get`` (issue 13)."""
    try:
        acl_users = api.portal.get_tool("acl_users")
    except (api.exc.CannotGetPortalError, api.exc.InvalidParameterError):
        return False
    return any(info.get("id") == userid
               for info in acl_users.searchUsers(id=userid, exact_match=True))


def user_exists(userid):
    """Tell whether `userid` is a user of this site: the one check before addressing anyone.

    Once per user id and request. Users the site's folder does not list (a Zope
    root user) are looked up as members, as before.
    """
    if not isinstance(userid, str) or not userid:
        return False
    cache = _cache()
    key = ("exists", userid)
    if key not in cache:
        cache[key] = _listed(userid) or get_user(userid) is not None
    return cache[key]


def display_name(userid):
    """The name to show for `userid`: their full name, else the id itself."""
    if isinstance(userid, str) and userid.startswith(ERASED_PREFIX):
        return ERASED_NAME
    user = get_user(userid)
    name = user.getProperty("fullname", None) if user is not None else None
    return name or userid


def is_erased(userid):
    """Tell whether `userid` is the placeholder of an erased user."""
    return isinstance(userid, str) and userid.startswith(ERASED_PREFIX)

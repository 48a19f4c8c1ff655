"""Web Push subscriptions: each user's browsers that may show this site's notifications."""

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from plonesocial import exc
from plonesocial import userids
from plonesocial.clock import utcnow
from plonesocial.delivery.interfaces import IPushSubscription
from plonesocial.delivery.push_endpoints import check_subscription
from plonesocial.delivery.push_endpoints import UnsafeEndpoint
from zope.interface import implementer


# Browsers' push endpoints are a few hundred characters, the keys 87 (p256dh) and
# 22 (auth): the limits keep a client from storing megabytes per subscription.
MAX_ENDPOINT = 2048
MAX_KEY = 256
BASE64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def _check_text(value, role):
    if not isinstance(value, str):
        raise exc.InvalidActivity(f"{role} must be a string, not {type(value).__name__}")
    return userids.check_unicode(value, role, exc.InvalidActivity)


@implementer(IPushSubscription)
class PushSubscription:
    """One browser's permission to show this site's notifications. Immutable."""

    def __init__(self, endpoint, p256dh, auth, language="", user_agent=""):
        # Real keys, https to an allowed push service (delivery/push_endpoints.py).
        try:
            check_subscription(endpoint, p256dh, auth)
        except UnsafeEndpoint as error:
            raise exc.InvalidActivity(str(error)) from None
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")) \
                or len(endpoint) > MAX_ENDPOINT:
            raise exc.InvalidActivity(
                f"endpoint must be an http(s) URL of at most {MAX_ENDPOINT} characters")
        _check_text(endpoint, "endpoint")
        for name, value in (("p256dh", p256dh), ("auth", auth)):
            if not isinstance(value, str) or not value or not set(value) <= BASE64URL \
                    or len(value) > MAX_KEY:
                raise exc.InvalidActivity(
                    f"{name} must be a base64url string of at most {MAX_KEY} characters")
        for name, value in (("language", language), ("user_agent", user_agent)):
            _check_text(value, name)
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
        self.language = language[:35]
        self.user_agent = user_agent[:500]
        self.created = utcnow()

    def info(self):
        """The subscription as the Push API and pywebpush describe it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushSubscriptionStore(Persistent):
    """The push subscriptions of every user, one subtree each."""

    def __init__(self, tree=None):
        """A new store, or one around the tree of a manager stored before the stores."""
        # userid -> OOBTree(endpoint -> PushSubscription)
        self._subscriptions = OOBTree() if tree is None else tree

    def add(self, userid, endpoint, p256dh, auth, language="", user_agent=""):
        """Store (or renew) a browser's push subscription for `userid`; return it."""
        userids.check_userid(userid, "userid", exc.InvalidUserId)
        subscription = PushSubscription(endpoint, p256dh, auth, language, user_agent)
        mine = self._subscriptions.get(userid)
        if mine is None:
            mine = self._subscriptions[userid] = OOBTree()
        mine[subscription.endpoint] = subscription
        return subscription

    def remove(self, userid, endpoint):
        """Forget a push subscription; return True if there was one."""
        mine = self._subscriptions.get(userid)
        if mine is None or not isinstance(endpoint, str) or endpoint not in mine:
            return False
        del mine[endpoint]
        return True

    def get(self, userid):
        """The push subscriptions of `userid`, a list."""
        mine = self._subscriptions.get(userid)
        return [] if mine is None else list(mine.values())

    def remove_user(self, userid):
        """Forget every subscription of `userid`; return True if there were any."""
        return self._subscriptions.pop(userid, None) is not None

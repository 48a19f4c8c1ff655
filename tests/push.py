"""Push subscriptions the tests register: real keys, and an endpoint that needs no DNS.

Registration checks that p256dh is a P-256 point and auth a 16-byte secret,
and that the endpoint is https at a public address of an allowed push
service. The tests run without a resolver, so their endpoints are at a
public IP literal, with the allow-list emptied (any public host).
"""

from plone import api


P256DH = "BHYw5Cwb-1y8L0Jua72Xpb7_EXtRXCKGPvatTEV_mbIQFCUwmLuJ7TeaJkk5c62nDPLhsN2yMqEMswHAqWfBcDA"
AUTH = "0rgsHJjJDfSfS4SvMJ35Hg"
OTHER_P256DH = "BC0jQYqPven8L0km5ZNdWfAHG5Tn8V7lWNiq2YW1KWbol0zRazVS_xu9XEVhxxYSfbUsyXSpwOso4dxmM1PRv_I"
OTHER_AUTH = "CWolRAbE4oq4HHc6Qs0Q9g"
KEYS = {"p256dh": P256DH, "auth": AUTH}
VAPID_PRIVATE_KEY = "Epye2CvGgCKdVHWaOliHa_4o4Da8lrESzo7VJCawcQI"
PUBLIC = "https://93.184.216.34"  # a public address: nothing to resolve


def enable_push():
    """Turn desktop notifications on for the current site, any public push host allowed."""
    api.portal.set_registry_record("plonesocial.delivery.use_push_api", True)
    api.portal.set_registry_record("plonesocial.delivery.vapid_private_key",
                                   VAPID_PRIVATE_KEY)
    api.portal.set_registry_record("plonesocial.delivery.push_services", [])

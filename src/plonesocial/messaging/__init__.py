"""plonesocial.messaging: private messages between the users of a Plone site."""

"""plonesocial: the social communication layer for Plone sites."""

from zope.i18nmessageid import MessageFactory

import logging


PACKAGE_NAME = "plonesocial"

_ = MessageFactory(PACKAGE_NAME)

logger = logging.getLogger(PACKAGE_NAME)

"""Upgrade steps of the plonesocial:default profile."""

from plone import api
from plonesocial.activitystream.content import create_storage
from plonesocial.browser.controlpanel import sync_inboxes_limits


PROFILE = "profile-plonesocial:default"


def reload_registry(context):
    """Add the registry records the profile has now (existing values are kept)."""
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "plone.app.registry", run_dependencies=False)


def add_activity_streams(context):
    """1000 -> 1001: the activity manager and its registry records."""
    reload_registry(context)
    create_storage(api.portal.get())


def add_use_permission(context):
    """1002 -> 1003: who may use plonesocial's services, the control panel and its
    maximum message length."""
    setup = api.portal.get_tool("portal_setup")
    for step in ("rolemap", "controlpanel", "plone.app.registry"):
        setup.runImportStepFromProfile(PROFILE, step, run_dependencies=False)


def add_limits_and_privacy(context):
    """1003 -> 1004: the rate and recipient limits and the privacy settings, the
    erase configlet; the site's Inboxes get the rate limit of the registry."""
    reload_registry(context)
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "controlpanel", run_dependencies=False)
    sync_inboxes_limits(api.portal.get())


def add_delivery_outbox(context):
    """1004 -> 1005 (issue 12): the delivery settings, with the site URL from the
    request that runs the upgrade; the outbox and the idempotency keys; the Social
    delivery configlet."""
    from plonesocial.delivery.outbox import create_outbox
    from plonesocial.messaging import idempotency
    from plonesocial.setuphandlers import set_site_url_from_request

    reload_registry(context)
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "controlpanel", run_dependencies=False)
    create_outbox(api.portal.get())
    idempotency.STORAGE.create(api.portal.get())
    set_site_url_from_request(api.portal.get())

"""Upgrade steps of the plonesocial:default profile."""

from plone import api
from plone.registry.interfaces import IRegistry
from plonesocial import logger
from plonesocial.activitystream.content import create_storage
from plonesocial.activitystream.content import get_storage
from plonesocial.delivery.outbox import create_outbox
from plonesocial.messaging import idempotency
from plonesocial.messaging.locator import get_storage as get_inboxes
from plonesocial.setuphandlers import set_site_url_from_request
from zope.component import getUtility


PROFILE = "profile-plonesocial:default"

# Records that left plonesocial.activitystream.* for their subsystem's prefix.
MOVED_RECORDS = {
    "max_message_length": "plonesocial.messaging",
    "max_messages_per_minute": "plonesocial.messaging",
    "mark_seen_when_sent": "plonesocial.delivery",
    "use_push_api": "plonesocial.delivery",
    "vapid_public_key": "plonesocial.delivery",
    "vapid_private_key": "plonesocial.delivery",
    "vapid_contact": "plonesocial.delivery",
    "erase_messages": "plonesocial.privacy",
    "erase_on_user_removal": "plonesocial.privacy",
}


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
    erase configlet."""
    reload_registry(context)
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "controlpanel", run_dependencies=False)


def settings_per_subsystem_and_stores(context):
    """1004 -> 1005: one registry schema per subsystem; the activity core in stores.

    The values of the records that moved (messages, delivery, privacy) go to
    their new records and the old records are removed; the site's Inboxes
    forget the copies of the message limits they kept; the activity manager's
    trees move into its stores (no notification is copied).
    """
    reload_registry(context)
    registry = getUtility(IRegistry)
    for name, prefix in MOVED_RECORDS.items():
        old = f"plonesocial.activitystream.{name}"
        if old in registry.records:
            registry[f"{prefix}.{name}"] = registry[old]
            del registry.records[old]
    site = api.portal.get()
    inboxes = get_inboxes(site)
    if inboxes is not None:
        inboxes.forget_copied_limits()
    manager = get_storage(site)  # moves the trees into the stores
    logger.info("plonesocial: settings per subsystem; activity stores%s",
                " (moved)" if manager is not None else "")


def add_delivery_outbox(context):
    """1005 -> 1006: the delivery settings, with the site URL from the
    request that runs the upgrade; the outbox and the idempotency keys; the Social
    delivery configlet."""
    reload_registry(context)
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "controlpanel", run_dependencies=False)
    create_outbox(api.portal.get())
    idempotency.STORAGE.create(api.portal.get())
    set_site_url_from_request(api.portal.get())


def add_personal_menu_actions(context):
    """1008 -> 1009: Messages and Notifications in Plone's personal menu."""
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "actions", run_dependencies=False)


def rename_configlets(context):
    """1009 -> 1010: configlet titles not confusable with core's "Social Media"."""
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "controlpanel", run_dependencies=False)


def add_social_layer(context):
    """1014 -> 1015: posts, comments, likes, mentions and hashtags (issue 16): the
    characters-per-post setting, the "plonesocial: Post" permission for members,
    and the social stores."""
    from plonesocial.activitystream.social import get_social

    reload_registry(context)
    setup = api.portal.get_tool("portal_setup")
    setup.runImportStepFromProfile(PROFILE, "rolemap", run_dependencies=False)
    if get_storage(api.portal.get()) is not None:
        get_social(create=True)

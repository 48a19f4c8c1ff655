"""The plonesocial control panel: the site settings in the Plone registry."""

from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plonesocial import _
from plonesocial.activitystream.settings import get_settings
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX
from plonesocial.messaging.locator import get_storage
from zope.component.hooks import getSite


# Registry records the site's Inboxes keep a copy of: the messaging storage
# works on a plain ZODB too, so it never reads the registry itself.
INBOXES_LIMITS = ("max_message_length", "max_messages_per_minute")


class SettingsEditForm(RegistryEditForm):
    schema = IActivityStreamSettings
    schema_prefix = PREFIX
    label = _("Social settings")
    description = _("Messages, notifications, email, desktop notifications and privacy.")


class SettingsControlPanel(ControlPanelFormWrapper):
    form = SettingsEditForm


def sync_inboxes_limits(site):
    """Copy the registry's message limits to the Inboxes of `site` (if it has them)."""
    inboxes = get_storage(site)
    if inboxes is None:
        return
    settings = get_settings()
    for name in INBOXES_LIMITS:
        value = getattr(settings, name)
        if getattr(inboxes, name) != value:
            setattr(inboxes, name, value)


def sync_inboxes_limit(event):
    """Copy a changed message limit of the registry to the site's Inboxes."""
    record = event.record
    if record.fieldName in INBOXES_LIMITS and record.interfaceName == \
            IActivityStreamSettings.__identifier__:
        site = getSite()
        inboxes = get_storage(site) if site is not None else None
        if inboxes is not None and getattr(inboxes, record.fieldName) != event.newValue:
            setattr(inboxes, record.fieldName, event.newValue)

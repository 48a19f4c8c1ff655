"""The plonesocial control panel: the site settings in the Plone registry."""

from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plonesocial import _
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX
from plonesocial.messaging.locator import get_storage
from zope.component.hooks import getSite


class SettingsEditForm(RegistryEditForm):
    schema = IActivityStreamSettings
    schema_prefix = PREFIX
    label = _("Social settings")
    description = _("Messages, notifications, email and desktop notifications.")


class SettingsControlPanel(ControlPanelFormWrapper):
    form = SettingsEditForm


def sync_max_message_length(event):
    """Copy the registry's maximum message length to the site's Inboxes."""
    record = event.record
    if record.fieldName == "max_message_length" and record.interfaceName == \
            IActivityStreamSettings.__identifier__:
        site = getSite()
        inboxes = get_storage(site) if site is not None else None
        if inboxes is not None and inboxes.max_message_length != event.newValue:
            inboxes.max_message_length = event.newValue

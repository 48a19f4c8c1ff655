"""The plonesocial control panel: each subsystem's registry settings in a fieldset of its own."""

from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.registry.interfaces import IRegistry
from plonesocial import _
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX as ACTIVITYSTREAM
from plonesocial.messaging.settings import IMessagingSettings
from plonesocial.messaging.settings import PREFIX as MESSAGING
from plonesocial.privacy.settings import IPrivacySettings
from plonesocial.privacy.settings import PREFIX as PRIVACY
from Products.statusmessages.interfaces import IStatusMessage
from z3c.form import button
from z3c.form import field
from z3c.form import form
from z3c.form import group
from zope.component import getUtility


# (label, schema, registry prefix): one fieldset per subsystem. Delivery (mail and
# push) has a control panel of its own, with the outbox: browser/delivery.py.
FIELDSETS = (
    (_("Messages"), IMessagingSettings, MESSAGING),
    (_("Notifications"), IActivityStreamSettings, ACTIVITYSTREAM),
    (_("Privacy"), IPrivacySettings, PRIVACY),
)


class SettingsGroup(group.Group):
    """One subsystem's settings, read from and written to its own registry records."""

    def getContent(self):
        return getUtility(IRegistry).forInterface(self.schema, prefix=self.registry_prefix,
                                                  check=False)


def settings_group(label, schema, prefix):
    return type(f"{schema.__name__}Group", (SettingsGroup,), {
        "label": label, "schema": schema, "registry_prefix": prefix,
        "fields": field.Fields(schema),
        "__name__": prefix.rsplit(".", 1)[-1],
    })


class SettingsEditForm(group.GroupForm, form.EditForm):
    """Like plone.app.registry's RegistryEditForm, over several schemas and prefixes."""

    fields = field.Fields()  # every field is in a fieldset (a group)
    groups = tuple(settings_group(*fieldset) for fieldset in FIELDSETS)
    label = _("Social settings")
    description = _("Messages, notifications, email, desktop notifications and privacy.")
    control_panel_view = "@@overview-controlpanel"

    def getContent(self):
        return getUtility(IRegistry).forInterface(IMessagingSettings, prefix=MESSAGING,
                                                  check=False)

    @button.buttonAndHandler(_("Save"), name="save")
    def handleSave(self, action):
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        self.applyChanges(data)
        IStatusMessage(self.request).addStatusMessage(_("Changes saved."), "info")
        self.request.response.redirect(self.request.getURL())

    @button.buttonAndHandler(_("Cancel"), name="cancel")
    def handleCancel(self, action):
        IStatusMessage(self.request).addStatusMessage(_("Changes canceled."), "info")
        self.request.response.redirect(
            f"{self.context.absolute_url()}/{self.control_panel_view}")


class SettingsControlPanel(ControlPanelFormWrapper):
    form = SettingsEditForm


"""The plonesocial control panel: each subsystem's registry settings in a fieldset of its own."""

from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.registry.interfaces import IRegistry
from plonesocial import _
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX as ACTIVITYSTREAM
from plonesocial.browser.preferences import MODE_LABELS
from plonesocial.delivery.settings import IDeliverySettings
from plonesocial.delivery.settings import PREFIX as DELIVERY
from plonesocial.messaging.requests import POLICY_TITLES
from plonesocial.messaging.settings import IMessagingSettings
from plonesocial.messaging.settings import PREFIX as MESSAGING
from plonesocial.privacy.settings import IPrivacySettings
from plonesocial.privacy.settings import PREFIX as PRIVACY
from Products.statusmessages.interfaces import IStatusMessage
from z3c.form import button
from z3c.form import field
from z3c.form import form
from z3c.form import group
from z3c.form.browser.password import PasswordFieldWidget
from z3c.form.term import Terms
from zope.component import getUtility
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


# Choice fields of the registry hold plain values (a registry field cannot keep a
# vocabulary object): the form shows these titles instead of the raw tokens.
TITLES = {
    "default_mail_mode": MODE_LABELS,
    "accept_messages_from": POLICY_TITLES,  # issue 15: message requests
    "erase_messages": {
        "anonymise": _("Anonymise their messages in other people's inboxes"),
        "keep": _("Keep their messages in other people's inboxes"),
    },
}
# Secrets: a password widget, and an empty submission keeps the stored value.
SECRETS = ("vapid_private_key",)

# (label, schema, registry prefix): one fieldset per subsystem. Delivery's page
# (browser/delivery.py) shows the same settings beside the outbox's failed entries.
FIELDSETS = (
    (_("Messages"), IMessagingSettings, MESSAGING),
    (_("Notifications"), IActivityStreamSettings, ACTIVITYSTREAM),
    (_("Email and desktop notifications"), IDeliverySettings, DELIVERY),
    (_("Privacy"), IPrivacySettings, PRIVACY),
)


class SettingsGroup(group.Group):
    """One subsystem's settings, read from and written to its own registry records."""

    def getContent(self):
        return getUtility(IRegistry).forInterface(self.schema, prefix=self.registry_prefix,
                                                  check=False)

    def updateWidgets(self, prefix=None):
        super().updateWidgets(prefix)
        for name, titles in TITLES.items():
            widget = self.widgets.get(name)
            if widget is not None:
                terms = Terms()
                terms.terms = SimpleVocabulary([
                    SimpleTerm(term.value, term.token, titles.get(term.value, term.title))
                    for term in widget.terms])
                widget.terms = terms
                widget.update()
        for name in SECRETS:
            widget = self.widgets.get(name)
            if widget is not None:
                widget.value = ""  # never sent back to the browser
                widget.addClass("form-control")


def settings_group(label, schema, prefix):
    fields = field.Fields(schema)
    for name in SECRETS:
        if name in fields:
            fields[name].widgetFactory = PasswordFieldWidget
    return type(f"{schema.__name__}Group", (SettingsGroup,), {
        "label": label, "schema": schema, "registry_prefix": prefix,
        "fields": fields,
        "__name__": prefix.rsplit(".", 1)[-1],
    })


# The configlets' titles (profiles/default/controlpanel.xml), here to be translated.
CONFIGLET_TITLES = (
    _("Messaging and notifications"),
    _("Messaging: mail and push delivery"),
    _("Erase messaging data"),
)


class SettingsEditForm(group.GroupForm, form.EditForm):
    """Like plone.app.registry's RegistryEditForm, over several schemas and prefixes."""

    fields = field.Fields()  # every field is in a fieldset (a group)
    groups = tuple(settings_group(*fieldset) for fieldset in FIELDSETS)
    label = _("Messaging and notifications")
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
        for name in SECRETS:
            if name in data and not data[name]:
                del data[name]  # the password widget never shows it: empty means "unchanged"
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


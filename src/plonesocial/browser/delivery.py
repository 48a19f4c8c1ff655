"""The "Messaging: mail and push delivery" control panel: site URL, push, retries, the failed outbox."""

from datetime import timezone
from plone import api
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.protect import CheckAuthenticator
from plonesocial import _
from plonesocial.clock import from_key
from plonesocial.delivery.outbox import create_outbox
from plonesocial.delivery.settings import IDeliverySettings
from plonesocial.delivery.settings import PREFIX
from plonesocial.delivery.worker import wake_after_commit
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zExceptions import BadRequest
from zExceptions import MethodNotAllowed
from zExceptions import NotFound


MAX_LISTED = 200  # failed entries shown at once


class DeliverySettingsForm(RegistryEditForm):
    schema = IDeliverySettings
    schema_prefix = PREFIX
    label = _("Messaging: mail and push delivery")
    description = _("How emails and desktop notifications leave the site, and those "
                    "that could not be delivered.")


class DeliveryControlPanel(ControlPanelFormWrapper):
    """@@plonesocial-delivery: the settings form, then the failed outbox entries."""

    form = DeliverySettingsForm
    index = ViewPageTemplateFile("templates/delivery.pt")

    def counts(self):
        return create_outbox(api.portal.get()).counts()

    def failed(self):
        entries = []
        for entry in create_outbox(api.portal.get()).failed():
            entries.append({
                "id": entry.id,
                "kind": entry.kind,
                "recipient": entry.recipient,
                "endpoint": entry.endpoint or "",
                "attempts": entry.attempts,
                "error": entry.error,
                "created": from_key(entry.created).strftime("%Y-%m-%d %H:%M UTC"),
                "iso": from_key(entry.created).replace(tzinfo=timezone.utc).isoformat(),
                "subject": entry.notifications[0].subject if entry.notifications else "",
            })
            if len(entries) >= MAX_LISTED:
                break
        return entries


class OutboxActionView(BrowserView):
    """@@plonesocial-outbox: POST retry or discard of one failed entry (CSRF token)."""

    def __call__(self):
        if self.request.method != "POST":
            raise MethodNotAllowed("POST a retry or a discard")
        CheckAuthenticator(self.request)
        form = self.request.form
        try:
            entry_id = int(form.get("entry", ""))
        except ValueError:
            raise BadRequest("entry must be the id of an outbox entry") from None
        outbox = create_outbox(api.portal.get())
        if "retry" in form:
            if outbox.retry(entry_id) is None:
                raise NotFound("No such failed entry")
            wake_after_commit()
            api.portal.show_message(_("The entry will be sent again."), self.request)
        elif "discard" in form:
            if outbox.discard(entry_id) is None:
                raise NotFound("No such failed entry")
            api.portal.show_message(_("The entry was discarded."), self.request)
        else:
            raise BadRequest("Say retry or discard")
        self.request.response.redirect(
            f"{api.portal.get().absolute_url()}/@@plonesocial-delivery")
        return ""

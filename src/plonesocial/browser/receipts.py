"""@@messaging-settings: my messaging preferences (read receipts) on a page."""

from plone import api
from plonesocial import _
from plonesocial.browser.views import SocialView
from plonesocial.messaging import api as messaging


class MessagingSettingsView(SocialView):
    """GET shows the form; POST saves it (a checkbox: absent means unchecked)."""

    def prepare(self):
        self.hide_read_receipts = messaging.receipts_hidden(self.userid)

    def handle_post(self):
        hidden = bool(self.request.form.get("hide_read_receipts"))
        messaging.set_receipts_hidden(self.userid, hidden)
        api.portal.show_message(_("Your message settings were saved."), self.request)
        return f"{self.portal_url}/@@messaging-settings"

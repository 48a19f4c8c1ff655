"""@@messaging-settings: my messaging preferences (read receipts, whom I accept
messages from) on a page."""

from plone import api
from plonesocial import _
from plonesocial.browser.views import SocialView
from plonesocial.messaging import api as messaging
from plonesocial.messaging.requests import POLICIES
from plonesocial.messaging.requests import POLICY_TITLES
from zExceptions import BadRequest


class MessagingSettingsView(SocialView):
    """GET shows the form; POST saves it (a checkbox: absent means unchecked)."""

    page_title = _("Message settings")

    def prepare(self):
        self.hide_read_receipts = messaging.receipts_hidden(self.userid)
        inbox = messaging.get_inbox(self.userid)
        chosen = None if inbox is None else inbox.accept_messages_from
        default = messaging.default_message_policy()
        # Issue 15: whom I accept messages from; "" follows the site's default.
        self.policies = [{"value": "", "checked": chosen is None,
                          "title": _("The site's default: ${choice}",
                                     mapping={"choice": POLICY_TITLES[default]})}]
        self.policies += [{"value": policy, "checked": chosen == policy,
                           "title": POLICY_TITLES[policy]} for policy in POLICIES]

    def handle_post(self):
        hidden = bool(self.request.form.get("hide_read_receipts"))
        policy = self.request.form.get("accept_messages_from", "")
        if policy not in ("", *POLICIES):
            raise BadRequest("Choose whom you accept messages from")
        messaging.set_receipts_hidden(self.userid, hidden)
        messaging.set_message_policy(self.userid, policy or None)
        api.portal.show_message(_("Your message settings were saved."), self.request)
        return f"{self.portal_url}/@@messaging-settings"

"""The people picker of a group's Add people and of New conversation (templates/picker.pt,
static/pages.js): one picker, the inbox's To field uses its script too."""

from plonesocial import _
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zope.i18n import translate


class PeoplePicker:
    """Mixed into a SocialView: the macro and its one text the page writes itself."""

    picker = ViewPageTemplateFile("templates/picker.pt")

    def remove_label(self, name):
        """The name of a picked person's remove button ("Remove Ann Ames")."""
        return translate(_("Remove {name}"),
                         context=self.request).replace("{name}", name)

"""plonesocial's preferences as a tab beside Plone's own personal preferences.

plone.app.users lists its tabs (Personal Information, Personal Preferences,
Password) in ``AccountPanelForm.prepareObjectTabs``; it has no registry for
more. The add-on way is to register those three pages again for plonesocial's
browser layer (so only where plonesocial is installed) with the same classes
plus one tab, and to show the same tabs on ``@@notification-preferences``.
"""

from plone.app.users.browser.passwordpanel import PasswordPanel
from plone.app.users.browser.personalpreferences import PersonalPreferencesPanel
from plone.app.users.browser.userdatapanel import UserDataPanel
from plonesocial import _
from zope.component import getMultiAdapter


TAB_VIEW = "notification-preferences"


def social_tab(context, selected=False):
    return {
        "title": _("Notifications and messages"),
        "url": f"{context.absolute_url()}/@@{TAB_VIEW}",
        "selected": selected,
        "id": f"user_data-{TAB_VIEW}",
    }


class WithSocialTab:
    """Plone's tabs of the personal preferences, plus plonesocial's."""

    def prepareObjectTabs(self, *args, **kwargs):
        tabs = super().prepareObjectTabs(*args, **kwargs)
        return [*tabs, social_tab(self.context, selected=self.__name__ == TAB_VIEW)]


class SocialUserDataPanel(WithSocialTab, UserDataPanel):
    """@@personal-information with plonesocial's tab."""


class SocialPersonalPreferencesPanel(WithSocialTab, PersonalPreferencesPanel):
    """@@personal-preferences with plonesocial's tab."""


class SocialPasswordPanel(WithSocialTab, PasswordPanel):
    """@@change-password with plonesocial's tab."""


def account_tabs(context, request):
    """The tabs as Plone's personal pages show them, plonesocial's selected."""
    panel = getMultiAdapter((context, request), name="personal-information")
    return [dict(tab, selected=tab["id"] == f"user_data-{TAB_VIEW}")
            for tab in panel.prepareObjectTabs()]

"""The people picker of a group's Add people and of New conversation (templates/picker.pt,
static/pages.js): one picker, the inbox's To field uses its script too; and the search
it asks (@@plonesocial-people)."""

from plone import api
from plonesocial import _
from plonesocial.browser.views import SocialView
from plonesocial.messaging import api as messaging
from plonesocial.people import display_name
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zExceptions import MethodNotAllowed
from zExceptions import Unauthorized
from zope.i18n import translate

import json


class PeoplePicker:
    """Mixed into a SocialView: the macro and its one text the page writes itself."""

    picker = ViewPageTemplateFile("templates/picker.pt")

    def remove_label(self, name):
        """The name of a picked person's remove button ("Remove Ann Ames")."""
        return translate(_("Remove {name}"),
                         context=self.request).replace("{name}", name)


class PeopleView(SocialView):
    """@@plonesocial-people?q=...: up to 10 people to write to, by name or user id (JSON).

    Only for those who may list the site's members (Plone's "List portal
    members": Members by default): the picker shows no one a person could
    not find in Plone's own member search. Nor anyone who blocked the person
    searching: a message or group with them would be refused, and saying so
    after the picking tells no more than leaving them out does.
    """

    LIMIT = 10

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in first")
        if self.request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        if not api.user.has_permission("List portal members", obj=self.context):
            raise Unauthorized("You may not list the members of this site")
        me = api.user.get_current().getId()
        query = self.request.form.get("q")
        query = query.strip() if isinstance(query, str) else ""
        people = {}
        if len(query) >= 2:
            acl_users = api.portal.get_tool("acl_users")
            for criteria in ({"fullname": query}, {"login": query}):
                for found in acl_users.searchUsers(**criteria):
                    userid = found.get("userid") or found.get("id")
                    if userid and userid != me and userid not in people:
                        people[userid] = display_name(userid)
        ranked = sorted(people.items(), key=lambda item: (item[1].lower(), item[0]))
        # In rank order until LIMIT: one inbox looked at per person offered (and per
        # blocker passed over), however many the search found.
        offered = []
        for userid, name in ranked:
            if len(offered) == self.LIMIT:
                break
            if not messaging.is_blocked(userid, me):
                offered.append({"id": userid, "name": name})
        self.request.response.setHeader("Content-Type", "application/json")
        self.request.response.setHeader("Cache-Control", "private, no-cache")
        return json.dumps(offered)

"""The security matrix: endpoints found in the component registry, the access rule of
each declared permission, the probes that exercise them, and the victim's data.

Shared by tests/test_security_matrix.py, tests/test_idor.py, tests/test_csrf.py and
scripts/security_matrix.py (which prints the matrix into docs/security.md). Nothing
here lists the endpoints by hand: they come from the registrations of browser pages
(``browser:page``) and of plone.rest services (``plone:service``, registered as the
named adapters ``GET_application_json_@inbox``...). What is written by hand is the
intent: one rule per permission, and one probe table per endpoint; the tests fail
when an endpoint has no rule or no probes, and when a probed endpoint disappears.
"""

from dataclasses import dataclass
from dataclasses import field
from plone import api
from plone.app.testing import FunctionalTesting
from plone.app.testing import PloneSandboxLayer
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.base.interfaces import INavigationRoot
from plone.dexterity.interfaces import IDexterityContent
from plone.protect.authenticator import createToken
from plone.testing.zope import Browser
from plonesocial.activitystream.interfaces import IActivityLocator
from plonesocial.messaging import api as messaging_api
from plonesocial.messaging.attachments import Upload
from plonesocial.messaging.interfaces import IMessagingLocator
from plonesocial.testing import PLONESOCIAL_FIXTURE
from tests.push import AUTH
from tests.push import enable_push
from tests.push import OTHER_AUTH
from tests.push import OTHER_P256DH
from tests.push import P256DH
from zope.component import getGlobalSiteManager
from zope.component import getUtilitiesFor
from zope.component import getUtility
from zope.interface import Interface
from zope.security.interfaces import IPermission

import base64
import re
import transaction


PASSWORD = "secret-password"
# The actors of the matrix: the victim, who owns the data, and everyone else.
OWNER = "ann"
ACTORS = ("anonymous", "owner", "member", "siteadmin", "manager")
USERIDS = {"owner": OWNER, "member": "bob", "siteadmin": "sadie", "manager": "max",
           "anonymous": None}
ACTOR_LABELS = {"anonymous": "Anonymous", "owner": "Owner", "member": "Other member",
                "siteadmin": "Site Administrator", "manager": "Manager"}
CORRESPONDENT = "carl"  # writes to the owner; not an actor, so not an intruder
# Whose data the administrators' erase probes erase: not the owner, whose data
# nobody else may change, and not an actor. The correspondent writes to them too.
VICTIM = "vic"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# What only the owner may ever see. Each marker is unique in the site.
MESSAGE_TO_OWNER = "SECRET-MSG carl to ann: the vault code is 4711"
MESSAGE_FROM_OWNER = "SECRET-MSG ann to carl: noted"
NOTICE_SUBJECT = "SECRET-NOTE only for ann"
PUSH_ENDPOINT = "https://93.184.216.34/SECRET-PUSH-ann"
OWNER_TIMEZONE = "Pacific/Chatham"
PRIVATE_TITLE = "SECRET-DOC ann's private plan"
GROUP_MEMBER = "gus"  # in the owner's group with the correspondent: not an actor
GROUP_SECRET = "SECRET-GROUP carl to ann and gus: the plan"
FILE_SECRET = b"%PDF-1.4\nSECRET-FILE carl's attachment for ann\n%%EOF\n"
# (The timezone is no secret marker: the preferences page lists every timezone.)
# Issue 15: a message request waiting for the owner (they accept people they follow).
REQUEST_TO_OWNER = "SECRET-REQ gus to ann: may I write?"
OWNER_SECRETS = (MESSAGE_TO_OWNER, MESSAGE_FROM_OWNER, NOTICE_SUBJECT, "SECRET-PUSH-ann",
                 GROUP_SECRET, "SECRET-GROUP-TITLE", REQUEST_TO_OWNER, "SECRET-FILE",
                 "SECRET-POST", "SECRET-COMMENT")
MESSAGE_TO_VICTIM = "SECRET-VIC carl to vic: see you"
BLOCKED_BY_OWNER = "mallory"  # a user the owner blocks: not an actor
NOTICE_TO_VICTIM = "SECRET-VIC-NOTE only for vic"
# The owner's post and comment in a page only they may View (issue 16).
PRIVATE_POST = "SECRET-POST ann's #secretplan for @bob"
PRIVATE_COMMENT = "SECRET-COMMENT ann's note to self"
OWNER_TAG = "ownertag"


class SecurityLayer(PloneSandboxLayer):
    """Users and the owner's data, committed once for every security test."""

    defaultBases = (PLONESOCIAL_FIXTURE,)

    def setUpPloneSite(self, portal):
        for userid in (OWNER, CORRESPONDENT, VICTIM, BLOCKED_BY_OWNER, GROUP_MEMBER, "bob",
                       "sadie", "max"):
            api.user.create(email=f"{userid}@example.org", username=userid, password=PASSWORD,
                            properties={"fullname": userid.title()})
        api.user.grant_roles(username="sadie", roles=["Site Administrator"])
        api.user.grant_roles(username="max", roles=["Manager"])
        setRoles(portal, TEST_USER_ID, ["Manager"])
        public = api.content.create(portal, "Document", id="public-doc", title="Public page")
        api.content.transition(public, "publish")
        private = api.content.create(portal, "Document", id="private-doc", title=PRIVATE_TITLE)
        private.manage_setLocalRoles(OWNER, ["Owner"])
        private.reindexObjectSecurity()
        inboxes = getUtility(IMessagingLocator).get_inboxes()
        inboxes.send(OWNER, CORRESPONDENT, MESSAGE_FROM_OWNER)
        inboxes.send(CORRESPONDENT, OWNER, MESSAGE_TO_OWNER)  # unread by the owner
        inboxes[OWNER].block(BLOCKED_BY_OWNER)
        group = messaging_api.create_group(OWNER, [CORRESPONDENT, GROUP_MEMBER],
                                           "SECRET-GROUP-TITLE")
        # Issue 15: the owner's own group message (edit and unsend probes), read.
        messaging_api.send_to_group(OWNER, group.id, "ann's note to the group")
        messaging_api.send_to_group(CORRESPONDENT, group.id, GROUP_SECRET)  # unread by the owner
        # Issue 15: files for the owner, in the 1:1 conversation and in the group.
        messaging_api.send(CORRESPONDENT, OWNER, "a file", attachments=[
            Upload("plan.pdf", "application/pdf", FILE_SECRET)])
        messaging_api.send_to_group(CORRESPONDENT, group.id, "a group file", attachments=[
            Upload("group-plan.pdf", "application/pdf", FILE_SECRET)])
        # The edit probes run long after the layer was set up.
        api.portal.set_registry_record("plonesocial.messaging.edit_window_minutes", 525600)
        manager = getUtility(IActivityLocator).get_manager()
        manager.notify([OWNER], NOTICE_SUBJECT)
        manager.subscriptions.follow(OWNER, CORRESPONDENT)
        # The other member follows the author of both pages: their timeline has
        # the public page's activities, and must not show the private one's.
        manager.subscriptions.follow("bob", TEST_USER_ID)
        manager.subscriptions.watch(OWNER, api.content.get_uuid(private))
        # Issue 16: the owner muted their conversation with the correspondent; the
        # private page's watch is fixed for the Reviewers group (nobody of the actors).
        from plonesocial.activitystream import api as activitystream_api

        activitystream_api.mute(OWNER, "conversation", CORRESPONDENT, duration="week")
        activitystream_api.fix_watch(api.content.get_uuid(private), "Reviewers")
        enable_push()  # registering a browser needs push on
        manager.add_push_subscription(OWNER, PUSH_ENDPOINT, P256DH, AUTH)
        manager.get_preferences(OWNER).set(timezone=OWNER_TIMEZONE, digest_hour=7)
        inboxes.send(CORRESPONDENT, VICTIM, MESSAGE_TO_VICTIM)
        manager.notify([VICTIM], NOTICE_TO_VICTIM)
        manager.subscriptions.follow(VICTIM, CORRESPONDENT)
        manager.get_preferences(VICTIM).set(timezone="Asia/Kathmandu", digest_hour=9)
        messaging_api.set_message_policy(OWNER, "following")
        messaging_api.send(GROUP_MEMBER, OWNER, REQUEST_TO_OWNER)
        # A page only the owner may View (not even administrators), with her post
        # and her comment: every other actor must get 404 for their ids.
        only_owner = api.content.create(portal, "Document", id="owner-doc", title="Own")
        only_owner.manage_setLocalRoles(OWNER, ["Owner"])
        only_owner.manage_permission("View", roles=["Owner"], acquire=False)
        only_owner.manage_permission("Access contents information", roles=["Owner"],
                                     acquire=False)
        only_owner.reindexObjectSecurity()
        from plonesocial.activitystream import api as activitystream
        from tests.test_social import png

        post = activitystream.post(OWNER, PRIVATE_POST, context=only_owner.UID(),
                                   images=[("plan.png", png())])
        activitystream.comment(OWNER, post.id, PRIVATE_COMMENT)
        activitystream.follow_tag(OWNER, OWNER_TAG)
        setRoles(portal, TEST_USER_ID, ["Member"])
        # Realtime on, so that @realtime-ticket answers (it is 404 while off).
        api.portal.set_registry_record("plonesocial.realtime.enabled", True)
        api.portal.set_registry_record("plonesocial.realtime.gateway_url", "ws://localhost:8090")
        # ploneSite() commits after unsetting the site: the before-commit hook
        # records the pages' activities in the site they were noted in.


SECURITY_FIXTURE = SecurityLayer()
SECURITY_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(SECURITY_FIXTURE,), name="PlonesocialSecurity:FunctionalTesting")


# -- discovery -----------------------------------------------------------------------

SERVICE_NAME = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)_[a-z]+_[a-z0-9.+-]+_(.+)$")


@dataclass(frozen=True)
class Endpoint:
    """One registration: a REST verb of a service, or a browser page (any verb)."""

    kind: str  # "rest" or "page"
    name: str  # "@inbox" or "@@inbox"
    method: str  # the REST verb; "*" for a page, which sees every verb
    context: str  # "site", "content" or "any": what it is registered for
    permission: str  # the permission id, e.g. "plonesocial.Use"; "?" if none found
    factory: str  # dotted name of the plonesocial class

    @property
    def key(self):
        verb = "" if self.kind == "page" else f"{self.method} "
        return f"{verb}{self.name} on {self.context}"


def _registries():
    seen, todo = set(), [getGlobalSiteManager()]
    while todo:
        registry = todo.pop(0)
        if id(registry) not in seen:
            seen.add(id(registry))
            yield registry
            todo.extend(registry.__bases__)


def _plonesocial_class(factory):
    if not isinstance(factory, type):
        return None
    for klass in factory.__mro__:
        if (klass.__module__ or "").startswith("plonesocial"):
            return klass
    return None


def _context(for_):
    if for_.isOrExtends(INavigationRoot):
        return "site"
    if for_.isOrExtends(IDexterityContent):
        return "content"
    return "any"


def _permission(factory, titles):
    """The permission protecting the published object ('' or '__call__')."""
    found = {title for title, names in getattr(factory, "__ac_permissions__", ())
             if "" in names or "__call__" in names}
    if len(found) != 1:
        return "?"
    return titles.get(found.pop(), "?")


def discover():
    """Every plonesocial page and REST service in the component registry, sorted."""
    titles = {str(p.title): name for name, p in getUtilitiesFor(IPermission)}
    endpoints = set()
    for registry in _registries():
        for registration in registry.registeredAdapters():
            klass = _plonesocial_class(registration.factory)
            if (klass is None or registration.provided is not Interface
                    or len(registration.required) != 2):
                continue
            match = SERVICE_NAME.match(registration.name)
            if match:
                kind, method, name = "rest", match.group(1), match.group(2)
            else:
                kind, method, name = "page", "*", f"@@{registration.name}"
            endpoints.add(Endpoint(kind, name, method, _context(registration.required[0]),
                                   _permission(registration.factory, titles),
                                   f"{klass.__module__}.{klass.__name__}"))
    return sorted(endpoints, key=lambda e: (e.kind, e.name, e.context, e.method))


# -- rules ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """Who passes a permission's check: roles on the site, or View on the context."""

    summary: str
    grant: str  # what an allowed user gets, for the matrix in docs/security.md
    roles: frozenset = frozenset()  # site roles that have the permission
    view_context: bool = False  # the context's View permission decides

    def allows(self, actor, context):
        if self.view_context:
            return actor in VIEWERS[context]
        return bool(ROLES[actor] & self.roles)


ROLES = {"anonymous": {"Anonymous"}, "owner": {"Authenticated", "Member"},
         "member": {"Authenticated", "Member"},
         "siteadmin": {"Authenticated", "Member", "Site Administrator"},
         "manager": {"Authenticated", "Member", "Manager"}}
# Who may View each probed context (the private page is the owner's, Owner role).
VIEWERS = {"site": set(ACTORS), "public": set(ACTORS),
           "private": {"owner", "siteadmin", "manager"}}

RULES = {
    "plonesocial.Use": Rule("Member, Site Administrator, Manager (rolemap.xml)", "own data",
                            roles=frozenset({"Member", "Site Administrator", "Manager"})),
    # Plone gives Manage portal to Manager only; Site Administrators have the
    # "Plone Site Setup: *" permissions instead.
    "cmf.ManagePortal": Rule("Manager", "yes", roles=frozenset({"Manager"})),
    "zope2.View": Rule("whoever may View the context", "what they may View",
                       view_context=True),
    # Erasing a user's data takes the permission of removing the user: Plone
    # gives it to Manager and Site Administrator.
    "plone.app.controlpanel.UsersAndGroups": Rule(
        "Manager, Site Administrator (Plone's role map)", "any user's data",
        roles=frozenset({"Manager", "Site Administrator"})),
    # A message to everybody (@broadcasts): administrators only.
    "plonesocial.Broadcast": Rule("Site Administrator, Manager (rolemap.xml)", "everybody",
                                  roles=frozenset({"Site Administrator", "Manager"})),
    # Plone's personal pages, registered again for plonesocial's layer with its tab
    # (browser/account.py): Plone's own permissions and role map.
    "cmf.SetOwnProperties": Rule("Authenticated (Plone's role map)", "own data",
                                 roles=frozenset({"Authenticated", "Site Administrator",
                                                  "Manager"})),
    "cmf.SetOwnPassword": Rule("Authenticated (Plone's role map)", "own password",
                               roles=frozenset({"Authenticated", "Site Administrator",
                                                "Manager"})),
    # Posting (issue 16): members on the site; sharing can take it away per folder,
    # and the API also asks for View on the context.
    "plonesocial.Post": Rule("Member, Site Administrator, Manager (rolemap.xml)",
                             "posts where they may View",
                             roles=frozenset({"Member", "Site Administrator", "Manager"})),
}
# The permission titles the rules mean, checked against the site's role map.
PERMISSION_TITLES = {"plonesocial.Use": "plonesocial: Use", "cmf.ManagePortal": "Manage portal",
                     "plonesocial.Broadcast": "plonesocial: Broadcast",
                     "plone.app.controlpanel.UsersAndGroups": "Plone Site Setup: Users and Groups",
                     "cmf.SetOwnProperties": "Set own properties",
                     "cmf.SetOwnPassword": "Set own password",
                     "plonesocial.Post": "plonesocial: Post"}

# Endpoints that answer anonymous users. Every other endpoint acts for the
# authenticated user and asks anonymous users to log in, whatever its permission.
ANONYMOUS_ALLOWED = {"@@plonesocial-sw.js on site"}

# Endpoints whose point is to reach everybody's data: an administrator's
# broadcast appears in every notification list, the owner's too.
TO_EVERYBODY = {"POST @broadcasts on site"}

# The GETs that write on purpose: reading a conversation marks it read, and the
# notification menu's see-and-redirect link marks the notification seen.
GET_WRITES = {"@@conversation on site", "@@group on site", "@@see on site"}


def expected_access(endpoint, actor, context):
    """'allowed', 'login' (anonymous is asked to log in) or 'denied'."""
    rule = RULES[endpoint.permission]
    if actor == "anonymous" and endpoint.key not in ANONYMOUS_ALLOWED:
        return "login"
    if rule.allows(actor, context):
        return "allowed"
    return "login" if actor == "anonymous" else "denied"


# -- probes --------------------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    """One request, made by every actor with the owner's ids.

    `owner` is the owner's status; `foreign` the status of another user who passes
    the permission check but addresses the owner's data (404: not theirs to see, or
    the status of doing the same to their own, empty data). `path` is relative to
    the context; `{msg}`, `{note}`, `{uuid}`, `{portal}` are the owner's ids, and
    `{victim}` the userid whose data the administrators' erase probes erase.
    """

    method: str
    path: str = ""
    body: dict = field(default=None, hash=False)
    owner: int = 200
    foreign: int = 200
    context: str = "site"
    writes: bool = False  # the owner's request changes data


def _p(method, path="", body=None, owner=200, foreign=200, context="site", writes=None):
    if writes is None:
        writes = method != "GET"
    return Probe(method, path, body, owner, foreign, context, writes)


KEYS = {"p256dh": OTHER_P256DH, "auth": OTHER_AUTH}
FORM = {"mail_mode": "daily", "digest_hour": "3", "digest_weekday": "0", "timezone": "UTC"}

# Keyed by Endpoint.key; test_security_matrix checks it covers exactly the discovered ones.
PROBES = {
    # REST services
    "GET @inbox on site": [_p("GET", "@inbox"), _p("GET", "@inbox/carl", foreign=404),
                           _p("GET", "@inbox/carl/{msg}", foreign=404)],
    "POST @inbox on site": [_p("POST", "@inbox/carl", {"text": "hello"}, 201, 201),
                            _p("POST", "@inbox/carl", {"text": "a file", "attachments": [
                                {"filename": "a.txt", "content-type": "text/plain",
                                 "data": "aGk="}]}, 201, 201)],
    "PATCH @inbox on site": [_p("PATCH", "@inbox/carl", {"read": True}, 204, 404),
                             _p("PATCH", "@inbox/carl/{mine}", {"text": "edited"}, 200, 404)],
    "DELETE @inbox on site": [_p("DELETE", "@inbox/carl/{msg}", owner=204, foreign=404),
                              _p("DELETE", "@inbox/carl/{mine}?for=everyone", owner=204,
                                 foreign=404),
                              _p("DELETE", "@inbox/carl", owner=204, foreign=404)],
    "GET @blocks on site": [_p("GET", "@blocks")],
    "POST @blocks on site": [_p("POST", "@blocks", {"userid": "carl"}, 201, 201)],
    # Only the owner blocks mallory: unblocking them is 404 for everyone else.
    "DELETE @blocks on site": [_p("DELETE", f"@blocks/{BLOCKED_BY_OWNER}", owner=204,
                                  foreign=404)],
    "GET @conversations on site": [
        _p("GET", "@conversations"), _p("GET", "@conversations/{group}", foreign=404),
        _p("GET", "@conversations/{group}/messages", foreign=404),
        _p("GET", "@conversations/{group}/messages/{gmsg}", foreign=404),
        _p("GET", "@conversations/{group}/participants", foreign=404)],
    "POST @conversations on site": [
        _p("POST", "@conversations", {"participants": ["carl", "gus"]}, 201, 201),
        _p("POST", "@conversations/{group}/messages", {"text": "hi"}, 201, 404),
        _p("POST", "@conversations/{group}/participants", {"userids": ["vic"]}, 200, 404)],
    "PATCH @conversations on site": [
        _p("PATCH", "@conversations/{group}", {"read": True}, 200, 404),
        _p("PATCH", "@conversations/{group}", {"muted": True}, 200, 404),
        _p("PATCH", "@conversations/{group}", {"title": "New title"}, 200, 404),
        _p("PATCH", "@conversations/{group}", {"owner": "carl"}, 200, 404),
        _p("PATCH", "@conversations/{group}/messages/{gmine}", {"text": "edited"}, 200, 404)],
    "DELETE @conversations on site": [
        _p("DELETE", "@conversations/{group}/messages/{gmine}", owner=204, foreign=404),
        _p("DELETE", "@conversations/{group}/participants/gus", owner=204, foreign=404),
        _p("DELETE", "@conversations/{group}", owner=204, foreign=404)],
    "GET @messaging-settings on site": [_p("GET", "@messaging-settings")],
    "PATCH @messaging-settings on site": [
        _p("PATCH", "@messaging-settings", {"hide_read_receipts": True}),
        _p("PATCH", "@messaging-settings", {"accept_messages_from": "nobody"})],
    "GET @message-requests on site": [
        _p("GET", "@message-requests"), _p("GET", "@message-requests/gus", foreign=404)],
    "POST @message-requests on site": [
        _p("POST", "@message-requests/gus", {"action": "accept"}, 200, 404),
        _p("POST", "@message-requests/gus", {"action": "decline"}, 204, 404),
        _p("POST", "@message-requests/gus", {"action": "block"}, 204, 404)],
    "GET @notification-settings on site": [_p("GET", "@notification-settings")],
    "PATCH @notification-settings on site": [
        _p("PATCH", "@notification-settings", {"digest_hour": 5})],
    "GET @notifications on site": [_p("GET", "@notifications"),
                                   _p("GET", "@notifications/count")],
    "POST @notifications on site": [
        _p("POST", "@notifications/seen", {"ids": ["{note}"]}, foreign=404),
        # The notification is unseen already: marking it so writes nothing.
        _p("POST", "@notifications/unseen", {"ids": ["{note}"]}, foreign=404, writes=False),
        _p("POST", "@notifications/seen", {"all": True}),
        _p("POST", "@notifications/last-seen", {})],
    "GET @push-subscriptions on site": [_p("GET", "@push-subscriptions")],
    "POST @push-subscriptions on site": [
        _p("POST", "@push-subscriptions",
           {"endpoint": "https://93.184.216.34/new", "keys": KEYS}, 201, 201)],
    "DELETE @push-subscriptions on site": [
        _p("DELETE", "@push-subscriptions", {"endpoint": PUSH_ENDPOINT}, 204, 404)],
    # A message to everybody: administrators only (plonesocial: Broadcast).
    "POST @broadcasts on site": [_p("POST", "@broadcasts", {"subject": "Hello all"}, 201, 201)],
    # A ticket for the actor themselves; issuing one stores nothing.
    "POST @realtime-ticket on site": [_p("POST", "@realtime-ticket", {}, writes=False)],
    "GET @stream on site": [_p("GET", "@stream")],
    "GET @stream on content": [_p("GET", "@stream", context="public"),
                               _p("GET", "@stream", context="private")],
    # Posts, comments, likes, favorites and tags (issue 16): the owner's post is in a
    # page only she may View, so its ids are 404 for everybody else.
    "POST @stream on site": [_p("POST", "@stream", {"text": "hello #budget"}, 201, 201)],
    "POST @stream on content": [_p("POST", "@stream", {"text": "hello"}, 201, 201,
                                   context="public")],
    "GET @activities on site": [
        _p("GET", "@activities/{post}", foreign=404),
        _p("GET", "@activities/{post}/comments", foreign=404),
        _p("GET", "@activities/{post}/comments/{comment}", foreign=404),
        _p("GET", "@activities/{post}/likes", foreign=404),
        _p("GET", "@activities/{post}/comments/{comment}/likes", foreign=404)],
    "POST @activities on site": [
        _p("POST", "@activities/{post}/comments", {"text": "hi"}, 201, 404),
        _p("POST", "@activities/{post}/comments", {"text": "re", "reply_to": "{comment}"},
           201, 404),
        _p("POST", "@activities/{post}/likes", {}, 200, 404),
        _p("POST", "@activities/{post}/favorites", {}, 200, 404),
        _p("POST", "@activities/{post}/comments/{comment}/likes", {}, 200, 404)],
    "PATCH @activities on site": [
        _p("PATCH", "@activities/{post}", {"text": "changed"}, 200, 404),
        _p("PATCH", "@activities/{post}/comments/{comment}", {"text": "changed"}, 200, 404)],
    "DELETE @activities on site": [
        # Not liked by anybody: taking a like back changes nothing.
        _p("DELETE", "@activities/{post}/likes", owner=204, foreign=404, writes=False),
        _p("DELETE", "@activities/{post}/comments/{comment}", owner=204, foreign=404),
        _p("DELETE", "@activities/{post}", owner=204, foreign=404)],
    "GET @tags on site": [_p("GET", "@tags"), _p("GET", "@tags/secretplan")],
    "POST @tags on site": [_p("POST", "@tags/budget", {}, 201, 201)],
    # Everybody else unfollows a tag they never followed: nothing changes.
    "DELETE @tags on site": [_p("DELETE", f"@tags/{OWNER_TAG}", owner=204, foreign=204)],
    "GET @subscriptions on site": [_p("GET", "@subscriptions")],
    # Issue 16: one's own mutes; another's mute is not found.
    "GET @mutes on site": [_p("GET", "@mutes"),
                           _p("GET", f"@mutes/conversation/{CORRESPONDENT}", foreign=404)],
    "POST @mutes on site": [
        _p("POST", "@mutes", {"kind": "conversation", "target": CORRESPONDENT}, 201, 201)],
    "DELETE @mutes on site": [
        _p("DELETE", f"@mutes/conversation/{CORRESPONDENT}", owner=204, foreign=404)],
    # Issue 16: administrators fix a folder's watch for a group.
    "GET @fixed-watches on site": [_p("GET", "@fixed-watches")],
    "POST @fixed-watches on site": [
        _p("POST", "@fixed-watches", {"uuid": "{uuid}", "group": "Site Administrators"},
           201, 201)],
    "DELETE @fixed-watches on site": [
        _p("DELETE", "@fixed-watches/{uuid}/Administrators", owner=404, foreign=404,
           writes=False)],
    "POST @subscriptions on site": [_p("POST", "@subscriptions", {"follow": "carl"}, 201, 201)],
    "DELETE @subscriptions on site": [
        _p("DELETE", "@subscriptions/user/carl", owner=204, foreign=404),
        _p("DELETE", "@subscriptions/content/{uuid}", owner=204, foreign=404)],
    # Pages; their POSTs carry the actor's CSRF token.
    "@@inbox on site": [_p("GET", "@@inbox"),
                        _p("POST", "@@inbox", {"recipient": "carl", "text": "hi"}, 302, 302)],
    "@@conversation on site": [
        _p("GET", "@@conversation?with=carl", writes=True),
        _p("POST", "@@conversation", {"with": "carl", "delete_message": "{msg}"}, 302, 404),
        _p("POST", "@@conversation", {"with": "carl", "delete_conversation": "1"}, 302, 404),
        _p("POST", "@@conversation", {"with": "carl", "text": "reply"}, 302, 302),
        _p("POST", "@@conversation", {"with": "carl", "edit_message": "{mine}",
                                      "edited_text": "edited"}, 302, 404),
        _p("POST", "@@conversation", {"with": "carl", "unsend_message": "{mine}"}, 302, 404)],
    # Issue 15: files of messages, for the readers of the message only.
    "@@message-attachment on site": [
        _p("GET", "@@message-attachment/direct/carl/{filemsg}/{file}", foreign=404),
        _p("GET", "@@message-attachment/group/{group}/{gfilemsg}/{gfile}", foreign=404)],
    "@@conversation-messages on site": [
        _p("GET", "@@conversation-messages?with=carl", foreign=404),
        _p("GET", "@@conversation-messages?with=carl&id={msg}", foreign=404)],
    "@@blocked on site": [
        _p("GET", "@@blocked"),
        _p("POST", "@@blocked", {"block": "carl"}, 302, 302),
        _p("POST", "@@blocked", {"unblock": BLOCKED_BY_OWNER}, 302, 404)],
    "@@new-conversation on site": [
        _p("GET", "@@new-conversation"),
        _p("POST", "@@new-conversation", {"participants:list": ["carl", "gus"], "text": "hi"},
           302, 302)],
    "@@group on site": [
        _p("GET", "@@group?id={group}", foreign=404, writes=True),
        _p("POST", "@@group", {"id": "{group}", "text": "reply"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "rename": "1", "title": "T"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "add": "1", "userids": "vic"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "kick": "gus"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "transfer": "carl"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "mute": "1"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "leave": "1"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "delete": "1"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "edit_message": "{gmine}",
                               "edited_text": "edited"}, 302, 404),
        _p("POST", "@@group", {"id": "{group}", "unsend_message": "{gmine}"}, 302, 404)],
    "@@messaging-settings on site": [
        _p("GET", "@@messaging-settings"),
        _p("POST", "@@messaging-settings", {"hide_read_receipts": "1"}, 302, 302),
        _p("POST", "@@messaging-settings", {"accept_messages_from": "nobody"}, 302, 302)],
    "@@message-requests on site": [
        _p("GET", "@@message-requests"),
        _p("POST", "@@message-requests", {"with": "gus", "accept": "1"}, 302, 404),
        _p("POST", "@@message-requests", {"with": "gus", "decline": "1"}, 302, 404),
        _p("POST", "@@message-requests", {"with": "gus", "block": "1"}, 302, 404)],
    "@@notifications on site": [
        _p("GET", "@@notifications"),
        _p("POST", "@@notifications", {"mark_seen": "{note}"}, 302, 404),
        _p("POST", "@@notifications", {"mark_unseen": "{note}"}, 302, 404, writes=False),
        _p("POST", "@@notifications", {"mark_all": "1"}, 302, 302)],
    "@@see on site": [_p("GET", "@@see?id={note}&target={portal}/public-doc", owner=302,
                         foreign=302, writes=True)],
    "@@stream on site": [_p("GET", "@@stream")],
    # The forms of the stream pages (issue 16): the owner's post is 404 for the rest.
    "@@social-action on site": [
        _p("POST", "@@social-action", {"action": "post", "text": "hello"}, 302, 302),
        _p("POST", "@@social-action", {"action": "like", "id": "{post}"}, 302, 404),
        _p("POST", "@@social-action", {"action": "comment", "id": "{post}", "text": "hi"},
           302, 404),
        _p("POST", "@@social-action", {"action": "delete-comment", "id": "{post}",
                                       "comment": "{comment}"}, 302, 404),
        _p("POST", "@@social-action", {"action": "delete-post", "id": "{post}"}, 302, 404),
        _p("POST", "@@social-action", {"action": "follow-tag", "tag": "budget"}, 302, 302)],
    "@@tag on site": [_p("GET", "@@tag/secretplan"), _p("GET", f"@@tag/{OWNER_TAG}")],
    # The image of the owner's post in a page only she may View.
    "@@post-image on site": [_p("GET", "@@post-image/{post}/0", foreign=404),
                             _p("GET", "@@post-image/{post}/1", owner=404, foreign=404)],
    "@@stream on content": [_p("GET", "@@stream", context="public"),
                            _p("GET", "@@stream", context="private")],
    "@@notification-preferences on site": [_p("GET", "@@notification-preferences"),
                                           _p("POST", "@@notification-preferences", FORM)],
    "@@plonesocial-sw.js on site": [_p("GET", "@@plonesocial-sw.js")],
    "@@watch on content": [_p("POST", "@@watch", {"action": "watch"}, 302, 302,
                              context="public"),
                           _p("POST", "@@watch", {"action": "unwatch"}, 302, 302,
                              context="private")],
    "@@follow on site": [_p("POST", "@@follow", {"userid": "carl"}, 302, 302)],
    # Issue 16: administrators fix a folder's watch for a group.
    "@@fixed-watches on site": [
        _p("GET", "@@fixed-watches"),
        _p("POST", "@@fixed-watches", {"folder": "public-doc", "group": "Reviewers"},
           302, 302)],
    # Issue 16: the mute menus post here; each acts on one's own mutes only.
    "@@mute on site": [
        _p("POST", "@@mute", {"kind": "conversation", "target": "carl", "action": "unmute"},
           302, 302),
        _p("POST", "@@mute", {"kind": "content", "target": "{uuid}", "duration": "hour"},
           302, 302)],
    # Issue 14's pages: the Following page, the recipient picker, the menu's list.
    "@@following on site": [_p("GET", "@@following"),
                            _p("POST", "@@following", {"unfollow": "carl"}, 302, 302),
                            _p("POST", "@@following", {"unwatch": "{uuid}"}, 302, 302)],
    "@@plonesocial-people on site": [_p("GET", "@@plonesocial-people?q=ca")],
    "@@plonesocial-menu-items on site": [_p("GET", "@@plonesocial-menu-items")],
    # Export: one's own data only, there is no @personal-data/{userid} to read.
    "GET @personal-data on site": [_p("GET", "@personal-data"),
                                   _p("GET", f"@personal-data/{OWNER}", owner=404, foreign=404),
                                   _p("GET", "@personal-data/{victim}", owner=404, foreign=404)],
    # Erase: administrators erase the victim's data (200 with a summary, again
    # for the second one: nothing left to erase); the owner's data stays.
    "DELETE @personal-data on site": [_p("DELETE", "@personal-data/{victim}")],
    "@@personal-data on site": [_p("GET", "@@personal-data")],
    # The form, and its result on the same page (no redirect: it shows a summary).
    "@@erase-personal-data on site": [
        _p("GET", "@@erase-personal-data"),
        _p("POST", "@@erase-personal-data", {"userid": "{victim}", "messages": "anonymise"})],
    # The delivery settings and the failed outbox (issue 12); retrying an entry that
    # does not exist answers 404 and writes nothing.
    "@@plonesocial-delivery on site": [
        _p("GET", "@@plonesocial-delivery"),
        _p("POST", "@@plonesocial-delivery",
           {"form.buttons.cancel": "Cancel"}, 302, 302, writes=False)],
    "@@plonesocial-outbox on site": [
        _p("GET", "@@plonesocial-outbox", owner=405, foreign=405),
        _p("POST", "@@plonesocial-outbox", {"entry": "1", "retry": "1"}, 404, 404,
           writes=False)],
    # Plone's personal pages with plonesocial's tab: Cancel writes nothing (the
    # password form has no Cancel: it shows the form again).
    **{f"@@{name} on site": [
        _p("GET", f"@@{name}"),
        _p("POST", f"@@{name}", {"form.buttons.cancel": "Cancel"}, status, status,
           writes=False)]
       for name, status in (("personal-information", 302), ("personal-preferences", 302),
                            ("change-password", 200))},
    "@@plonesocial-controlpanel on site": [
        _p("GET", "@@plonesocial-controlpanel"),
        _p("POST", "@@plonesocial-controlpanel",
           {"form.buttons.cancel": "Cancel"}, 302, 302, writes=False)],
}


def supported_methods(endpoints, endpoint):
    """The verbs an endpoint answers: its registrations (REST) or its probes (pages)."""
    if endpoint.kind == "rest":
        return {e.method for e in endpoints
                if (e.kind, e.name, e.context) == (endpoint.kind, endpoint.name, endpoint.context)}
    return {probe.method for probe in PROBES.get(endpoint.key, ())}


# -- requests ------------------------------------------------------------------------

def basic_auth(userid):
    token = base64.b64encode(f"{userid}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def context_url(portal, context):
    if context == "site":
        return portal.absolute_url()
    return f"{portal.absolute_url()}/{context}-doc"


def owner_ids(portal):
    """The owner's ids that probes put into URLs and bodies."""
    transaction.begin()
    inboxes = getUtility(IMessagingLocator).get_inboxes()
    conversation = inboxes[OWNER][CORRESPONDENT]
    incoming = [m.id for m in conversation.get_messages() if m.sender == CORRESPONDENT]
    manager = getUtility(IActivityLocator).get_manager()
    [note] = [n.id for n in manager.get_by_recipient(OWNER).all()
              if n.subject == NOTICE_SUBJECT]
    [group_id] = messaging_api.get_groups().group_ids(OWNER)
    group = messaging_api.get_groups().get(group_id)
    group_message = group.message_ids(OWNER, 1)[0]
    # Issue 15: the owner's own messages (edit, unsend) and the files sent to them.
    mine = [m.id for m in conversation.get_messages() if m.sender == OWNER]
    with_file = [m for m in conversation.get_messages() if m.attachments]
    group_messages = list(group.get_messages(OWNER))
    group_mine = [m.id for m in group_messages if m.sender == OWNER and m.action is None]
    group_file = [m for m in group_messages if m.attachments]
    files = {"mine": mine[0], "filemsg": with_file[0].id, "file": with_file[0].attachments[0],
             "gmine": group_mine[0], "gfilemsg": group_file[0].id,
             "gfile": group_file[0].attachments[0]}
    from plonesocial.activitystream.social import get_social

    social = get_social()
    [post] = social.posts.of_author(OWNER)
    [comment] = social.comments.of_author(OWNER)
    return {**files, "msg": incoming[0], "note": note, "group": group_id, "gmsg": group_message,
            "post": post.activity_id, "comment": comment.id,
            "uuid": api.content.get_uuid(portal["private-doc"]),
            "portal": portal.absolute_url(), "victim": VICTIM}


def fill(value, ids):
    """Put the owner's ids into a probe's path or body (ints stay ints in JSON)."""
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        if whole:
            return ids[whole.group(1)]
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def csrf_token(userid):
    """plone.protect's token for `userid`, as their pages would carry it."""
    with api.env.adopt_user(username=userid):
        return createToken()


def send(testapp, portal, endpoint, probe, ids, headers, token=None):
    """Make a probe's request; pages get HTML and form bodies, services JSON."""
    url = f"{context_url(portal, probe.context)}/{fill(probe.path, ids)}"
    body = fill(probe.body, ids)
    headers = dict(headers)
    if endpoint.kind == "rest":
        headers["Accept"] = "application/json"
        if token:
            headers["X-CSRF-TOKEN"] = token
        if body is None:
            return testapp.request(url, method=probe.method, headers=headers, expect_errors=True)
        return getattr(testapp, f"{probe.method.lower()}_json")(
            url, body, headers=headers, expect_errors=True)
    headers["Accept"] = "text/html"
    if probe.method == "POST":
        form = dict(body or {})
        if token:
            form["_authenticator"] = token
        return testapp.post(url, form, headers=headers, expect_errors=True)
    return testapp.request(url, method=probe.method, headers=headers, expect_errors=True)


def is_login_redirect(response):
    return "require_login" in (response.headers.get("Location") or "")


# -- the owner's data ----------------------------------------------------------------

def owner_snapshot(userid=OWNER):
    """Everything of the owner's (or `userid`'s) that another user could try to change."""
    transaction.begin()
    inboxes = getUtility(IMessagingLocator).get_inboxes()
    manager = getUtility(IActivityLocator).get_manager()
    inbox = inboxes.get(userid)
    conversations = {}
    if inbox is not None:
        for conversation in inbox.get_conversations():
            conversations[conversation.username] = (
                conversation.new_messages_count,
                tuple((m.id, m.text, m.new) for m in conversation.get_messages()))
    preferences = manager.get_preferences(userid, create=False)
    groups = []
    for group in messaging_api.get_user_groups(userid):
        membership = group.get_membership(userid)
        groups.append((group.id, group.title, group.owner,
                       tuple(m.userid for m in group.participants()),
                       tuple((m.id, m.text) for m in group.get_messages(userid)),
                       group.unread(userid), membership.muted, membership.how_left))
    return {
        "groups": tuple(sorted(groups)),
        "blocked": tuple(inbox.get_blocked()) if inbox is not None else (),
        "hide_read_receipts": inbox is not None and inbox.hide_read_receipts,
        # Issue 15: whom they accept, and the requests waiting for them.
        "accept_messages_from": None if inbox is None else inbox.accept_messages_from,
        "requests": tuple(
            (c.username, tuple((m.id, m.text) for m in c.get_messages()))
            for c in messaging_api.get_requests(userid)
            if not hasattr(c, "participants")),
        "unread": inbox.new_messages_count if inbox is not None else 0,
        "conversations": conversations,
        "notifications": tuple((n.id, n.subject, n.seen)
                               for n in manager.get_by_recipient(userid).all()),
        "not_seen": manager.count_not_seen_by_recipient(userid),
        "last_seen": manager.get_last_seen(userid),
        "subscriptions": tuple(sorted((s.kind, s.target) for s in
                                      manager.subscriptions.get_subscriptions(userid))),
        "push": tuple(sorted(s.endpoint for s in manager.get_push_subscriptions(userid))),
        "mutes": tuple(sorted(m.key for m in (manager.mutes.mutes(userid)
                                              if manager.mutes is not None else ()))),
        "preferences": (preferences.timezone, preferences.digest_hour,
                        preferences.mail_mode, dict(preferences.mail_modes)),
        "social": social_export(userid),
    }


def social_export(userid):
    """The posts, comments, reactions and tag follows of `userid` (issue 16)."""
    from plonesocial.activitystream.social import export_user

    return export_user(userid)


def leaks(response, sent, actor="member"):
    """The owner's secrets found in a response to someone else (not echoed input);
    the private page's title too, for those who may not View it; the victim's
    always (no actor may read their data, administrators only erase it)."""
    text = response.body.decode("utf-8", "replace") + str(response.headers.get("Location"))
    secrets = (*OWNER_SECRETS, "SECRET-VIC")
    if actor not in VIEWERS["private"]:
        secrets += (PRIVATE_TITLE,)
    return [secret for secret in secrets if secret in text and secret not in sent]


# -- the matrix in docs/security.md ----------------------------------------------------

MATRIX_BEGIN = "<!-- security-matrix: generated by `make security-matrix`, do not edit -->"
MATRIX_END = "<!-- end of security-matrix -->"


def cell(endpoint, actor):
    """What an actor gets, in words: the rule's grant, 401, login or refused."""
    rule = RULES.get(endpoint.permission)
    if rule is None:
        return "**no rule**"
    contexts = ("public", "private") if endpoint.context == "content" else ("site",)
    answers = {}
    for context in contexts:
        access = expected_access(endpoint, actor, context)
        if access == "allowed":
            answer = "yes" if endpoint.key in ANONYMOUS_ALLOWED else rule.grant
        elif endpoint.kind == "rest":
            answer = "401"
        else:
            answer = "login" if access == "login" else "refused"
        answers[context] = answer
    if len(set(answers.values())) == 1:
        return answers[contexts[0]]
    return ", ".join(f"{context}: {answer}" for context, answer in answers.items())


def render_matrix(endpoints):
    """The Markdown table of docs/security.md, between its markers."""
    lines = [MATRIX_BEGIN, "",
             "| Endpoint | Verbs | On | Permission | "
             + " | ".join(ACTOR_LABELS[a] for a in ACTORS) + " |",
             "|" + "---|" * (4 + len(ACTORS))]
    rows = {}
    for endpoint in endpoints:
        row_key = (endpoint.kind, endpoint.name, endpoint.context, endpoint.permission)
        rows.setdefault(row_key, []).append(endpoint)
    for (kind, name, context, permission), group in sorted(rows.items()):
        first = group[0]
        if kind == "rest":
            verbs = ", ".join(m for m in HTTP_METHODS if any(e.method == m for e in group))
        else:
            verbs = ", ".join(m for m in HTTP_METHODS
                              if m in supported_methods(endpoints, first))
        if first.key in GET_WRITES:
            verbs += " (GET marks read)"
        cells = [cell(first, actor) for actor in ACTORS]
        lines.append(f"| `{name}` | {verbs} | {context} | `{permission}` | "
                     + " | ".join(cells) + " |")
    lines += ["", "The rules, by permission:", ""]
    lines += [f"- `{permission}`: {rule.summary}" for permission, rule in sorted(RULES.items())]
    public = ", ".join(sorted(f"`{key}`" for key in ANONYMOUS_ALLOWED))
    lines += [f"- anonymous users are asked to log in everywhere but on {public}",
              "", MATRIX_END]
    return "\n".join(lines)


def replace_matrix(text, matrix):
    """`text` (docs/security.md) with its matrix section replaced."""
    start, end = text.index(MATRIX_BEGIN), text.index(MATRIX_END) + len(MATRIX_END)
    return text[:start] + matrix + text[end:]


def current_matrix(text):
    return text[text.index(MATRIX_BEGIN):text.index(MATRIX_END) + len(MATRIX_END)]



def fresh(layer):
    """Start over from the layer's committed data, within one test; return (portal, app).

    The functional layer stacks a DemoStorage per test; redoing that is cheap
    (milliseconds), so every probe starts from the same owner's data.
    """
    layer.testTearDown()
    layer.testSetUp()
    return layer["portal"], Browser(layer["app"]).testapp

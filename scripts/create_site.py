"""Create the Plone site with plonesocial, demo users and demo messages if it is missing.

Run by ``make site`` (and so ``make run``) through Zope's console::

    .venv/bin/zconsole run var/instance/etc/zope.conf scripts/create_site.py [SITE_ID]

An existing site is left as it is: its data is never reset.
"""

from AccessControl.SecurityManagement import newSecurityManager
from plone import api
from plone.distribution.api import site as site_api
from plonesocial.demo import create_demo_activity
from plonesocial.demo import create_demo_conversations
from plonesocial.demo import create_demo_users
from plonesocial.demo import DEMO_USERS
from plonesocial.demo import SITE_TITLE
from plonesocial.messaging.interfaces import IMessagingLocator
from zope.component import getUtility
from zope.component.hooks import setSite

import os
import sys
import transaction


ADMIN = ("admin", "admin")
site_id = sys.argv[4] if len(sys.argv) > 4 else "Plone"

app = globals()["app"]  # provided by zconsole
if app.acl_users.getUserById(ADMIN[0]) is None:
    app.acl_users._doAddUser(ADMIN[0], ADMIN[1], ["Manager"], [])
    transaction.commit()
    print(f"Created the Zope administrator {ADMIN[0]!r} (password {ADMIN[1]!r})")
admin = app.acl_users.getUserById(ADMIN[0]).__of__(app.acl_users)
newSecurityManager(None, admin)

if site_id in app.objectIds():
    site = app[site_id]
    print(f"Site {site_id!r} exists: kept as it is")
else:
    site = site_api.create(
        app,
        "classic",
        {
            "site_id": site_id,
            "title": SITE_TITLE,
            "description": "Private messages, activity streams and notifications.",
            "default_language": "en",
            "portal_timezone": "UTC",
            "setup_content": True,
        },
    )
    # One title everywhere: Plone's front page would say "Welcome to Plone" while the
    # page titles and mail subjects say the site's title.
    site.title = SITE_TITLE
    site.reindexObject()
    transaction.commit()
    print(f"Created the Plone site {site_id!r}")

setSite(site)
installer = site.unrestrictedTraverse("@@installer")
if not installer.is_product_installed("plone.app.discussion"):
    installer.install_product("plone.app.discussion")
if not installer.is_product_installed("plonesocial"):
    installer.install_product("plonesocial")
    print("Installed plonesocial")
elif installer.upgrade_info("plonesocial").get("required"):
    installer.upgrade_product("plonesocial")
    print("Upgraded plonesocial")
if not api.portal.get_registry_record("plone.email_from_address", default=None):
    # The demo site mails the debugging SMTP server that `make run` starts.
    api.portal.set_registry_record("plone.email_from_address", "intranet@example.org")
    api.portal.set_registry_record("plone.email_from_name", SITE_TITLE)
    api.portal.set_registry_record("plone.smtp_host", "127.0.0.1")
    api.portal.set_registry_record("plone.smtp_port", int(os.environ.get("SMTP_PORT", 8025)))
    print("Mail settings: the debugging SMTP server of `make run`")
if not api.portal.get_registry_record("plonesocial.delivery.site_url", default=""):
    # Links in mail and push; `make run` passes the address it serves.
    url = os.environ.get("SITE_URL") or f"http://localhost:8080/{site_id}"
    api.portal.set_registry_record("plonesocial.delivery.site_url", url)
    print(f"Site URL for links in mail: {url} (Site Setup > Messaging: mail and push delivery)")
new_users = create_demo_users()
# Each step committed on its own, as if hours or days ago: the demo's notifications
# and streams show times spread as on a site in use.
sent = create_demo_conversations(getUtility(IMessagingLocator).get_inboxes(),
                                 checkpoint=transaction.commit)
transaction.commit()
activity = create_demo_activity(site, checkpoint=transaction.commit)
transaction.commit()

if new_users:
    print(f"Created demo users: {', '.join(new_users)}")
if sent:
    print(f"Sent {sent} demo messages")
if activity:
    print("Added demo content, subscriptions, comments and a broadcast")
print("Log in as admin/admin, or as a demo user:")
for userid, fullname, password in DEMO_USERS:
    print(f"  {userid:<6} {password:<14} {fullname}")

# Close the database cleanly so FileStorage writes its index.
app._p_jar.db().close()

"""Write a small Data.fs with every kind of plonesocial object, for the old-data test.

Run it with the code of the release whose pickles are to keep loading::

    git worktree add /tmp/old <commit>
    cd /tmp/old && PYTHONPATH=src ../main/.venv/bin/python scripts/make_old_datafs.py OUT.fs

tests/data/plonesocial-1.0.0a1.fs was written this way by the code of commit
218ec79 (before the activity core was split into stores), and
tests/test_old_data.py opens it with today's code. The script uses only the
public API of that code, on a plain ZODB with a plone.registry (no Plone site),
with fixed times so that the file is the same every time.
"""

from datetime import datetime
from datetime import timedelta
from plone.registry import Registry
from plone.registry.fieldfactory import persistentFieldAdapter
from plone.registry.interfaces import IRegistry
from plonesocial.activitystream.manager import ActivityManager
from plonesocial.activitystream.settings import IActivityStreamSettings
from plonesocial.activitystream.settings import PREFIX
from plonesocial.messaging.messaging import Inboxes
from ZODB.FileStorage import FileStorage
from zope.component import provideAdapter
from zope.component import provideUtility

import sys
import transaction
import ZODB


START = datetime(2026, 11, 1, 9, 0)
P256DH = "B" + "A" * 86
AUTH = "A" * 22


def at(minutes):
    return START + timedelta(minutes=minutes)


def main(path):
    provideAdapter(persistentFieldAdapter)
    registry = Registry()
    registry.registerInterface(IActivityStreamSettings, prefix=PREFIX)
    registry[f"{PREFIX}.fanout_threshold"] = 2  # a queued fan-out job in the file
    provideUtility(registry, IRegistry)

    db = ZODB.DB(FileStorage(path))
    conn = db.open()
    root = conn.root()
    inboxes = root["inboxes"] = Inboxes()
    manager = root["manager"] = ActivityManager()

    # Messages: a read conversation, an unread one, a block.
    inboxes.send("alice", "bob", "Hello Bob", created=at(0))
    inboxes.send("bob", "alice", "Hi Alice", created=at(1))
    inboxes["bob"]["alice"].mark_read()
    inboxes.send("carol", "bob", "Lunch?", created=at(2))
    inboxes.get_inbox("erin", create=True).block("alice")

    # Subscriptions.
    subs = manager.subscriptions
    subs.follow("bob", "alice")
    subs.follow("carol", "alice")
    subs.follow("dave", "alice")
    subs.watch("bob", "folder-uuid")
    subs.watch("carol", "doc-uuid", subtree=False, verbs=["Update"])

    # Preferences: a digest reader and a silent one.
    manager.set_preferences("carol", mail_mode="daily", digest_hour=8, timezone="Europe/Berlin")
    manager.set_preferences("dave", mail_modes={"message": "silent"})

    # Activities: alice's followers are three, above the threshold of two.
    manager.create("alice", "Create", ("content", "doc-uuid"), context="doc-uuid",
                   ancestors=("folder-uuid",), portal_type="Document",
                   summary="Alice Archer created Budget", message_type="content",
                   phrase="created", title="Budget", actor_name="Alice Archer",
                   published=at(10))
    manager.create("alice", "Update", ("content", "doc-uuid"), context="doc-uuid",
                   ancestors=("folder-uuid",), portal_type="Document",
                   summary="Alice Archer edited Budget", description="Changed: text.",
                   message_type="content", phrase="edited", title="Budget",
                   actor_name="Alice Archer", published=at(11))
    # A notification with a stored sentence, as the message handler wrote them.
    manager.notify(["bob"], subject="Carol Cook sent you a message", body="Lunch?",
                   message_type="message", owner=("user", "carol"), actor="carol",
                   actor_name="Carol Cook")
    manager.broadcast("Maintenance tonight", body="From 22:00 to 23:00.")
    notifications = manager.get_by_recipient("bob").all()
    manager.mark_seen("bob", notifications[-1].id)
    manager.update_last_seen("bob", at(30))

    manager.add_push_subscription("bob", "https://push.example.com/send/abc", P256DH, AUTH,
                                  language="en", user_agent="Firefox")
    transaction.commit()
    conn.close()
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])

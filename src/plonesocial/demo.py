"""Demo users and conversations for a development site (used by ``make run``)."""

from datetime import timedelta
from plone import api
from plonesocial.clock import utcnow


# userid, full name, password: printed by `make run` and listed in README.md.
DEMO_USERS = (
    ("alice", "Alice Archer", "alice-secret"),
    ("bob", "Bob Baker", "bob-secret"),
    ("carol", "Carol Cooper", "carol-secret"),
    ("dave", "Dave Dyer", "dave-secret"),
)

# sender, recipient, text, hours ago
DEMO_MESSAGES = (
    ("bob", "dave", "Hi Dave", 72),
    ("dave", "bob", "Thanks Bob", 70),
    ("alice", "bob", "Bob, can you review the intranet draft before Friday?", 30),
    ("bob", "alice", "Sure, I will send comments tomorrow morning.", 29),
    ("carol", "alice", "Welcome to the team, Alice!", 26),
    ("dave", "alice", "The budget spreadsheet is in the shared folder.", 5),
    ("carol", "bob", "Lunch on Thursday? The new place <b>near</b> the station.", 2),
    ("alice", "carol", "Thank you Carol :)", 1),
)


def create_demo_users():
    """Create the demo members that do not exist yet; return the new userids."""
    created = []
    for userid, fullname, password in DEMO_USERS:
        if api.user.get(userid=userid) is None:
            api.user.create(
                email=f"{userid}@example.org",
                username=userid,
                password=password,
                properties={"fullname": fullname},
            )
            created.append(userid)
    return created


def create_demo_conversations(inboxes):
    """Send the demo messages unless the demo users already have an inbox."""
    if any(userid in inboxes for userid, _, _ in DEMO_USERS):
        return 0
    now = utcnow()
    for sender, recipient, text, hours_ago in DEMO_MESSAGES:
        inboxes.send_message(sender, recipient, text, created=now - timedelta(hours=hours_ago))
    # Alice has read what Carol wrote; the rest is new.
    inboxes["alice"]["carol"].mark_read()
    return len(DEMO_MESSAGES)

"""Demo users and conversations for a development site (used by ``make run``)."""

from DateTime import DateTime
from datetime import timedelta
from plone import api
from plone.app.discussion.interfaces import IConversation
from plonesocial.activitystream import api as activitystream
from plonesocial.clock import shifted
from plonesocial.clock import utcnow
from zope.component import createObject


# The demo site's one title: page titles, the front page, mail subjects and sender name.
SITE_TITLE = "plonesocial demo"

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


def _ago(hours, checkpoint):
    """Run a step as if `hours` ago: what it records at commit (activities,
    notifications) carries that time when `checkpoint` (e.g. transaction.commit)
    commits it inside."""
    class Step:
        def __enter__(self):
            self.shift = shifted(-timedelta(hours=hours))
            self.shift.__enter__()

        def __exit__(self, *exc_info):
            try:
                if exc_info[0] is None and checkpoint is not None:
                    checkpoint()
            finally:
                self.shift.__exit__(*exc_info)

    return Step()


def _dated(obj):
    """Give demo content the (shifted) time of its step: Plone shows it as "Last modified"."""
    when = DateTime(utcnow().isoformat() + "+00:00")
    obj.creation_date = obj.modification_date = when
    obj.reindexObject(idxs=["created", "modified"])
    return obj


def create_demo_conversations(inboxes, checkpoint=None):
    """Send the demo messages unless the demo users already have an inbox.

    With a `checkpoint` (``transaction.commit``) each message is committed on
    its own, so its notification carries the time it was sent, not the
    creation time of the site.
    """
    if any(userid in inboxes for userid, _, _ in DEMO_USERS):
        return 0
    now = utcnow()
    for sender, recipient, text, hours_ago in DEMO_MESSAGES:
        with _ago(hours_ago, checkpoint):
            inboxes.send_message(sender, recipient, text,
                                 created=now - timedelta(hours=hours_ago))
    # Alice has read what Carol wrote; the rest is new.
    inboxes["alice"]["carol"].mark_read()
    return len(DEMO_MESSAGES)


def create_demo_activity(portal, checkpoint=None):
    """Add demo content, subscriptions, comments, a broadcast and posts, as the demo users.

    Runs once: nothing is done if the demo folder exists. The activities and
    notifications themselves are recorded when the transaction commits; with a
    `checkpoint` (``transaction.commit``) each step is committed as if done
    hours or days ago, as a site in use would show them.
    """
    if "team" in portal.objectIds():
        return False
    am = activitystream.get_manager()
    # Alice hears of private messages by email at once (see the SMTP server's output).
    am.get_preferences("alice").set(mail_modes={"message": "immediately"})
    am.subscriptions.follow("alice", "bob")
    am.subscriptions.follow("dave", "carol")
    with _ago(74, checkpoint), api.env.adopt_roles(["Manager"]):
        team = _dated(api.content.create(portal, "Folder", "team", title="Team"))
        api.content.transition(team, "publish")
        for userid in ("bob", "carol", "dave"):
            api.user.grant_roles(userid, obj=team, roles=["Contributor", "Reviewer"])
        am.subscriptions.watch("carol", team.UID())
    with _ago(49, checkpoint), api.env.adopt_user(username="bob"):
        draft = _dated(api.content.create(team, "Document", "intranet-draft",
                                          title="Intranet draft",
                                          description="What the new intranet will do."))
    with _ago(31, checkpoint), api.env.adopt_user(username="bob"):
        api.content.transition(draft, "publish")
    with _ago(27, checkpoint), api.env.adopt_user(username="carol"):
        _dated(api.content.create(team, "News Item", "welcome-alice", title="Welcome, Alice"))
    for hours, userid, text in ((6, "dave", "Looks good to me."),
                                (3, "carol", "Can we add a calendar?")):
        with _ago(hours, checkpoint), api.env.adopt_user(username=userid):
            comment = createObject("plone.Comment")
            comment.text = text
            comment.author_username = userid
            # A member's comment: without a creator Plone shows "(Guest)" (issue 14).
            comment.creator = userid
            comment.author_name = api.user.get(userid=userid).getProperty("fullname")
            comment.creation_date = comment.modification_date = utcnow()  # as shifted
            IConversation(draft).addComment(comment)
    with _ago(48, checkpoint):
        am.broadcast("Welcome to the plonesocial demo", body="Try messages and notifications.")
    create_demo_posts(team, checkpoint)
    return True


def create_demo_posts(team, checkpoint=None):
    """Posts with a mention and hashtags, a like, comments: the social layer at work."""
    from plonesocial.activitystream import social

    with _ago(20, checkpoint):
        budget = social.post("carol", "Budget review on Friday at 10. @alice, could you bring "
                             "last year's figures? #budget", context=team)
    with _ago(19, checkpoint):
        social.like("bob", budget.id)
        social.comment("bob", budget.id, "I will bring the spreadsheet. #budget")
    with _ago(4, checkpoint):
        week = social.post("alice", "My first week is done: thank you all for the warm "
                           "welcome! #welcome")
    with _ago(3, checkpoint):
        social.like("dave", week.id)
        social.comment("carol", week.id, "Glad to have you with us, @alice!")

"""Notification subjects and bodies, composed from stored facts in the reader's language.

A notification keeps what happened (type, actor ids, title, changed
fields); the sentence is made when it is read or mailed, through the
``plonesocial`` message catalog, with the actors' current display names.
Notifications that carry a sentence of their own (given to ``notify()``, or
stored by releases before facts) show that sentence.
"""

from plone import api
from plonesocial import _
from plonesocial.people import display_name
from plonesocial.people import ERASED_NAME
from plonesocial.people import get_user
from zope.globalrequest import getRequest
from zope.i18n import translate

import re


# phrase -> (one actor, one other, several others); the phrase is the fact the
# recorders store ("edited"), the sentence is made here.
PHRASES = {
    "created": (
        _("${actor} created ${title}"),
        _("${actor} and 1 other created ${title}"),
        _("${actor} and ${others} others created ${title}"),
    ),
    "edited": (
        _("${actor} edited ${title}"),
        _("${actor} and 1 other edited ${title}"),
        _("${actor} and ${others} others edited ${title}"),
    ),
    "moved": (
        _("${actor} moved ${title}"),
        _("${actor} and 1 other moved ${title}"),
        _("${actor} and ${others} others moved ${title}"),
    ),
    "deleted": (
        _("${actor} deleted ${title}"),
        _("${actor} and 1 other deleted ${title}"),
        _("${actor} and ${others} others deleted ${title}"),
    ),
    "commented on": (
        _("${actor} commented on ${title}"),
        _("${actor} and 1 other commented on ${title}"),
        _("${actor} and ${others} others commented on ${title}"),
    ),
    "replied on": (
        _("${actor} replied on ${title}"),
        _("${actor} and 1 other replied on ${title}"),
        _("${actor} and ${others} others replied on ${title}"),
    ),
    "changed the state of": (
        _("${actor} changed the state of ${title}"),
        _("${actor} and 1 other changed the state of ${title}"),
        _("${actor} and ${others} others changed the state of ${title}"),
    ),
    # Issue 15: group messages, grouped per conversation.
    "wrote in": (
        _("${actor} wrote in ${title}"),
        _("${actor} and 1 other wrote in ${title}"),
        _("${actor} and ${others} others wrote in ${title}"),
    ),
    "wrote in a group": (
        _("${actor} wrote in a group conversation"),
        _("${actor} and 1 other wrote in a group conversation"),
        _("${actor} and ${others} others wrote in a group conversation"),
    ),
    "sent you a message": (
        _("${actor} sent you a message"),
        _("${actor} and 1 other sent you a message"),
        _("${actor} and ${others} others sent you a message"),
    ),
    # The social layer (activitystream.social): posts, comments, likes, mentions.
    "posted": (
        _("${actor} posted: ${title}"),
        _("${actor} and 1 other posted: ${title}"),
        _("${actor} and ${others} others posted: ${title}"),
    ),
    "commented on your post": (
        _("${actor} commented on your post: ${title}"),
        _("${actor} and 1 other commented on your post: ${title}"),
        _("${actor} and ${others} others commented on your post: ${title}"),
    ),
    "liked your post": (
        _("${actor} liked your post: ${title}"),
        _("${actor} and 1 other liked your post: ${title}"),
        _("${actor} and ${others} others liked your post: ${title}"),
    ),
    "liked your comment": (
        _("${actor} liked your comment: ${title}"),
        _("${actor} and 1 other liked your comment: ${title}"),
        _("${actor} and ${others} others liked your comment: ${title}"),
    ),
    "mentioned you": (
        _("${actor} mentioned you: ${title}"),
        _("${actor} and 1 other mentioned you: ${title}"),
        _("${actor} and ${others} others mentioned you: ${title}"),
    ),
}
# phrase -> function(notification) giving how many others did it too, counted live
# where the notification is not rewritten for each (likes: activitystream.social).
LIVE_OTHERS = {}
# phrase -> function(notification) giving the title as it is now (None: the stored
# one), for titles quoting words their author may change or delete (posts).
LIVE_TITLES = {}


def _title(notification):
    live = LIVE_TITLES.get(notification.phrase)
    title = live(notification) if live is not None else None
    return notification.title if title is None else title
STATE_CHANGED = _("${actor} changed ${title} to ${state}")
TIMES = _("${subject} (${count} times)")
# Phrases whose repetitions read as a number of things, not "(2 times)".
COUNTED = {
    "sent you a message": _("${actor} sent you ${count} messages"),
    "wrote in": _("${actor} wrote ${count} messages in ${title}"),
    "wrote in a group": _("${actor} wrote ${count} messages in a group conversation"),
}
CHANGED_FIELDS = _("Changed: ${fields}.")
TRANSITION = _("Transition: ${transition}; new state: ${state}.")


def language_of(userid):
    """The language `userid` reads in: their ``language`` property, else the site's."""
    user = get_user(userid)
    language = user.getProperty("language", None) if user is not None else None
    if language:
        return language
    try:
        return api.portal.get_registry_record("plone.default_language", default="en")
    except api.exc.CannotGetPortalError:  # no site (a plain ZODB, a script): English
        return "en"


def render(message, language=None):
    """Translate `message` into `language`, or the current request's language."""
    if language is not None:
        return translate(message, target_language=language)
    return translate(message, context=getRequest())


def _name(notification, userid):
    return notification.stored_name(userid) or display_name(userid)


def render_subject(notification, language=None):
    """The one-line subject of `notification`: 'Bob and 2 others commented on Y'."""
    stored = notification.stored_subject
    actors = notification.actors
    others = len(actors) - 1
    if notification.phrase in LIVE_OTHERS:
        others = max(others, LIVE_OTHERS[notification.phrase](notification) or 0)
    phrases = PHRASES.get(notification.phrase)
    if stored is None and phrases and notification.title is not None and actors:
        mapping = {"actor": _name(notification, actors[0]), "title": _title(notification),
                   "others": others}
        details = notification.details or {}
        if others <= 0:
            if notification.phrase == "changed the state of" and details.get("state"):
                subject = render(_(STATE_CHANGED, mapping=dict(mapping, state=details["state"])),
                                 language)
            else:
                subject = render(_(phrases[0], mapping=mapping), language)
            if notification.count == 1:
                return subject
            if notification.phrase in COUNTED:
                return render(_(COUNTED[notification.phrase],
                                mapping=dict(mapping, count=notification.count)), language)
            return render(_(TIMES, mapping={"subject": subject, "count": notification.count}),
                          language)
        return render(_(phrases[1 if others == 1 else 2], mapping=mapping), language)
    # A sentence of its own: the caller's words, grouped as before facts.
    stored = stored or ""
    if others <= 0:
        if notification.count == 1:
            return stored
        return render(_(TIMES, mapping={"subject": stored, "count": notification.count}),
                      language)
    if phrases and notification.title:
        mapping = {"actor": _name(notification, actors[0]), "title": _title(notification),
                   "others": others}
        return render(_(phrases[1 if others == 1 else 2], mapping=mapping), language)
    if notification.phrase and notification.title:
        first = _name(notification, actors[0])
        plural = "s" if others > 1 else ""
        return f"{first} and {others} other{plural} {notification.phrase} {notification.title}"
    return f"{stored} (and {others} more)"


def render_body(notification, language=None):
    """The body: the quoted words or the caller's text, else the changes it reports."""
    if notification.body:
        return notification.body
    details = notification.details or {}
    if details.get("fields"):
        return render(_(CHANGED_FIELDS, mapping={"fields": ", ".join(details["fields"])}),
                      language)
    if details.get("transition"):
        return render(_(TRANSITION, mapping={"transition": details["transition"],
                                             "state": details.get("state") or ""}), language)
    return ""


def scrub_subject(notification, userid):
    """The stored sentence of `notification` without the names of `userid` (erasing).

    Only sentences stored by earlier releases or given by a caller hold names;
    notifications that keep facts are rendered from ids and need no scrubbing.
    """
    text = notification.stored_subject or ""
    names = {userid, notification.stored_name(userid), display_name(userid)} - {None, ""}
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", ERASED_NAME, text)
    return text

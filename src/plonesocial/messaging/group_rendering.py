"""Sentences of group conversations, made from stored facts in the reader's language.

A system message stores what happened (action, who acted, whom it named,
the title); the sentence is composed when it is shown, with the people's
current display names.
"""

from plonesocial import _
from plonesocial.people import display_name
from zope.globalrequest import getRequest
from zope.i18n import translate


SENTENCES = {
    "created": _("${actor} created the conversation with ${names}"),
    "added": _("${actor} added ${names}"),
    "kicked": _("${actor} removed ${names}"),
    "left": _("${actor} left the conversation"),
    "renamed": _("${actor} renamed the conversation to ${title}"),
    "owner": _("${names} is now the owner"),
}


def names(userids):
    """'Ann, Bob and Cat' (display names, in the reader's language)."""
    shown = [display_name(userid) for userid in userids]
    if len(shown) <= 1:
        return "".join(shown)
    return translate(_("${first} and ${last}",
                       mapping={"first": ", ".join(shown[:-1]), "last": shown[-1]}),
                     context=getRequest())


def system_text(message):
    """The sentence of a system message, plain text (escape it in HTML)."""
    sentence = SENTENCES[message.action]
    mapping = {"actor": display_name(message.sender),
               "names": names(message.facts.get("userids", ())),
               "title": message.facts.get("title", "")}
    return translate(_(sentence, mapping=mapping), context=getRequest())


def seen_by_text(userids, shown=2):
    """'Seen by Ann and Bob', 'Seen by Ann, Bob and 3 others', or '' for nobody."""
    if not userids:
        return ""
    if len(userids) <= shown + 1:
        return translate(_("Seen by ${names}", mapping={"names": names(userids)}),
                         context=getRequest())
    people = [display_name(userid) for userid in userids[:shown]]
    return translate(_("Seen by ${names} and ${count} others",
                       mapping={"names": ", ".join(people), "count": len(userids) - shown}),
                     context=getRequest())


def group_title(group, reader):
    """The group's title, or the names of the other participants."""
    if group.title:
        return group.title
    others = [m.userid for m in group.participants() if m.userid != reader]
    return names(others[:4]) + ("…" if len(others) > 4 else "")

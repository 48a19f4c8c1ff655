"""Personal data kept outside a person's own stores: everything erasure touches is exported.

Erasure walks every inbox, since a person may have deleted their copy of a
conversation that the other person keeps; the outbox and the idempotency keys
of the messages they sent hold their data too. The export reads the same
places, so that it never shows less than erasure would remove.
"""

from plonesocial.clock import isoformat


def _iso(value):
    return None if value is None else isoformat(value)


def sent_messages_elsewhere(inboxes, userid, exported_uids):
    """The messages `userid` sent that are in other people's inboxes and not in the
    export of their own inbox (they deleted their copy), grouped by inbox owner."""
    found = []
    for owner in inboxes.keys():
        if owner == userid:
            continue
        conversation = inboxes[owner].get(userid)
        if conversation is None:
            continue
        messages = [
            {"id": m.id, "sender": m.sender, "recipient": m.recipient, "text": m.text,
             "created": _iso(m.created)}
            for m in conversation.get_messages()
            if m.sender == userid and m.uid not in exported_uids
        ]
        if messages:
            found.append({"inbox_of": owner, "messages": messages})
    return found


def exported_uids(inbox):
    if inbox is None:
        return set()
    return {m.uid for conversation in inbox.get_conversations()
            for m in conversation.get_messages()}


def export_delivery(userid):
    """The outbox entries to `userid` and the idempotency keys of their sends."""
    from plonesocial.delivery.outbox import current_outbox
    from plonesocial.messaging.idempotency import current_keys

    outbox = current_outbox(create=False)
    keys = current_keys(create=False)
    return {
        "outbox": outbox.export_user(userid) if outbox is not None else [],
        "idempotency_keys": keys.export_user(userid) if keys is not None else [],
    }


def erase_delivery(userid):
    """Forget the outbox entries to `userid` and the keys of their sends; return counts."""
    from plonesocial.delivery.outbox import current_outbox
    from plonesocial.messaging.idempotency import current_keys

    outbox = current_outbox(create=False)
    keys = current_keys(create=False)
    return {
        "outbox": outbox.erase_user(userid) if outbox is not None else 0,
        "idempotency_keys": keys.erase_user(userid) if keys is not None else 0,
    }

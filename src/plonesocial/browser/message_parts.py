"""What the conversation pages (1:1 and group) show of a message beyond its text:
attachments, "edited" and earlier versions, the tombstone of an unsent one, and
the edit and unsend controls (issue 15)."""

from plonesocial import _
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zope.i18n import translate


def size_text(size):
    """A file size as people read it (B, kB, MB)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size / 1024 / 1024:.1f} MB"


class MessageParts:
    """A mixin of the 1:1 and group conversation views (they set `userid`, `times`)."""

    parts = ViewPageTemplateFile("templates/message_parts.pt")

    def attachments(self, message):
        """The message's files as the page shows them: images as thumbnails, others as links."""
        return [{"id": a.id, "filename": a.filename, "image": a.is_image,
                 "url": files.url_of(message, a),
                 "preview": files.url_of(message, a, preview=a.preview is not None),
                 "size": size_text(a.size), "content_type": a.content_type}
                for a in files.of_message(message)]

    def can_edit(self, message):
        return messaging.can_edit(self.userid, message)

    def can_unsend(self, message):
        return message.sender == self.userid and not message.unsent and \
            getattr(message, "action", None) is None

    def versions(self, message):
        """Earlier texts, newest first, with when they were written."""
        return [{"text": text, "iso": self.times.iso(written), "when": self.times.text(written),
                 "exact": self.times.exact(written)}
                for written, text in reversed(message.versions)]

    def upload_limits(self):
        """Form attributes of the file field, and the hint under it."""
        max_bytes, max_count, allowed = files.limits()
        return {
            "enabled": max_count > 0,
            "accept": ",".join(sorted(allowed)),
            "max_count": max_count,
            "max_bytes": max_bytes,
            "hint": translate(_(
                "Up to ${count} files of at most ${size} MB each.",
                mapping={"count": max_count, "size": max_bytes // files.MB}),
                context=self.request),
        }

    def message_labels(self):
        """Texts of the message controls' attributes (the Unsend form's question)."""
        return {
            "unsend": translate(_("Remove this message for everyone? You cannot undo it."),
                                context=self.request),
        }

"""@@message-attachment: a message's file for its readers, served so no browser runs it.

``@@message-attachment/direct/{other}/{message id}/{attachment id}[/preview]``
(a 1:1 message in the reader's conversation with `other`) and
``@@message-attachment/group/{group id}/{message id}/{attachment id}[/preview]``.
The API checks that the message is one the reader may read and that the
attachment is that message's (``messaging.get_attachment``): anything else
is 404, the same answer as an id that does not exist.

Raster images (PNG, JPEG, GIF, WebP, checked against their content when
stored) are shown inline; everything else is a download
(``Content-Disposition: attachment``). Every answer says ``nosniff`` and
carries a sandboxing Content-Security-Policy.
"""

from plone import api
from plone.namedfile.utils import stream_data
from plonesocial import exc
from plonesocial.messaging import api as messaging
from plonesocial.messaging.attachments import INLINE_TYPES
from Products.Five.browser import BrowserView
from urllib.parse import quote
from zExceptions import MethodNotAllowed
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


def content_disposition(disposition, filename):
    """The header for `filename`: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_"
                       for ch in filename) or "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@implementer(IPublishTraverse)
class AttachmentView(BrowserView):
    """Serves one attachment to a reader of its message; 404 to everyone else."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        if len(self.params) >= 5:
            raise NotFound("No such attachment")
        self.params.append(name)
        return self

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in first")
        if self.request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(f"{self.request.method} is not allowed here")
        params = self.params
        preview = len(params) == 5 and params[4] == "preview"
        if len(params) not in (4, 5) or (len(params) == 5 and not preview):
            raise NotFound("No such attachment")
        kind, where, message_id, attachment_id = params[:4]
        if not (message_id.isdigit() and message_id.isascii() and len(message_id) <= 19):
            raise NotFound("No such attachment")
        reader = api.user.get_current().getId()
        try:
            _message, attachment = messaging.get_attachment(
                reader, (kind, where), int(message_id), attachment_id)
        except exc.NotFound:
            raise NotFound("No such attachment") from None
        blob = attachment.preview if preview and attachment.preview is not None \
            else attachment.file
        if blob is None:
            raise NotFound("No such attachment")
        content_type = blob.contentType if preview else attachment.content_type
        inline = attachment.is_image and content_type in INLINE_TYPES
        response = self.request.response
        response.setHeader("Content-Type", content_type if inline or not content_type.startswith(
            ("text/html", "image/svg", "application/xhtml", "application/xml", "text/xml"))
            else "application/octet-stream")
        response.setHeader("Content-Disposition", content_disposition(
            "inline" if inline else "attachment", attachment.filename))
        response.setHeader("X-Content-Type-Options", "nosniff")
        response.setHeader("Content-Security-Policy", "default-src 'none'; sandbox")
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin")
        # Private to the reader: no shared cache keeps it after they lose access.
        response.setHeader("Cache-Control", "private, max-age=3600")
        response.setHeader("Content-Length", str(blob.getSize()))
        if self.request.method == "HEAD":
            return b""
        return stream_data(blob)

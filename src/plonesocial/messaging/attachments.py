"""Files and images on private messages: ZODB blobs stored once, served to participants only.

A 1:1 send stores each file once and both inbox copies of the message hold
its id; a group message holds the ids of files stored once for the whole
group. An attachment records who holds it (``("user", userid)`` for each
copy of a 1:1 message, ``("group", group id)``) and is removed, blob and
all, when the last holder lets go: delete for me, delete the conversation,
unsend, delete the group, erasure.

Everything is checked before the first write (count, size, type, name):
the ids are drawn first, the message is sent with them, and only a send
that succeeded stores the blobs. The type stored is the one the content
shows (``sniff``), not the one the client claims; only raster images are
ever served inline (see ``browser/attachments.py``).
"""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plone.namedfile.file import NamedBlobFile
from plone.namedfile.file import NamedBlobImage
from plone.scale.scale import scaleImage
from plonesocial import _
from plonesocial import exc
from plonesocial.clock import utcnow
from plonesocial.messaging.file_types import clean_type as clean_type
from plonesocial.messaging.file_types import content_type_of as content_type_of
from plonesocial.messaging.file_types import FORBIDDEN_IN_NAMES as FORBIDDEN_IN_NAMES
from plonesocial.messaging.file_types import INLINE_TYPES as INLINE_TYPES
from plonesocial.messaging.file_types import MARKUP as MARKUP
from plonesocial.messaging.file_types import MAX_NAME as MAX_NAME
from plonesocial.messaging.file_types import MAX_PIXELS as MAX_PIXELS
from plonesocial.messaging.file_types import OLE_FAMILY as OLE_FAMILY
from plonesocial.messaging.file_types import RASTER as RASTER
from plonesocial.messaging.file_types import raster_type as raster_type
from plonesocial.messaging.file_types import sanitise_filename as sanitise_filename
from plonesocial.messaging.file_types import SIGNATURES as SIGNATURES
from plonesocial.messaging.file_types import sniff as sniff
from plonesocial.messaging.file_types import SNIFF_BYTES as SNIFF_BYTES
from plonesocial.messaging.file_types import TEXT_TYPES as TEXT_TYPES
from plonesocial.messaging.file_types import WINDOWS_RESERVED as WINDOWS_RESERVED
from plonesocial.messaging.file_types import ZIP_FAMILY as ZIP_FAMILY
from plonesocial.messaging.interfaces import IAttachment
from plonesocial.messaging.interfaces import IAttachments
from plonesocial.messaging.settings import get_settings
from plonesocial.storage import SiteStorage
from plonesocial.text import excerpt
from urllib.parse import quote
from zope.component.hooks import getSite
from zope.interface import implementer

import base64
import binascii
import functools
import uuid


MB = 1024 * 1024
PREVIEW_SIZE = 480  # the longer side of an image preview, in pixels


# -- checking what comes in ----------------------------------------------------------


class Upload:
    """A file as it arrived: a name, a declared type and its bytes."""

    def __init__(self, filename, content_type, data):
        self.filename = filename
        self.content_type = content_type
        self.data = data


class Prepared:
    """An upload that passed every check, with its id drawn; not stored yet."""

    def __init__(self, owner, filename, content_type, data):
        self.id = uuid.uuid4().hex
        self.owner = owner
        self.filename = filename
        self.content_type = content_type
        self.data = data


def limits():
    """(max bytes per file, max files per message, allowed types) from the registry."""
    settings = get_settings()
    size = getattr(settings, "max_attachment_size", None) or 10
    count = getattr(settings, "max_attachments", None)
    allowed = getattr(settings, "allowed_attachment_types", None)
    return (size * MB, 5 if count is None else count,
            _clean_types(tuple(allowed) if allowed is not None else ()))


@functools.lru_cache(maxsize=8)
def _clean_types(allowed):
    """The set of cleaned types of the registry's list (a few hundred: once per list,
    not on every send, issue 13)."""
    return frozenset(clean_type(t) for t in allowed)


def too_large(name, max_bytes):
    return exc.AttachmentTooLarge(_(
        "The file ${name} is larger than ${max} MB.",
        mapping={"name": name, "max": max_bytes // MB}))


def check_count(count):
    """Raise TooManyAttachments unless a message may carry `count` files."""
    max_count = limits()[1]
    if count > max_count:
        if max_count == 0:
            raise exc.TooManyAttachments(_("Files cannot be attached to messages on this site."))
        raise exc.TooManyAttachments(_(
            "A message may carry at most ${max} files, not ${count}.",
            mapping={"max": max_count, "count": count}))


def prepare(owner, uploads):
    """Check `uploads` (Upload objects) against the site's limits; return Prepared ones.

    Raises TooManyAttachments, AttachmentTooLarge, AttachmentTypeNotAllowed or
    InvalidAttachment: nothing is written by this function in any case.
    """
    uploads = list(uploads or ())
    if not uploads:
        return []  # a message without files: no limit to read
    max_bytes, _count, allowed = limits()
    check_count(len(uploads))
    prepared = []
    for upload in uploads:
        data = upload.data
        if not isinstance(data, bytes):
            raise exc.InvalidAttachment(_("A file could not be read."))
        name = sanitise_filename(upload.filename)
        if len(data) > max_bytes:
            raise too_large(name, max_bytes)
        if not data:
            raise exc.InvalidAttachment(_("The file ${name} is empty.", mapping={"name": name}))
        content_type = content_type_of(upload.content_type, data, name)
        if content_type not in allowed:
            raise exc.AttachmentTypeNotAllowed(_(
                "The file ${name} is of type ${type}, which is not accepted here.",
                mapping={"name": name, "type": content_type}))
        prepared.append(Prepared(owner, sanitise_filename(name, content_type),
                                 content_type, data))
    return prepared


def max_json_bytes():
    """Bytes of a JSON body the attachments may add: base64 (4 per 3) of the most
    and largest files allowed, and their names and types."""
    max_bytes, max_count, _allowed = limits()
    return max_count * ((max_bytes + 2) // 3 * 4 + 2048)


def uploads_from_json(items):
    """Uploads from a JSON list of {"filename", "content-type", "data", "encoding": "base64"}
    (plone.restapi's shape of file fields); raise InvalidAttachment if malformed."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise exc.InvalidAttachment(_("attachments must be a list of files."))
    check_count(len(items))
    max_bytes = limits()[0]
    uploads = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("data"), str) or \
                item.get("encoding", "base64") != "base64" or not set(item) <= {
                    "filename", "content-type", "data", "encoding"}:
            raise exc.InvalidAttachment(_(
                'Each attachment must be {"filename": "...", "content-type": "...", '
                '"data": "<base64>", "encoding": "base64"}.'))
        name = item.get("filename")
        # Refuse a too large file before decoding it (4 characters per 3 bytes).
        if len(item["data"]) > (max_bytes + 2) // 3 * 4 + 4:
            raise too_large(sanitise_filename(name), max_bytes)
        try:
            data = base64.b64decode(item["data"], validate=True)
        except (binascii.Error, ValueError):
            raise exc.InvalidAttachment(_("An attachment's data is not valid base64.")) from None
        uploads.append(Upload(name, item.get("content-type"), data))
    return uploads


def uploads_from_form(value):
    """Uploads from a form's file field (a FileUpload, or a list of them); empty ones skipped."""
    if value is None or value == "":
        return []
    files = value if isinstance(value, (list, tuple)) else [value]
    max_bytes = limits()[0]
    uploads = []
    for item in files:
        if not hasattr(item, "read") or not getattr(item, "filename", None):
            if isinstance(item, str) and not item:
                continue
            if hasattr(item, "read"):
                continue  # the empty file input of a form sent without a file
            raise exc.InvalidAttachment(_("A file could not be read."))
        data = item.read(max_bytes + 1)
        headers = getattr(item, "headers", None)
        declared = headers.get("content-type") if headers is not None else None
        uploads.append(Upload(item.filename, declared, data))
    check_count(len(uploads))
    return uploads


# -- storage ---------------------------------------------------------------------------


@implementer(IAttachment)
class Attachment(Persistent):
    """One stored file; its blob is written once whatever the number of holders."""

    def __init__(self, prepared, holders, created=None):
        self.id = prepared.id
        self.owner = prepared.owner
        self.filename = prepared.filename
        self.content_type = prepared.content_type
        self.size = len(prepared.data)
        self.created = created or utcnow()
        self.is_image = prepared.content_type in INLINE_TYPES
        self.width = self.height = None
        self.preview = None
        self.message_uid = None
        self.holders = frozenset(holders)
        if self.is_image:
            self.file = NamedBlobImage(prepared.data, prepared.content_type, self.filename)
            self.width, self.height = self.file.getImageSize()
            self.preview = make_preview(prepared.data, self.filename)
        else:
            self.file = NamedBlobFile(prepared.data, prepared.content_type, self.filename)


def make_preview(data, filename):
    """A NamedBlobImage of at most PREVIEW_SIZE pixels a side, scaled with plone.scale."""
    try:
        scaled, fmt, _size = scaleImage(data, width=PREVIEW_SIZE, height=PREVIEW_SIZE,
                                        mode="scale")
    except Exception:  # a frame PIL can verify but not scale: the page shows the name
        return None
    content_type = f"image/{fmt.lower()}".replace("jpg", "jpeg")
    if content_type not in INLINE_TYPES:
        return None
    return NamedBlobImage(scaled, content_type, filename)


@implementer(IAttachments)
class Attachments(Persistent):
    """Every attachment of a site (created by the first file sent)."""

    def __init__(self):
        # attachment id (hex str) -> Attachment
        self._items = OOBTree()
        # uploader's userid -> OOTreeSet(attachment ids): export and erasure
        self._by_owner = OOBTree()
        self._count = Length()  # attachments stored
        self._bytes = Length()  # bytes of their files

    def __len__(self):
        return self._count()

    @property
    def total_bytes(self):
        return self._bytes()

    def add(self, attachment):
        self._items[attachment.id] = attachment
        tree = self._by_owner.get(attachment.owner)
        if tree is None:
            tree = self._by_owner[attachment.owner] = OOTreeSet()
        tree.add(attachment.id)
        self._count.change(1)
        self._bytes.change(attachment.size)

    def get(self, attachment_id):
        return self._items.get(attachment_id) if isinstance(attachment_id, str) else None

    def _delete(self, attachment):
        del self._items[attachment.id]
        tree = self._by_owner.get(attachment.owner)
        if tree is not None and attachment.id in tree:
            tree.remove(attachment.id)
            if not tree:
                del self._by_owner[attachment.owner]
        self._count.change(-1)
        self._bytes.change(-attachment.size)
        # The blobs go with the last reference to them (ZODB's pack removes the files).
        attachment.file = attachment.preview = None

    def release(self, attachment_ids, holder):
        for attachment_id in attachment_ids:
            attachment = self.get(attachment_id)
            if attachment is None or holder not in attachment.holders:
                continue
            holders = attachment.holders - {holder}
            if holders:
                attachment.holders = holders
            else:
                self._delete(attachment)

    def remove(self, attachment_ids):
        for attachment_id in attachment_ids:
            attachment = self.get(attachment_id)
            if attachment is not None:
                self._delete(attachment)

    def owned_by(self, userid):
        tree = self._by_owner.get(userid) if isinstance(userid, str) else None
        return [self._items[i] for i in tree] if tree is not None else []

    def check_invariants(self):
        check_btree(self._items)
        check_btree(self._by_owner)
        items = list(self._items.values())
        assert self._count() == len(items), "attachment counter"
        assert self._bytes() == sum(a.size for a in items), "byte counter"
        assert sum(len(t) for t in self._by_owner.values()) == len(items), "owner index"
        for attachment in items:
            assert attachment.holders, "an attachment nobody holds"
            assert attachment.id in self._by_owner[attachment.owner], "owner index"


ATTACHMENTS_KEY = "plonesocial.messaging.attachments"
STORAGE = SiteStorage(ATTACHMENTS_KEY, Attachments)


def get_attachments(create=False):
    """The IAttachments of the current site, or None (with `create`, made on first use)."""
    site = getSite()
    if site is None:
        raise LookupError("No current site: call setSite(portal) first")
    return STORAGE.create(site) if create else STORAGE.get(site)


def store(prepared, holders, message_uid):
    """Store the Prepared files for the message `message_uid`, held by `holders`."""
    if not prepared:
        return []
    attachments = get_attachments(create=True)
    stored = []
    for item in prepared:
        attachment = Attachment(item, holders)
        attachment.message_uid = message_uid
        attachments.add(attachment)
        stored.append(attachment)
    return stored


def user_holder(userid):
    return ("user", userid)


def group_holder(group_id):
    return ("group", group_id)


def release(attachment_ids, holder):
    """`holder` lets go of the attachments; each nobody holds any more is removed."""
    attachments = get_attachments()
    if attachment_ids and attachments is not None:
        attachments.release(attachment_ids, holder)


def remove(attachment_ids):
    """Remove the attachments, blobs and all, whoever holds them (unsend, delete a group)."""
    attachments = get_attachments()
    if attachment_ids and attachments is not None:
        attachments.remove(attachment_ids)


def get(attachment_id):
    attachments = get_attachments()
    return attachments.get(attachment_id) if attachments is not None else None


def of_message(message):
    """The stored attachments of a message (ids whose attachment is gone are left out)."""
    if not message.attachments:
        return []
    attachments = get_attachments()
    if attachments is None:
        return []
    return [a for a in (attachments.get(i) for i in message.attachments) if a is not None]


def message_excerpt(message, length):
    """What a list quotes of `message`: its text, or for a message of files only, their
    names (an empty line told nothing)."""
    text = message.text
    if not (text or "").strip() and message.attachments:
        text = ", ".join(a.filename for a in of_message(message))
    return excerpt(text, length)


def url_of(message, attachment, preview=False):
    """The download (or preview) address of an attachment of a message, for its readers."""
    from plonesocial.urls import portal_url

    group_id = getattr(message, "group_id", None)
    if group_id is not None:
        where = f"group/{quote(group_id, safe='')}"
    else:
        where = f"direct/{quote(message.__parent__.username, safe='')}"
    url = f"{portal_url()}/@@message-attachment/{where}/{message.id}/{attachment.id}"
    return f"{url}/preview" if preview else url


def describe(message, attachment):
    """The JSON of an attachment of `message` (REST, export, pages)."""
    data = {
        "id": attachment.id,
        "filename": attachment.filename,
        "content-type": attachment.content_type,
        "size": attachment.size,
        "image": attachment.is_image,
        "download": url_of(message, attachment),
    }
    if attachment.is_image:
        data.update(width=attachment.width, height=attachment.height,
                    preview=url_of(message, attachment, preview=attachment.preview is not None))
    return data


def export_user(userid):
    """What `userid` uploaded: count, bytes, and each file's description (no blob)."""
    attachments = get_attachments()
    mine = [] if attachments is None else attachments.owned_by(userid)
    return {
        "count": len(mine),
        "bytes": sum(a.size for a in mine),
        "files": [{"id": a.id, "filename": a.filename, "content-type": a.content_type,
                   "size": a.size, "created": a.created.isoformat()} for a in mine],
    }


def erase_user(userid, inbox, anonymise):
    """Erasure: `userid`'s copies let go of their attachments (their `inbox`, or
    None); anonymised, every file they uploaded goes, wherever it is held."""
    attachments = get_attachments()
    if attachments is None:
        return 0
    removed = len(attachments)
    if inbox is not None:
        holder = user_holder(userid)
        for other in list(inbox.keys()):
            for message in inbox[other].get_messages():
                if message.attachments:
                    attachments.release(message.attachments, holder)
    if anonymise:
        attachments.remove([a.id for a in attachments.owned_by(userid)])
    return removed - len(attachments)

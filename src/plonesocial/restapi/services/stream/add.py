"""POST @stream: post ({"text": ..., "context": uuid}) to one's stream, or on content
to that content's stream."""

from plone.base.interfaces import IPloneSiteRoot
from plone.uuid.interfaces import IUUID
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.settings import get_settings
from plonesocial.limits import MAX_BODY
from plonesocial.restapi.base import SocialService
from plonesocial.serializers.base import serialize
from zExceptions import BadRequest
from zExceptions import NotFound

import base64
import binascii


class StreamPost(SocialService):
    def reply(self):
        if self.params:
            raise NotFound("No such resource")
        settings = get_settings()
        # Room for the images, base64 (4/3 of their bytes), besides the text.
        self.max_body = MAX_BODY + ((settings.max_post_images or 0)
                                    * (settings.max_image_size or 0) * 1024 * 4 // 3)
        data = self.body()
        if set(data) - {"text", "context", "images"} or "text" not in data:
            raise BadRequest('Send {"text": ...} with an optional "context" (a UUID) and '
                             '"images" ([{"filename": ..., "data": base64}])')
        images = self.images(data.get("images"))
        context = data.get("context")
        if not IPloneSiteRoot.providedBy(self.context):
            if context is not None and context != IUUID(self.context):
                raise BadRequest("Post to a context on the site, or on the context itself")
            context = IUUID(self.context)
        if context is not None and not isinstance(context, str):
            raise BadRequest("context must be a UUID")
        activity = activitystream.post(self.userid, data["text"], context=context or None,
                                       images=images)
        self.request.response.setStatus(201)
        return serialize(activity, self.request)

    def images(self, images):
        """(filename, bytes) pairs of [{"filename": ..., "data": base64}], or BadRequest."""
        if images is None:
            return None
        if not isinstance(images, list):
            raise BadRequest("images must be a list")
        found = []
        for image in images:
            if not isinstance(image, dict) or set(image) != {"filename", "data"} or not all(
                    isinstance(value, str) for value in image.values()):
                raise BadRequest('Each image is {"filename": ..., "data": base64}')
            try:
                data = base64.b64decode(image["data"], validate=True)
            except (ValueError, binascii.Error):
                raise BadRequest("An image's data is not base64") from None
            found.append((image["filename"], data))
        return found


"""POST @broadcasts: {"subject": ..., "body": ...}, stored once for everybody (Lino's
browser messages); with realtime on, every connected page shows it at once."""

from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.exc import ActivityStreamError
from plonesocial.restapi.base import iso
from plonesocial.restapi.base import SocialService
from plonesocial.text import normalize_newlines
from zExceptions import BadRequest


MAX_SUBJECT = 200  # characters: one line in the header of every page
MAX_BODY = 2000


class BroadcastsPost(SocialService):
    def reply(self):
        data = self.body()
        if set(data) - {"subject", "body"}:
            raise BadRequest('Send {"subject": text} and optionally "body"')
        subject, body = data.get("subject"), data.get("body", "")
        if not isinstance(subject, str) or not subject.strip():
            raise BadRequest('"subject" is required: the line everybody sees')
        if not isinstance(body, str):
            raise BadRequest('"body" must be text')
        body = normalize_newlines(body)  # counted as stored
        if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
            raise BadRequest(f"At most {MAX_SUBJECT} characters of subject and "
                             f"{MAX_BODY} of body")
        try:
            notification = activitystream.broadcast(subject=subject, body=body,
                                                    actor=self.userid)
        except ActivityStreamError as error:
            raise BadRequest(str(error)) from None
        self.request.response.setStatus(201)
        return {"id": notification.id, "subject": notification.subject,
                "body": notification.body, "broadcast": True,
                "created": iso(notification.created)}

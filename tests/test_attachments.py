"""Attachments on private messages (issue 15): stored once as blobs, checked before
anything is written, served to participants only and never as markup; the
Python API, REST (base64 JSON) and the download view; export and erasure."""

from hypothesis import example
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from io import BytesIO
from plone import api
from plone.testing.zope import Browser
from plonesocial import exc
from plonesocial.messaging import api as messaging
from plonesocial.messaging import attachments as files
from plonesocial.messaging.attachments import content_type_of
from plonesocial.messaging.attachments import sanitise_filename
from plonesocial.messaging.attachments import Upload
from plonesocial.messaging.interfaces import IAttachment
from plonesocial.messaging.interfaces import IAttachments
from plonesocial.privacy.personal_data import erase_user_data
from plonesocial.privacy.personal_data import export_user_data
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING
from tests.rest import RestClient
from zope.interface.verify import verifyObject

import base64
import transaction
import unicodedata
import unittest


PEOPLE = ("ann", "bob", "cat", "dan")


def png(width=40, height=30, color=(200, 30, 30)):
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def b64(data):
    return base64.b64encode(data).decode()


class TestSniffAndNames(unittest.TestCase):
    """The checks that need no site: the type a content shows, and file names."""

    def test_content_decides_the_type(self):
        self.assertEqual(content_type_of("application/octet-stream", png()), "image/png")
        self.assertEqual(content_type_of("image/jpeg", png()), "image/png")
        with self.assertRaises(exc.InvalidAttachment):
            content_type_of("image/png", PDF)  # claims an image, is not one
        with self.assertRaises(exc.InvalidAttachment):
            content_type_of("image/gif", HTML)
        self.assertEqual(content_type_of("text/plain", HTML), "text/html")
        self.assertEqual(content_type_of("application/pdf", SVG), "image/svg+xml")
        self.assertEqual(content_type_of("image/svg+xml", b"  \n<svg/>"), "image/svg+xml")
        self.assertEqual(content_type_of("text/plain", b"\xef\xbb\xbf <html>"), "text/html")
        self.assertEqual(content_type_of("text/csv", b"a,b\n1,2\n"), "text/csv")
        self.assertEqual(content_type_of("text/html", b"plain words"), "text/plain")
        self.assertEqual(content_type_of("application/pdf", b"\x00\x01binary"),
                         "application/octet-stream")
        docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        self.assertEqual(content_type_of(docx, b"PK\x03\x04rest"), docx)
        self.assertEqual(content_type_of("text/plain", b"PK\x03\x04rest"), "application/zip")

    def test_file_names(self):
        for hostile, expected in (
                ("../../etc/passwd", "passwd"),
                ("C:\\Windows\\system32\\evil.exe", "evil.exe"),
                ("report\u202egnp.exe", "reportgnp.exe"),  # right-to-left override
                ("a\x00b\nc\td.txt", "ab c d.txt"),
                ("", "attachment.bin"),
                ("...", "attachment.bin"),
                ("   .hidden", "hidden"),
                ("CON.txt", "_CON.txt"),
                ('a<b>:"c|?*.pdf', "a_b___c___.pdf"),
                ("x" * 500 + ".pdf", "x" * 116 + ".pdf")):
            with self.subTest(hostile=hostile):
                self.assertEqual(sanitise_filename(hostile), expected)
        self.assertEqual(sanitise_filename("", "image/png"), "attachment.png")
        self.assertEqual(sanitise_filename(None), "attachment.bin")

    @settings(max_examples=150, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(max_size=400))
    @example("\u202e\u2066/\\\x7f\ufeff")
    @example("/" * 300)
    def test_hostile_names_come_out_safe(self, name):
        clean = sanitise_filename(name)
        self.assertTrue(clean)
        self.assertLessEqual(len(clean), files.MAX_NAME)
        self.assertFalse(set(clean) & set('/\\<>:"|?*'))
        self.assertFalse(clean.startswith((".", " ")))
        self.assertFalse(any(unicodedata.category(ch)[0] == "C" for ch in clean), repr(clean))
        self.assertEqual(sanitise_filename(clean), clean)  # stable

    @settings(max_examples=120, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(max_size=60), st.one_of(st.binary(max_size=300), st.sampled_from(
        [HTML, SVG, PDF, b"<script>x</script>", b"GIF89a<html>", b" <svg onload=x>"])))
    def test_no_markup_is_stored_as_anything_harmless(self, declared, data):
        """Whatever the client claims, markup never gets a type shown inline, and an
        image type is only ever the one of a real image."""
        try:
            stored = content_type_of(declared, data)
        except exc.InvalidAttachment:
            return
        if data.lstrip().lower().startswith((b"<html", b"<!doctype", b"<svg", b"<script")):
            self.assertIn(stored, ("text/html", "image/svg+xml"))
        if stored in files.INLINE_TYPES:
            self.assertIsNotNone(files.raster_type(data))


class TestAttachmentsApi(unittest.TestCase):
    layer = PLONESOCIAL_INTEGRATION_TESTING

    def setUp(self):
        for userid in PEOPLE:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")

    def store(self):
        return files.get_attachments()

    def test_one_to_one_stores_once_and_both_copies_refer(self):
        message = messaging.send("ann", "bob", "Look", attachments=[
            Upload("cat.png", "image/png", png()), Upload("spec.pdf", "application/pdf", PDF)])
        theirs = messaging.get_conversation("bob", "ann")[message.id]
        self.assertEqual(message.attachments, theirs.attachments)
        self.assertEqual(len(message.attachments), 2)
        store = self.store()
        verifyObject(IAttachments, store)
        self.assertEqual(len(store), 2)
        image = store.get(message.attachments[0])
        verifyObject(IAttachment, image)
        self.assertEqual((image.content_type, image.is_image, image.width, image.height,
                          image.owner), ("image/png", True, 40, 30, "ann"))
        self.assertIsNotNone(image.preview)
        self.assertEqual(store.get(message.attachments[1]).file.data, PDF)
        self.assertEqual(image.holders, {("user", "ann"), ("user", "bob")})
        # The same blob object for both copies: one file in the blob directory.
        _, found = messaging.get_attachment("bob", ("direct", "ann"), theirs.id,
                                            message.attachments[0])
        self.assertIs(found, image)
        store.check_invariants()

    def test_only_attachments_no_text(self):
        message = messaging.send("ann", "bob", "", attachments=[Upload("a.png", "", png())])
        self.assertEqual(message.text, "")
        with self.assertRaises(exc.EmptyMessage):
            messaging.send("ann", "bob", " ")

    def test_limits_refuse_before_any_write(self):
        registry = api.portal.get_tool("portal_registry")
        registry["plonesocial.messaging.max_attachments"] = 2
        registry["plonesocial.messaging.max_attachment_size"] = 1
        big = Upload("big.pdf", "application/pdf", PDF + b"0" * (1024 * 1024))
        cases = (
            ([Upload("a.png", "", png())] * 3, exc.TooManyAttachments),
            ([big], exc.AttachmentTooLarge),
            ([Upload("page.html", "text/html", HTML)], exc.AttachmentTypeNotAllowed),
            ([Upload("x.svg", "image/svg+xml", SVG)], exc.AttachmentTypeNotAllowed),
            ([Upload("fake.png", "image/png", PDF)], exc.InvalidAttachment),
            ([Upload("empty.pdf", "application/pdf", b"")], exc.InvalidAttachment),
            ([Upload("ok.png", "", png()), Upload("x.exe", "", b"MZ\x90\x00")],
             exc.AttachmentTypeNotAllowed),
        )
        for uploads, error in cases:
            with self.subTest(error=error.__name__):
                with self.assertRaises(error):
                    messaging.send("ann", "bob", "hi", attachments=uploads)
        self.assertIsNone(messaging.get_inbox("bob"))  # not even an empty inbox
        self.assertIsNone(self.store())
        # A refused send (blocked) stores no file either.
        messaging.block("bob", "ann")
        with self.assertRaises(exc.SenderBlocked):
            messaging.send("ann", "bob", "hi", attachments=[Upload("a.png", "", png())])
        self.assertIsNone(self.store())
        registry["plonesocial.messaging.max_attachments"] = 0
        with self.assertRaises(exc.TooManyAttachments):
            messaging.send("ann", "cat", "hi", attachments=[Upload("a.png", "", png())])

    def test_delete_for_me_keeps_the_file_until_the_last_copy_goes(self):
        message = messaging.send("ann", "bob", "x", attachments=[Upload("a.pdf", "", PDF)])
        attachment_id = message.attachments[0]
        messaging.delete_message("ann", "bob", message.id)
        self.assertIsNotNone(files.get(attachment_id))
        with self.assertRaises(exc.AttachmentNotFound):  # Ann's copy is gone
            messaging.get_attachment("ann", ("direct", "bob"), message.id, attachment_id)
        messaging.delete_conversation("bob", "ann")
        self.assertIsNone(files.get(attachment_id))
        self.assertEqual(len(self.store()), 0)
        self.store().check_invariants()

    def test_group_message_stores_once(self):
        group = messaging.create_group("ann", ["bob", "cat"], "Trip")
        message = messaging.send_to_group("bob", group.id, "", attachments=[
            Upload("beach.png", "image/png", png())])
        self.assertEqual(len(self.store()), 1)
        attachment = files.get(message.attachments[0])
        self.assertEqual(attachment.holders, {("group", group.id)})
        for reader in ("ann", "bob", "cat"):
            messaging.get_attachment(reader, ("group", group.id), message.id, attachment.id)
        with self.assertRaises(exc.AttachmentNotFound):
            messaging.get_attachment("dan", ("group", group.id), message.id, attachment.id)
        # Deleting the group removes its files.
        messaging.delete_group("ann", group.id)
        self.assertIsNone(files.get(attachment.id))

    def test_idor(self):
        """An attachment id opens nothing by itself: it must be that message's, in a
        conversation of the reader."""
        secret = messaging.send("ann", "bob", "secret", attachments=[Upload("s.pdf", "", PDF)])
        mine = messaging.send("cat", "dan", "mine", attachments=[Upload("m.pdf", "", PDF)])
        sid, mid = secret.attachments[0], mine.attachments[0]
        probes = (
            ("cat", ("direct", "ann"), secret.id, sid),  # not her conversation
            ("cat", ("direct", "bob"), secret.id, sid),
            ("cat", ("direct", "dan"), mine.id, sid),  # her message, another's file
            ("dan", ("direct", "cat"), mine.id, sid),
            ("ann", ("direct", "bob"), secret.id, mid),
            ("ann", ("group", "nope"), secret.id, sid),
            ("ann", ("other", "bob"), secret.id, sid),
            ("ann", ("direct", "bob"), secret.id, None),
        )
        for probe in probes:
            with self.subTest(probe=probe):
                with self.assertRaises(exc.AttachmentNotFound):
                    messaging.get_attachment(*probe)

    def test_export_and_erasure(self):
        sent = messaging.send("ann", "bob", "x", attachments=[Upload("a.png", "", png())])
        received = messaging.send("bob", "ann", "y", attachments=[Upload("b.pdf", "", PDF)])
        to_cat = messaging.send("bob", "cat", "z", attachments=[Upload("c.pdf", "", PDF)])
        group = messaging.create_group("ann", ["bob", "cat"])
        in_group = messaging.send_to_group("ann", group.id, "g", attachments=[
            Upload("g.pdf", "", PDF)])
        exported = export_user_data("ann")
        self.assertEqual(exported["attachments"]["count"], 2)
        self.assertEqual(exported["attachments"]["bytes"], len(png()) + len(PDF))
        messages = exported["inbox"]["conversations"][0]["messages"]
        self.assertEqual(sorted(a["filename"] for m in messages for a in m["attachments"]),
                         ["a.png", "b.pdf"])
        erase_user_data("ann", messages="anonymise")
        # Ann's files are gone everywhere; Bob's file to Ann goes with her copy
        # (his own copy keeps it); the others' files stay.
        self.assertIsNone(files.get(sent.attachments[0]))
        self.assertIsNone(files.get(in_group.attachments[0]))
        self.assertEqual(files.get(received.attachments[0]).holders, {("user", "bob")})
        self.assertIsNotNone(files.get(to_cat.attachments[0]))
        self.store().check_invariants()
        # Bob's copy of Ann's anonymised message names no file.
        for conversation in messaging.get_conversations("bob"):
            for message in conversation.get_messages():
                if message.sender != "bob":
                    self.assertEqual(message.attachments, ())
        erase_user_data("bob", messages="keep")
        self.assertIsNone(files.get(received.attachments[0]))
        self.assertEqual(files.get(to_cat.attachments[0]).holders, {("user", "cat")})


class TestAttachmentsRest(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid in PEOPLE:
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": userid.title()})
        transaction.commit()
        self.base = self.portal.absolute_url()
        self.clients = {userid: RestClient(self.layer["app"], userid) for userid in PEOPLE}

    def send(self, sender="ann", to="bob", files_=None, text="Look"):
        body = {"text": text, "attachments": files_ if files_ is not None else [
            {"filename": "../cat.png", "content-type": "image/png", "data": b64(png())},
            {"filename": "page.txt", "content-type": "text/plain", "data": b64(b"hello")}]}
        return self.clients[sender].post(f"{self.base}/@inbox/{to}", body)

    def test_send_and_download(self):
        sent = self.send()
        self.assertEqual(sent.status_int, 201, sent.body)
        attachments = sent.json["attachments"]
        self.assertEqual([a["filename"] for a in attachments], ["cat.png", "page.txt"])
        image, text = attachments
        self.assertEqual((image["content-type"], image["image"], image["width"]),
                         ("image/png", True, 40))
        # Bob downloads the image inline, the text as a download; nosniff on both.
        bob = self.clients["bob"]
        page = bob.get(f"{self.base}/@inbox/ann").json
        bobs = page["orderedItems"][0]["attachments"]
        got = bob.get(bobs[0]["download"])
        self.assertEqual(got.status_int, 200)
        self.assertEqual(got.headers["Content-Type"], "image/png")
        self.assertTrue(got.headers["Content-Disposition"].startswith("inline;"))
        self.assertEqual(got.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(got.body, png())
        preview = bob.get(bobs[0]["preview"])
        self.assertEqual(preview.status_int, 200)
        self.assertTrue(preview.headers["Content-Type"].startswith("image/"))
        got = bob.get(bobs[1]["download"])
        self.assertEqual(got.headers["Content-Disposition"],
                         "attachment; filename=\"page.txt\"; filename*=UTF-8''page.txt")
        self.assertEqual(got.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(got.body, b"hello")
        # Nobody else; nobody anonymous.
        for probe in (self.clients["cat"], RestClient(self.layer["app"])):
            self.assertIn(probe.get(bobs[0]["download"]).status_int, (401, 404))
        self.assertEqual(self.clients["cat"].get(
            image["download"].replace("/direct/bob/", "/direct/ann/")).status_int, 404)

    def test_markup_is_never_served_inline(self):
        registry = api.portal.get_tool("portal_registry")
        registry["plonesocial.messaging.allowed_attachment_types"] = [
            "text/html", "image/svg+xml", "image/png"]
        transaction.commit()
        sent = self.send(files_=[
            {"filename": "x.png", "content-type": "image/png", "data": b64(png())},
            {"filename": "a.html", "content-type": "image/png;x", "data": b64(HTML)},
        ])
        self.assertEqual(sent.status_int, 400)  # claims an image, is HTML
        sent = self.send(files_=[
            {"filename": "a.html", "content-type": "text/plain", "data": b64(HTML)},
            {"filename": "b.svg", "content-type": "image/svg+xml", "data": b64(SVG)}])
        self.assertEqual(sent.status_int, 201, sent.body)
        for attachment in sent.json["attachments"]:
            got = self.clients["ann"].get(attachment["download"])
            self.assertEqual(got.headers["Content-Type"], "application/octet-stream")
            self.assertTrue(got.headers["Content-Disposition"].startswith("attachment;"))
            self.assertEqual(got.headers["X-Content-Type-Options"], "nosniff")
            self.assertIn("sandbox", got.headers["Content-Security-Policy"])

    def test_refusals_are_400_and_write_nothing(self):
        for files_ in ([{"filename": "a", "data": "!!not base64"}],
                       [{"filename": "a", "data": b64(b"x"), "extra": 1}],
                       "not a list",
                       [{"filename": "a.exe", "data": b64(b"MZ\x90\x00\x03")}],
                       [{"filename": "a.png", "data": b64(png())}] * 6):
            with self.subTest(files=str(files_)[:40]):
                answer = self.send(files_=files_)
                self.assertEqual(answer.status_int, 400, answer.body)
                self.assertIn("message", answer.json)
        self.assertEqual(self.clients["bob"].get(f"{self.base}/@inbox").json["items_total"], 0)

    def test_size_limit_over_rest(self):
        """A file just under the limit goes through Zope's request handling; one over
        it is a 400 naming the limit, and nothing is stored."""
        registry = api.portal.get_tool("portal_registry")
        registry["plonesocial.messaging.max_attachment_size"] = 1
        transaction.commit()
        under = PDF + b"0" * (files.MB - len(PDF) - 10)
        sent = self.send(files_=[{"filename": "big.pdf", "content-type": "application/pdf",
                                  "data": b64(under)}])
        self.assertEqual(sent.status_int, 201, sent.body[:300])
        self.assertEqual(self.clients["bob"].get(
            sent.json["attachments"][0]["download"].replace("/direct/bob/", "/direct/ann/")
        ).body, under)
        over = self.send(files_=[{"filename": "bigger.pdf", "content-type": "application/pdf",
                                  "data": b64(under + b"0" * 100)}])
        self.assertEqual(over.status_int, 400)
        self.assertEqual(over.json["message"], "The file bigger.pdf is larger than 1 MB.")
        transaction.begin()
        self.assertEqual(len(files.get_attachments()), 1)

    def test_group_send_with_attachment(self):
        group = self.clients["ann"].post(f"{self.base}/@conversations",
                                         {"participants": ["bob", "cat"]}).json
        url = f"{self.base}/@conversations/{group['id']}/messages"
        sent = self.clients["bob"].post(url, {"attachments": [
            {"filename": "p.png", "content-type": "image/png", "data": b64(png())}]})
        self.assertEqual(sent.status_int, 201, sent.body)
        download = sent.json["attachments"][0]["download"]
        self.assertIn(f"/@@message-attachment/group/{group['id']}/", download)
        for reader, status in (("ann", 200), ("cat", 200), ("dan", 404)):
            self.assertEqual(self.clients[reader].get(download).status_int, status)
        listed = self.clients["cat"].get(url).json["orderedItems"][0]
        self.assertEqual(listed["attachments"][0]["id"], sent.json["attachments"][0]["id"])

    def test_lists_quote_the_file_names_of_a_message_of_files_only(self):
        self.assertEqual(self.send(text="").status_int, 201)
        group = self.clients["ann"].post(f"{self.base}/@conversations",
                                         {"participants": ["bob", "cat"]}).json
        sent = self.clients["bob"].post(f"{self.base}/@conversations/{group['id']}/messages", {
            "attachments": [{"filename": "p.png", "content-type": "image/png",
                             "data": b64(png())}]})
        self.assertEqual(sent.status_int, 201, sent.body)
        inbox = self.clients["bob"].get(f"{self.base}/@inbox").json["items"]
        self.assertEqual(inbox[0]["last_message"]["excerpt"], "cat.png, page.txt")
        listing = self.clients["cat"].get(f"{self.base}/@conversations").json["orderedItems"]
        self.assertEqual(listing[0]["last_message"]["excerpt"], "p.png")
        browser = Browser(self.layer["app"])
        browser.addHeader("Authorization", "Basic bob:secret-password")
        browser.open(f"{self.base}/@@inbox")
        self.assertIn("cat.png, page.txt", browser.contents)
        self.assertIn("p.png", browser.contents)

    def test_download_view_refuses_writes_and_garbage(self):
        sent = self.send().json
        download = sent["attachments"][0]["download"]
        ann = self.clients["ann"]
        self.assertEqual(ann.get(download).status_int, 200)
        for url in (download + "/more", download + "/preview/x", download.rsplit("/", 1)[0],
                    download.replace(f"/{sent['id']}/", "/12x/"),
                    download.replace(f"/{sent['id']}/", f"/{'9' * 40}/")):
            with self.subTest(url=url):
                self.assertEqual(ann.get(url).status_int, 404)
        self.assertIn(ann.request("POST", download, json={}).status_int, (403, 404, 405))

    def page_post(self, userid, url, fields, upload_files=()):
        """A form post of the page, as a browser sends it (multipart, with the token)."""
        testapp = Browser(self.layer["app"]).testapp
        auth = {"Authorization": "Basic " + b64(f"{userid}:secret-password".encode())}
        page = testapp.get(url, headers=auth)
        token = page.html.find("input", {"name": "_authenticator"})["value"]
        return testapp.post(url, params=dict(fields, _authenticator=token),
                            upload_files=list(upload_files), headers=auth,
                            expect_errors=True)

    def test_the_pages_upload_files(self):
        answer = self.page_post("ann", f"{self.base}/@@conversation?with=bob",
                                {"text": "With a picture", "send": "1"},
                                [("attachments", "sun.png", png(), "image/png"),
                                 ("attachments", "notes.txt", b"notes", "text/plain")])
        self.assertEqual(answer.status_int, 302, answer.body[:300])
        page = self.clients["bob"].request(
            "GET", f"{self.base}/@@conversation?with=ann", headers={"Accept": "text/html"})
        html = page.body.decode()
        self.assertIn('alt="sun.png"', html)
        self.assertIn("/@@message-attachment/direct/ann/", html)
        self.assertIn("notes.txt", html)
        # A refused file: the page says why, and nothing was sent.
        answer = self.page_post("ann", f"{self.base}/@@conversation?with=bob",
                                {"text": "Bad one", "send": "1"},
                                [("attachments", "x.html", HTML, "image/png")])
        self.assertEqual(answer.status_int, 400)
        self.assertIn("is not the image it claims to be", answer.body.decode())
        # The group page too.
        group = messaging_group = self.clients["ann"].post(
            f"{self.base}/@conversations", {"participants": ["bob", "cat"]}).json
        url = f"{self.base}/@@group?id={group['id']}"
        answer = self.page_post("cat", url, {"text": "", "send": "1"},
                                [("attachments", "g.png", png(), "image/png")])
        self.assertEqual(answer.status_int, 302)
        html = self.clients["bob"].request("GET", url, headers={"Accept": "text/html"}).body
        self.assertIn(f"/@@message-attachment/group/{messaging_group['id']}/".encode(), html)


class TestSettings(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def test_control_panel_messages_fieldset(self):
        from plone.app.testing import SITE_OWNER_NAME
        from plone.app.testing import SITE_OWNER_PASSWORD

        portal = self.layer["portal"]
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
        browser.open(portal.absolute_url() + "/@@plonesocial-controlpanel")
        browser.getControl("Maximum attachment size").value = "3"
        browser.getControl("Attachments per message").value = "2"
        browser.getControl("Editing time").value = "0"
        types = browser.getControl("Allowed attachment types")
        self.assertIn("image/png", types.value)
        types.value = "image/png\napplication/pdf"
        browser.getControl("Save").click()
        transaction.begin()
        self.assertEqual(files.limits(), (3 * files.MB, 2,
                                          frozenset({"image/png", "application/pdf"})))
        self.assertEqual(
            api.portal.get_registry_record("plonesocial.messaging.edit_window_minutes"), 0)

    def test_upgrade_1009_to_1012_adds_the_records(self):
        setup = api.portal.get_tool("portal_setup")
        registry = api.portal.get_tool("portal_registry")
        names = ("max_attachment_size", "max_attachments", "allowed_attachment_types",
                 "edit_window_minutes")
        for name in names:
            del registry.records[f"plonesocial.messaging.{name}"]
        # Before the upgrade the defaults apply.
        self.assertEqual(files.limits()[:2], (10 * files.MB, 5))
        setup.setLastVersionForProfile("plonesocial:default", "1009")
        [step] = [s for s in setup.listUpgrades("plonesocial:default")
                  if s["dest"] == ("1012",)]
        self.assertEqual(step["title"], "Attachments, edit and unsend")
        setup.upgradeProfile("plonesocial:default")
        for name in names:
            self.assertIn(f"plonesocial.messaging.{name}", registry.records)
        self.assertEqual(registry["plonesocial.messaging.max_attachment_size"], 10)
        self.assertEqual(registry["plonesocial.messaging.edit_window_minutes"], 15)


class TestHostileUploadsOverRest(unittest.TestCase):
    """Property: whatever name, type and bytes a client sends, the answer is 201 or a 400
    with a message, never a 500; what is stored is never served as markup inline."""

    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        for userid in ("ann", "bob"):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password")
        registry = api.portal.get_tool("portal_registry")
        # Let markup through the type check: serving must still make it harmless.
        registry["plonesocial.messaging.allowed_attachment_types"] = [
            "image/png", "text/plain", "text/html", "image/svg+xml", "application/pdf",
            "application/octet-stream", "application/xml"]
        registry["plonesocial.messaging.max_messages_per_minute"] = 0  # many examples
        transaction.commit()
        self.ann = RestClient(self.layer["app"], "ann")
        self.url = self.layer["portal"].absolute_url() + "/@inbox/bob"

    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(name=st.one_of(st.none(), st.integers(), st.text(max_size=300)),
           declared=st.one_of(st.none(), st.text(max_size=80), st.sampled_from(
               ["image/png", "text/html", "image/svg+xml", "image/png; charset=x",
                "IMAGE/PNG", "application/pdf"])),
           data=st.one_of(st.binary(max_size=200), st.sampled_from(
               [HTML, SVG, PDF, b"<script>alert(1)</script>", b"\x89PNG\r\n\x1a\nfake"])))
    @example(name="../../x.html", declared="image/png", data=HTML)
    @example(name="\u202eevil.svg", declared="text/plain", data=SVG)
    def test_never_a_500_never_inline_markup(self, name, declared, data):
        item = {"data": b64(data)}
        if name is not None:
            item["filename"] = name
        if declared is not None:
            item["content-type"] = declared
        answer = self.ann.post(self.url, {"text": "f", "attachments": [item]})
        self.assertIn(answer.status_int, (201, 400), answer.body[:300])
        if answer.status_int == 400:
            self.assertTrue(answer.json["message"])
            return
        [stored] = answer.json["attachments"]
        got = self.ann.get(stored["download"])
        self.assertEqual(got.status_int, 200)
        self.assertEqual(got.headers["X-Content-Type-Options"], "nosniff")
        if got.headers["Content-Disposition"].startswith("inline"):
            self.assertIn(got.headers["Content-Type"], files.INLINE_TYPES)
            self.assertIsNotNone(files.raster_type(got.body))
        self.assertNotIn(got.headers["Content-Type"], ("text/html", "image/svg+xml"))
        self.assertNotIn("/", stored["filename"])

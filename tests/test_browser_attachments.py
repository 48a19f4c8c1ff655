"""Issue 15 in headless Chromium: a three-person group (create, send with an image,
receipts, kick, leave), and a 1:1 conversation's files, edit and unsend, at 1200 and
375 px, keyboard where it matters, axe on our markup. Screenshots in var/browser-tests/."""

from io import BytesIO
from plone import api
from tests import test_browser

import transaction


def png(width=640, height=420):
    from PIL import Image

    out = BytesIO()
    image = Image.new("RGB", (width, height), (30, 90, 160))
    for x in range(0, width, 40):  # stripes: a preview that visibly is an image
        for y in range(height):
            image.putpixel((x, y), (250, 200, 40))
    image.save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OURS = ["#plonesocial-group", "#plonesocial-conversation"]


AXE = test_browser.AXE


class TestAttachmentsInBrowser(test_browser.BrowserTestCase):
    def setUp(self):
        super().setUp()
        api.user.create(email="cat@example.org", username="cat", password="secret-password",
                        properties={"fullname": "Cat Cole"})
        transaction.commit()

    def person(self, userid, width=1200):
        page = super().person(userid)
        page.set_viewport_size({"width": width, "height": 900})
        return page

    def fits(self, page, name, width):
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, f"{name} overflows at {width} px by {overflow} px")
        self.shot(page, f"att-{name}-{width}")
        if AXE.exists():
            test_browser.settle(page)
            page.add_script_tag(path=str(AXE))
            present = [s for s in OURS if page.query_selector(s)]
            result = page.evaluate(
                "async (include) => await axe.run({include: include.map(s => [s])},"
                " {resultTypes: ['violations']})", present)
            serious = [(v["id"], [n["target"] for n in v["nodes"]][:3])
                       for v in result["violations"] if v["impact"] in ("serious", "critical")]
            self.assertEqual(serious, [], f"{name} at {width} px")

    def image_loaded(self, page, selector):
        page.wait_for_function(
            "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }",
            arg=selector)
        return page.evaluate("s => document.querySelector(s).naturalWidth", selector)

    def test_three_person_group_with_an_image(self):
        for width in (1200, 375):
            with self.subTest(width=width):
                self.group_flow(width)

    def group_flow(self, width):
        ann = self.person("ann", width)
        ann.goto(f"{self.site}/@@new-conversation")
        ann.fill("#more-people", "bob, cat")
        ann.fill("#group-title", f"Picnic {width}")
        ann.fill("#first-text", "Who brings what?")
        ann.click("#new-conversation-form button[name=create]")
        ann.wait_for_url("**/@@group?id=*")
        self.assertEqual(ann.locator("#participants > li").count(), 3)

        bob = self.person("bob", width)
        bob.goto(f"{self.site}/@@inbox")
        bob.click(f"#plonesocial-inbox >> text=Picnic {width}")
        # Choosing a file shows its preview before sending.
        bob.fill("#group-text", "The bread, as promised")
        bob.set_input_files("#group-files", files=[
            {"name": "bread.png", "mimeType": "image/png", "buffer": png()}])
        bob.wait_for_selector(".plonesocial-previews img")
        self.assertIn("bread.png", bob.inner_text(".plonesocial-previews"))
        self.fits(bob, f"group-preview-{width}", width)
        # Sent from the keyboard: Tab from the file field's hint to Send, Enter.
        bob.focus("#group-files")
        bob.keyboard.press("Tab")
        self.assertEqual(bob.evaluate("() => document.activeElement.name"), "send")
        with bob.expect_navigation():
            bob.keyboard.press("Enter")
        self.assertTrue(bob.locator(".plonesocial-progress").count() >= 1)
        self.assertIn("The bread, as promised", bob.inner_text("#group-messages"))
        self.assertGreater(self.image_loaded(bob, "#group-messages .plonesocial-thumb img"), 0)

        # Ann opens the group (marks it read) and sees the thumbnail; the full image
        # is a link away; Bob sees her receipt.
        ann.reload()
        thumb = "#group-messages .plonesocial-thumb img"
        self.assertLessEqual(self.image_loaded(ann, thumb), 480)  # the preview, scaled
        self.assertEqual(ann.get_attribute(thumb, "alt"), "bread.png")
        full = ann.get_attribute("#group-messages .plonesocial-thumb", "href")
        answer = ann.request.get(full)
        self.assertEqual((answer.status, answer.headers["content-type"],
                          answer.headers["x-content-type-options"]),
                         (200, "image/png", "nosniff"))
        bob.reload()
        self.assertEqual(bob.inner_text("#group-receipt"), "Seen by Ann Ames")
        self.fits(bob, f"group-image-receipt-{width}", width)

        # Kick Cat: she keeps the image she received, read-only.
        ann.click("button:has-text('Remove Cat Cole')")
        ann.wait_for_load_state()
        self.assertIn("Ann Ames removed Cat Cole", ann.inner_text("#group-messages"))
        cat = self.person("cat", width)
        cat.goto(f"{self.site}/@@inbox")
        cat.click(f"#plonesocial-inbox >> text=Picnic {width}")
        self.assertIn("You are no longer in this conversation",
                      cat.inner_text("#plonesocial-group"))
        self.assertGreater(self.image_loaded(cat, thumb), 0)
        self.assertEqual(cat.locator("#group-files").count(), 0)
        self.fits(cat, f"group-kicked-{width}", width)

        # Bob leaves; Ann sees it.
        bob.once("dialog", lambda dialog: dialog.accept())  # "Leave ...?" asks first
        bob.click("button[name=leave]")
        bob.wait_for_url("**/@@inbox")
        ann.reload()
        self.assertIn("Bob Baker left the conversation", ann.inner_text("#group-messages"))
        self.fits(ann, f"group-after-leave-{width}", width)

    def test_one_to_one_files_edit_and_unsend(self):
        ann = self.person("ann", 375)
        ann.goto(f"{self.site}/@@conversation?with=bob")
        ann.fill("#reply-text", "Plan and photo")
        ann.set_input_files("#reply-files", files=[
            {"name": "sun.png", "mimeType": "image/png", "buffer": png(300, 200)},
            {"name": "../../plan.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        self.assertEqual(ann.locator(".plonesocial-previews li").count(), 2)
        with ann.expect_navigation():
            ann.click("#plonesocial-conversation button[name=send]")
        self.assertGreater(self.image_loaded(ann, ".plonesocial-thumb img"), 0)
        self.assertIn("plan.pdf", ann.inner_text(".plonesocial-file"))
        self.fits(ann, "conversation-files-375", 375)

        # Edit from the keyboard: open the disclosure, change the text, save.
        ann.focus(".plonesocial-edit summary")
        ann.keyboard.press("Enter")
        ann.fill(".plonesocial-edit textarea", "Plan and photo (v2)")
        with ann.expect_navigation():
            ann.click(".plonesocial-edit button[name=edit_message]")
        self.assertIn("Plan and photo (v2)", ann.inner_text("#plonesocial-conversation"))

        bob = self.person("bob", 1200)
        bob.goto(f"{self.site}/@@conversation?with=ann")
        self.assertIn("edited", bob.inner_text(".plonesocial-versions summary"))
        bob.click(".plonesocial-versions summary")
        self.assertIn("Plan and photo", bob.inner_text(".plonesocial-versions"))
        self.assertEqual(bob.locator("button[name=edit_message]").count(), 0)
        link = bob.get_attribute(".plonesocial-file", "href")
        answer = bob.request.get(link)
        self.assertTrue(answer.headers["content-disposition"].startswith("attachment;"))
        self.fits(bob, "conversation-edited-1200", 1200)

        # Unsend (confirmed): both see a tombstone, the files are gone.
        ann.on("dialog", lambda dialog: dialog.accept())
        with ann.expect_navigation():
            ann.click("button[name=unsend_message]")
        self.assertIn("Message removed", ann.inner_text("#plonesocial-conversation"))
        bob.reload()
        self.assertIn("Message removed", bob.inner_text("#plonesocial-conversation"))
        self.assertEqual(bob.locator(".plonesocial-thumb").count(), 0)
        self.assertEqual(bob.request.get(link).status, 404)
        self.fits(bob, "conversation-unsent-1200", 1200)

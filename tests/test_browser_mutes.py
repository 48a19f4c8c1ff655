"""Issue 16 in Chromium: the mute menu by keyboard, at 1200 and 375 px, with axe."""

from plonesocial.activitystream import api as activitystream
from tests import test_browser
from tests.test_browser import BrowserTestCase

import transaction


class TestMuteMenuInBrowser(BrowserTestCase):
    check_page = test_browser.TestPeopleExpect.check_page

    def test_mute_by_keyboard_then_see_it_on_the_following_page(self):
        activitystream.watch("bob", self.page_obj.UID())
        transaction.commit()
        for width in (1200, 375):
            bob = self.person("bob")
            bob.set_viewport_size({"width": width, "height": 900})
            bob.goto(self.page_obj.absolute_url())
            summary = bob.locator(".plonesocial-mute summary")
            summary.focus()
            bob.keyboard.press("Enter")  # a <details> opens from the keyboard
            bob.wait_for_selector(".plonesocial-mute[open]")
            self.check_page(bob, "mute-menu", width)
            if width == 375:
                box = bob.locator(".plonesocial-mute-form").bounding_box()
                self.assertLessEqual(box["x"] + box["width"], width)
                continue
            bob.get_by_label("1 hour").check()
            bob.get_by_label("Also hide it from my timeline").check()
            bob.locator(".plonesocial-mute-form button[value='mute']").press("Enter")
            bob.wait_for_load_state()
            self.assertIn("Muted: no notifications about it.", bob.inner_text("body"))
            bob.goto(f"{self.site}/@@following")
            self.assertIn("The plan", bob.inner_text("#plonesocial-mutes"))
            self.check_page(bob, "following-mutes", width)
        for width in (1200, 375):
            bob = self.person("bob")
            bob.set_viewport_size({"width": width, "height": 900})
            bob.goto(f"{self.site}/@@conversation?with=ann")
            bob.click(".plonesocial-mute summary")
            self.check_page(bob, "conversation-mute", width)
            bob.goto(f"{self.site}/@@notification-preferences")
            bob.locator("#plonesocial-dnd").scroll_into_view_if_needed()
            self.check_page(bob, "preferences-dnd", width)

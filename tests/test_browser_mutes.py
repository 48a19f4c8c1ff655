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


class TestRepeatedButtonsAreNamed(BrowserTestCase):
    """A list's buttons say what they act on: "Unmute The plan", not five "Unmute"s."""

    def names(self, page, role_name):
        buttons = page.get_by_role("button", name=role_name)
        return [buttons.nth(i).evaluate(
            "b => b.getAttribute('aria-labelledby').split(' ')"
            ".map(id => document.getElementById(id).textContent.trim()).join(' ')")
            for i in range(buttons.count())]

    def test_following_and_notifications(self):
        activitystream.follow("bob", "ann")
        activitystream.watch("bob", self.page_obj.UID())
        activitystream.follow_tag("bob", "budget")
        activitystream.mute("bob", "content", self.page_obj.UID())
        activitystream.notify(recipients=["bob"], subject="Server restarts at noon")
        activitystream.notify(recipients=["bob"], subject="Lunch is served")
        transaction.commit()
        bob = self.person("bob")
        bob.goto(f"{self.site}/@@following")
        ann = bob.locator("#plonesocial-following a[href$='ann']").first.inner_text()
        # Each name starts with what the button shows (WCAG 2.5.3), then the item.
        for name in (f"Stop following {ann}", "Stop watching The plan",
                     "Stop following #budget", "Unmute The plan"):
            self.assertEqual(bob.get_by_role("button", name=name, exact=True).count(), 1, name)
        bob.goto(f"{self.site}/@@notifications")
        self.assertEqual(self.names(bob, "Mark read"),
                         ["Mark read Lunch is served", "Mark read Server restarts at noon"])
        bob.get_by_role("button", name="Mark read Lunch is served", exact=True).click()
        bob.wait_for_load_state()
        self.assertEqual(
            bob.get_by_role("button", name="Mark unread Lunch is served", exact=True).count(), 1)

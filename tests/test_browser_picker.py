"""The people picker in Chromium: a group's Add people and New conversation, keyboard only."""

from plone import api
from plonesocial.messaging import api as messaging
from tests import test_browser
from tests.test_browser import BrowserTestCase

import transaction


class TestPeoplePicker(BrowserTestCase):
    check_page = test_browser.TestPeopleExpect.check_page

    def setUp(self):
        super().setUp()
        for userid, name in (("cat", "Cat Cole"), ("dan", "Dan Dee"), ("ann2", "Annika Zorn")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        transaction.commit()

    def options(self, page):
        page.wait_for_selector("[role=listbox]:not([hidden]) [role=option]")
        return page.locator("[role=listbox]:not([hidden]) [role=option]").all_inner_texts()

    def add_people(self, group):
        """Bob on the group's page at a phone's width, in its Add people field."""
        bob = self.person("bob")
        bob.set_viewport_size({"width": 375, "height": 800})
        bob.goto(f"{self.site}/@@group?id={group.id}")
        field = bob.get_by_role("combobox", name="Add people")
        field.focus()
        return bob, field

    def test_add_people_by_keyboard(self):
        group = messaging.create_group("bob", ["cat", "dan"], "Picnic")
        transaction.commit()
        bob, field = self.add_people(group)
        bob.keyboard.type("ann")
        self.assertEqual(self.options(bob), ["Ann Ames (ann)", "Annika Zorn (ann2)"])
        self.assertEqual(field.get_attribute("aria-expanded"), "true")
        first = bob.locator("[role=option]").first.get_attribute("id")
        self.assertEqual(field.get_attribute("aria-activedescendant"), first)
        bob.keyboard.press("ArrowDown")
        bob.keyboard.press("ArrowUp")
        bob.keyboard.press("Enter")  # picks Ann, does not send the form
        self.assertEqual(bob.locator(".plonesocial-picked li").all_inner_texts(), ["Ann Ames"])
        self.assertEqual(bob.locator(".plonesocial-picker-status").inner_text(), "Ann Ames added")
        self.assertEqual(field.input_value(), "")
        # By family name; participants (Cat, Dan) are not offered; Escape closes.
        bob.keyboard.type("Zorn")
        self.assertEqual(self.options(bob), ["Annika Zorn (ann2)"])
        self.check_page(bob, "group-add-people", 375)  # a chip and the open list
        bob.keyboard.press("Escape")
        self.assertEqual(field.get_attribute("aria-expanded"), "false")
        bob.keyboard.press("ArrowDown")  # opens again
        bob.keyboard.press("Enter")
        bob.keyboard.type("Cole")
        # No list: Cat is in the group already. Said in view, and to screen readers.
        none = bob.locator(".plonesocial-picker-none")
        none.wait_for(state="visible")
        self.assertEqual(none.inner_text(), "Nobody found")
        self.assertEqual(bob.locator(".plonesocial-picker-status").inner_text(), "Nobody found")
        self.assertEqual(bob.locator("[role=listbox]:not([hidden])").count(), 0)
        bob.keyboard.press("Control+a")
        bob.keyboard.press("Backspace")
        none.wait_for(state="hidden")  # typing again clears it
        self.assertEqual(bob.locator(".plonesocial-picked li").all_inner_texts(),
                         ["Ann Ames", "Annika Zorn"])
        self.assertEqual(
            bob.get_by_role("button", name="Remove Annika Zorn").count(), 1)
        bob.keyboard.press("Tab")  # to the Add button
        self.assertEqual(bob.evaluate("document.activeElement.textContent.trim()"), "Add")
        with bob.expect_navigation():
            bob.keyboard.press("Enter")
        self.assertIn("Bob Baker added Ann Ames", bob.inner_text("#plonesocial-group"))
        transaction.begin()
        self.assertEqual(sorted(m.userid for m in messaging.get_groups().get(group.id)
                                .participants()), ["ann", "ann2", "bob", "cat", "dan"])

    def test_a_refused_add_keeps_the_field(self):
        """Adding refused: the refusal shows, and Add people still holds what Bob typed
        and picked, to correct (at a phone's width)."""
        messaging.block("cat", "bob")  # Cat does not accept messages from Bob
        group = messaging.create_group("bob", ["ann", "dan"], "Picnic")
        transaction.commit()
        bob, field = self.add_people(group)
        bob.keyboard.type("Zorn")
        self.options(bob)
        bob.keyboard.press("Enter")  # Annika Zorn, a chip
        bob.keyboard.type("<i>nobody</i>, cat")
        with bob.expect_navigation():
            bob.click("button[name=add]")
        self.assertIn("There is no user <i>nobody</i>.", bob.inner_text("#global_statusmessage"))
        field = bob.get_by_role("combobox", name="Add people")
        self.assertEqual(field.input_value(), "<i>nobody</i>, cat")
        self.assertEqual(bob.locator(".plonesocial-picked li").all_inner_texts(), ["Annika Zorn"])
        self.assertEqual(bob.locator("#plonesocial-group i").count(), 0)  # text, not markup
        # The field has the focus, and says why under it: typing corrects at once.
        self.assertEqual(bob.evaluate("document.activeElement.id"), "add-people")
        self.assertEqual(bob.inner_text("#add-people-error"), "There is no user <i>nobody</i>.")
        # Once the page has loaded, the field is in view (on a phone it lies far below
        # the top, where the page's message is).
        bob.wait_for_function("""() => {
            const box = document.getElementById("add-people").getBoundingClientRect();
            return box.top >= 0 && box.bottom <= innerHeight; }""", timeout=10000)
        self.assertEqual(bob.evaluate("document.activeElement.id"), "add-people")
        self.shot(bob, "group-add-refused-message-375")  # where the page opens
        field.scroll_into_view_if_needed()
        self.check_page(bob, "group-add-refused", 375)
        # Corrected: without the unknown id, Cat's refusal; the field keeps "cat".
        field.fill("cat")
        with bob.expect_navigation():
            bob.click("button[name=add]")
        self.assertIn("Cat Cole does not accept messages from you",
                      bob.inner_text("#global_statusmessage"))
        self.assertEqual(bob.get_by_role("combobox", name="Add people").input_value(), "cat")
        # Without Cat: Annika is added.
        bob.get_by_role("combobox", name="Add people").fill("")
        with bob.expect_navigation():
            bob.click("button[name=add]")
        self.assertIn("Bob Baker added Annika Zorn", bob.inner_text("#plonesocial-group"))
        self.assertEqual(bob.get_by_role("combobox", name="Add people").input_value(), "")

    def test_new_group_with_the_picker(self):
        bob = self.person("bob")
        bob.goto(f"{self.site}/@@new-conversation")
        field = bob.get_by_role("combobox", name="Other people")
        field.focus()
        bob.keyboard.type("Ames")
        self.options(bob)
        bob.keyboard.press("Enter")
        bob.keyboard.type("dee")
        self.options(bob)
        bob.keyboard.press("Enter")
        self.assertEqual(bob.locator(".plonesocial-picked li").all_inner_texts(),
                         ["Ann Ames", "Dan Dee"])
        # The remove button of a chip, then Backspace in the empty field, remove again.
        bob.get_by_role("button", name="Remove Dan Dee").click()
        self.assertEqual(bob.locator(".plonesocial-picked li").all_inner_texts(), ["Ann Ames"])
        bob.keyboard.type("cat")
        self.options(bob)
        bob.keyboard.press("Enter")
        bob.fill("#group-title", "Picnic")
        self.check_page(bob, "new-conversation-picker", 1200)
        bob.click("button[name=create]")
        bob.wait_for_url("**/@@group?id=*")
        text = bob.inner_text("#plonesocial-group")
        self.assertIn("Ann Ames", text)
        self.assertIn("Cat Cole", text)
        self.assertNotIn("Dan Dee", text)

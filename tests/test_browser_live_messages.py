"""A message that arrives live on an open 1:1 conversation page looks as it does after
a reload: line breaks, links, escaped text, and my own message's Edit and Unsend.

Chromium, the gateway and RabbitMQ as in test_browser_realtime. Screenshots go to
var/browser-tests/ (live-*).
"""

from plonesocial.messaging import api as messaging
from tests.test_browser import AXE
from tests.test_browser import settle
from tests.test_browser_realtime import CONNECTED
from tests.test_browser_realtime import RealtimeBrowserCase

import os
import transaction


LINK = '<a href="https://example.org/x" rel="nofollow noopener noreferrer" target="_blank">' \
    'https://example.org/x</a>'
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "javascript:alert(document.domain) and <a href=\"javascript:alert(2)\">click</a>",
    "https://example.org/?q=\"><script>alert(3)</script>",
]
# A message's <li> as HTML, its times and form tokens emptied: times.js writes "now" or
# "1 minute ago" by when it looks, and plone.protect draws each token from its keyring
# (two reloads differ there too); everything else must be what the server rendered.
ITEM_HTML = """id => {
  const li = document.querySelector(`#plonesocial-conversation li[data-message-id="${id}"]`);
  if (!li) { return null; }
  const copy = li.cloneNode(true);
  copy.querySelectorAll("time").forEach(t => { t.textContent = ""; t.removeAttribute("title"); });
  copy.querySelectorAll("input[name=_authenticator]").forEach(i => i.removeAttribute("value"));
  return copy.outerHTML;
}"""
ITEM_SHOWN = """id => !!document.querySelector(
  `#plonesocial-conversation li[data-message-id="${id}"]`)"""


class TestLiveMessageLikeReloaded(RealtimeBrowserCase):
    def alerts(self, page):
        seen = []
        page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
        return seen

    def check(self, page, name, width):
        """No horizontal overflow at `width`; axe finds nothing serious in the conversation."""
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, f"{name} overflows at {width} px by {overflow} px")
        self.shot(page, f"{name}-{width}")
        if not AXE.exists():
            if os.environ.get("CI") == "true":
                self.fail(f"CI needs axe-core at {AXE} (npm ci)")
            return
        settle(page)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run({include: [['#plonesocial-conversation']]},"
            " {resultTypes: ['violations']})")
        serious = [(v["id"], [n["target"] for n in v["nodes"]][:3])
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        self.assertEqual(serious, [], f"{name} at {width} px")

    def test_line_breaks_links_and_escaping_live_as_reloaded(self):
        bob = self.person("bob")
        alerts = self.alerts(bob)
        bob.goto(f"{self.site}/@@conversation?with=ann")
        bob.wait_for_function(CONNECTED, timeout=10000)
        self.assertTrue(bob.locator("[data-plonesocial-empty]").is_visible())

        texts = ["Line one\nsee https://example.org/x"] + HOSTILE
        for text in texts:
            self.send("ann", "bob", text)
        transaction.begin()
        ids = [m.id for m in reversed(messaging.get_messages("bob", "ann", len(texts)))]
        for message_id in ids:
            bob.wait_for_function(ITEM_SHOWN, arg=message_id, timeout=5000)
        first = bob.locator(f"li[data-message-id='{ids[0]}'] .message-text")
        self.assertEqual(first.inner_html(), f"Line one<br>see {LINK}")
        self.assertEqual(first.inner_text(), "Line one\nsee https://example.org/x")
        chat = bob.locator("#plonesocial-conversation ol")
        # Nothing the texts held became an element: no image, script, or javascript: link.
        self.assertEqual(chat.locator("img, script, a[href^='javascript']").count(), 0)
        self.assertEqual(bob.locator(f"li[data-message-id='{ids[1]}'] .message-text")
                         .inner_text(), HOSTILE[0])
        self.assertEqual(bob.locator(f"li[data-message-id='{ids[2]}'] .message-text")
                         .inner_text(), HOSTILE[1])
        # Only the http(s) part of the third is a link, cut before the quote.
        links = bob.locator(f"li[data-message-id='{ids[3]}'] .message-text a")
        self.assertEqual(links.count(), 1)
        self.assertEqual(links.get_attribute("href"), "https://example.org/?q=")
        self.assertTrue(bob.locator("[data-plonesocial-empty]").is_hidden())
        self.assertEqual(bob.locator(".plonesocial-edit").count(), 0)  # Ann's, not his
        live = [bob.evaluate(ITEM_HTML, message_id) for message_id in ids]  # before axe
        for width in (1200, 375):
            self.check(bob, "live-01-bob-message", width)

        bob.reload()
        bob.wait_for_function(CONNECTED, timeout=10000)
        reloaded = [bob.evaluate(ITEM_HTML, message_id) for message_id in ids]
        for message_id, before, after in zip(ids, live, reloaded):
            self.assertEqual(before, after, f"message {message_id}")
        self.assertEqual(alerts, [])

    def test_my_message_from_another_page_has_edit_and_unsend(self):
        self.send("bob", "ann", "Hi Ann")
        writer = self.person("ann")
        writer.on("dialog", lambda dialog: dialog.accept())
        writer.goto(f"{self.site}/@@conversation?with=bob")
        other = writer.context.new_page()  # the same person, a second tab
        other.on("dialog", lambda dialog: dialog.accept())  # "Unsend?" asks first
        other.goto(f"{self.site}/@@conversation?with=bob")
        for page in (writer, other):
            page.wait_for_function(CONNECTED, timeout=10000)

        writer.fill("#reply-text", "From my laptop\nhttps://example.org/x")
        writer.click("button[name='send']")
        writer.wait_for_load_state()
        transaction.begin()
        sent = messaging.get_messages("ann", "bob", 1)[0]
        # A form sends a textarea's line breaks as CRLF; stored as "\n".
        self.assertEqual(sent.text, "From my laptop\nhttps://example.org/x")
        other.wait_for_function(ITEM_SHOWN, arg=sent.id, timeout=5000)
        item = other.locator(f"li[data-message-id='{sent.id}']")
        self.assertEqual(item.get_attribute("class"), "plonesocial-message plonesocial-mine")
        self.assertEqual(item.locator("summary").inner_text(), "Edit")
        self.assertTrue(item.locator("button[name='unsend_message']").is_visible())
        self.assertEqual(item.locator(".message-text").inner_html().replace("\n", ""),
                         f"From my laptop<br>{LINK}")
        # The live one is what the page that sent it shows after its own reload.
        self.assertEqual(other.evaluate(ITEM_HTML, sent.id), writer.evaluate(ITEM_HTML, sent.id))
        for width in (1200, 375):
            self.check(other, "live-02-ann-own-message", width)  # axe leaves style="" behind

        # Its Edit works where it arrived; the sending page shows the edit live.
        other.set_viewport_size({"width": 1200, "height": 900})
        item.locator("summary").click()
        item.locator("textarea[name='edited_text']").fill("From my laptop, edited")
        item.locator("button[name='edit_message']").click()
        other.wait_for_load_state()
        transaction.begin()
        self.assertEqual(messaging.get_message("ann", "bob", sent.id).text,
                         "From my laptop, edited")
        text = f"li[data-message-id='{sent.id}'] .message-text"
        writer.wait_for_function(
            f"""() => document.querySelector("{text}").textContent === 'From my laptop, edited'""",
            timeout=5000)
        writer_item = writer.locator(f"li[data-message-id='{sent.id}']")
        self.assertEqual(writer_item.locator("details.plonesocial-versions summary").inner_text(),
                         "edited")
        self.assertEqual(writer.evaluate(ITEM_HTML, sent.id), other.evaluate(ITEM_HTML, sent.id))

        # Unsend from the live controls of the sending page (before any reload of it).
        writer_item.locator("button[name='unsend_message']").click()
        writer.wait_for_load_state()
        transaction.begin()
        self.assertTrue(messaging.get_message("ann", "bob", sent.id).unsent)
        other.wait_for_selector(f"li.plonesocial-removed[data-message-id='{sent.id}']",
                                timeout=5000)
        self.assertEqual(other.locator(f"li[data-message-id='{sent.id}'] .plonesocial-edit")
                         .count(), 0)
        self.assertEqual(writer.evaluate(ITEM_HTML, sent.id), other.evaluate(ITEM_HTML, sent.id))
        self.shot(other, "live-03-ann-unsent-live")

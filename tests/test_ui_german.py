"""Issue 14's i18n: the whole UI and the mails in German, and a check that keeps it whole."""

from pathlib import Path
from plone import api
from plone.testing.zope import Browser
from plonesocial.activitystream import api as activitystream
from plonesocial.activitystream.rendering import render_subject
from plonesocial.messaging import api as messaging
from plonesocial.testing import PLONESOCIAL_FUNCTIONAL_TESTING
from tests.scripts import load_script

import contextlib
import io
import re
import shutil
import tempfile
import transaction
import unittest


class TestCatalogueCheck(unittest.TestCase):
    def setUp(self):
        self.i18n = load_script("i18n")
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.i18n.LOCALES = Path(shutil.copytree(self.i18n.LOCALES, f"{self.tmp}/locales"))
        self.german = self.i18n.LOCALES / "de" / "LC_MESSAGES" / "plonesocial.po"

    def check(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            return self.i18n.check(), out.getvalue()

    def test_complete_catalogues_pass(self):
        status, out = self.check()
        self.assertEqual(status, 0, out)
        self.assertIn("de catalogue complete", out)

    def test_an_untranslated_german_msgid_fails(self):
        text = self.german.read_text()
        text = text.replace('msgstr "Nachricht senden"', 'msgstr ""')
        self.german.write_text(text)
        status, out = self.check()
        self.assertEqual(status, 1)
        self.assertIn("untranslated: Send message", out)

    def test_a_lost_placeholder_fails(self):
        text = self.german.read_text()
        self.german.write_text(re.sub(r'msgstr "vor \$\{count\} Minuten"', 'msgstr "vor Minuten"',
                                      text))
        status, out = self.check()
        self.assertEqual(status, 1)
        self.assertIn("placeholders differ: ${count} minutes ago", out)


class TestGermanSite(unittest.TestCase):
    layer = PLONESOCIAL_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for userid, name in (("ann", "Ann Ames"), ("bob", "Bob Baker")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        api.portal.set_registry_record("plone.default_language", "de")
        api.portal.set_registry_record("plone.available_languages", ["de"])
        messaging.send("ann", "bob", "Hallo")
        transaction.commit()

    def browser(self, userid):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", f"Basic {userid}:secret-password")
        browser.addHeader("Accept-Language", "de")
        return browser

    def test_pages_in_german(self):
        bob = self.browser("bob")
        bob.open(f"{self.portal.absolute_url()}/@@inbox")
        for text in ("Neue Nachricht", "Unterhaltungen", "Benachrichtigungen", "gerade eben",
                     "1 ungelesen"):
            self.assertIn(text, bob.contents)
        bob.open(f"{self.portal.absolute_url()}/@@notifications")
        self.assertIn("Ann Ames hat dir eine Nachricht geschickt", bob.contents)
        self.assertIn("Alle als gelesen markieren", bob.contents)
        self.assertIn("An dich gesendet", bob.contents)

    def test_mail_subject_in_the_readers_language(self):
        notification = activitystream.get_notifications("bob").first()
        self.assertEqual(render_subject(notification, language="de"),
                         "Ann Ames hat dir eine Nachricht geschickt")
        self.assertEqual(render_subject(notification, language="en"),
                         "Ann Ames sent you a message")

    def test_group_errors_in_german(self):
        """The UX walk: the new-conversation and group pages showed their refusals in
        English ("Nicht erstellt: Write a first message ..."), and picking nobody said
        "A group needs at least 2 other participants"."""
        api.user.create(email="cat@example.org", username="cat", password="secret-password",
                        properties={"fullname": "Cat Cole"})
        transaction.commit()
        site = self.portal.absolute_url()
        ann = self.browser("ann")
        ann.raiseHttpErrors = False
        ann.open(f"{site}/@@new-conversation")
        ann.getControl(name="create").click()
        self.assertIn("Wähle mindestens eine Person aus", ann.contents)
        ann.getControl(name="more").value = "bob"
        ann.getControl(name="create").click()
        self.assertIn("Schreibe eine erste Nachricht", ann.contents)
        ann.getControl(name="more").value = "bob, cat"
        ann.getControl(name="create").click()
        self.assertIn("@@group?id=", ann.url)
        ann.getControl(name="text").value = "   "
        ann.getControl(name="send").click()
        self.assertIn("Nicht gesendet: Die Nachricht ist leer", ann.contents)
        ann.getControl(name="userids").value = "bob"
        ann.getControl(name="add").click()
        self.assertIn("'bob' nimmt schon teil", ann.contents)
        for english in ("Write a first", "The message is empty", "participant already"):
            self.assertNotIn(english, ann.contents)

    def test_desktop_notification_texts_in_german(self):
        """The UX walk: the button's script wrote its outcome in English on any site."""
        api.portal.set_registry_record("plonesocial.delivery.use_push_api", True)
        api.portal.set_registry_record("plonesocial.delivery.vapid_public_key", "BKey-123")
        transaction.commit()
        bob = self.browser("bob")
        bob.open(f"{self.portal.absolute_url()}/@@notification-preferences")
        self.assertIn('data-label-enabled="Desktop-Benachrichtigungen sind für diesen Browser an."',
                      bob.contents)
        self.assertIn('data-label-failed="Nicht eingeschaltet: {error}"', bob.contents)
        for english in ("cannot show desktop", "are on for this browser", "refused the",
                        "Not enabled"):
            self.assertNotIn(english, bob.contents)

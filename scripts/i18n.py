"""Extract plonesocial's messages into locales/plonesocial.pot and keep the .po files in step.

Usage::

    .venv/bin/python scripts/i18n.py          # write the .pot, add new msgids to each .po
    .venv/bin/python scripts/i18n.py check    # exit 1 if a msgid is missing or untranslated

The English catalogue is complete by definition: its msgstr is the msgid.
Other languages get empty msgstrs for translators to fill in; ``check``
fails while one is empty, or while a translation drops or invents a
``${placeholder}`` (German is complete: a string that stays English in
German was not translatable).
"""

from pathlib import Path
from zope.app.locales.extract import py_strings
from zope.app.locales.extract import tal_strings

import re
import sys


PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "plonesocial"
LOCALES = PACKAGE / "locales"
DOMAIN = "plonesocial"
HEADER = """\
msgid ""
msgstr ""
"Project-Id-Version: plonesocial\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Language-Code: {language}\\n"
"Language-Name: {language}\\n"
"Domain: {domain}\\n"

"""


def extract():
    """Return the sorted msgids of the package (Python and page templates)."""
    found = {}
    found.update(py_strings(str(PACKAGE), DOMAIN, exclude=("tests",)))
    found.update(tal_strings(str(PACKAGE), DOMAIN))
    return sorted(str(msgid) for msgid in found if str(msgid))


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def read_po(path):
    """Return {msgid: msgstr} of a .po file written by this script."""
    entries = {}
    text = path.read_text() if path.exists() else ""
    for msgid, msgstr in re.findall(r'^msgid (".*")\nmsgstr (".*")$', text, re.M):
        key = eval(msgid)  # a quoted literal we wrote ourselves
        if key:
            entries[key] = eval(msgstr)
    return entries


def render(msgids, translations, language):
    lines = [HEADER.format(language=language, domain=DOMAIN)]
    for msgid in msgids:
        lines.append(f"msgid {quote(msgid)}\nmsgstr {quote(translations.get(msgid, ''))}\n")
    return "\n".join(lines)


def catalogues():
    return sorted(LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def write():
    msgids = extract()
    (LOCALES / f"{DOMAIN}.pot").write_text(render(msgids, {}, "en"))
    english = LOCALES / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    english.parent.mkdir(parents=True, exist_ok=True)
    english.write_text(render(msgids, {m: m for m in msgids}, "en"))
    for po in catalogues():
        if po != english:
            language = po.parent.parent.name
            po.write_text(render(msgids, read_po(po), language))
    print(f"{len(msgids)} messages in {DOMAIN}.pot")


def check():
    msgids = extract()
    english = read_po(LOCALES / "en" / "LC_MESSAGES" / f"{DOMAIN}.po")
    missing = [m for m in msgids if english.get(m) != m]
    if missing:
        print(f"English catalogue incomplete ({len(missing)}): run scripts/i18n.py")
        for msgid in missing:
            print("  ", msgid)
        return 1
    print(f"English catalogue complete: {len(msgids)} messages")
    failed = 0
    for po in catalogues():
        language = po.parent.parent.name
        if language == "en":
            continue
        translations = read_po(po)
        problems = [f"untranslated: {m}" for m in msgids if not translations.get(m)]
        problems += [
            f"placeholders differ: {m}" for m in msgids if translations.get(m)
            and sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(translations[m]))
        ]
        if problems:
            print(f"{language} catalogue incomplete ({len(problems)}): fill {po}")
            for problem in problems:
                print("  ", problem)
            failed = 1
        else:
            print(f"{language} catalogue complete: {len(msgids)} messages")
    return failed


if __name__ == "__main__":
    sys.exit(check() if sys.argv[1:] == ["check"] else write() or 0)

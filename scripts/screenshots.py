"""Take the README's screenshots of a running demo site (`make run`) as a demo user.

    .venv/bin/python scripts/screenshots.py [http://localhost:8080/Plone] [docs/screenshots]

Uses Debian's Chromium (/usr/bin/chromium) through Playwright.
"""

from pathlib import Path
from playwright.sync_api import sync_playwright

import sys


SITE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080/Plone"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # `make run` listens on 127.0.0.1; Plone leaves that host name unthemed, so go
        # through "localhost", which must not end at ::1.
        "--host-resolver-rules=MAP localhost 127.0.0.1"]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        page.goto(f"{SITE}/login")
        page.fill("#__ac_name", "alice")
        page.fill("#__ac_password", "alice-secret")
        page.click("button[name='buttons.login']")
        page.wait_for_load_state()
        shots = [
            ("inbox", f"{SITE}/@@inbox", None),
            ("conversation", f"{SITE}/@@conversation?with=bob", None),
            ("menu", f"{SITE}/team/intranet-draft", "#plonesocial-bell"),
            ("notifications", f"{SITE}/@@notifications", None),
            ("stream", f"{SITE}/@@stream?show=site", None),
            ("tag", f"{SITE}/@@tag/budget", None),
            ("preferences", f"{SITE}/@@notification-preferences", None),
        ]
        # The desktop, then a 375 px phone for the pages people read on the go.
        phone = ("menu", "conversation", "notifications", "stream")
        for width, suffix in ((1200, ""), (375, "-375")):
            page.set_viewport_size({"width": width, "height": 760})
            for name, url, click in shots:
                if suffix and name not in phone:
                    continue
                page.goto(url)
                page.wait_for_load_state()
                if click:
                    page.click(click)
                    page.wait_for_selector("#plonesocial-dropdown.show")
                # The stream and a tag's page: their items, below the post box (a tall
                # window, not a full-page capture, which cuts Plone's fixed toolbar short).
                tall = name in ("stream", "tag") and not suffix
                page.set_viewport_size({"width": width, "height": 1500 if tall else 760})
                page.screenshot(path=str(OUT / f"{name}{suffix}.png"))
                print(f"wrote {OUT / name}{suffix}.png")
        browser.close()


if __name__ == "__main__":
    main()

"""Screenshots of the theme for docs/screenshots/ (not part of the test run).

Run on purpose, with the prefix of the files to write::

    DJANGO_ALLOW_ASYNC_UNSAFE=true COACHCARE_SCREENSHOTS=theme-after \
        .venv/bin/pytest tests/browser/screenshots.py -m browser -p no:xdist -q

It writes ``docs/screenshots/<prefix>-<page>-<phone|desktop>.png`` for the login page, the young
person's portal home and the coach's caseload, at 360×740 (phone) and 1366×768 (desktop).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ViewportSize
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS: dict[str, ViewportSize] = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1366, "height": 768}}
#: page name -> (demo account or None, path after logging in)
PAGES = {"login": (None, "/accounts/login/"), "portal": ("jongere15", "/portal/"), "caseload": ("coach", "/")}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_screenshots(browser: Browser, live_server: LiveServer, demo: None, viewport: str) -> None:
    prefix = os.environ.get("COACHCARE_SCREENSHOTS")
    if not prefix:
        pytest.skip("set COACHCARE_SCREENSHOTS to the file prefix, e.g. theme-after")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (username, path) in PAGES.items():
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="nl-NL")
        page = context.new_page()
        if username:
            log_in(page, live_server.url, username)
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        target = OUT / f"{prefix}-{name}-{viewport}.png"
        page.screenshot(path=str(target))
        assert target.stat().st_size > 0
        context.close()

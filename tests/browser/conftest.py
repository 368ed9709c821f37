"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Run with ``make test-browser``. Nothing is downloaded: the browser is the system's Chromium.
"""

import base64
import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, sync_playwright

from coachcare.demo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo

CHROMIUM = os.environ.get("COACHCARE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Demo accounts that log in with a password and a TOTP code.
PROFESSIONALS = {"coach", "teamleider", "toegang", "beleid", "beheerder", "beheerder-aanbieder", "beheerder-gemeente"}
BLOCKING_IMPACTS = {"serious", "critical"}

Login = Callable[[str], Page]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"No Chromium at {CHROMIUM} (set COACHCARE_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


#: The migration that makes the access log append-only with database triggers.
APPEND_ONLY = importlib.import_module("coachcare.audit.migrations.0002_append_only")


@pytest.fixture(autouse=True)
def _access_log_flushable(transactional_db: None) -> Iterator[None]:
    """The access log refuses DELETE (triggers), but a transactional test empties every table
    afterwards. Keep the triggers during the test, drop them just before the flush."""
    with connection.schema_editor() as editor:
        APPEND_ONLY.reverse(None, editor)
        APPEND_ONLY.forward(None, editor)
    yield
    with connection.schema_editor() as editor:
        APPEND_ONLY.reverse(None, editor)


@pytest.fixture
def demo(transactional_db: None) -> None:
    """The demo data, committed so the live server's thread sees it."""
    seed_demo()


@pytest.fixture
def page(browser: Browser, live_server: object) -> Iterator[Page]:
    """A fresh browser context (no cookies) with a phone-independent desktop viewport."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def totp_code() -> str:
    """The current code of the demo authenticator secret, as an app would show it."""
    token = TOTP(base64.b32decode(DEMO_TOTP_SECRET)).token()
    return f"{token:06d}"


def log_in(page: Page, base_url: str, username: str) -> Page:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    if username in PROFESSIONALS:
        page.wait_for_url("**/accounts/verify/**")
        page.fill("#id_token", totp_code())
        page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/" not in page.url, f"login of {username} did not finish: {page.url}"
    return page


@pytest.fixture
def login(page: Page, live_server: object, demo: None) -> Login:
    """``login("coach")`` logs a demo account in (second factor included) and returns the page."""
    base_url = str(live_server)

    def _login(username: str) -> Page:
        return log_in(page, base_url, username)

    return _login


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """No axe violation of impact serious or critical on the current page."""
    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not violations, f"axe found problems on {page.url}:\n{format_violations(violations)}"


def open_menu(page: Page) -> None:
    """On a phone the menu (navigation, who is logged in, log out) is behind a button: open it."""
    button = page.locator("button[aria-controls='site-menu']")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()

"""Data rights and consent pages, as a young person on a phone and as a parent: accessible, and
the main flow (asking for destruction) works with the keyboard alone."""

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.privacy.models import DestructionRequest
from tests.browser.conftest import Login, assert_accessible

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=360, height=740)


def test_young_persons_privacy_pages_are_accessible_on_a_phone(
    login: Login, page: Page, live_server: LiveServer
) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    for path in ["/privacy/", "/privacy/consent/", "/privacy/destruction/"]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main h1")).to_be_visible()
        assert_accessible(page)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= PHONE["width"] + 2, f"{path} is wider than the phone: {overflow}px"
    # The downloads are files, not pages: fetch them with the page's session.
    pdf = page.request.get(f"{live_server.url}/privacy/export.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    data = page.request.get(f"{live_server.url}/privacy/export.json")
    assert data.status == 200 and data.json()


def test_parents_privacy_page_is_accessible(login: Login, page: Page, live_server: LiveServer) -> None:
    login("ouder")
    page.goto(f"{live_server.url}/privacy/")
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)


def test_destruction_request_by_keyboard_only(login: Login, page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    page.goto(f"{live_server.url}/privacy/destruction/")
    # Step 1: "Continue" (Tab to the button, Enter).
    page.locator("main form button[type=submit]").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Step 2: tick "I understand" with Space, Tab to "Send my request", Enter.
    page.locator("main input[name=understood]").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused == "BUTTON", focused
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert DestructionRequest.objects.count() == 1, page.locator("main").inner_text()
    assert_accessible(page)

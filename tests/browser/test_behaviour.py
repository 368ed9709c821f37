"""How the pages behave for people: language, phone width, keyboard, Content Security Policy."""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import Login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Pixels a page may be wider than the screen before we call it horizontal scrolling.
OVERFLOW_TOLERANCE = 2


def test_language_switch_to_english_and_back(login: Login) -> None:
    page = login("coach")
    expect(page.locator("h1")).to_have_text("Mijn caseload")

    page.get_by_label("Taal").select_option("en")
    page.get_by_role("button", name="Wissel").click()

    expect(page.locator("h1")).to_have_text("My caseload")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("h1")).to_have_text("Mijn caseload")


@pytest.mark.parametrize("username", ["coach", "teamleider", "toegang", "jongere15"])
def test_no_horizontal_page_scroll_on_a_phone(login: Login, username: str) -> None:
    page = login(username)
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360 + OVERFLOW_TOLERANCE, f"{page.url} is {scroll_width}px wide at 360px"


def test_caseload_table_scrolls_in_its_own_focusable_box_on_a_phone(login: Login) -> None:
    page = login("coach")
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()

    region = page.locator(".coachcare-table-scroll").first
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the scrolling table box shows no focus"


def test_no_content_security_policy_errors(page: Page, live_server: LiveServer, login: Login) -> None:
    problems: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", collect)
    page.goto(f"{live_server.url}/accounts/login/")
    login("coach")
    page.get_by_role("link", name="Sanne de Vries").click()
    page.get_by_role("navigation").get_by_role("link", name="Jongere aanmelden").click()
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_role("button", name="Uitloggen").click()
    login("jongere15")
    page.get_by_role("navigation").get_by_role("link", name="Wie heeft mijn dossier bekeken").click()

    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px", "coachcare.css was not applied"
    assert not problems, "\n".join(problems)


def test_keyboard_skip_link_first_then_login_with_enter(page: Page, live_server: LiveServer, demo: None) -> None:
    page.goto(f"{live_server.url}/accounts/login/")

    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "utrecht-skip-link" in focused, f"first Tab stop is {focused!r}, not the skip link"
    expect(page.locator(".utrecht-skip-link")).to_be_in_viewport()

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_username"

    page.keyboard.type("jongere17")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type("demo-coachcare-2026")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text(re.compile(r"^(Mijn portaal|My portal)$"))  # the portal

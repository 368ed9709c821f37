"""Safety, always one tap away, on a phone (360x740): the "Hulp nodig? Nu meteen" entry on the login
page and on every youth and parent page, reachable by keyboard; the crisis page and the meldcode
pages pass axe (no serious or critical problems)."""

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.clients.models import Client
from coachcare.providers.models import Provider
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 740}
ENTRY = "a.coachcare-crisis-entry__link"
YOUTH_PAGES = ["/portal/", "/portal/diary/", "/messages/", "/privacy/", "/clients/me/access-log/", "/hulp/"]
PARENT_PAGES = ["/", "/messages/", "/privacy/", "/hulp/"]


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url


def _entry_is_there_and_big_enough(page: Page) -> None:
    entry = page.locator(ENTRY)
    expect(entry).to_be_visible()
    expect(entry).to_have_text("Hulp nodig? Nu meteen")
    box = entry.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, page.url


def _tab_to_entry(page: Page) -> None:
    for _press in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('coachcare-crisis-entry__link')"):
            return
    pytest.fail(f"the crisis entry cannot be reached with Tab on {page.url}")


def test_the_login_page_leads_to_the_crisis_numbers_by_keyboard(
    page: Page, live_server: LiveServer, demo: None
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    _entry_is_there_and_big_enough(page)
    _fits_the_phone(page)
    assert_accessible(page)
    _tab_to_entry(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/hulp/")
    for number in ("112", "08000113", "08000432", "08002000"):
        call = page.locator(f"a[href='tel:{number}']")
        expect(call).to_be_visible()
        box = call.bounding_box()
        assert box is not None and box["height"] >= 44
    expect(page.locator("a[href^='tel:']")).to_have_count(4)  # not logged in: the general numbers only
    _fits_the_phone(page)
    assert_accessible(page)


def test_the_entry_is_on_every_youth_page(page: Page, login: Login, live_server: LiveServer) -> None:
    Provider.objects.update(out_of_hours_phone="030 123 45 67")
    page.set_viewport_size(PHONE)
    login("jongere15")
    for path in YOUTH_PAGES:
        page.goto(f"{live_server.url}{path}")
        _entry_is_there_and_big_enough(page)
        _fits_the_phone(page)
    assert page.url.endswith("/hulp/")
    expect(page.locator("a[href='tel:0301234567']")).to_be_visible()  # the own provider's out-of-hours number
    assert_accessible(page)
    page.goto(f"{live_server.url}/portal/")
    _tab_to_entry(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/hulp/")


def test_the_entry_is_on_every_parent_page(page: Page, login: Login, live_server: LiveServer) -> None:
    page.set_viewport_size(PHONE)
    login("ouder")
    for path in PARENT_PAGES:
        page.goto(f"{live_server.url}{path}")
        _entry_is_there_and_big_enough(page)
        _fits_the_phone(page)
    page.goto(f"{live_server.url}/")
    _tab_to_entry(page)
    assert_accessible(page)


def test_the_meldcode_pages_are_accessible_and_professionals_get_no_entry(
    page: Page, login: Login, live_server: LiveServer
) -> None:
    login("coach")
    expect(page.locator(ENTRY)).to_have_count(0)
    client = Client.objects.get(user__username="jongere15")
    page.goto(f"{live_server.url}/clients/{client.public_id}/")
    page.locator(f"a[href='/meldcode/clients/{client.public_id}/']").click()
    assert_accessible(page)
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Meldcode")
    expect(page.locator("#id_step")).to_be_visible()
    assert_accessible(page)

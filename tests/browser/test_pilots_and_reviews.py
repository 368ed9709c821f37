"""The pilot and quarterly review pages (issue 17.4, 17.5) in a real browser: Dutch, axe clean."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pilot_page_with_its_form_is_accessible(login: Login) -> None:
    page = login("beleid")
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/monitoring/pilots/")
    expect(page.locator("h1")).to_have_text("Pilots")
    expect(page.get_by_role("group", name="Primaire uitkomsten")).to_be_visible()
    assert_accessible(page)
    # an incomplete proposal: the errors are shown next to the fields and stay accessible
    page.get_by_role("button", name="Pilot voorstellen").click()
    assert_accessible(page)


def test_quarterly_review_is_recorded_and_accessible(login: Login) -> None:
    page = login("beleid")
    base = page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2]
    page.goto(base + "/monitoring/reviews/")
    expect(page.locator("h1")).to_have_text("Kwartaalgesprekken")
    assert_accessible(page)
    page.get_by_label("Aanbieder").select_option(index=1)
    page.get_by_label("Datum van het gesprek").fill("2025-04-02")
    page.get_by_label("Deelnemers").fill("Beleid (gemeente), Teamleider (aanbieder)")
    page.get_by_label("Afgesproken actie 1", exact=True).fill("Extra intakeplek")
    page.get_by_label("Eigenaar van actie 1").fill("Aanbieder")
    page.get_by_label("Uiterste datum van actie 1").fill("2025-06-01")
    page.get_by_role("button", name="Gesprek vastleggen").click()
    expect(page.locator("main")).to_contain_text("Extra intakeplek")
    assert_accessible(page)

"""The family and gezag screens of the client file in a real browser: labelled fields, errors next
to the fields, keyboard use, and axe finds nothing serious."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coach_records_a_voogd_gi_by_keyboard_and_sees_errors_next_to_the_fields(login: Login) -> None:
    page = login("coach")
    page.get_by_role("link", name="Daan Bakker").click()
    family = page.locator("#family-members + .coachcare-table-scroll")
    expect(family).to_contain_text("Peter Bakker")
    expect(family).to_contain_text("met gezag")
    assert_accessible(page)

    page.get_by_role("link", name="Gezinslid toevoegen").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Gezinslid toevoegen")
    assert_accessible(page)

    page.get_by_label("Relatie tot de jongere").select_option("gi")
    page.get_by_label("Gezag", exact=True).select_option("yes")
    page.get_by_label("Mobiel nummer (optioneel)").fill("12")
    page.get_by_role("button", name="Gezinslid toevoegen").press("Enter")

    expect(page.locator("#error-summary")).to_be_visible()
    for field in ("organisation_name", "gezag_from", "gezag_source", "mobile"):
        expect(page.locator(f"#id_{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#id_{field}_error")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Naam van de gecertificeerde instelling").fill("Samen Veilig Midden-Nederland")
    page.get_by_label("Gezag vanaf").fill("2026-12-01")
    page.get_by_label("Brondocument").fill("Beschikking voogdij 1 december 2026")
    page.get_by_label("Mobiel nummer (optioneel)").fill("")
    page.get_by_role("button", name="Gezinslid toevoegen").click()

    expect(page.get_by_role("status").first).to_contain_text("Het gezinslid is vastgelegd.")
    expect(page.locator("#family-members + .coachcare-table-scroll")).to_contain_text("Samen Veilig Midden-Nederland")
    assert_accessible(page)


def test_the_gezag_change_form_is_accessible(login: Login) -> None:
    page = login("coach")
    page.get_by_role("link", name="Lotte Jansen").click()
    page.get_by_role("link", name="Gezag wijzigen van Ingrid Jansen").click()
    expect(page.locator("h1")).to_have_text("Wijziging van het gezag: Ingrid Jansen")
    page.get_by_role("button", name="Wijziging vastleggen").click()
    expect(page.locator("#id_effective_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_source_document")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

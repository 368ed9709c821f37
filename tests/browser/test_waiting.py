"""'Wacht op jou' on a phone: the young person's portal opens with what waits for them, and one tap
(or the keyboard) takes them to their consent; axe on the page."""

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from coachcare.trajectories.models import Agreement
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 740}


def test_young_person_sees_what_waits_first_and_consents_in_one_tap(page: Page, login: Login) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    expect(page.locator("h1")).to_have_text("Mijn portaal")
    first_section = page.locator("main section").first
    expect(first_section.locator("h2")).to_have_text("Wacht op jou")
    item = first_section.get_by_role("link", name=re.compile("^Jouw toestemming is nodig"))
    expect(item).to_be_visible()
    box = item.bounding_box()
    assert box is not None and box["height"] >= 44 and box["y"] < 740  # a big tap target, above the fold
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert_accessible(page)

    item.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/privacy/consent/**")
    page.get_by_role("button", name="Ik geef toestemming voor de hulp").click()
    expect(page.locator("main")).to_contain_text("Bedankt")
    assert Agreement.objects.filter(kind="care", given_as="jongere", given_by__username="jongere15").exists()

    page.goto(page.url.split("/privacy/")[0] + "/portal/")
    expect(page.locator("main section").first.get_by_role("link", name=re.compile("^Jouw toestemming"))).to_have_count(
        0
    )


def test_parent_start_page_opens_with_what_waits_on_a_phone(page: Page, login: Login) -> None:
    page.set_viewport_size(PHONE)
    login("ouder")
    first_section = page.locator("main section").first
    expect(first_section.locator("h2")).to_have_text("Wacht op jou")
    item = first_section.get_by_role("link", name=re.compile("^Jouw toestemming is nodig voor "))
    expect(item.first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert_accessible(page)
    item.first.click()
    page.wait_for_url("**/privacy/consent/**")

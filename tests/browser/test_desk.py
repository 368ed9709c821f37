"""The coach's desk (issue 16.5) in the browser: a message from the young person shows as a badge
with words on the caseload, and is gone once the coach has opened the file; on a desktop and on a
phone, axe clean."""

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YOUNG_PERSON = "Sanne de Vries"  # the demo account jongere15


def _context_page(browser: Browser, *, width: int, height: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (360, 740)], ids=["desktop", "phone"])
def test_new_message_badge_on_the_caseload_until_the_coach_opens_the_file(
    browser: Browser, live_server: LiveServer, demo: None, width: int, height: int
) -> None:
    base_url = str(live_server)
    coach = log_in(_context_page(browser, width=width, height=height), base_url, "coach")
    young = log_in(_context_page(browser, width=360, height=740), base_url, "jongere15")
    try:
        # The coach opens the file once: from here on only what is new counts.
        coach.goto(f"{base_url}/")
        row = coach.locator("tr", has_text=YOUNG_PERSON)
        row.get_by_role("link", name=YOUNG_PERSON).click()
        coach.wait_for_url("**/clients/*/")
        coach.goto(f"{base_url}/")
        expect(row.get_by_role("list", name="New since you last opened the file")).to_have_count(0)

        young.goto(f"{base_url}/messages/")
        young.locator(".coachcare-thread__link").first.click()
        young.wait_for_url("**/messages/*/")
        young.get_by_label("Your message").fill("Can we talk tomorrow?")
        young.get_by_role("button", name="Send").click()
        expect(young.locator("#message-list")).to_contain_text("Can we talk tomorrow?")

        coach.reload()
        signals = row.get_by_role("list", name="New since you last opened the file")
        expect(signals).to_contain_text("1 new message")
        assert coach.evaluate("document.documentElement.scrollWidth") <= width + 2
        assert_accessible(coach)

        row.get_by_role("link", name=YOUNG_PERSON).click()
        coach.wait_for_url("**/clients/*/")
        expect(coach.get_by_role("list", name="New since you last opened the file")).to_contain_text("1 new message")
        assert_accessible(coach)

        coach.goto(f"{base_url}/")
        expect(row.get_by_role("list", name="New since you last opened the file")).to_have_count(0)

        # The day overview lists the conversation that waits for an answer.
        coach.goto(f"{base_url}/vandaag/")
        expect(coach.locator("#today-waiting + ul")).to_contain_text(YOUNG_PERSON)
        assert_accessible(coach)
    finally:
        coach.context.close()
        young.context.close()


def test_team_lead_desk_is_accessible_on_a_phone(browser: Browser, live_server: LiveServer, demo: None) -> None:
    base_url = str(live_server)
    lead = log_in(_context_page(browser, width=360, height=740), base_url, "teamleider")
    try:
        lead.goto(f"{base_url}/team/")
        expect(lead.get_by_role("heading", name="Workload per coach")).to_be_visible()
        expect(lead.locator("table tbody tr").first).to_be_visible()
        assert lead.evaluate("document.documentElement.scrollWidth") <= 362
        assert_accessible(lead)
    finally:
        lead.context.close()

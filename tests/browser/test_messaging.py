"""Secure messages end to end: a young person on a phone and the coach, in two browsers."""

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.messaging.models import Thread
from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context_page(browser: Browser, *, phone: bool) -> Page:
    viewport = {"width": 360, "height": 740} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="en-GB")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context.new_page()


def test_young_person_and_coach_exchange_messages_without_reloading(
    browser: Browser, live_server: LiveServer, demo: None
) -> None:
    base_url = str(live_server)
    young = log_in(_context_page(browser, phone=True), base_url, "jongere15")
    coach = log_in(_context_page(browser, phone=False), base_url, "coach")
    csp_problems: list[str] = []
    for page in (young, coach):
        page.on(
            "console",
            lambda message: csp_problems.append(message.text) if "Content Security Policy" in message.text else None,
        )
    try:
        young.goto(f"{base_url}/messages/")
        assert_accessible(young)
        young.locator(".coachcare-thread__link").first.click()
        young.wait_for_url("**/messages/*/")
        expect(young.locator("#message-list li")).to_have_count(2)  # the demo conversation
        young.get_by_label("Your message").fill("Can we move Tuesday to 5 pm?")
        young.get_by_role("button", name="Send").click()
        expect(young.locator("#message-list")).to_contain_text("Can we move Tuesday to 5 pm?")
        assert young.evaluate("document.documentElement.scrollWidth") <= 362
        assert_accessible(young)
        thread_url = young.url.split("#")[0]

        coach.goto(f"{base_url}/messages/")
        unread = coach.locator(".coachcare-thread--unread")
        expect(unread.first).to_contain_text("Sanne de Vries")
        assert_accessible(coach)
        unread.first.locator("a").click()
        expect(coach.locator("#message-list")).to_contain_text("Can we move Tuesday to 5 pm?")
        coach.get_by_label("Your message").fill("Sure, 5 pm works for me.")
        coach.get_by_role("button", name="Send").click()
        expect(coach.locator("#message-list")).to_contain_text("Sure, 5 pm works for me.")

        # The young person's page was not reloaded: the answer arrives by the poll.
        assert young.url.split("#")[0] == thread_url
        expect(young.locator("#message-list")).to_contain_text("Sure, 5 pm works for me.", timeout=5_000)
        assert not csp_problems, csp_problems
    finally:
        young.context.close()
        coach.context.close()


def test_parent_cannot_open_the_youth_thread(browser: Browser, live_server: LiveServer, demo: None) -> None:
    base_url = str(live_server)
    youth_thread = Thread.objects.get(kind=Thread.Kind.YOUTH, client__user__username="jongere15")
    parent = log_in(_context_page(browser, phone=True), base_url, "ouder")
    try:
        parent.goto(f"{base_url}/messages/")
        expect(parent.locator(".coachcare-thread")).to_have_count(1)
        assert str(youth_thread.public_id) not in parent.content()
        assert_accessible(parent)
        response = parent.goto(f"{base_url}/messages/{youth_thread.public_id}/")
        assert response is not None and response.status == 404
    finally:
        parent.context.close()

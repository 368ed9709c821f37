"""Phone first (issue 16.4), measured in Chromium at 360x740 on every youth and parent page.

On each page: the header with its menu takes at most 15% of the first screen (111px), nothing
scrolls sideways, tables are shown as cards. The menu collapses behind a keyboard-operable button
with ``aria-expanded``. A 0–10 scale fits one row; required radio buttons nobody touched are not
shown as errors; after sending a form with errors the first field with an error has the focus, is
on screen, and the error summary links to it.
"""

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.clients.models import Client
from tests.browser.conftest import Login, assert_accessible
from tests.browser.test_portal import portal_ready  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 740}
HEADER_MAX = 0.15 * PHONE["height"]


def _measure(page: Page) -> None:
    """The header limit, no sideways scrolling, and list tables shown as cards."""
    header_bottom = page.evaluate("document.querySelector('header.utrecht-page-header').getBoundingClientRect().bottom")
    assert header_bottom <= HEADER_MAX, f"header is {header_bottom}px high on {page.url}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url
    for table in page.locator("main table.coachcare-table--cards").all():
        row = table.locator("tbody tr").first
        assert row.evaluate("row => getComputedStyle(row).display") == "block", page.url
        box = row.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], page.url


def _visit_all(page: Page, base_url: str) -> list[str]:
    """Every page linked from the start page, the menu and the portal (same site, GET), once."""
    seen: list[str] = []
    queue = ["/"]
    while queue and len(seen) < 25:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        seen.append(path)
        _measure(page)
        for href in page.eval_on_selector_all(
            "header nav a, header .coachcare-crisis-entry a, main a",
            "links => links.map(link => link.getAttribute('href'))",
        ):
            if (
                href
                and href.startswith("/")
                and not href.startswith(("/accounts/", "/admin/"))
                and not href.endswith((".ics", ".pdf", ".csv", ".zip", ".json"))
                and "#" not in href
                and href not in seen
                and href not in queue
            ):
                queue.append(href)
    return seen


def test_every_youth_page_fits_the_phone(
    page: Page,
    portal_ready: Client,  # noqa: F811
    login: Login,
    live_server: LiveServer,
) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    seen = _visit_all(page, live_server.url)
    for expected in ("/portal/", "/portal/module/", "/portal/diary/", "/messages/", "/privacy/", "/hulp/"):
        assert expected in seen or (expected == "/portal/" and "/" in seen), (expected, seen)
    assert any(path.startswith("/portal/questionnaires/") for path in seen), seen
    assert any(path.startswith("/messages/") and path != "/messages/" for path in seen), seen


def test_every_parent_page_fits_the_phone(page: Page, login: Login, live_server: LiveServer) -> None:
    page.set_viewport_size(PHONE)
    login("ouder")
    seen = _visit_all(page, live_server.url)
    for expected in ("/", "/messages/", "/privacy/", "/hulp/"):
        assert expected in seen, (expected, seen)
    assert any(path.startswith("/clients/") for path in seen), seen


def test_the_menu_collapses_behind_a_keyboard_button(page: Page, login: Login, live_server: LiveServer) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    button = page.locator("button[aria-controls='site-menu']")
    nav = page.locator("nav.coachcare-nav")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(page.locator("header button", has_text="Uitloggen")).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#site-menu') !== null")
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == "site-menu"

    page.set_viewport_size({"width": 1366, "height": 768})
    expect(button).to_be_hidden()
    expect(nav).to_be_visible()


def test_scale_fits_one_row_and_untouched_radios_are_not_red(
    page: Page,
    portal_ready: Client,  # noqa: F811
    login: Login,
    live_server: LiveServer,
) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    page.locator("a[href^='/portal/questionnaires/sessie-feedback/']").first.click()
    scales = page.locator("main .coachcare-scale")
    expect(scales).to_have_count(4)
    for scale in scales.all():
        tops = scale.locator("input[type=radio]").evaluate_all(
            "inputs => inputs.map(input => Math.round(input.getBoundingClientRect().top))"
        )
        rights = scale.locator("input[type=radio]").evaluate_all(
            "inputs => inputs.map(input => input.getBoundingClientRect().right)"
        )
        assert len(tops) == 11 and len(set(tops)) == 1, tops
        assert max(rights) <= PHONE["width"], rights
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert_accessible(page)

    first = page.locator("#id_gehoord_0")
    other = page.locator("#id_gehoord_1")
    untouched = first.evaluate("input => getComputedStyle(input).borderColor")
    assert first.evaluate("input => input.matches(':invalid')")  # required and empty ...
    other.check()
    valid = first.evaluate("input => getComputedStyle(input).borderColor")
    assert untouched == valid  # ... but not shown as an error before anyone touched it


def test_errors_are_next_to_their_field_and_the_first_gets_focus(
    page: Page,
    portal_ready: Client,  # noqa: F811
    login: Login,
    live_server: LiveServer,
) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    page.locator("a[href^='/portal/questionnaires/sessie-feedback/']").first.click()
    page.check("#id_gehoord_5")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    summary = page.locator("#error-summary")
    expect(summary).to_be_attached()
    expect(summary.locator("a")).to_have_count(3)
    assert summary.locator("a").first.get_attribute("href") == "#id_belangrijk_0"
    focused = page.evaluate("document.activeElement.id")
    assert focused == "id_belangrijk_0", focused
    # The field's own error message is next to it (inside its fieldset) and on screen.
    error = page.locator("#id_belangrijk_error")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(page.locator("#id_belangrijk_0")).to_be_in_viewport()
    assert page.evaluate(
        "document.querySelector('#id_belangrijk_error').closest('fieldset').contains(document.activeElement)"
    )
    assert page.locator("#id_gehoord_5").is_checked()  # what was answered is kept
    assert_accessible(page)

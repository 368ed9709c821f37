"""Four-eyes account changes in the admin, by keyboard: one administrator requests a new password
for the coach, a second administrator approves it, and only then does it work."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts.models import Role, UserChangeRequest
from coachcare.accounts.services import totp_device_set, user_create
from coachcare.demo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser.conftest import assert_accessible, log_in, totp_code

pytestmark = pytest.mark.browser

NEW_PASSWORD = "een-nieuw-lang-wachtwoord-42"


def _press(page: Page, locator_role: str, name: str) -> None:
    """Reach a link or button from the keyboard: focus it, then Enter."""
    element = page.get_by_role(locator_role, name=name)  # type: ignore[arg-type]
    element.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _log_in_second_admin(page: Page, base: str) -> None:
    """``log_in`` knows the demo accounts only; the second administrator is made here."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "beheerder2")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/verify/**")
    page.fill("#id_token", totp_code())
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_password_request_and_approval_by_keyboard(page: Page, live_server: LiveServer, demo: None) -> None:
    second = user_create(username="beheerder2", password=DEMO_PASSWORD, role=Role.BEHEERDER, first_name="Bert")
    totp_device_set(user=second, base32_secret=DEMO_TOTP_SECRET)
    coach = get_user_model().objects.get(username="coach")
    base = str(live_server)

    log_in(page, base, "beheerder")
    page.goto(f"{base}/admin/accounts/user/{coach.pk}/change/")
    _press(page, "link", "Nieuw wachtwoord aanvragen")
    assert_accessible(page)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text("toegevoegd")

    change_request = UserChangeRequest.objects.get()
    assert change_request.status == UserChangeRequest.Status.PENDING
    coach.refresh_from_db()
    assert not coach.check_password(NEW_PASSWORD)
    page.goto(f"{base}/admin/accounts/userchangerequest/{change_request.pk}/change/")
    expect(page.get_by_role("button", name="Goedkeuren: de wijziging gaat in")).to_have_count(0)

    page.context.clear_cookies()
    _log_in_second_admin(page, base)
    page.goto(f"{base}/admin/accounts/userchangerequest/")
    page.locator("#result_list tbody th a").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    _press(page, "button", "Goedkeuren: de wijziging gaat in")

    expect(page.get_by_text("Goedgekeurd: de wijziging is doorgevoerd.")).to_be_visible()
    coach.refresh_from_db()
    assert coach.check_password(NEW_PASSWORD)

"""A young person on a phone opens the invitation link from the e-mail (read from a real local SMTP
server), chooses a password and logs in with their e-mail address."""

import pytest
from playwright.sync_api import Browser, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts import services
from coachcare.audit.services import AccessPoint
from tests.accounts.factories import UserFactory
from tests.browser.conftest import assert_accessible
from tests.clients.factories import ClientFactory
from tests.mail import SmtpInbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 740}
PASSWORD = "mijn fiets is groen 2026"


def test_a_young_person_accepts_the_invitation_on_a_phone(
    browser: Browser, live_server: LiveServer, smtp_server: SmtpInbox
) -> None:
    coach = UserFactory.create(coach=True, username="coach")
    client = ClientFactory.create(coach=coach, given_name="Sam", age=14)
    services.invitation_create(
        actor=coach,
        target=services.YoungPersonTarget(client=client),
        first_name="Sam",
        email="sam@example.org",
        access_point=AccessPoint.command("test"),
    )
    link = smtp_server.wait_for(1)[0].link().replace("http://127.0.0.1:8000", live_server.url)

    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Maak je account")
        assert_accessible(page)
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.click("main button[type=submit]")
        expect(page.get_by_role("heading", level=1)).to_have_text("Je account is klaar")
        assert_accessible(page)

        # Next time: log in with the e-mail address and the new password.
        context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "sam@example.org")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/" not in page.url
        client.refresh_from_db()
        assert client.user is not None and client.user.username == "sam@example.org"

        # The link worked once.
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet")
        expect(page.locator("main form")).to_have_count(0)
    finally:
        context.close()

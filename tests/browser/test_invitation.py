"""A young person on a phone opens the invitation link from the e-mail (read from a real local SMTP
server), chooses a password and logs in with their e-mail address; or adds a passkey and logs in with
it (a virtual authenticator through the Chrome DevTools Protocol, which headless Chromium supports)."""

from collections.abc import Callable, Iterator

import pytest
from django.test import override_settings
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts import services
from coachcare.audit.services import AccessPoint
from tests.accounts.factories import UserFactory
from tests.browser.conftest import assert_accessible, open_menu
from tests.clients.factories import ClientFactory
from tests.mail import SmtpInbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 740}
PASSWORD = "mijn fiets is groen 2026"


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[tuple[BrowserContext, Page]]:
    """A phone-sized browser; the passkey relying party is the live server."""
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    with override_settings(OTP_WEBAUTHN_RP_ID="localhost", OTP_WEBAUTHN_ALLOWED_ORIGINS=[live_server.url]):
        yield context, context.new_page()
    context.close()


def _invitation_link(live_server: LiveServer, smtp_server: SmtpInbox) -> str:
    coach = UserFactory.create(coach=True, username="coach")
    client = ClientFactory.create(coach=coach, given_name="Sam", age=14)
    services.invitation_create(
        actor=coach,
        target=services.YoungPersonTarget(client=client),
        first_name="Sam",
        email="sam@example.org",
        access_point=AccessPoint.command("test"),
    )
    return smtp_server.wait_for(1)[0].link().replace("http://localhost:8000", live_server.url)


def _choose_password(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Maak je account")
    assert_accessible(page)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_have_text("Je account is klaar")


def test_a_young_person_accepts_the_invitation_on_a_phone(
    phone: tuple[BrowserContext, Page], live_server: LiveServer, smtp_server: SmtpInbox
) -> None:
    context, page = phone
    link = _invitation_link(live_server, smtp_server)
    _choose_password(page, link)
    assert_accessible(page)

    # Next time: log in with the e-mail address and the new password.
    context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sam@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/" not in page.url
    open_menu(page)  # on a phone, log out is in the menu
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()

    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet")
    expect(page.locator("main form")).to_have_count(0)


def test_a_young_person_adds_a_passkey_and_logs_in_with_it(
    phone: tuple[BrowserContext, Page], live_server: LiveServer, smtp_server: SmtpInbox
) -> None:
    context, page = phone
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    _choose_password(page, _invitation_link(live_server, smtp_server))
    assert_accessible(page)
    page.get_by_role("button", name="Passkey toevoegen").click()
    expect(page.locator("#passkey-register-status-message")).not_to_be_empty()
    assert WebAuthnCredential.objects.filter(user__username="sam@example.org").count() == 1

    context.clear_cookies()
    # The login page also offers the passkey in the username field's autofill (conditional
    # mediation), and Chrome's virtual authenticator answers that request by itself, racing the
    # button. This walk is the phone without passkey autofill: the button is the only way in.
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Inloggen met passkey").click()
    # The login page itself matches "/**": wait until the passkey script has left it.
    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.locator("#passkey-verification-button")).to_have_count(0)
    assert "/accounts/" not in page.url
    open_menu(page)  # on a phone, log out is in the menu
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


@pytest.mark.parametrize(
    ("admin", "role"), [("beheerder-aanbieder", "coach"), ("beheerder-gemeente", "gemeente-toegang")]
)
def test_an_organisation_s_administrator_invites_staff(
    login: Callable[[str], Page], smtp_server: SmtpInbox, admin: str, role: str
) -> None:
    page = login(admin)
    page.get_by_role("navigation").get_by_role("link", name="Medewerkers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Medewerkers")
    assert_accessible(page)
    page.fill("#id_first_name", "Kim")
    page.fill("#id_email", "kim@example.org")
    page.select_option("#id_role", role)
    if page.locator("#id_team").count():
        page.select_option("#id_team", label="Team Utrecht")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_text("De uitnodiging is verstuurd.")).to_be_visible()
    expect(page.get_by_role("cell", name="kim@example.org")).to_be_visible()
    assert smtp_server.wait_for(1)[0].subject == "Uw uitnodiging voor coachcare"


def test_the_coach_invites_a_young_person_from_the_client_file(
    login: Callable[[str], Page], smtp_server: SmtpInbox
) -> None:
    page = login("coach")
    page.get_by_role("link", name="Lotte Jansen").click()
    section = page.locator("#portal-account")
    expect(section).to_have_text("Portaalaccount van de jongere")
    expect(page.get_by_text("Niet uitgenodigd")).to_be_visible()
    expect(page.get_by_label("Voornaam")).to_have_value("Lotte")
    assert_accessible(page)
    page.get_by_label("E-mailadres").fill("lotte@example.org")
    page.get_by_role("button", name="Uitnodigen voor het portaal").click()
    expect(page.get_by_text("De uitnodiging is verstuurd.")).to_be_visible()
    expect(page.get_by_text("Uitgenodigd op")).to_be_visible()
    expect(page.get_by_role("button", name="Uitnodiging intrekken")).to_be_visible()
    assert_accessible(page)
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["lotte@example.org"] and "Hoi Lotte," in received.body
    assert "Jansen" not in received.body

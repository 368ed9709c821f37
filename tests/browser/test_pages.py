"""Every page of every demo role in a real browser: it works and axe finds nothing serious."""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts.models import Role
from coachcare.accounts.services import user_create
from coachcare.demo.seed import DEMO_CLIENTS, DEMO_PASSWORD, demo_bsns
from coachcare.providers.models import Team
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_HEADINGS: dict[str, str | re.Pattern[str]] = {
    "coach": "Mijn caseload",
    "teamleider": "Caseload van het team",
    "toegang": "Inwoners in zorg",
    "beleid": "Cijfers voor uw gemeente",
    "beheerder": "Beheer",
    "ouder": "Mijn kinderen",
    # Young people land on their portal (the heading until the translation pass, or translated).
    "jongere15": re.compile(r"^(Mijn portaal|My portal)$"),
    "jongere17": re.compile(r"^(Mijn portaal|My portal)$"),
}


@pytest.mark.parametrize("username", list(HOME_HEADINGS))
def test_home_page_of_each_role_is_accessible(login: Login, username: str) -> None:
    page = login(username)

    expect(page.locator("h1")).to_have_text(HOME_HEADINGS[username])
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert_accessible(page)


def test_login_page_is_accessible(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/accounts/login/")

    expect(page.locator("h1")).to_have_text("Inloggen")
    assert_accessible(page)


def test_login_errors_are_shown_and_accessible(page: Page, live_server: LiveServer, demo: None) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", "not-the-password")
    page.click("main button[type=submit]")

    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)


def test_verify_page_is_accessible(page: Page, live_server: LiveServer, demo: None) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/verify/**")
    assert_accessible(page)

    page.fill("#id_token", "000000")
    page.click("main button[type=submit]")
    expect(page.locator("#id_token_error")).to_be_visible()
    expect(page.locator("#id_token")).to_have_attribute("aria-describedby", re.compile("id_token_error"))
    assert_accessible(page)


def test_setup_page_shows_the_qr_code_and_is_accessible(page: Page, live_server: LiveServer, demo: None) -> None:
    user_create(
        username="nieuwecoach",
        password=DEMO_PASSWORD,
        role=Role.COACH,
        first_name="Nina",
        last_name="Nieuw",
        email="nieuwecoach@demo.coachcare.invalid",
        team=Team.objects.get(name="Team Utrecht"),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "nieuwecoach")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/setup/**")

    expect(page.locator(".coachcare-qr svg")).to_be_visible()
    expect(page.locator(".coachcare-secret")).to_have_text(re.compile(r"^[A-Z2-7]{16,}$"))
    assert_accessible(page)


def test_locked_out_page_is_accessible(page: Page, live_server: LiveServer, demo: None) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    for _attempt in range(6):
        page.fill("#id_username", "jongere17")
        page.fill("#id_password", "wrong-password-123")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        if page.locator("h1", has_text="Te veel pogingen").count():
            break

    expect(page.locator("h1")).to_have_text("Te veel pogingen")
    assert_accessible(page)


def test_client_detail_for_the_coach_is_accessible(login: Login) -> None:
    page = login("coach")
    page.get_by_role("link", name="Sanne de Vries").click()

    expect(page.locator("h1")).to_have_text("Dossier van Sanne de Vries")
    expect(page.get_by_text("BSN", exact=True)).to_be_visible()
    expect(page.get_by_label("Nieuwe notitie")).to_be_visible()
    assert_accessible(page)


def test_coach_writes_a_note(login: Login) -> None:
    page = login("coach")
    page.get_by_role("link", name="Sanne de Vries").click()
    page.get_by_label("Nieuwe notitie").fill("Sanne had een goed gesprek over school.")
    page.get_by_role("button", name="Notitie opslaan").click()

    expect(page.get_by_role("status")).to_contain_text("De notitie is opgeslagen.")
    expect(page.locator(".coachcare-note-text")).to_have_text("Sanne had een goed gesprek over school.")
    assert_accessible(page)


def test_client_detail_for_the_young_person_is_accessible(login: Login) -> None:
    page = login("jongere15")
    page.get_by_role("link", name=re.compile(r"^(Mijn dossier|My file)$")).click()

    expect(page.locator("h1")).to_have_text("Mijn dossier")
    expect(page.get_by_role("link", name="Wie heeft mijn dossier bekeken").first).to_be_visible()
    assert_accessible(page)


def test_access_log_in_plain_words_is_accessible(login: Login) -> None:
    page = login("jongere15")
    page.get_by_role("navigation").get_by_role("link", name="Wie heeft mijn dossier bekeken").click()

    expect(page.locator("h1")).to_have_text("Wie heeft mijn dossier bekeken")
    # Her own visits are one line with the count; everyone else's, one plain sentence each.
    expect(page.locator("#own-visits")).to_contain_text("Jij zelf:")
    expect(page.locator("main")).to_contain_text("Chris Coach (coach) heeft je aangemeld")
    assert_accessible(page)

    # The filter: its controls are labelled, and the narrowed list is accessible too.
    page.get_by_label("Wie").select_option(label="Chris Coach (coach)")
    page.get_by_label("Van").fill("2000-01-01")
    page.get_by_role("button", name="Tonen").click()
    expect(page.get_by_role("link", name="Alles tonen")).to_be_visible()
    expect(page.locator("main li").first).to_contain_text("Chris Coach (coach)")
    assert_accessible(page)


def test_referral_form_with_errors_is_accessible(login: Login) -> None:
    page = login("coach")
    page.get_by_role("navigation").get_by_role("link", name="Jongere aanmelden").click()
    expect(page.locator("h1")).to_have_text("Jongere aanmelden")
    assert_accessible(page)

    page.get_by_role("button", name="Aanmelden").click()

    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_bsn")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_bsn")).to_have_attribute("aria-describedby", "id_bsn_error")
    expect(page.locator("#id_bsn_error")).to_be_visible()
    assert_accessible(page)


def test_referral_registers_a_young_person(login: Login) -> None:
    page = login("coach")
    page.goto(page.url.rstrip("/") + "/clients/new/")
    unused_test_bsn = demo_bsns(len(DEMO_CLIENTS) + 1)[-1]
    page.get_by_label("BSN").fill(unused_test_bsn)
    page.get_by_label("Voornaam").fill("Iris")
    page.get_by_label("Achternaam").fill("Vos")
    page.get_by_label("Geboortedatum").fill("2011-03-04")
    page.get_by_label("Woongemeente").select_option(label="Utrecht (0344)")
    page.get_by_label("Aangemeld door").select_option("huisarts")
    page.get_by_role("button", name="Aanmelden").click()

    expect(page.locator("h1")).to_have_text("Dossier van Iris Vos")
    expect(page.get_by_role("status")).to_contain_text("Iris Vos is aangemeld.")


def test_not_found_page_is_accessible(login: Login) -> None:
    page = login("coach")
    response = page.goto(page.url.rstrip("/") + "/clients/00000000-0000-4000-8000-000000000000/")

    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Pagina niet gevonden")
    assert_accessible(page)

"""The whole onboarding path in a real browser: the coach registers a 14-year-old with her e-mail
address, records her mother (gezag, uses the portal) and father (gezag, no portal), invites the
young person and the mother; both e-mails arrive at the local SMTP server; each opens the link on a
phone, chooses a password, logs in and gives consent to care in the portal; the coach records the
father's paper consent, and only then does the intake start. axe checks the pages on the way."""

import datetime
import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.clients.models import Client, GezagRelation
from coachcare.core.dates import today, years_before
from tests.accounts.oidc_provider import OidcProvider
from tests.browser.conftest import Login, assert_accessible, log_in, open_menu
from tests.browser.test_digid import SUBSTANTIEEL, broker, log_in_with_digid, oidc_provider  # noqa: F401 - fixtures
from tests.factories import next_bsn
from tests.mail import SmtpInbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 740}
PASSWORD = "mijn fiets is groen 2026"
BSN = "111222333"
BIRTH_DATE = years_before(today(), 14) - datetime.timedelta(days=40)


def _phone(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _add_family_member(page: Page, *, kind: str, given: str, email: str, portal: bool, bsn: str = "") -> None:
    page.get_by_role("link", name="Gezinslid toevoegen").click()
    page.get_by_label("Relatie tot de jongere").select_option(kind)
    page.get_by_label("Voornaam").fill(given)
    page.get_by_label("Achternaam", exact=True).fill("de Vries")
    if email:
        page.get_by_label("E-mailadres (optioneel)").fill(email)
    if bsn:
        page.get_by_label("BSN (optioneel)").fill(bsn)
    page.get_by_label("Gebruikt deze persoon het portaal?").select_option("yes" if portal else "no")
    page.get_by_label("Gezag", exact=True).select_option("yes")
    page.get_by_label("Gezag vanaf").fill(BIRTH_DATE.isoformat())
    page.get_by_label("Brondocument").fill("Uittreksel gezagsregister 1 december 2026")
    page.get_by_role("button", name="Gezinslid toevoegen").click()
    expect(page.get_by_role("status").first).to_contain_text("Het gezinslid is vastgelegd.")


def _register(page: Page) -> None:
    """Referral of a 14-year-old, with her e-mail address."""
    page.get_by_role("navigation").get_by_role("link", name="Jongere aanmelden").click()
    page.get_by_label("BSN").fill(BSN)
    page.get_by_label("Voornaam").fill("Fenna")
    page.get_by_label("Achternaam").fill("de Vries")
    page.get_by_label("Geboortedatum").fill(BIRTH_DATE.isoformat())
    page.get_by_label("Woongemeente").select_option(label="Utrecht (0344)")
    page.get_by_label("Aangemeld door").select_option("gemeente")
    page.get_by_label("E-mailadres van de jongere (optioneel)").fill("fenna@example.org")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator("h1")).to_have_text("Dossier van Fenna de Vries")


def _choose_password(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Maak je account")
    assert_accessible(page)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_have_text("Je account is klaar")


def _accept_and_consent(browser: Browser, live_server: LiveServer, link: str, email: str) -> None:
    """On a phone: open the link, choose a password, log in, give consent to care."""
    context, page = _phone(browser)
    _choose_password(page, link)
    context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/" not in page.url
    page.goto(f"{live_server.url}/privacy/consent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Toestemming")
    expect(page.locator("main")).to_contain_text("Nog nodig van")
    assert_accessible(page)
    page.get_by_role("button", name="Ik geef toestemming voor de hulp").click()
    expect(page.get_by_role("status").first).to_be_visible()
    expect(page.get_by_role("button", name="Ik geef toestemming voor de hulp")).to_have_count(0)
    assert_accessible(page)
    context.close()


def test_coach_onboards_a_young_person_and_her_parents(
    login: Login, browser: Browser, live_server: LiveServer, smtp_server: SmtpInbox
) -> None:
    page = login("coach")

    _register(page)

    # The family: the mother uses the portal, the father consents on paper.
    _add_family_member(page, kind="mother", given="Marieke", email="marieke@example.org", portal=True)
    _add_family_member(page, kind="father", given="Joost", email="", portal=False)
    family = page.locator("#family-members + .coachcare-table-scroll")
    expect(family.get_by_role("row", name="Marieke de Vries")).to_contain_text("Niet uitgenodigd")
    expect(family.get_by_role("button", name=re.compile("Joost de Vries"))).to_have_count(0)
    assert_accessible(page)

    # Invite the young person (prefilled from her file) and the mother.
    expect(page.get_by_label("E-mailadres", exact=True)).to_have_value("fenna@example.org")
    page.locator("#portal-account ~ form").get_by_role("button", name="Uitnodigen voor het portaal").click()
    expect(page.get_by_text("De uitnodiging is verstuurd.")).to_be_visible()
    family.get_by_role("button", name=re.compile(r"^Uitnodigen voor het portaal\W+Marieke de Vries$")).click()
    expect(page.get_by_text("De uitnodiging is verstuurd.")).to_be_visible()
    expect(family.get_by_role("row", name="Marieke de Vries")).to_contain_text("Uitgenodigd op")
    assert_accessible(page)

    received = smtp_server.wait_for(2)
    links = {m.recipients[0]: m.link().replace("http://localhost:8000", live_server.url) for m in received}
    assert set(links) == {"fenna@example.org", "marieke@example.org"}

    for email in ("fenna@example.org", "marieke@example.org"):
        _accept_and_consent(browser, live_server, links[email], email)
    client = Client.objects.get(given_name="Fenna", family_name="de Vries")
    mother = GezagRelation.objects.get(client=client, given_name="Marieke")
    assert client.user is not None and mother.parent is not None
    assert GezagRelation.objects.filter(client=client).count() == 2

    page.reload()
    expect(family.get_by_role("row", name="Marieke de Vries")).to_contain_text("Account actief")

    # The allocation, granted by the municipality.
    page.get_by_role("button", name="Toewijzing aanvragen").click()
    toegang_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    toegang_context.set_default_timeout(10_000)
    toegang = log_in(toegang_context.new_page(), live_server.url, "toegang")
    toegang.goto(f"{live_server.url}/contracts/allocations/")
    toegang.get_by_role("link", name="Fenna de Vries").first.click()
    toegang.locator("input[name$='start_date']").fill(today().isoformat())
    toegang.locator("input[name$='end_date']").fill((today() + datetime.timedelta(days=180)).isoformat())
    toegang.locator("main button.utrecht-button--primary-action").first.click()
    expect(toegang.get_by_role("status").first).to_contain_text("Fenna de Vries")
    toegang_context.close()
    page.reload()  # the "received" step is offered once the allocation is granted, not while it waits
    page.get_by_role("button", name="Toewijzing ontvangen, verder").click()
    expect(page.locator(".coachcare-status")).to_have_text("toegewezen")

    # Without the father's consent the intake is not offered, and the panel says who is missing
    # (the state machine's guard, panels.step_check). Only the father is missing: the young
    # person's and the mother's portal consent count.
    expect(page.get_by_role("button", name="Intake starten")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Toestemming voor de hulp ontbreekt van: Joost de Vries")
    assert_accessible(page)

    # The father's consent on paper, then the intake.
    page.get_by_label("Wat is afgesproken").select_option("care")
    page.get_by_label("Gegeven door").select_option(label="Joost de Vries (vader, met gezag)")
    page.get_by_label("Hoe", exact=True).select_option("on_paper")
    page.get_by_role("button", name="Toestemming vastleggen").click()
    expect(page.get_by_role("status").first).to_contain_text("toestemming is vastgelegd")
    page.get_by_role("button", name="Intake starten").click()
    expect(page.locator(".coachcare-status")).to_have_text("intake")
    assert_accessible(page)


def test_the_mother_logs_in_with_digid_by_the_bsn_on_her_family_member_record(
    login: Login,
    browser: Browser,
    live_server: LiveServer,
    smtp_server: SmtpInbox,
    broker: OidcProvider,  # noqa: F811
) -> None:
    page = login("coach")
    _register(page)
    mother_bsn = next_bsn()
    _add_family_member(page, kind="mother", given="Marieke", email="marieke@example.org", portal=True, bsn=mother_bsn)
    family = page.locator("#family-members + .coachcare-table-scroll")
    family.get_by_role("button", name=re.compile(r"^Uitnodigen voor het portaal\W+Marieke de Vries$")).click()
    expect(page.get_by_text("De uitnodiging is verstuurd.")).to_be_visible()
    [received] = smtp_server.wait_for(1)

    context, phone = _phone(browser)
    _choose_password(phone, received.link().replace("http://localhost:8000", live_server.url))
    context.clear_cookies()

    log_in_with_digid(phone, live_server.url, broker, {"bsn": mother_bsn, "acr": SUBSTANTIEEL})
    assert "/accounts/" not in phone.url
    open_menu(phone)  # on a phone, log out is in the menu
    expect(phone.get_by_role("button", name="Uitloggen")).to_be_visible()
    phone.goto(f"{live_server.url}/privacy/consent/")
    expect(phone.locator("main")).to_contain_text("Hulp voor Fenna de Vries")
    expect(phone.locator("main")).to_contain_text("jij: nog geen toestemming gegeven")
    assert_accessible(phone)
    phone.get_by_role("button", name="Ik geef toestemming voor de hulp").click()
    expect(phone.get_by_role("button", name="Ik geef toestemming voor de hulp")).to_have_count(0)
    mother = GezagRelation.objects.get(given_name="Marieke")
    assert mother.agreements.filter(given_by=mother.parent, given_how="portal", revoked_at__isnull=True).exists()
    context.close()

"""A new coach walks one young person from referral to closure, by clicking, in Dutch.

The municipality's access team grants the first module in a second browser (the mandate covers
only the next modules), and the team lead approves the coach's deviating decision in a third.
axe checks the client file and the step forms on the way.
"""

import datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.core.dates import today, years_before
from coachcare.demo.seed import DEMO_CLIENTS, demo_bsns
from tests.browser.conftest import Login, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def second_page(browser: Browser, live_server: LiveServer, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.set_default_timeout(10_000)
    return log_in(context.new_page(), live_server.url, username)


def test_a_coach_walks_a_young_person_from_referral_to_closure(
    login: Login, browser: Browser, live_server: LiveServer
) -> None:
    page = login("coach")

    # Referral: a 17-year-old, so the young person consents alone.
    page.get_by_role("navigation").get_by_role("link", name="Jongere aanmelden").click()
    page.get_by_label("BSN").fill(demo_bsns(len(DEMO_CLIENTS) + 3)[-1])
    page.get_by_label("Voornaam").fill("Jesse")
    page.get_by_label("Achternaam").fill("Wandelaar")
    birth_date = years_before(today(), 17) - datetime.timedelta(days=40)
    page.get_by_label("Geboortedatum").fill(birth_date.isoformat())
    page.get_by_label("Woongemeente").select_option(label="Utrecht (0344)")
    page.get_by_label("Aangemeld door").select_option("gemeente")
    page.get_by_label("Naam van de verwijzer (optioneel)").fill("Mentor Het Lyceum")
    assert_accessible(page)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator("h1")).to_have_text("Dossier van Jesse Wandelaar")
    expect(page.locator(".coachcare-status")).to_have_text("aangemeld")
    assert_accessible(page)

    # Allocation: requested by the coach, granted by the municipality in its portal.
    page.get_by_role("button", name="Toewijzing aanvragen").click()
    # The panel never contradicts itself (16.9): while the request waits it says so, with no
    # "received" button, no second request and no "granted at once".
    panel = page.locator("section.coachcare-panel")
    expect(panel).to_contain_text("wacht op het besluit van de gemeente")
    expect(page.get_by_role("button", name="Toewijzing ontvangen, verder")).to_have_count(0)
    expect(page.get_by_role("button", name="Toewijzing aanvragen")).to_have_count(0)
    expect(panel).not_to_contain_text("meteen toegekend")
    toegang = second_page(browser, live_server, "toegang")
    toegang.goto(f"{live_server.url}/contracts/allocations/")
    toegang.get_by_role("link", name="Jesse Wandelaar").first.click()
    toegang.locator("input[name$='start_date']").fill(today().isoformat())
    toegang.locator("input[name$='end_date']").fill((today() + datetime.timedelta(days=180)).isoformat())
    toegang.locator("main button.utrecht-button--primary-action").first.click()
    expect(toegang.get_by_role("status").first).to_contain_text("Jesse Wandelaar")
    toegang.context.close()
    page.reload()
    expect(panel).to_contain_text("toewijzing voor de eerste module is toegekend")
    expect(panel).not_to_contain_text("Er is vandaag geen toewijzing")
    page.get_by_role("button", name="Toewijzing ontvangen, verder").click()
    expect(page.locator(".coachcare-status")).to_have_text("toegewezen")

    # Consent to care (the young person, heard by the coach), then the intake.
    page.get_by_label("Wat is afgesproken").select_option("care")
    page.get_by_label("Gegeven door").select_option("jongere")
    page.get_by_role("button", name="Toestemming vastleggen").click()
    expect(page.get_by_role("status").first).to_contain_text("toestemming is vastgelegd")
    page.get_by_role("button", name="Intake starten").click()
    expect(page.locator(".coachcare-status")).to_have_text("intake")
    # No goal yet: the plan cannot be agreed to, and starting a module is not offered.
    expect(page.get_by_label("Wat is afgesproken").locator("option[value='plan']")).to_have_count(0)
    expect(page.get_by_role("button", name="Module starten")).to_have_count(0)
    expect(panel).to_contain_text("minstens één doel")
    assert_accessible(page)

    # One goal with its GAS scale, scored at the intake; the plan agreed.
    page.get_by_label("Doel", exact=True).fill("Ik ga elke schooldag op tijd naar school")
    page.get_by_label("Domein van het doel").select_option("dagritme")
    page.locator("#id_goal-level_p2").fill("Elke dag op tijd, ook zonder wekker")
    page.locator("#id_goal-level_p1").fill("Elke dag op tijd")
    page.locator("#id_goal-level_0").fill("Vier van de vijf dagen op tijd")
    page.locator("#id_goal-level_m1").fill("Twee dagen per week op tijd, zoals nu")
    page.locator("#id_goal-level_m2").fill("Minder dan twee dagen per week op tijd")
    page.get_by_role("button", name="Doel toevoegen").click()
    expect(page.get_by_role("heading", name="Doel 1: Ik ga elke schooldag op tijd naar school")).to_be_visible()
    page.locator("select[id^='id_scores-gas_']").select_option("-1")
    # Jesse has no portal account yet, so no intake mark of his own: the coach says why, never types one.
    expect(page.locator("input[id^='id_scores-gbo_']")).to_have_count(0)
    page.get_by_label("Niet beantwoord door de jongere, omdat …").select_option("no_account")
    page.get_by_role("button", name="Scores opslaan").click()
    page.get_by_label("Wat is afgesproken").select_option("plan")
    page.get_by_label("Gegeven door").select_option("jongere")
    page.get_by_role("button", name="Toestemming vastleggen").click()
    assert_accessible(page)

    # The first module, finished and evaluated with high scores: the advice is to stop.
    page.get_by_role("button", name="Module starten").click()
    expect(page.locator(".coachcare-status")).to_have_text("module loopt")
    page.get_by_role("button", name="Module afronden").click()
    # Nothing happens by accident: a page of its own asks to confirm.
    expect(page.get_by_text("Wil je de module afronden? Dit kan niet ongedaan worden gemaakt.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, module afronden").click()
    # Jesse has no portal account yet, so he could not give his own mark: the coach scores the
    # GAS level only and says why the mark is missing (never typing it in).
    expect(page.locator(".coachcare-youth-ratings")).to_contain_text("nog niet ingevuld")
    expect(page.locator("input[id^='id_scores-gbo_']")).to_have_count(0)
    page.locator("select[id^='id_scores-gas_']").select_option("1")
    page.get_by_label("Niet beantwoord door de jongere, omdat …").select_option("no_account")
    page.get_by_label("In een paar woorden (niet verplicht)").fill("Jesse heeft nog geen account voor het portaal.")
    page.get_by_role("button", name="Scores opslaan en advies bekijken").click()
    expect(page.locator(".coachcare-advice")).to_contain_text("Advies: stoppen")
    assert_accessible(page)

    # The coach deviates (step up). By default only stopping against the advice and skipping a
    # step up wait for the team lead; this provider also wants a step up against the advice
    # approved (its setting), so the team lead approves in their own browser.
    from coachcare.providers.models import Provider

    Provider.objects.update(gate_approval_required=["stop_against_advice", "skip_step_up", "step_up_against_advice"])
    page.get_by_label("Uw besluit").select_option("step_up")
    page.get_by_label("Reden", exact=True).fill("Er speelt meer thuis; specialistische hulp nodig.")
    page.get_by_role("button", name="Besluit opslaan").click()
    expect(page.get_by_role("status").first).to_contain_text("teamleider")
    teamleider = second_page(browser, live_server, "teamleider")
    teamleider.get_by_role("navigation").get_by_role("link", name="Goed te keuren besluiten").click()
    expect(teamleider.get_by_text("Er speelt meer thuis; specialistische hulp nodig.")).to_be_visible()
    assert_accessible(teamleider)
    teamleider.get_by_role("button", name="Goedkeuren").click()
    expect(teamleider.get_by_role("status").first).to_contain_text("Jesse Wandelaar")
    teamleider.context.close()

    # A step up never closes "according to plan": the form proposes 38 (continued at another
    # provider), the warm hand-off. Closed, and the follow-ups after 6 and 12 months are scheduled.
    page.reload()
    expect(page.get_by_label("Reden van beëindiging (iJw JZ588)")).to_have_value("38")
    # The young person answers the satisfaction questionnaire in the portal, never the coach: the
    # form shows it is not filled in yet and asks why, and the coach's own judgement (3.1).
    expect(page.locator(".coachcare-closure-answers")).to_contain_text("nog niet ingevuld")
    assert_accessible(page)
    page.get_by_label("Kan de jongere na de afsluiting volgens u zonder hulp verder?").select_option("no")
    page.get_by_label("Niet ingevuld, omdat …").fill("Overgedragen aan specialistische hulp voor de afsluiting.")
    page.get_by_role("button", name="Traject afsluiten").click()
    expect(page.get_by_text("Wil je het traject afsluiten? Dit kan niet ongedaan worden gemaakt.")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Reden van beëindiging")
    assert_accessible(page)
    page.get_by_role("button", name="Ja, traject afsluiten").click()
    expect(page.locator(".coachcare-status")).to_have_text("gesloten")
    expect(page.locator(".coachcare-advice")).to_have_count(0)  # no advice after closure
    follow_ups = page.locator("ul[aria-labelledby='follow-ups'] li")
    expect(follow_ups).to_have_count(2)
    expect(follow_ups.first).to_contain_text("6 maanden")
    expect(follow_ups.first).to_contain_text("gepland")
    assert_accessible(page)

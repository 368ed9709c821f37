"""The intake GBO by the young person and a parent (issue 16.2), and the coach's loose ends.

On a phone (360×740) the young person follows "Wacht op jou" to "Intake: hoe sta je er nu voor?"
and rates their goal; the parent does the same for their child; the coach sees both marks side by
side on the client file, types only the GAS level, and for another young person records "niet
beantwoord, omdat …". The provider's administrator reaches the gate settings from the menu and
changes one; a coach moves a young person to another municipality through the move screen. axe
clean on every page."""

import datetime
import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client, MunicipalityChange
from coachcare.contracts import services as contract_services
from coachcare.core.dates import today
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider
from coachcare.trajectories import services
from coachcare.trajectories.models import Goal, GoalRating, GoalRatingSkipped, GoalScore, Trajectory
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AP = AccessPoint.command("test_intake_gbo")
PHONE: ViewportSize = {"width": 360, "height": 740}
SCALE = {-2: "veel slechter", -1: "zoals nu", 0: "verwacht", 1: "beter", 2: "veel beter"}


def _fresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)


def _to_intake(username: str, goal_text: str) -> tuple[Client, Goal]:
    """The demo young person ``username`` at the intake with one goal written with the coach."""
    client = Client.objects.get(user__username=username)
    coach = User.objects.get(username="coach")
    toegang = User.objects.get(username="toegang")
    trajectory = _fresh(client.trajectories.get())
    allocation = services.trajectory_request_allocation(actor=coach, trajectory=trajectory, access_point=AP)
    if allocation.status == "requested":
        contract_services.allocation_approve(
            actor=toegang,
            allocation=allocation,
            volume=1,
            start_date=today(),
            end_date=today() + datetime.timedelta(days=180),
            access_point=AP,
        )
    services.trajectory_allocate(actor=coach, trajectory=_fresh(trajectory), access_point=AP)
    consenting = [client.user, *User.objects.filter(username="ouder", gezag_relations__client=client)]
    for person in consenting:
        services.agreement_record(
            actor=coach, trajectory=_fresh(trajectory), kind="care", given_by=person, access_point=AP
        )
    services.trajectory_start_intake(actor=coach, trajectory=_fresh(trajectory), access_point=AP)
    goal = services.goal_add(actor=coach, trajectory=_fresh(trajectory), text=goal_text, scale=SCALE, access_point=AP)
    return client, goal


def _rate(page: Page, mark: int) -> None:
    scale = page.locator("main .coachcare-scale")
    expect(scale).to_have_count(1)
    tops = scale.locator("input[type=radio]").evaluate_all(
        "inputs => inputs.map(input => Math.round(input.getBoundingClientRect().top))"
    )
    assert len(tops) == 11 and len(set(tops)) == 1, tops  # 0 to 10 in one row on the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert_accessible(page)
    scale.locator(f"label[for$='_{mark}']").click()
    page.get_by_role("button", name="Cijfers versturen").click()


def test_young_person_and_parent_rate_the_intake_and_the_coach_sees_both(
    page: Page, login: Login, live_server: LiveServer
) -> None:
    page.set_default_timeout(30_000)  # a long walk through four accounts on a shared machine
    sanne, goal = _to_intake("jongere15", "Elke dag op tijd op school")
    mohammed, other_goal = _to_intake("jongere17", "Een bijbaan vinden")

    # The young person, on a phone: "Wacht op jou" leads to the intake marks.
    page.set_viewport_size(PHONE)
    login("jongere15")
    page.locator("main").get_by_role("link", name=re.compile("^Intake: hoe sta je er nu voor")).first.click()
    page.wait_for_url("**/portal/goals/rate/")
    expect(page.locator("h1")).to_have_text("Intake: hoe sta je er nu voor?")
    expect(page.locator("main legend")).to_have_text("Elke dag op tijd op school")
    _rate(page, 3)
    expect(page.get_by_role("status").first).to_contain_text("Je coach ziet je cijfers")
    assert_accessible(page)
    assert GoalRating.objects.filter(goal=goal, module_run__isnull=True, informant="jongere", rating=3).exists()

    # The parent, on a phone, rates the same goal from their own view.
    page.context.clear_cookies()
    login("ouder")
    page.locator("main").get_by_role("link", name=re.compile("^Intake: hoe staat Sanne er nu voor")).first.click()
    expect(page.locator("h1")).to_have_text("Hoe gaat het met Sanne en de doelen?")
    _rate(page, 6)
    expect(page.get_by_role("status").first).to_contain_text("naast die van je kind")
    assert_accessible(page)
    assert GoalRating.objects.filter(goal=goal, module_run__isnull=True, informant="ouder", rating=6).exists()

    # The coach sees both marks side by side and types only the GAS level.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login("coach")
    page.goto(f"{live_server.url}/clients/{sanne.public_id}/")
    ratings = page.locator(".coachcare-youth-ratings")
    expect(ratings).to_contain_text("Elke dag op tijd op school")
    expect(ratings.locator("tbody td").nth(1).locator("strong")).to_have_text("3")
    expect(ratings.locator("tbody td").nth(2).locator("strong")).to_have_text("6")
    expect(ratings.locator("tbody td").nth(2)).to_contain_text("Olga de Vries")
    expect(page.locator("input[id*='gbo']")).to_have_count(0)
    assert_accessible(page)
    page.locator("select[id^='id_scores-gas_']").select_option("-1")
    page.get_by_role("button", name="Scores opslaan").click()
    expect(page.get_by_role("status").first).to_contain_text("scores van de intake zijn opgeslagen")
    assert GoalScore.objects.filter(goal=goal, module_run__isnull=True).values_list("gas", "gbo").get() == (-1, 3)

    # Another young person did not answer: the coach records why, never a mark.
    page.goto(f"{live_server.url}/clients/{mohammed.public_id}/")
    expect(page.locator(".coachcare-youth-ratings")).to_contain_text("nog niet ingevuld")
    page.locator("select[id^='id_scores-gas_']").select_option("-1")
    page.get_by_label("Niet beantwoord door de jongere, omdat …").select_option("unreachable")
    page.get_by_label("In een paar woorden (niet verplicht)").fill("Telefoon kwijt")
    page.get_by_role("button", name="Scores opslaan").click()
    expect(page.locator(".coachcare-youth-ratings")).to_contain_text("Telefoon kwijt")
    assert_accessible(page)
    skipped = GoalRatingSkipped.objects.get(trajectory__client=mohammed)
    assert (skipped.reason, skipped.note) == ("unreachable", "Telefoon kwijt")
    assert GoalScore.objects.get(goal=other_goal).gbo is None


def test_the_administrator_finds_the_gate_settings_and_a_coach_records_a_move(
    page: Page, login: Login, live_server: LiveServer
) -> None:
    login("beheerder-aanbieder")
    page.get_by_role("navigation").get_by_role("link", name="Poortinstellingen").click()
    page.wait_for_url("**/trajectories/gate-settings/")
    assert_accessible(page)
    page.locator("input[name=kinds][value=continue_against_stop]").check()
    page.get_by_role("button", name="Instelling opslaan").click()
    provider_id = User.objects.get(username="beheerder-aanbieder").provider_id
    assert provider_id is not None
    provider = Provider.objects.get(pk=provider_id)
    assert "continue_against_stop" in provider.gate_approval_required

    page.context.clear_cookies()
    login("coach")
    client = Client.objects.get(user__username="jongere17")
    page.goto(f"{live_server.url}/clients/{client.public_id}/")
    page.get_by_role("link", name="Verhuizing vastleggen").click()
    page.wait_for_url(f"**/clients/{client.public_id}/move/")
    assert_accessible(page)
    amsterdam = Municipality.objects.get(code="0363")
    page.get_by_label("Nieuwe woongemeente").select_option(value=str(amsterdam.pk))
    page.get_by_label("Woont daar vanaf").fill((today() - datetime.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Verhuizing vastleggen").click()
    page.wait_for_url(f"**/clients/{client.public_id}/")
    expect(page.get_by_role("status").first).to_contain_text("Amsterdam")
    assert_accessible(page)
    assert MunicipalityChange.objects.get(client=client).to_municipality.name == "Amsterdam"

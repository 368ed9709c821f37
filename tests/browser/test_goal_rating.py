"""The young person rates their goals before the module evaluation, on a phone (issue 16.2 and
16.6): "Wacht op jou" leads to "Hoe ver ben je met je doel?", the goal in their own words with the
0-10 scale in one row at 360×740 (axe clean). The coach then sees the mark in the evaluation,
scores only the GAS level, and takes the module the advice proposes for the open goal, without
waiting for the team lead."""

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.trajectories import services
from coachcare.trajectories.models import Evaluation, Goal, GoalRating, Trajectory
from tests.browser.conftest import Login, assert_accessible
from tests.browser.test_portal import portal_ready  # noqa: F401 - the fixture: jongere15 in a running module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AP = AccessPoint.command("test_goal_rating")
PHONE: ViewportSize = {"width": 360, "height": 740}
GOAL = "Rustig praten met mijn moeder"


def test_the_young_person_rates_on_the_phone_and_the_coach_takes_the_proposed_module(
    page: Page,
    portal_ready: Client,  # noqa: F811 - the fixture imported above
    login: Login,
    live_server: LiveServer,
) -> None:
    base = live_server.url
    trajectory = Trajectory.objects.select_related("client", "method_version").get(client=portal_ready)
    goal = Goal.objects.get(trajectory=trajectory)
    goal.text, goal.domain = GOAL, "thuis"  # a goal about home: "Dagritme" serves it not
    goal.save(update_fields=["text", "domain"])
    services.module_finish(actor=User.objects.get(username="coach"), trajectory=trajectory, access_point=AP)

    # The young person, on a phone, follows "Wacht op jou" to the marks.
    page.set_viewport_size(PHONE)
    login("jongere15")
    page.locator("main section").first.get_by_role("link", name=re.compile("^Hoe ver ben je met je doelen")).click()
    page.wait_for_url("**/portal/goals/rate/")
    expect(page.locator("h1")).to_have_text("Hoe ver ben je met je doel?")
    scale = page.locator("main .coachcare-scale")
    expect(scale).to_have_count(1)
    expect(scale.locator("legend")).to_have_text(GOAL)  # in their own words
    tops = scale.locator("input[type=radio]").evaluate_all(
        "inputs => inputs.map(input => Math.round(input.getBoundingClientRect().top))"
    )
    rights = scale.locator("input[type=radio]").evaluate_all(
        "inputs => inputs.map(input => input.getBoundingClientRect().right)"
    )
    assert len(tops) == 11 and len(set(tops)) == 1, tops  # 0 to 10 in one row
    assert max(rights) <= PHONE["width"], rights
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    expect(page.locator("main")).not_to_contain_text("GBO")
    assert_accessible(page)
    scale.locator("label[for$='_6']").click()
    page.get_by_role("button", name="Cijfers versturen").click()
    expect(page.get_by_role("status").first).to_contain_text("Je coach ziet je cijfers")
    rating = GoalRating.objects.get(module_run__isnull=False)  # the evaluation's mark (the intake's has none)
    assert (rating.rating, rating.informant) == (6, "jongere")
    assert_accessible(page)

    # The coach sees the mark in the evaluation and types only the GAS level.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login("coach")
    page.goto(f"{base}/clients/{portal_ready.public_id}/")
    ratings = page.locator(".coachcare-youth-ratings")
    expect(ratings).to_contain_text(GOAL)
    expect(ratings.locator("td").nth(1).locator("strong")).to_have_text("6")
    expect(page.locator("input[id^='id_scores-gbo_']")).to_have_count(0)
    assert_accessible(page)
    page.locator("select[id^='id_scores-gas_']").select_option("0")
    page.get_by_role("button", name="Scores opslaan en advies bekijken").click()
    advice = page.locator(".coachcare-advice").first
    expect(advice).to_contain_text("Advies: doorgaan")
    expect(advice).to_contain_text("CC-COMMUNICATIE-THUIS werkt aan Thuis en gezin, het domein van open doel 1.")

    # The proposal is the default; taking it is no deviation, so nobody waits for the team lead.
    expect(page.get_by_label("Uw besluit")).to_have_value("continue")
    expect(page.get_by_label("Volgende module (als je doorgaat)")).to_have_value("CC-COMMUNICATIE-THUIS")
    page.get_by_label("Reden", exact=True).fill("Past bij haar doel thuis.")
    page.get_by_role("button", name="Besluit opslaan").click()
    expect(page.get_by_role("status").first).not_to_contain_text("teamleider")
    evaluation = Evaluation.objects.get()
    assert (evaluation.decision_next_module_code, evaluation.deviates) == ("CC-COMMUNICATIE-THUIS", False)
    assert evaluation.approval == Evaluation.Approval.NOT_NEEDED
    assert_accessible(page)

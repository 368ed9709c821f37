""" "Mijn traject" on a phone (360×740): the young person follows "Wacht op jou" to the module and
submits an answer; the coach gives feedback and finishes the module; the young person still reads
the answer and the feedback on "Mijn traject"; after closure the page says "je traject is afgerond".
axe (serious and critical) on every youth page of the flow."""

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.coaching.models import AssignmentAnswer
from coachcare.trajectories import services
from coachcare.trajectories.models import Evaluation, Goal, Status, Trajectory
from tests.browser.conftest import Login, assert_accessible
from tests.browser.test_portal import portal_ready  # noqa: F401 - the fixture: jongere15 in a running module
from tests.trajectories.ratings import evaluate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AP = AccessPoint.command("test_my_trajectory")
PHONE: ViewportSize = {"width": 360, "height": 740}
ANSWER = "Meer rust thuis en op tijd op school."
FEEDBACK = "Mooie wensen! Welke wil je als eerste aanpakken?"


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1


def _close(client: Client) -> Trajectory:
    """The coach's evaluation (goal reached), the decision to stop and the closure (31)."""
    coach = User.objects.get(username="coach")
    trajectory = Trajectory.objects.select_related("client", "method_version").get(client=client)
    goal = Goal.objects.get(trajectory=trajectory)
    evaluation = evaluate(actor=coach, trajectory=trajectory, scores={goal.pk: (1, 8)}, access_point=AP)
    evaluation = services.evaluation_decide(
        actor=coach, evaluation=evaluation, decision="stop", reason="Doel gehaald", access_point=AP
    )
    if evaluation.approval == Evaluation.Approval.PENDING:
        lead = User.objects.get(username="teamleider")
        services.evaluation_approve(actor=lead, evaluation=evaluation, approve=True, access_point=AP)
    trajectory = Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)
    return services.trajectory_close(actor=coach, trajectory=trajectory, end_reason="31", access_point=AP)


def test_the_young_person_keeps_answer_and_feedback_after_the_module_and_the_trajectory(
    page: Page,
    portal_ready: Client,  # noqa: F811 - the fixture imported above
    login: Login,
    live_server: LiveServer,
) -> None:
    base = live_server.url
    page.set_viewport_size(PHONE)

    # "Wacht op jou" leads to the module, where the young person submits an answer.
    login("jongere15")
    waiting = page.locator("main section").first
    expect(waiting.locator("h2")).to_have_text("Wacht op jou")
    waiting.get_by_role("link", name=re.compile("^Er staan opdrachten voor je klaar in je module")).click()
    page.wait_for_url("**/portal/module/")
    expect(page.locator("main")).not_to_contain_text("De jongere")
    expect(page.locator("main")).not_to_contain_text("Goal Attainment Scaling")
    _fits_the_phone(page)
    assert_accessible(page)
    page.fill("#id_a1-text", ANSWER)
    page.locator("#assignment-1 button[value=submit]").click()
    expect(page.locator("#assignment-1 .coachcare-note-text")).to_have_text(ANSWER)
    assert AssignmentAnswer.objects.get().status == "submitted"

    # The coach gives feedback and finishes the module.
    page.context.clear_cookies()
    login("coach")
    page.goto(f"{base}/portal/coach/{portal_ready.public_id}/")
    answer = AssignmentAnswer.objects.get()
    section = page.locator(f"#answer-{answer.public_id}")
    section.locator("textarea").fill(FEEDBACK)
    section.get_by_role("button", name="Feedback geven").click()
    expect(page.locator("main")).to_contain_text(FEEDBACK)
    page.goto(f"{base}/clients/{portal_ready.public_id}/")
    page.get_by_role("button", name="Module afronden").click()
    page.get_by_role("button", name="Ja, module afronden").click()  # the confirm step
    expect(page.locator(".coachcare-status")).not_to_have_text("module loopt")
    assert Trajectory.objects.get(client=portal_ready).status == Status.MODULE_EVALUATION

    # The module is finished: "Wacht op jou" leads to the feedback on "Mijn traject".
    page.context.clear_cookies()
    login("jongere15")
    page.locator("main section").first.get_by_role(
        "link", name=re.compile("^Lees de nieuwe feedback van je coach")
    ).click()
    page.wait_for_url("**/portal/traject/")
    expect(page.locator("h1")).to_have_text("Mijn traject")
    main = page.locator("main")
    expect(main).to_contain_text(ANSWER)
    expect(main).to_contain_text(FEEDBACK)
    expect(main).not_to_contain_text("Je traject is afgerond")
    _fits_the_phone(page)
    assert_accessible(page)
    page.goto(f"{base}/portal/module/")
    expect(page.locator("main")).to_contain_text("Mijn traject")  # the way back to the finished work

    # After closure: "je traject is afgerond", what happens next, and the work is still there.
    closed = _close(portal_ready)
    assert closed.status == Status.CLOSED
    page.goto(f"{base}/portal/traject/")
    expect(page.get_by_role("heading", name="Je traject is afgerond")).to_be_visible()
    expect(main).to_contain_text("neemt je coach contact met je op")
    expect(main.locator("a[href='/hulp/']")).to_be_visible()
    expect(main).to_contain_text(ANSWER)
    expect(main).to_contain_text(FEEDBACK)
    _fits_the_phone(page)
    assert_accessible(page)
    page.goto(f"{base}/portal/")
    expect(page.locator("main")).to_contain_text("Je traject is afgerond.")
    assert_accessible(page)

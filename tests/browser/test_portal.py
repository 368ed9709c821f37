"""The young person's portal on a phone: module, assignment (draft, submit), diary check-in;
axe on every portal page; the assignment form with the keyboard only."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.coaching import services as coaching_services
from coachcare.coaching.models import AssignmentAnswer, DiaryEntry
from coachcare.contracts import services as contract_services
from coachcare.core.dates import today
from coachcare.trajectories import services
from coachcare.trajectories.models import Trajectory
from tests.browser.conftest import Login, assert_accessible
from tests.trajectories.ratings import intake_baseline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AP = AccessPoint.command("test_portal")
SCALE = {-2: "veel slechter", -1: "zoals nu", 0: "verwacht", 1: "beter", 2: "veel beter"}
PHONE: ViewportSize = {"width": 360, "height": 740}


def _fresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)


@pytest.fixture
def portal_ready(demo: None) -> Client:
    """jongere15's trajectory moved on to its first module, with a goal scored and a past session."""
    client = Client.objects.get(user__username="jongere15")
    coach = User.objects.get(username="coach")
    toegang = User.objects.get(username="toegang")
    ouder = User.objects.get(username="ouder")
    assert client.user is not None
    trajectory = _fresh(client.trajectories.get())
    allocation = services.trajectory_request_allocation(actor=coach, trajectory=trajectory, access_point=AP)
    contract_services.allocation_approve(
        actor=toegang,
        allocation=allocation,
        volume=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=180),
        access_point=AP,
    )
    services.trajectory_allocate(actor=coach, trajectory=_fresh(trajectory), access_point=AP)
    trajectory = _fresh(trajectory)
    for person in (client.user, ouder):
        services.agreement_record(actor=coach, trajectory=trajectory, kind="care", given_by=person, access_point=AP)
    services.trajectory_start_intake(actor=coach, trajectory=trajectory, access_point=AP)
    goal = services.goal_add(
        actor=coach, trajectory=_fresh(trajectory), text="Elke dag op tijd op school", scale=SCALE, access_point=AP
    )
    trajectory = _fresh(trajectory)
    intake_baseline(actor=coach, trajectory=trajectory, scores={goal.pk: (-1, 4)}, access_point=AP)
    for person in (client.user, ouder):
        services.agreement_record(actor=coach, trajectory=trajectory, kind="plan", given_by=person, access_point=AP)
    services.module_start(
        actor=coach, trajectory=trajectory, module_code=services.first_module_code(trajectory), access_point=AP
    )
    start = timezone.now() - datetime.timedelta(days=1)
    coaching_services.appointment_create(
        actor=coach,
        client=client,
        trajectory=trajectory,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        kind="online",
        location="Video",
        title="Gesprek met je coach",
        access_point=AP,
    )
    return client


def test_young_person_works_in_the_portal_on_a_phone(
    page: Page, portal_ready: Client, login: Login, live_server: LiveServer
) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")

    expect(page.locator("h1")).to_have_text(re.compile(r"^(Mijn portaal|My portal)$"))
    expect(page.locator("svg[role=img] title")).to_have_count(1)
    expect(page.locator("main table.coachcare-chart__table")).to_contain_text("4")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert_accessible(page)

    page.locator("main a[href='/portal/module/']").first.click()
    assert page.url.endswith("/portal/module/")
    expect(page.locator("main h2").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert_accessible(page)

    page.fill("#id_a1-text", "Meer rust, een bijbaan, goede cijfers.")
    page.locator("#assignment-1 button[value=draft]").click()
    expect(page.locator("#id_a1-text")).to_have_value("Meer rust, een bijbaan, goede cijfers.")
    assert AssignmentAnswer.objects.get().status == "draft"
    page.locator("#assignment-1 button[value=submit]").click()
    expect(page.locator("#assignment-1 .coachcare-note-text")).to_have_text("Meer rust, een bijbaan, goede cijfers.")
    expect(page.locator("#id_a1-text")).to_have_count(0)
    assert AssignmentAnswer.objects.get().status == "submitted"
    assert_accessible(page)

    page.locator("main a[href='/portal/']").first.click()
    page.locator("main a[href='/portal/diary/']").first.click()
    page.check("#id_mood_3")
    page.fill("#id_text", "Vandaag was een goede dag.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Vandaag was een goede dag.")
    assert "Vandaag was een goede dag." in [entry.text for entry in DiaryEntry.objects.filter(mood=4)]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert_accessible(page)

    page.goto(f"{live_server.url}/portal/")
    page.locator("a[href^='/portal/questionnaires/sessie-feedback/']").click()
    expect(page.locator("main fieldset")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert_accessible(page)

    page.goto(f"{live_server.url}/portal/")
    page.locator(f"main a[href='/clients/{portal_ready.public_id}/']").click()
    assert_accessible(page)


def test_assignment_with_the_keyboard_only(
    page: Page, portal_ready: Client, login: Login, live_server: LiveServer
) -> None:
    page.set_viewport_size(PHONE)
    login("jongere15")
    page.goto(f"{live_server.url}/portal/module/")
    for _press in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_a3-text":
            break
    else:
        pytest.fail("the answer field of assignment 3 cannot be reached with Tab")
    page.keyboard.type("Mijn tante en mijn trainer.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "draft"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "submit"
    page.keyboard.press("Enter")
    expect(page.locator("#assignment-3 .coachcare-note-text")).to_have_text("Mijn tante en mijn trainer.")
    answer = AssignmentAnswer.objects.get()
    assert (answer.status, answer.text) == ("submitted", "Mijn tante en mijn trainer.")


def test_coach_and_parent_pages_are_accessible(
    page: Page, portal_ready: Client, login: Login, live_server: LiveServer
) -> None:
    login("ouder")
    page.goto(f"{live_server.url}/portal/")
    expect(page.locator("main")).to_contain_text("Gesprek met je coach")
    assert_accessible(page)
    page.context.clear_cookies()
    login("coach")
    base = live_server.url
    page.goto(f"{base}/portal/coach/")
    assert_accessible(page)
    page.goto(f"{base}/portal/coach/{portal_ready.public_id}/")
    expect(page.locator("main")).to_contain_text("Vandaag ging het goed op school.")
    assert_accessible(page)

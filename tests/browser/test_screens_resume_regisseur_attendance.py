"""Issue 18.9 and 18.10 by clicking, as the coach at 1366 px, with axe on every page: record the
municipality's regisseur, resume a temporarily ended trajectory (reason, then confirm), and mark a
past session "aanwezig". Run alone: ``pytest tests/browser/test_screens_resume_regisseur_attendance.py -p no:xdist``."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.coaching.models import Appointment
from coachcare.trajectories import services
from coachcare.trajectories.models import ACTIVE_STATUSES, Status, Trajectory
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coach_records_the_regisseur_resumes_and_marks_attendance(login: Login) -> None:
    coach = User.objects.get(username="coach")
    trajectory = (
        Trajectory.objects.filter(client__coach=coach, status__in=ACTIVE_STATUSES, client__user__isnull=False)
        .select_related("client")
        .order_by("pk")
        .first()
    )
    assert trajectory is not None
    client = trajectory.client
    services.trajectory_close(
        actor=coach, trajectory=trajectory, end_reason="20", access_point=AccessPoint.command("test_screens")
    )
    held = timezone.now() - datetime.timedelta(days=2)
    session = Appointment.objects.create(
        client=client,
        trajectory=trajectory,
        starts_at=held,
        ends_at=held + datetime.timedelta(hours=1),
        title="Gesprek",
        created_by=coach,
    )

    page = login("coach")
    page.set_viewport_size({"width": 1366, "height": 768})
    root = "/".join(page.url.split("/", 3)[:3])
    page.goto(f"{root}/clients/{client.public_id}/")
    assert_accessible(page)

    # The regisseur: record it from the file, see it on the file.
    page.get_by_role("link", name="Regisseur vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regisseur van de gemeente")
    assert_accessible(page)
    page.get_by_label("Naam van de regisseur").fill("Ria Regie")
    page.get_by_label("Organisatie of functie").fill("Toegangsteam Noord")
    page.get_by_label("E-mailadres").fill("ria.regie@gemeente.example")
    page.get_by_role("button", name="Regisseur opslaan").click()
    expect(page.locator(".coachcare-messages")).to_contain_text("De regisseur is vastgelegd")
    expect(page.locator("main")).to_contain_text("Ria Regie (Toegangsteam Noord)")
    assert_accessible(page)

    # Resume: the reason on the panel, then the confirm page.
    page.get_by_label("Waarom wordt het traject hervat?").fill("Terug uit het ziekenhuis")
    page.get_by_role("button", name="Traject hervatten").click()
    expect(page.get_by_role("button", name="Ja, traject hervatten")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, traject hervatten").click()
    expect(page.locator(".coachcare-messages")).to_contain_text("Het traject is hervat")
    assert_accessible(page)
    assert Trajectory.objects.get(pk=trajectory.pk).status == Status.INTAKE

    # Attendance: one click on the coach's work page.
    page.goto(f"{root}/portal/coach/{client.public_id}/")
    assert_accessible(page)
    form = page.locator(f"form[action='/portal/coach/appointments/{session.public_id}/attendance/']")
    form.get_by_role("button", name=re.compile("^Aanwezig")).click()
    expect(page.locator(".coachcare-messages")).to_contain_text("Vastgelegd: de jongere was aanwezig")
    assert_accessible(page)
    assert Appointment.objects.get(pk=session.pk).attendance == "attended"

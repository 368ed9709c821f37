"""Evidence of delivery for the municipality's materiële controle: per declared module the dates
of the sessions in its delivery period, attended or not, never their content (issue 18.10)."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coachcare.access.policy import AccessDenied
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import ClientNote
from coachcare.coaching import services as coaching_services
from coachcare.coaching.models import Appointment
from coachcare.declarations import selectors, services
from coachcare.declarations.models import Declaration
from coachcare.trajectories.models import ModuleRun
from tests.conftest import log_in
from tests.declarations.conftest import PERIOD, Delivering

pytestmark = pytest.mark.django_db
AP = AccessPoint.system("test")
SECRET = "Geheim-walrus"


def _session(run: ModuleRun, day: datetime.date, attendance: str = "") -> Appointment:
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    coach = run.trajectory.client.coach
    assert coach is not None
    return Appointment.objects.create(
        client=run.trajectory.client,
        trajectory=run.trajectory,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        title=f"Gesprek over {SECRET}",
        location=f"Kamer {SECRET}",
        created_by=coach,
        attendance=attendance,
    )


def _declared(delivering: Delivering, clients: int = 1) -> tuple[Declaration, list[ModuleRun]]:
    world = delivering.world
    runs = []
    for client in [world.own, world.team][:clients]:
        run = delivering.delivered(client)
        _session(run, datetime.date(2025, 2, 3), "attended")
        _session(run, datetime.date(2025, 2, 17), "not_attended")
        _session(run, datetime.date(2025, 3, 3))  # not recorded
        _session(run, datetime.date(2025, 1, 20), "attended")  # before the module: not evidence of it
        runs.append(run)
    ClientNote.objects.create(client=world.own, author=world.coach, text=f"notitie {SECRET}")
    services.declaration_run(municipality=world.municipality_a, period=PERIOD, on=datetime.date(2025, 4, 15))
    return Declaration.objects.get(), runs


def _url(declaration: Declaration) -> str:
    return reverse("declarations:declaration_evidence", args=[declaration.public_id])


def test_per_declared_module_the_session_dates_attended_or_not(delivering: Delivering) -> None:
    declaration, [run] = _declared(delivering)
    [item] = selectors.delivery_evidence_for(actor=delivering.world.toegang, declaration=declaration, access_point=AP)
    assert item.line.module_run_id == run.pk
    assert [(s.on, s.attendance) for s in item.sessions] == [
        (datetime.date(2025, 2, 3), "attended"),
        (datetime.date(2025, 2, 17), "not_attended"),
        (datetime.date(2025, 3, 3), ""),
    ]
    assert (item.attended, item.not_attended) == (1, 1)


@pytest.mark.parametrize("role", ["toegang", "beleid", "teamleider"])
def test_the_page_and_csv_show_dates_and_attendance_and_no_content(
    delivering: Delivering, client: HttpClient, role: str
) -> None:
    declaration, _runs = _declared(delivering)
    world = delivering.world
    log_in(client, world.user(role))
    page = client.get(_url(declaration))
    assert page.status_code == 200
    body = page.content.decode()
    assert "3 februari 2025" in body and "17 februari 2025" in body and "20 januari 2025" not in body
    assert SECRET not in body and world.own.bsn not in body
    assert (world.own.family_name in body) == (role == "toegang")  # names for the access team only
    response = client.get(_url(declaration), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert SECRET not in text and world.own.bsn not in text and world.own.family_name not in text
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(row["session_date"], row["attendance"]) for row in rows] == [
        ("2025-02-03", "attended"),
        ("2025-02-17", "not_attended"),
        ("2025-03-03", ""),
    ]
    assert {row["client"] for row in rows} == {str(world.own.public_id)}


@pytest.mark.parametrize("role", ["coach", "jongere", "ouder", "toegang_other"])
def test_others_get_no_evidence(delivering: Delivering, client: HttpClient, role: str) -> None:
    declaration, _runs = _declared(delivering)
    log_in(client, delivering.world.user(role))
    assert client.get(_url(declaration)).status_code == 403
    assert client.get(_url(declaration), {"format": "csv"}).status_code == 403


@pytest.mark.parametrize("clients", [1, 2])
def test_the_evidence_takes_the_same_number_of_queries_for_more_modules(delivering: Delivering, clients: int) -> None:
    declaration, _runs = _declared(delivering, clients=clients)
    with CaptureQueriesContext(connection) as captured:
        evidence = selectors.delivery_evidence_for(
            actor=delivering.world.beleid, declaration=declaration, access_point=AP
        )
    assert len(evidence) == clients and all(len(item.sessions) == 3 for item in evidence)
    assert len(captured) == 3  # lines, their trajectories, the sessions: whatever the number of either


def test_the_coach_records_attendance_of_a_session_that_began(delivering: Delivering) -> None:
    world = delivering.world
    run = delivering.delivered(world.own)
    past = _session(run, datetime.date(2025, 2, 3))
    coaching_services.appointment_attendance_record(
        actor=world.coach, appointment=past, attended=False, access_point=AP
    )
    past.refresh_from_db()
    assert past.attendance == "not_attended"
    future = Appointment.objects.create(
        client=world.own,
        trajectory=run.trajectory,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        ends_at=timezone.now() + datetime.timedelta(days=2, hours=1),
        title="Later",
        created_by=world.coach,
    )
    with pytest.raises(ValidationError):
        coaching_services.appointment_attendance_record(
            actor=world.coach, appointment=future, attended=True, access_point=AP
        )
    with pytest.raises(AccessDenied):
        coaching_services.appointment_attendance_record(
            actor=world.toegang, appointment=past, attended=True, access_point=AP
        )


def test_the_api_gives_the_same_evidence_to_the_municipality_and_no_content(
    delivering: Delivering, client: HttpClient
) -> None:
    from coachcare.api.services import api_token_create

    declaration, _runs = _declared(delivering)
    world = delivering.world
    url = f"/api/v1/invoices/{declaration.public_id}/evidence"
    for user, status in ((world.beleid, 200), (world.toegang_other, 404), (world.coach, 404)):
        token = api_token_create(user=user, name="test").raw
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in ({status} if status == 200 else {403, 404}), user
        if status == 200:
            body = response.content.decode()
            assert SECRET not in body and world.own.bsn not in body and world.own.family_name not in body
            [line] = response.json()["lines"]
            assert line["client_id"] == str(world.own.public_id)
            assert [(s["date"], s["attendance"]) for s in line["sessions"]] == [
                ("2025-02-03", "attended"),
                ("2025-02-17", "not_attended"),
                ("2025-03-03", ""),
            ]

"""Attendance by clicking (issue 18.10): the coach marks a past session "aanwezig" or "niet
aanwezig" on the client's work page (a plain form, one click each, no JavaScript needed), and the
municipality's delivery evidence page then shows it."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.coaching.models import Appointment
from coachcare.core.dates import today
from coachcare.declarations import services
from coachcare.declarations.models import Declaration
from tests.conftest import log_in
from tests.declarations.conftest import PERIOD, Delivering
from tests.declarations.test_evidence import _session

pytestmark = pytest.mark.django_db


def test_the_coach_marks_attendance_and_the_evidence_page_shows_it(delivering: Delivering) -> None:
    world = delivering.world
    run = delivering.delivered(world.own)
    held = _session(run, datetime.date(2025, 2, 3))
    missed = _session(run, datetime.date(2025, 2, 17))
    recent = _session(run, today() - datetime.timedelta(days=1))
    coach = log_in(HttpClient(), world.coach)
    work = reverse("coaching:coach_client", kwargs={"public_id": world.own.public_id})
    with translation.override("nl"):
        page = coach.get(work).content.decode()
    # The work page lists the sessions of the last 30 days, each past one with its two buttons.
    url = reverse("coaching:appointment_attendance", kwargs={"public_id": recent.public_id})
    assert f'action="{url}"' in page and "Niet aanwezig" in page and "nog niet vastgelegd" in page

    for appointment, choice in ((held, "attended"), (missed, "not_attended")):
        response = coach.post(
            reverse("coaching:appointment_attendance", kwargs={"public_id": appointment.public_id}),
            {"attendance": choice},
        )
        assert response.status_code == 302 and response["Location"].startswith(work)
    held.refresh_from_db()
    missed.refresh_from_db()
    assert (held.attendance, missed.attendance) == ("attended", "not_attended")
    with translation.override("nl"):
        coach.post(url, {"attendance": "attended"})
        page = coach.get(work).content.decode()
    assert 'aria-pressed="true">Aanwezig' in page

    services.declaration_run(municipality=world.municipality_a, period=PERIOD, on=datetime.date(2025, 4, 15))
    declaration = Declaration.objects.get()
    access = log_in(HttpClient(), world.toegang)
    with translation.override("nl"):
        evidence = access.get(reverse("declarations:declaration_evidence", args=[declaration.public_id]))
    body = evidence.content.decode()
    assert "3 februari 2025: aanwezig" in body and "17 februari 2025: niet aanwezig" in body


def test_a_future_session_and_other_people_cannot_be_marked(delivering: Delivering) -> None:
    world = delivering.world
    run = delivering.delivered(world.own)
    future = _session(run, today() + datetime.timedelta(days=3))
    coach = log_in(HttpClient(), world.coach)
    url = reverse("coaching:appointment_attendance", kwargs={"public_id": future.public_id})
    assert coach.post(url, {"attendance": "attended"}).status_code == 302
    future.refresh_from_db()
    assert future.attendance == ""  # refused by the service: the session has not begun
    with translation.override("nl"):
        page = coach.get(reverse("coaching:coach_client", kwargs={"public_id": world.own.public_id})).content
    assert url.encode() not in page  # no buttons before the session begins
    past = _session(run, datetime.date(2025, 2, 3))
    past_url = reverse("coaching:appointment_attendance", kwargs={"public_id": past.public_id})
    for outsider in (world.toegang, world.jongere, world.beleid):
        assert log_in(HttpClient(), outsider).post(past_url, {"attendance": "attended"}).status_code == 404
    assert Appointment.objects.get(pk=past.pk).attendance == ""

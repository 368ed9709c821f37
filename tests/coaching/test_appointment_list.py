"""The coach's list of a young person's appointments (issue 16, the coach's day): whether an
appointment may be moved and whether attendance may be recorded is the policy's answer, passed from
the view; every past session still lacking attendance is listed (paginated), however old."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coachcare.access import policy
from coachcare.audit.services import AccessPoint
from coachcare.coaching import selectors
from coachcare.coaching.models import Appointment
from tests.conftest import World, log_in

pytestmark = pytest.mark.django_db
AP = AccessPoint(channel="web", address="127.0.0.1")


def _appointment(world: World, starts: datetime.datetime, **fields: object) -> Appointment:
    return Appointment.objects.create(
        client=world.own,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        title="Gesprek",
        created_by=world.coach,
        **fields,
    )


def test_the_policy_decides_moving_and_attendance() -> None:
    now = timezone.now()
    hour = datetime.timedelta(hours=1)

    def at(moment: datetime.datetime) -> Appointment:
        return Appointment(starts_at=moment, ends_at=moment + hour)

    upcoming = at(now + datetime.timedelta(days=1))
    going_on = at(now - datetime.timedelta(minutes=10))
    over = at(now - datetime.timedelta(days=90))
    cancelled = Appointment(starts_at=over.starts_at, ends_at=over.ends_at, cancelled_at=now)
    moves = [policy.appointment_movable(a, now=now) for a in (upcoming, going_on, over, cancelled)]
    attendance = [policy.appointment_attendance_open(a, now=now) for a in (upcoming, going_on, over, cancelled)]
    assert moves == [True, True, False, False]
    assert attendance == [False, True, True, False]


def test_old_sessions_without_attendance_are_listed_with_their_buttons(world: World) -> None:
    now = timezone.now()
    old = _appointment(world, now - datetime.timedelta(days=120))
    settled = _appointment(world, now - datetime.timedelta(days=90), attendance="attended")
    recent = _appointment(world, now - datetime.timedelta(days=3), attendance="not_attended")
    upcoming = _appointment(world, now + datetime.timedelta(days=2))
    work = selectors.client_work_get(actor=world.coach, public_id=world.own.public_id, access_point=AP)
    assert [(row.appointment, row.can_move, row.can_record_attendance) for row in work.attendance_missing] == [
        (old, False, True)
    ]
    assert [(row.appointment, row.can_move, row.can_record_attendance) for row in work.appointments] == [
        (recent, False, True),
        (upcoming, True, False),
    ]
    assert settled.pk not in {row.appointment.pk for row in work.appointments + work.attendance_missing}
    coach = log_in(HttpClient(), world.coach)
    page = coach.get(reverse("coaching:coach_client", kwargs={"public_id": world.own.public_id})).content.decode()
    old_url = reverse("coaching:appointment_attendance", kwargs={"public_id": old.public_id})
    move_url = reverse("coaching:appointment_change", kwargs={"public_id": upcoming.public_id})
    assert f'action="{old_url}"' in page and f'href="{move_url}"' in page
    assert f'href="{reverse("coaching:appointment_change", kwargs={"public_id": old.public_id})}"' not in page
    assert reverse("coaching:appointment_attendance", kwargs={"public_id": upcoming.public_id}) not in page
    assert coach.post(old_url, {"attendance": "attended"}).status_code == 302
    old.refresh_from_db()
    assert old.attendance == "attended"


def test_sessions_lacking_attendance_are_paginated_in_a_fixed_number_of_queries(world: World) -> None:
    now = timezone.now()
    coach = log_in(HttpClient(), world.coach)
    url = reverse("coaching:coach_client", kwargs={"public_id": world.own.public_id})
    _appointment(world, now - datetime.timedelta(days=400))
    coach.get(url)
    with CaptureQueriesContext(connection) as few:
        assert coach.get(url).status_code == 200
    for day in range(1, selectors.ATTENDANCE_PAGE_SIZE + 5):
        _appointment(world, now - datetime.timedelta(days=300 - day))
    with CaptureQueriesContext(connection) as many:
        first = coach.get(url).content.decode()
    assert len(many) == len(few)
    assert first.count('name="attendance" value="attended"') == selectors.ATTENDANCE_PAGE_SIZE
    second = coach.get(url, {"page": 2}).content.decode()
    assert second.count('name="attendance" value="attended"') == 5

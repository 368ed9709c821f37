"""The waiting-time summary (``TrajectoryWaiting``, issue 17 items 6 and 8): the figures read from it
equal the computation from the raw tables (each referral's first appointment and first module), on
a varied population and after the services that change an input."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.coaching import services as coaching_services
from coachcare.coaching.models import Appointment
from coachcare.core.dates import local_date, today, working_days_between
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import services
from coachcare.monitoring.models import TrajectoryWaiting
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.conftest import World
from tests.method.factories import ModuleFactory
from tests.monitoring.test_monitoring import make_trajectory
from tests.trajectories.test_move import _backdated

D = datetime.date
AP = AccessPoint(channel="web", address="127.0.0.1")
DAY = datetime.timedelta(days=1)


def raw_waiting_rows(scope: ind.Scope, *, on: datetime.date) -> list[dict[str, Any]]:
    """The waiting rows straight from the source tables, as ``waiting_rows`` computed them before the
    summary: every referral in scope with its first started, not cancelled appointment and its first
    module run, working days counted in Python."""
    trajectories = Trajectory.objects.filter(referred_on__gte=scope.date_from, referred_on__lte=scope.date_to)
    for name in ("municipality_id", "provider_id", "team_id"):
        if getattr(scope, name) is not None:
            trajectories = trajectories.filter(**{f"client__{name}": getattr(scope, name)})
    if scope.module_code:
        trajectories = trajectories.filter(
            pk__in=ModuleRun.objects.filter(module__code=scope.module_code).values("trajectory_id")
        )
    if scope.age_band in ind.AGE_BANDS:
        _label, low, high = ind.AGE_BANDS[scope.age_band]
        trajectories = trajectories.alias(age=ind.age_at_referral()).filter(age__gte=low, age__lte=high)
    first_contact = (
        Appointment.objects.filter(trajectory=OuterRef("pk"), starts_at__lte=timezone.now(), cancelled_at__isnull=True)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    first_module = ModuleRun.objects.filter(trajectory=OuterRef("pk")).order_by("started_on").values("started_on")[:1]
    norm = ind.waiting_norm()
    by_quarter: dict[datetime.date, dict[str, Any]] = {}
    for referred_on, contact_at, module_on in trajectories.values_list(
        "referred_on", Subquery(first_contact), Subquery(first_module)
    ):
        quarter = ind.quarter_start(referred_on)
        row = by_quarter.setdefault(
            quarter, {"quarter": quarter, "wc_days": [], "wm_days": [], **dict.fromkeys(ind.WAITING_KEYS, 0)}
        )
        contact_on = local_date(contact_at) if contact_at is not None else None
        for prefix, reached in (("wc", contact_on), ("wm", module_on)):
            if reached is not None:
                days = working_days_between(referred_on, reached)
                row[f"{prefix}_days"].append(days)
                row[f"{prefix}_n"] += 1
                row[f"{prefix}_ok"] += days <= norm
            elif working_days_between(referred_on, on) > norm:
                row[f"{prefix}_n"] += 1
    for row in by_quarter.values():
        row["wc_days"].sort()
        row["wm_days"].sort()
    return [by_quarter[quarter] for quarter in sorted(by_quarter)]


def _scopes(world: World, date_from: D, date_to: D) -> Iterator[ind.Scope]:
    base = ind.Scope(date_from=date_from, date_to=date_to)
    yield base
    for municipality in (world.municipality_a, world.municipality_b):
        yield ind.Scope(date_from=date_from, date_to=date_to, municipality_id=municipality.pk)
    yield ind.Scope(date_from=date_from, date_to=date_to, provider_id=world.provider.pk)
    yield ind.Scope(date_from=date_from, date_to=date_to, team_id=world.own.team_id)
    for band in ind.AGE_BANDS:
        yield ind.Scope(date_from=date_from, date_to=date_to, age_band=band)
    for code in set(ModuleRun.objects.values_list("module__code", flat=True)):
        yield ind.Scope(date_from=date_from, date_to=date_to, module_code=code)


def assert_summary_is_raw(world: World, *, date_from: D, date_to: D, days: tuple[D, ...]) -> None:
    """Every scope and filter, on each day of ``days``: the summary's rows are the raw rows."""
    assert TrajectoryWaiting.objects.count() == Trajectory.objects.count()
    for scope in _scopes(world, date_from, date_to):
        for on in days:
            assert ind.waiting_rows(scope, on=on) == raw_waiting_rows(scope, on=on), (scope, on)
    ids = [world.municipality_a.pk, world.municipality_b.pk]
    scope = ind.Scope(date_from=date_from, date_to=date_to)
    per_municipality = ind.waiting_rows_per_municipality(scope, municipality_ids=ids, on=days[0])
    for pk in ids:
        expected = raw_waiting_rows(ind.Scope(date_from=date_from, date_to=date_to, municipality_id=pk), on=days[0])
        assert per_municipality[pk] == expected


def _appointment(world: World, trajectory: Trajectory, at: datetime.datetime, *, cancelled: bool = False) -> None:
    Appointment.objects.create(
        client=trajectory.client, trajectory=trajectory, starts_at=at, ends_at=at + datetime.timedelta(hours=1),
        title="gesprek", created_by=world.coach, cancelled_at=timezone.now() if cancelled else None,
    )  # fmt: skip


def _at(day: D, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture
def varied(world: World) -> World:
    """Referrals over two quarters in both municipalities: a module on the referral day, step-ups
    (three modules, ended 38), no module yet, closed before any contact, first contacts within and
    past the norm, before the referral, cancelled, in the future, and late in the evening UTC (the
    next day in Amsterdam, also across the end of summer time), a client who moved afterwards."""
    friday, monday = D(2025, 1, 3), D(2025, 3, 31)
    quick = make_trajectory(world, closed_on=None, referred_on=friday, modules=1)
    _appointment(world, quick, _at(D(2025, 1, 6), 9))  # 1 working day
    step_up = make_trajectory(world, closed_on=D(2025, 6, 1), referred_on=friday, modules=3, end_reason="38")
    ModuleRun.objects.filter(trajectory=step_up, sequence=1).update(started_on=D(2025, 2, 3))  # first: 21 days
    ModuleRun.objects.filter(trajectory=step_up, sequence=2).update(started_on=D(2025, 1, 20))  # earlier by date
    _appointment(world, step_up, _at(D(2025, 1, 20), 23, 30))  # 21 January in Amsterdam
    _appointment(world, step_up, _at(D(2025, 1, 13), 9), cancelled=True)  # cancelled: not the first contact
    waiting = make_trajectory(world, closed_on=None, referred_on=friday)  # no contact, no module: past the norm
    _appointment(world, waiting, timezone.now() + datetime.timedelta(days=3))  # planned: not a contact yet
    make_trajectory(world, closed_on=D(2025, 1, 10), referred_on=friday, end_reason="32")  # closed before contact
    early = make_trajectory(world, closed_on=None, referred_on=monday, modules=2, municipality="b")
    _appointment(world, early, _at(D(2025, 3, 1), 10))  # before the referral: 0 days
    dst = make_trajectory(world, closed_on=None, referred_on=D(2025, 10, 24), modules=1)
    _appointment(world, dst, _at(D(2025, 10, 26), 23, 15))  # Monday 27 October in Amsterdam: 1 day
    late = make_trajectory(world, closed_on=None, referred_on=D(2025, 2, 14), municipality="b")
    _appointment(world, late, _at(D(2025, 3, 14), 10))  # 20 working days
    moved = make_trajectory(world, closed_on=None, referred_on=D(2025, 2, 17), modules=1)
    Client.objects.filter(pk=moved.client_id).update(municipality=world.municipality_b)  # as client_move does
    ModuleRun.objects.filter(trajectory=moved).update(module=ModuleFactory.create(code="XTRA"))
    return world


def test_the_rebuilt_summary_equals_the_raw_computation(varied: World) -> None:
    services.trajectory_outcomes_rebuild()
    assert_summary_is_raw(varied, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), days=(D(2025, 1, 10), today()))
    assert services.trajectory_waiting_rebuild() == Trajectory.objects.count()
    assert_summary_is_raw(varied, date_from=D(2025, 1, 1), date_to=D(2025, 3, 31), days=(D(2025, 1, 17), today()))


def test_the_refreshed_summary_equals_the_raw_computation(varied: World) -> None:
    TrajectoryWaiting.objects.all().delete()
    ids = list(Trajectory.objects.values_list("pk", flat=True))
    services.trajectory_outcomes_refresh(trajectory_ids=ids)
    assert_summary_is_raw(varied, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), days=(today(),))
    row = TrajectoryWaiting.objects.get(trajectory__client__municipality=varied.municipality_b, module_codes="|XTRA|")
    assert row.municipality_id == varied.municipality_b.pk and row.module_days == 0 and row.contact_days is None
    # a trajectory that no longer exists loses its row
    TrajectoryWaiting.objects.create(
        trajectory_id=max(ids) + 100, municipality=varied.municipality_a, provider=varied.provider,
        team_id=varied.own.team_id, age_at_referral=15, referred_on=D(2025, 1, 3),
    )  # fmt: skip
    services.trajectory_outcomes_refresh(trajectory_ids=[max(ids) + 100])
    assert TrajectoryWaiting.objects.count() == len(ids)


def test_the_services_keep_the_summary_current(moving: World) -> None:
    """Referral, module start, appointments planned, moved and cancelled, a move: each through the
    one door (``outcome_inputs_changed``), in the service's own transaction."""
    world = moving
    trajectory = _backdated(world)  # referred (trajectory_open), first module started (module_start) today
    row = TrajectoryWaiting.objects.get(trajectory=trajectory)
    assert (row.first_module_on, row.module_days, row.first_contact_at) == (today(), 0, None)
    # _backdated moved the referral and the module start 60 and 20 days back past the services: a repair
    services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])
    row = TrajectoryWaiting.objects.get(trajectory=trajectory)
    started = today() - datetime.timedelta(days=20)
    assert (row.referred_on, row.first_module_on, row.module_days) == (
        trajectory.referred_on, started, working_days_between(trajectory.referred_on, started),
    )  # fmt: skip
    soon = timezone.now() + datetime.timedelta(days=2)
    planned = coaching_services.appointment_create(
        actor=world.coach, client=world.own, starts_at=soon, ends_at=soon + datetime.timedelta(hours=1),
        kind="offline", location="", title="kennismaking", trajectory=trajectory, access_point=AP,
    )  # fmt: skip
    assert TrajectoryWaiting.objects.get(trajectory=trajectory).first_contact_at == soon
    later = soon + datetime.timedelta(days=7)
    coaching_services.appointment_move(
        actor=world.coach, appointment=planned, starts_at=later, ends_at=later + datetime.timedelta(hours=1),
        access_point=AP,
    )  # fmt: skip
    assert TrajectoryWaiting.objects.get(trajectory=trajectory).first_contact_at == later
    coaching_services.appointment_cancel(actor=world.coach, appointment=planned, access_point=AP)
    assert TrajectoryWaiting.objects.get(trajectory=trajectory).first_contact_at is None
    past = timezone.now() - datetime.timedelta(hours=3)
    coaching_services.appointment_create(
        actor=world.coach, client=world.own, starts_at=past, ends_at=past + datetime.timedelta(hours=1),
        kind="online", location="", title="eerste gesprek", trajectory=trajectory, access_point=AP,
    )  # fmt: skip
    period = {"date_from": trajectory.referred_on, "date_to": today()}
    assert_summary_is_raw(world, **period, days=(today(),))
    trajectory_services.client_move(
        actor=world.coach, client=world.own, municipality=world.municipality_b, on=today() - DAY * 5, access_point=AP
    )
    assert TrajectoryWaiting.objects.get(trajectory=trajectory).municipality_id == world.municipality_b.pk
    assert_summary_is_raw(world, **period, days=(today(),))

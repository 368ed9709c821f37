"""Pilots: both sides confirm, the definition freezes at the start, the comparison import is all or nothing."""

import datetime
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.method.models import MethodVersion
from coachcare.monitoring import selectors, services, statistics
from coachcare.monitoring.models import ComparisonTrajectory, Pilot, TrajectoryOutcome
from coachcare.trajectories.models import Trajectory
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory
from tests.conftest import World
from tests.pages import shows

pytestmark = pytest.mark.django_db

D = datetime.date


def _pilot(world: World, **overrides: object) -> Pilot:
    values: dict[str, Any] = {
        "name": "Pilot Coach & Care Utrecht",
        "period_from": D(2025, 1, 1),
        "period_to": D(2025, 12, 31),
        "target_group": "Jongeren van 12 tot 18 jaar met lichte opvoed- en opgroeiproblemen",
        "age_min": 12,
        "age_max": 17,
        "planned_young_people": 60,
        "primary_outcomes": ["dropout"],
        "secondary_outcomes": ["cost", "goal_3_4"],
        "planned_effects": {"dropout": -0.10},
        "reference_cost_cents": 450000,
    } | overrides
    return services.pilot_create(
        actor=world.beleid, municipality=world.municipality_a, provider=world.provider, **values
    )


def _started(world: World) -> Pilot:
    pilot = _pilot(world)
    services.pilot_confirm(actor=world.beleid, pilot=pilot)
    services.pilot_confirm(actor=world.teamleider, pilot=pilot)
    return services.pilot_start(actor=world.teamleider, pilot=pilot)


def test_only_the_two_parties_define_a_pilot(world: World) -> None:
    for key in ("coach", "toegang", "toegang_other", "jongere", "ouder"):
        with pytest.raises(policy.Refused):
            _pilot_as(world, world.user(key))
    other_provider_lead = UserFactory.create(teamleider=True)
    with pytest.raises(policy.Refused):
        _pilot_as(world, other_provider_lead)
    assert _pilot_as(world, world.teamleider).pk


def _pilot_as(world: World, actor: object) -> Pilot:
    return services.pilot_create(
        actor=actor,  # type: ignore[arg-type]
        municipality=world.municipality_a,
        provider=world.provider,
        name="p",
        period_from=D(2025, 1, 1),
        period_to=D(2025, 6, 30),
        target_group="t",
        planned_young_people=10,
        primary_outcomes=["dropout"],
    )


def test_definition_is_validated(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _pilot(world, primary_outcomes=[], period_to=D(2024, 1, 1), secondary_outcomes=["nonsense"], planned_effects={})
    assert set(caught.value.message_dict) == {"primary_outcomes", "period_to", "secondary_outcomes"}
    with pytest.raises(ValidationError):
        _pilot(world, planned_effects={"dropout": 1.5})
    with pytest.raises(ValidationError):
        _pilot(world, primary_outcomes=["closed"])  # a count is no outcome to judge a pilot on


def test_start_needs_both_confirmations_of_the_same_definition(world: World) -> None:
    pilot = _pilot(world)
    with pytest.raises(ValidationError):
        services.pilot_start(actor=world.beleid, pilot=pilot)
    services.pilot_confirm(actor=world.beleid, pilot=pilot)
    with pytest.raises(ValidationError):
        services.pilot_start(actor=world.beleid, pilot=pilot)
    services.pilot_confirm(actor=world.teamleider, pilot=pilot)
    # a change after both confirmed: both confirmations lapse
    services.pilot_update(actor=world.teamleider, pilot=pilot, planned_young_people=80)
    with pytest.raises(ValidationError):
        services.pilot_start(actor=world.beleid, pilot=pilot)
    with pytest.raises(policy.Refused):
        services.pilot_confirm(actor=world.toegang, pilot=pilot)  # access staff do not sign pilots
    services.pilot_confirm(actor=world.beleid, pilot=pilot)
    services.pilot_confirm(actor=world.teamleider, pilot=pilot)
    started = services.pilot_start(actor=world.beleid, pilot=pilot)
    assert started.started_at is not None
    assert started.planned_young_people == 80


def test_started_pilot_is_frozen_with_its_hash(world: World) -> None:
    pilot = _started(world)
    definition = json.loads(pilot.definition_json)
    assert definition["municipality"] == world.municipality_a.code
    assert definition["primary_outcomes"] == ["dropout"]
    assert definition["period_from"] == "2025-01-01"
    assert pilot.definition_json == json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert pilot.definition_sha256 == hashlib.sha256(pilot.definition_json.encode()).hexdigest()
    assert services.pilot_frozen_intact(pilot=pilot)
    with pytest.raises(ValidationError):
        services.pilot_update(actor=world.beleid, pilot=pilot, planned_young_people=1000)
    with pytest.raises(ValidationError):
        services.pilot_confirm(actor=world.beleid, pilot=pilot)
    # a change behind the services' back shows: the fields no longer hash to the stored SHA-256
    Pilot.objects.filter(pk=pilot.pk).update(primary_outcomes=["cost"])
    pilot.refresh_from_db()
    assert not services.pilot_frozen_intact(pilot=pilot)


GOOD = (
    "start,end,end_reason,product_category,cost\n"
    "2025-01-06,2025-05-30,31,45,3200.00\n"
    "2025-02-01,2025-03-15,32,45,900.5\n"
    "2025-02-10,2025-09-01,31,54,5100\n"
)


def test_import_comparison_command(world: World, tmp_path: Path) -> None:
    pilot = _started(world)
    path = tmp_path / "usual_care.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import_comparison", str(path), "--pilot", str(pilot.pk), stdout=out)
    assert "3 comparison trajectories imported" in out.getvalue()
    rows = list(ComparisonTrajectory.objects.filter(pilot=pilot).order_by("line"))
    assert [r.line for r in rows] == [2, 3, 4]
    assert [r.cost_cents for r in rows] == [320000, 90050, 510000]
    assert rows[1].end_reason == "32" and rows[2].product_category == "54"
    pilot.refresh_from_db()
    assert pilot.comparison_sha256 == hashlib.sha256(GOOD.encode()).hexdigest()


def test_import_is_all_or_nothing_with_errors_by_line_and_column(world: World, tmp_path: Path) -> None:
    pilot = _started(world)
    services.pilot_comparison_import(pilot=pilot, data=GOOD.encode())
    bad = (
        "start,end,end_reason,product_category,cost\n"
        "2025-01-06,2025-05-30,31,45,3200.00\n"
        "2025-13-01,2025-03-15,32,45,900\n"
        "2025-02-10,2025-01-01,99,5,12,50\n"
        "2025-02-10,2025-03-01,31,4A,-3\n"
    )
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_comparison", str(path), "--pilot", str(pilot.pk), stderr=err)
    lines = err.getvalue().splitlines()
    assert "line 3, column start: not a date (YYYY-MM-DD)" in lines
    assert "line 4, column -: expected 5 values" in lines
    assert any(line.startswith("line 5, column product_category") for line in lines)
    assert any(line.startswith("line 5, column cost") for line in lines)
    assert ComparisonTrajectory.objects.filter(pilot=pilot).count() == 3  # the earlier import stands


@pytest.mark.parametrize(
    "header",
    ["start,end,end_reason,product_category,cost,bsn", "start,end,reason,product_category,cost", ""],
)
def test_import_refuses_other_columns(world: World, header: str) -> None:
    pilot = _pilot(world)
    with pytest.raises(services.ComparisonImportError) as caught:
        services.pilot_comparison_import(pilot=pilot, data=f"{header}\n2025-01-06,2025-05-30,31,45,3200\n".encode())
    assert caught.value.problems[0][0] == 1
    assert not ComparisonTrajectory.objects.exists()


def test_pilot_outcomes_difference_and_number_needed(world: World, contracted: World) -> None:
    pilot = _started(world)
    method = MethodVersion.objects.first()
    assert method is not None
    # pilot group: 20 closed trajectories of the provider in municipality A, 5 dropped out
    for i in range(22):
        referred = D(2025, 2, 1) + datetime.timedelta(days=i)
        trajectory = Trajectory.objects.create(
            client=ClientFactory.create(),
            municipality=world.municipality_a,
            coach=world.coach,
            referrer_kind="gemeente",
            referred_on=referred,
            method_version=method,
        )
        TrajectoryOutcome.objects.create(
            trajectory=trajectory,
            municipality=world.municipality_a,
            provider=world.provider,
            team=world.team_1,
            age_at_referral=20 if i >= 20 else 14,  # the last two are outside the target group
            referred_on=referred,
            closed_on=referred + datetime.timedelta(days=100),
            duration_days=100,
            end_reason="32" if i < 5 else "31",
            has_intake=True,
            n_modules=1,
            cost_cents=300000,
        )
    rows = ["start,end,end_reason,product_category,cost"]
    rows += [f"2025-01-01,2025-06-01,{'33' if i < 20 else '31'},45,4000" for i in range(50)]
    services.pilot_comparison_import(pilot=pilot, data="\n".join(rows).encode())
    outcomes = {o.code: o for o in selectors.pilot_outcomes(pilot=pilot)}
    dropout = outcomes["dropout"]
    assert dropout.primary and dropout.shown
    assert (dropout.n_pilot, dropout.n_comparison) == (20, 50)
    assert dropout.pilot_value == "25.0%" and dropout.comparison_value == "40.0%"
    assert dropout.difference.startswith("-15.0")
    assert dropout.includes_zero  # 20 young people cannot tell 25% from 40%
    assert dropout.needed_per_group == 356  # 30% against 40% at 80% power
    cost = outcomes["cost"]
    assert not cost.primary and cost.shown and not cost.includes_zero  # every pilot trajectory is cheaper
    assert not outcomes["goal_3_4"].comparable


def test_pilot_outcomes_hide_small_groups(world: World) -> None:
    pilot = _started(world)
    services.pilot_comparison_import(pilot=pilot, data=GOOD.encode())
    dropout = selectors.pilot_outcomes(pilot=pilot)[0]
    assert not dropout.shown and dropout.pilot_value == "" and dropout.n_pilot == 0


def test_report_shows_the_pilot_fixed_in_advance(world: World) -> None:
    from django.template.loader import render_to_string

    from coachcare.monitoring.services.evidence_report import _report_context

    draft = _pilot(world, name="Nog niet gestart")
    pilot = _started(world)
    services.pilot_comparison_import(pilot=pilot, data=GOOD.encode())
    context = _report_context(
        municipality=world.municipality_a, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), module_code="", age_band=""
    )
    html = render_to_string("monitoring/report.html", context)
    assert "Fixed in advance" in html
    assert pilot.definition_sha256 in html and pilot.comparison_sha256 in html
    assert draft.name not in html
    assert "not assigned to the pilot or to usual care by chance" in html
    assert "Too few data to tell" in html
    # usual care: 1 of 3 dropped out; the planned 10 points lower needs this many per group
    needed = statistics.sample_size_proportions(p_comparison=1 / 3, difference=-0.10)
    assert f"{needed} young people per group are needed" in html
    other = _report_context(
        municipality=world.municipality_b, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), module_code="", age_band=""
    )
    assert other["pilots"] == []


def test_pilot_screens_define_confirm_start(contracted: World, login: Callable[[User], HttpClient]) -> None:
    world = contracted
    beleid = login(world.beleid)
    page = beleid.get("/monitoring/pilots/").content.decode()
    assert 'name="primary_outcomes"' in page and shows(world.provider.name, page)
    response = beleid.post(
        "/monitoring/pilots/",
        {"counterpart": world.provider.pk, "name": "Pilot scherm", "period_from": "2025-01-01",
         "period_to": "2025-12-31", "target_group": "12-17 jaar", "planned_young_people": "50",
         "primary_outcomes": ["dropout"], "secondary_outcomes": ["cost"], "planned_effect": "-10",
         "reference_cost": "4500.00"},
    )  # fmt: skip
    assert response.status_code == 302
    pilot = Pilot.objects.get()
    assert pilot.planned_effects == {"dropout": -0.10} and pilot.reference_cost_cents == 450000
    assert pilot.provider == world.provider and pilot.municipality == world.municipality_a
    lead = login(world.teamleider)
    assert "Pilot scherm" in lead.get("/monitoring/pilots/").content.decode()
    lead.post(f"/monitoring/pilots/{pilot.pk}/start/")
    pilot.refresh_from_db()
    assert pilot.started_at is None  # nobody confirmed yet
    lead.post(f"/monitoring/pilots/{pilot.pk}/confirm/")
    beleid = login(world.beleid)  # the test client is one browser: log in again to switch user
    beleid.post(f"/monitoring/pilots/{pilot.pk}/confirm/")
    lead = login(world.teamleider)
    assert lead.post(f"/monitoring/pilots/{pilot.pk}/start/").status_code == 302
    pilot.refresh_from_db()
    assert pilot.started_at is not None and services.pilot_frozen_intact(pilot=pilot)
    assert pilot.definition_sha256 in login(world.beleid).get("/monitoring/pilots/").content.decode()
    # others
    assert login(world.toegang_other).post(f"/monitoring/pilots/{pilot.pk}/confirm/").status_code == 404
    assert login(world.coach).get("/monitoring/pilots/").status_code == 403
    assert login(world.toegang).post(f"/monitoring/pilots/{pilot.pk}/confirm/").status_code == 403


def test_pilot_list_query_count_does_not_grow(world: World, login: Callable[[User], HttpClient]) -> None:
    http = login(world.beleid)
    _pilot(world)
    http.get("/monitoring/pilots/")
    with CaptureQueriesContext(connection) as small:
        assert http.get("/monitoring/pilots/").status_code == 200
    for n in range(5):
        _pilot(world, name=f"Pilot {n}")
    with CaptureQueriesContext(connection) as large:
        assert http.get("/monitoring/pilots/").status_code == 200
    assert len(large) == len(small)

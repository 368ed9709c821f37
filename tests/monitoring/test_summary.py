"""The monitoring summary (``TrajectoryOutcome``, ``GateDecision``): refresh, rebuild, the hooks in
the services that change an input, privacy, and a dashboard GET that only reads."""

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.contracts.models import ContractProduct
from coachcare.core.dates import today
from coachcare.declarations import services as declaration_services
from coachcare.method.models import Module
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors, services
from coachcare.monitoring.models import ForecastAlert, GateDecision, TrajectoryOutcome
from coachcare.privacy import services as privacy_services
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import Evaluation, FollowUp, Trajectory
from tests.conftest import World
from tests.contracts.conftest import TARIFF_FIRST, _contracted
from tests.contracts.factories import AllocationFactory, ContractProductFactory
from tests.declarations.conftest import IN_PERIOD, PERIOD, Delivering
from tests.monitoring.test_monitoring import D, make_trajectory
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import evaluate, intake_baseline
from tests.trajectories.test_flow import refresh, run_to_intake, scale

AP = AccessPoint(channel="web", address="127.0.0.1")


def outcome_rows() -> list[dict[str, Any]]:
    return [dict(row) for row in TrajectoryOutcome.objects.order_by("trajectory_id").values()]


def gate_rows() -> list[dict[str, Any]]:
    return [dict(row) for row in GateDecision.objects.order_by("evaluation_id").values()]


def decide(trajectory: Trajectory, decisions: list[tuple[str, str]], on: datetime.datetime) -> None:
    """Gate decisions on the trajectory's module runs, written row by row (then refreshed, as
    ``evaluation_decide`` does)."""
    for run, (advice, decision) in zip(trajectory.module_runs.order_by("sequence"), decisions, strict=False):
        Evaluation.objects.create(
            module_run=run, advice=advice, advice_rule="r", decision=decision, decided_at=on,
            deviates=advice != decision,
        )  # fmt: skip
    services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])


@pytest.fixture
def varied(world: World) -> list[Trajectory]:
    """Closed trajectories with every kind of value, a running one, and gate decisions."""
    decided = timezone.make_aware(datetime.datetime(2025, 2, 1, 12))
    built = [
        make_trajectory(world, satisfaction=5, final_gas_t=55, final_gbo=7, intake_gbo=[3, 5], follow_up_6=False,
                        follow_up_12=True, modules=2, tariff_cents=100_000),
        make_trajectory(world, end_reason="32", satisfaction=2, intake_gbo=[4], follow_up_6=True, modules=1),
        make_trajectory(world, closed_on=D(2025, 4, 15), referred_on=D(2025, 3, 16), birth_date=D(2004, 1, 1)),
        make_trajectory(world, municipality="b", modules=1, tariff_cents=70_000),
        make_trajectory(world, closed_on=None, modules=2),
    ]  # fmt: skip
    decide(built[0], [("continue", "continue"), ("stop", "continue")], decided)
    decide(built[4], [("step_up", "step_up")], decided)
    return built


# --- refresh and rebuild ---------------------------------------------------------------------------


def test_rebuild_equals_the_incremental_refresh(varied: list[Trajectory]) -> None:
    incremental = outcome_rows(), gate_rows()
    assert len(incremental[0]) == 4  # the four closed trajectories; not the running one
    assert len(incremental[1]) == 3  # its decisions count even while the trajectory runs

    assert services.trajectory_outcomes_rebuild() == 4
    assert (outcome_rows(), gate_rows()) == incremental
    assert services.trajectory_outcomes_refresh(trajectory_ids=[t.pk for t in varied]) == 4
    assert (outcome_rows(), gate_rows()) == incremental

    first = TrajectoryOutcome.objects.get(trajectory=varied[0])
    assert (first.intake_gbo_mean, first.has_intake, first.n_modules, first.cost_cents) == (4.0, True, 2, 200_000)
    assert (first.fu6, first.fu12, first.fu6_open_due, first.fu12_open_due) == (False, True, None, None)
    assert (first.age_at_referral, first.duration_days) == (14, 40)
    codes = list(varied[0].module_runs.order_by("sequence").values_list("module__code", flat=True))
    assert sorted(first.module_codes.strip("|").split("|")) == sorted(codes)
    assert TrajectoryOutcome.objects.get(trajectory=varied[2]).module_codes == ""
    third = TrajectoryOutcome.objects.get(trajectory=varied[2])
    assert (third.has_intake, third.fu6, third.fu6_open_due, third.age_at_referral) == (False, None, D(2025, 1, 1), 21)


@pytest.mark.django_db
def test_rebuild_of_an_empty_database() -> None:
    assert services.trajectory_outcomes_rebuild() == 0
    assert not TrajectoryOutcome.objects.exists() and not GateDecision.objects.exists()


def test_a_reopened_trajectory_drops_out(varied: list[Trajectory]) -> None:
    reopened = varied[0]
    Trajectory.objects.filter(pk=reopened.pk).update(closed_on=None, status="module_running", end_reason="")
    services.trajectory_outcomes_refresh(trajectory_ids=[reopened.pk])
    assert not TrajectoryOutcome.objects.filter(trajectory=reopened).exists()
    assert TrajectoryOutcome.objects.count() == 3
    before = outcome_rows(), gate_rows()
    services.trajectory_outcomes_rebuild()
    assert (outcome_rows(), gate_rows()) == before


def test_a_deleted_trajectory_drops_out(varied: list[Trajectory]) -> None:
    gone = varied[1]
    Trajectory.objects.get(pk=gone.pk).delete()  # the ORM's cascade
    assert not TrajectoryOutcome.objects.filter(trajectory_id=gone.pk).exists()
    decided = list(Evaluation.objects.filter(module_run__trajectory=varied[0]).values_list("pk", flat=True))
    assert GateDecision.objects.filter(evaluation_id__in=decided).count() == 2
    varied[0].delete()
    assert not GateDecision.objects.filter(evaluation_id__in=decided).exists()
    # Rows left behind by a delete past the ORM go at the next refresh of those ids.
    row = TrajectoryOutcome.objects.get(trajectory=varied[2])
    TrajectoryOutcome.objects.create(
        **{f.attname: getattr(row, f.attname) for f in TrajectoryOutcome._meta.concrete_fields}
        | {"trajectory_id": 999_999}
    )
    services.trajectory_outcomes_refresh(trajectory_ids=[999_999])
    assert not TrajectoryOutcome.objects.filter(trajectory_id=999_999).exists()


def test_an_undone_gate_decision_drops_out(varied: list[Trajectory]) -> None:
    evaluation = Evaluation.objects.filter(module_run__trajectory=varied[0]).order_by("pk").first()
    assert evaluation is not None
    Evaluation.objects.filter(pk=evaluation.pk).update(decision="", decided_at=None)
    services.trajectory_outcomes_refresh(trajectory_ids=[varied[0].pk])
    assert not GateDecision.objects.filter(evaluation=evaluation).exists()
    assert GateDecision.objects.filter(evaluation__module_run__trajectory=varied[0]).count() == 1


def test_refresh_takes_a_fixed_number_of_queries(world: World) -> None:
    few = [make_trajectory(world, modules=1).pk for _ in range(2)]
    many = [make_trajectory(world, modules=1).pk for _ in range(12)]
    with CaptureQueriesContext(connection) as small:
        services.trajectory_outcomes_refresh(trajectory_ids=few)
    with CaptureQueriesContext(connection) as large:
        services.trajectory_outcomes_refresh(trajectory_ids=many)
    statements = [q["sql"] for q in small.captured_queries if "SAVEPOINT" not in q["sql"]]
    # outcomes and gate decisions: delete the rows that no longer hold, upsert; waiting times: delete, insert
    assert [sql.split()[0] for sql in statements] == ["DELETE", "DELETE", "INSERT", "INSERT", "DELETE", "INSERT"]
    assert len(small) == len(large)
    with CaptureQueriesContext(connection) as subquery:
        services.trajectory_outcomes_refresh(trajectory_ids=Trajectory.objects.values_list("pk", flat=True))
    assert len(subquery) == len(small)


def test_the_command_rebuilds(varied: list[Trajectory], capsys: pytest.CaptureFixture[str]) -> None:
    TrajectoryOutcome.objects.all().delete()
    call_command("outcomes_rebuild")
    assert "4 closed trajectories" in capsys.readouterr().out
    assert TrajectoryOutcome.objects.count() == 4


# --- privacy -----------------------------------------------------------------------------------------


def test_the_summary_holds_no_personal_text(varied: list[Trajectory]) -> None:
    for model in (TrajectoryOutcome, GateDecision):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField):
                assert field.name == "module_codes", field  # catalogue codes, checked below
            elif isinstance(field, models.CharField):
                assert field.max_length is not None and field.max_length <= 40, field  # codes only
            assert field.name not in {"bsn", "bsn_hash", "given_name", "family_name", "birth_date", "public_id"}
    catalogue = set(Module.objects.values_list("code", flat=True))
    for codes in TrajectoryOutcome.objects.values_list("module_codes", flat=True):
        assert set(codes.strip("|").split("|")) - {""} <= catalogue, codes
    client = varied[0].client
    secrets = {client.bsn, client.bsn_hash, client.given_name, client.family_name, client.birth_date,
               client.public_id, varied[0].public_id, str(client.public_id), client.birth_date.isoformat()}  # fmt: skip
    for row in [*outcome_rows(), *gate_rows()]:
        assert not secrets & set(row.values()), row


def test_destruction_of_the_file_empties_the_summary(world: World) -> None:
    trajectory = make_trajectory(world, satisfaction=5, final_gas_t=55, final_gbo=7, intake_gbo=[3],
                                 follow_up_6=False, modules=1)  # fmt: skip
    Trajectory.objects.filter(pk=trajectory.pk).update(client=world.own)
    decide(trajectory, [("stop", "stop")], timezone.now())
    assert GateDecision.objects.count() == 1
    request = privacy_services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    privacy_services.destruction_execute(actor=world.teamleider, request=request, access_point=AP)

    row = TrajectoryOutcome.objects.get(trajectory=trajectory)
    assert (row.satisfaction_score, row.final_gas_t, row.final_gbo_mean, row.intake_gbo_mean) == (None,) * 4
    assert (row.has_intake, row.fu6) == (False, None)
    assert row.fu6_open_due == D(2025, 1, 1)  # the answer is gone, so the follow-up is open again
    assert not GateDecision.objects.exists()  # the evaluations are destroyed


# --- the hooks in the services ----------------------------------------------------------------------


def test_closing_and_following_up_through_the_services(contracted: World) -> None:
    trajectory = run_to_intake(contracted)
    assert not TrajectoryOutcome.objects.exists()
    closed = trajectory_services.trajectory_close(
        actor=contracted.coach, trajectory=trajectory, end_reason="32", access_point=AP
    )
    row = TrajectoryOutcome.objects.get(trajectory=closed)
    assert (row.municipality_id, row.provider_id, row.team_id) == (
        contracted.own.municipality_id, contracted.own.provider_id, contracted.own.team_id,
    )  # fmt: skip
    assert (row.closed_on, row.end_reason, row.has_intake, row.n_modules, row.fu6) == (today(), "32", False, 0, None)
    six, _twelve = FollowUp.objects.filter(trajectory=closed).order_by("months")
    assert row.fu6_open_due == six.due_on

    trajectory_services.follow_up_mark_due(follow_up_id=six.pk, on=six.due_on)
    trajectory_services.follow_up_record(
        actor=contracted.coach, follow_up=FollowUp.objects.get(pk=six.pk), needed_care_again=True, access_point=AP
    )
    row.refresh_from_db()
    assert row.fu6 is True
    assert row.fu6_open_due is None
    scope = ind.Scope(date_from=today(), date_to=today(), municipality_id=contracted.municipality_a.pk)
    figures = ind.figures_from(ind.total_row(ind.outcome_rows(scope)))
    assert (figures["goal_3_2_6"].numerator, figures["goal_3_2_6"].denominator) == (1, 1)


def test_gate_decisions_through_the_services(contracted: World) -> None:
    world = contracted
    trajectory = run_to_intake(world)
    goal = trajectory_services.goal_add(
        actor=world.coach, trajectory=trajectory, text="Op tijd op school", scale=scale(), access_point=AP
    )
    trajectory = refresh(trajectory)
    intake_baseline(actor=world.coach, trajectory=trajectory, scores={goal.pk: (-1, 3)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        trajectory_services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="plan", given_by=person, access_point=AP
        )
    trajectory_services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[0], access_point=AP)
    trajectory_services.module_finish(actor=world.coach, trajectory=refresh(trajectory), access_point=AP)
    trajectory = refresh(trajectory)
    evaluation = evaluate(actor=world.coach, trajectory=trajectory, scores={goal.pk: (0, 6)}, access_point=AP)
    assert not GateDecision.objects.exists()  # advised, not decided yet
    trajectory_services.evaluation_decide(
        actor=world.coach, evaluation=evaluation, decision="stop", reason="Gaat goed genoeg", access_point=AP
    )
    row = GateDecision.objects.get(evaluation=evaluation)
    assert (row.advice, row.deviated, row.module_code, row.decided_on) == ("continue", True, MODULES[0], today())
    assert row.municipality_id == world.municipality_a.pk

    # Scored again: the decision is undone, so it no longer counts.
    evaluate(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (0, 7)}, access_point=AP)
    assert not GateDecision.objects.exists()


def test_declaring_changes_the_cost(world: World) -> None:
    delivering = Delivering(contracted=_contracted(world))
    run = delivering.delivered()
    Trajectory.objects.filter(pk=run.trajectory_id).update(status="closed", closed_on=IN_PERIOD, end_reason="31")
    services.trajectory_outcomes_refresh(trajectory_ids=[run.trajectory_id])
    declaration = declaration_services.declaration_run(
        municipality=world.municipality_a, period=PERIOD, on=D(2025, 4, 15)
    ).declarations[0]
    # The contract's tariff changes after the month was declared (a new contract year): an
    # undeclared module counts at the tariff, a declared one at the amount declared.
    ContractProduct.objects.filter(pk=delivering.contracted.first.pk).update(tariff_cents=TARIFF_FIRST + 5_000)
    services.trajectory_outcomes_refresh(trajectory_ids=[run.trajectory_id])
    row = TrajectoryOutcome.objects.get(trajectory_id=run.trajectory_id)
    assert row.cost_cents == TARIFF_FIRST + 5_000  # still a draft: not declared yet

    declaration_services.declaration_submit(declaration=declaration)
    row.refresh_from_db()
    assert row.cost_cents == TARIFF_FIRST


# --- the dashboard only reads --------------------------------------------------------------------------


def _writes(queries: CaptureQueriesContext) -> list[str]:
    statements = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    return [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE")) and "DJANGO_SESSION" not in s]


def test_the_dashboard_get_writes_nothing(world: World, login: Callable[[User], HttpClient]) -> None:
    # Budgeted for the last three complete months and nothing spent: every month deviates.
    first_of_month = today().replace(day=1)
    start = (first_of_month - datetime.timedelta(days=80)).replace(day=1)
    product = ContractProductFactory.create(contract__municipality=world.municipality_a, tariff_cents=90_000)
    AllocationFactory.create(
        product=product, client=world.own, approved=True,
        start_date=start, end_date=first_of_month - datetime.timedelta(days=1), budget_cents=90_000, volume=1,
        volume_used=1,
    )  # fmt: skip
    make_trajectory(world, closed_on=today(), referred_on=today(), modules=1, tariff_cents=50_000)
    assert selectors.forecast_build(municipality_id=world.municipality_a.pk).deviations  # would have raised alerts
    http = login(world.beleid)
    with CaptureQueriesContext(connection) as queries:
        assert http.get("/monitoring/municipality/").status_code == 200
    assert _writes(queries) == []
    assert not ForecastAlert.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        page = http.get("/monitoring/municipality/").content.decode()
    assert "the nightly check has not computed this forecast yet" in page
    before = len(queries)

    call_command("forecast_check")  # the scheduled check stores the forecast and raises the alerts
    raised = ForecastAlert.objects.filter(municipality=world.municipality_a).count()
    assert raised >= 1
    live = selectors.forecast_build(municipality_id=world.municipality_a.pk)
    stored = selectors.forecast_of(municipality_id=world.municipality_a.pk)
    assert stored.months == live.months and stored.computed_on == today()
    with CaptureQueriesContext(connection) as queries:
        page = http.get("/monitoring/municipality/").content.decode()
    assert _writes(queries) == [] and ForecastAlert.objects.count() == raised
    assert "by the nightly check" in page
    assert len(queries) == before - 4  # the stored forecast: no four queries to compute it


def test_dashboard_queries_do_not_grow_with_filters(world: World, login: Callable[[User], HttpClient]) -> None:
    on = timezone.now()

    def add(count: int) -> None:
        for _ in range(count):
            trajectory = make_trajectory(world, closed_on=today(), referred_on=today(), modules=2, tariff_cents=1)
            decide(trajectory, [("continue", "continue"), ("stop", "step_up")], on)

    add(2)
    code = Evaluation.objects.values_list("module_run__module__code", flat=True).first()
    url = f"/monitoring/municipality/?module={code}&age_band=12-15"
    http = login(world.beleid)
    http.get(url)  # the session's identity is cached from the first request on
    with CaptureQueriesContext(connection) as small:
        assert http.get(url).status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as large:
        assert http.get(url).status_code == 200
    assert len(large) == len(small)
    scope = ind.Scope(date_from=today(), date_to=today(), municipality_id=world.municipality_a.pk)
    assert ind.total_row(ind.outcome_rows(scope))["closed"] == 22


def test_the_research_export_counts_the_same_cost(world: World) -> None:
    """The export (running trajectories too) computes per trajectory; it must agree with the summary."""
    trajectory = make_trajectory(world, modules=3, tariff_cents=42_000, intake_gbo=[2, 3], follow_up_6=True)
    out = io.StringIO()
    services.research_export(out=out, municipality=world.municipality_a)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    summary = TrajectoryOutcome.objects.get(trajectory=trajectory)
    assert int(row["cost_cents"]) == summary.cost_cents == 126_000
    assert float(row["intake_gbo_mean"]) == summary.intake_gbo_mean == 2.5
    assert row["renewed_care_6m"] == "yes" and summary.fu6 is True

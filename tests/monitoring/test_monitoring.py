"""Monitoring: indicators on a hand-built data set, suppression, intervals, forecast, reports, export."""

import csv
import datetime
import io
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.contracts.models import AllocationStatus
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors, services
from coachcare.monitoring.models import Annotation, ForecastAlert
from coachcare.trajectories.models import Evaluation, FollowUp, Goal, GoalScore, ModuleRun, Trajectory
from tests.clients.factories import ClientFactory
from tests.conftest import World
from tests.contracts.factories import AllocationFactory, ContractProductFactory
from tests.method.factories import MethodVersionFactory, ModuleFactory

D = datetime.date
FROM, TO = D(2025, 1, 1), D(2025, 6, 30)
FEB_10, JAN_1, BORN = D(2025, 2, 10), D(2025, 1, 1), D(2010, 6, 1)


def make_trajectory(
    world: World,
    *,
    closed_on: D | None = FEB_10,
    referred_on: D = JAN_1,
    end_reason: str = "31",
    satisfaction: float | None = None,
    useful_parent: float | None = None,
    without_help: tuple[bool | None, bool | None, bool | None] = (None, None, None),
    final_gas_t: float | None = None,
    final_gbo: float | None = None,
    intake_gbo: list[int] | None = None,
    follow_up_6: bool | None = None,
    follow_up_12: bool | None = None,
    modules: int = 0,
    tariff_cents: int | None = None,
    municipality: str = "a",
    birth_date: D = BORN,
) -> Trajectory:
    client = ClientFactory.create(
        coach=world.coach,
        municipality=world.municipality_a if municipality == "a" else world.municipality_b,
        birth_date=birth_date,
    )
    version = MethodVersionFactory.create(version="2025.monitoring")
    trajectory = Trajectory.objects.create(
        client=client,
        municipality_id=client.municipality_id,
        coach=world.coach,
        status="closed" if closed_on else "module_running",
        referrer_kind="gemeente",
        referred_on=referred_on,
        method_version=version,
        end_reason=end_reason if closed_on else "",
        closed_on=closed_on,
        # ``satisfaction``: the young person's own answer, as score and as the usefulness item
        satisfaction_score=satisfaction,
        useful_youth=satisfaction,
        useful_parent=useful_parent,
        without_help_youth=without_help[0],
        without_help_parent=without_help[1],
        without_help_professional=without_help[2],
        final_gas_t=final_gas_t,
        final_gbo_mean=final_gbo,
    )
    for order, gbo in enumerate(intake_gbo or [], start=1):
        goal = Goal.objects.create(trajectory=trajectory, order=order, text="doel", scale="{}")
        GoalScore.objects.create(goal=goal, gas=-1, gbo=gbo, convention="standard", scored_by=world.coach)
    for months, answer in ((6, follow_up_6), (12, follow_up_12)):
        FollowUp.objects.create(trajectory=trajectory, months=months, due_on=D(2025, 1, 1), needed_care_again=answer)
    for sequence in range(1, modules + 1):
        module = ModuleFactory.create(method_version=version)
        allocation = None
        if tariff_cents is not None:
            product = ContractProductFactory.create(
                contract__municipality=client.municipality, tariff_cents=tariff_cents
            )
            allocation = AllocationFactory.create(product=product, client=client, approved=True)
        ModuleRun.objects.create(
            trajectory=trajectory,
            module=module,
            sequence=sequence,
            allocation=allocation,
            state="evaluated",
            started_on=referred_on,
            due_on=referred_on,
            finished_on=referred_on,
        )
    # Built row by row here; the services refresh the summary in the transaction that closes it.
    services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])
    return trajectory


def scope_a(world: World, **extra: object) -> ind.Scope:
    return ind.Scope(date_from=FROM, date_to=TO, municipality_id=world.municipality_a.pk, **extra)  # type: ignore[arg-type]


def totals(world: World, **extra: object) -> dict[str, ind.Figure]:
    return ind.figures_from(ind.total_row(ind.outcome_rows(scope_a(world, **extra), on=D(2025, 7, 1))))


# --- indicators ----------------------------------------------------------------------------------


def test_wilson_interval_known_values() -> None:
    low, high = ind.wilson_interval(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    low, high = ind.wilson_interval(0, 10)
    assert low == 0.0 and round(high, 3) == 0.278
    with pytest.raises(ValueError):
        ind.wilson_interval(1, 0)


def test_indicators_on_a_hand_built_set(world: World) -> None:
    # 6 closed in scope: 2 early (32, 34), 4 by plan (31)
    make_trajectory(world, end_reason="31", satisfaction=5, final_gas_t=55, final_gbo=7, intake_gbo=[3, 5],
                    follow_up_6=False, follow_up_12=False, modules=2, tariff_cents=100_000, useful_parent=4,
                    without_help=(True, True, True))  # fmt: skip
    make_trajectory(world, end_reason="31", satisfaction=4, final_gas_t=50, final_gbo=3, intake_gbo=[4],
                    follow_up_6=True, follow_up_12=True, modules=1, tariff_cents=100_000, useful_parent=2,
                    without_help=(False, None, True))  # fmt: skip
    make_trajectory(world, end_reason="31", satisfaction=2, final_gas_t=40, follow_up_6=False, modules=1,
                    without_help=(True, False, False))  # fmt: skip
    make_trajectory(world, end_reason="31", closed_on=D(2025, 4, 15), referred_on=D(2025, 3, 16),
                    without_help=(None, None, True))  # fmt: skip
    make_trajectory(world, end_reason="32", satisfaction=3, follow_up_6=None)
    make_trajectory(world, end_reason="34", closed_on=D(2025, 5, 1))
    # not counted: running, closed outside the period, other municipality
    make_trajectory(world, closed_on=None)
    make_trajectory(world, closed_on=D(2024, 12, 31))
    make_trajectory(world, municipality="b")

    figures = totals(world)
    assert figures["closed"].numerator == 6
    assert (figures["dropout"].numerator, figures["dropout"].denominator) == (2, 6)
    # 2: the usefulness item per informant (4 or 5 counts), not a mean of all items
    assert (figures["satisfied_youth"].numerator, figures["satisfied_youth"].denominator) == (2, 4)
    assert (figures["satisfied_parent"].numerator, figures["satisfied_parent"].denominator) == (1, 2)
    # 3.1 at the end, per informant, whatever the follow-up says
    assert (figures["goal_3_1_youth"].numerator, figures["goal_3_1_youth"].denominator) == (2, 3)
    assert (figures["goal_3_1_parent"].numerator, figures["goal_3_1_parent"].denominator) == (1, 2)
    assert (figures["goal_3_1_professional"].numerator, figures["goal_3_1_professional"].denominator) == (3, 4)
    assert "satisfaction_mean" not in figures and "goal_3_1" not in figures
    assert (figures["goal_3_2_6"].numerator, figures["goal_3_2_6"].denominator) == (1, 3)
    assert (figures["goal_3_2_12"].numerator, figures["goal_3_2_12"].denominator) == (1, 2)
    assert (figures["goal_3_3"].numerator, figures["goal_3_3"].denominator) == (1, 2)  # 7 > 4; 3 < 4
    assert (figures["goal_3_4"].numerator, figures["goal_3_4"].denominator) == (2, 3)
    assert figures["modules"].numerator == 4 and figures["modules"].value == pytest.approx(4 / 6)
    assert figures["cost"].numerator == 300_000
    assert figures["cost_success"].value == pytest.approx(150_000)
    # referral → closure: 40 + 40 + 40 + 30 + 40 + 120 days
    assert figures["duration"].numerator == pytest.approx(40 * 4 + 30 + 120)
    rows = ind.outcome_rows(scope_a(world), on=D(2025, 7, 1))
    assert [(r["quarter"], r["closed"]) for r in rows] == [(D(2025, 1, 1), 4), (D(2025, 4, 1), 2)]
    data = ind.total_row(rows)
    assert data["no_intake"] == 4 and data["no_satisfaction"] == 2
    assert data["fu_missing"] == 7  # 12 follow-ups due, 5 recorded


def test_filters_age_band_and_module(world: World) -> None:
    make_trajectory(world, birth_date=D(2011, 1, 2), referred_on=D(2025, 1, 1), modules=1)  # 13
    make_trajectory(world, birth_date=D(2008, 1, 1), referred_on=D(2025, 1, 1))  # 17 on the birthday
    make_trajectory(world, birth_date=D(2008, 1, 2), referred_on=D(2025, 1, 1))  # 16: birthday not yet
    make_trajectory(world, birth_date=D(2004, 1, 1), referred_on=D(2025, 1, 1))  # 21
    assert totals(world, age_band="12-15")["closed"].numerator == 1
    assert totals(world, age_band="16-17")["closed"].numerator == 2
    assert totals(world, age_band="18-23")["closed"].numerator == 1
    code = ModuleRun.objects.get().module.code
    assert totals(world, module_code=code)["closed"].numerator == 1


def test_gate_statistics(world: World) -> None:
    trajectory = make_trajectory(world, modules=3)
    decided = timezone.make_aware(datetime.datetime(2025, 2, 1, 12))
    for run, (advice, decision) in zip(
        trajectory.module_runs.all(), [("continue", "continue"), ("continue", "stop"), ("stop", "stop")], strict=True
    ):
        Evaluation.objects.create(
            module_run=run, advice=advice, advice_rule="r", decision=decision, decided_at=decided,
            deviates=advice != decision,
        )  # fmt: skip
    services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])  # as evaluation_decide does
    figures = ind.gate_figures_from(ind.total_row(ind.gate_rows(scope_a(world))))
    assert (figures["gate_continue"].numerator, figures["gate_continue"].denominator) == (2, 3)
    assert figures["gate_stop"].numerator == 1 and figures["gate_step_up"].numerator == 0
    assert figures["gate_deviated"].numerator == 1


# --- suppression ---------------------------------------------------------------------------------


def test_small_cells_are_suppressed_for_the_municipality(world: World) -> None:
    for _ in range(4):
        make_trajectory(world, end_reason="32", satisfaction=4)
    figures = selectors.figures_build(scope=scope_a(world), suppress=True)
    assert figures.row("closed").total.text == "x"
    assert figures.row("dropout").total.text == "x"  # denominator 4
    assert figures.row("satisfied_youth").total.text == "x"
    provider_view = selectors.figures_build(scope=scope_a(world), suppress=False)
    assert provider_view.row("closed").total.text == "4"
    assert provider_view.row("dropout").total.text == "100%"
    make_trajectory(world, end_reason="31")
    figures = selectors.figures_build(scope=scope_a(world), suppress=True)
    assert figures.row("closed").total.text == "5"
    # 4 of 5 would tell that one did not drop out (it said "80%, <5 of 5"): a rate over fewer than
    # 10, or with a numerator or rest below 5, is not shown (tests/monitoring/test_suppression.py)
    assert figures.row("dropout").total.text == "x"
    assert figures.row("dropout").total.detail == "not shown: small numbers"


# --- dashboards and policy -----------------------------------------------------------------------


def test_policy(world: World, login: Callable[[User], HttpClient]) -> None:
    assert login(world.beleid).get("/monitoring/municipality/").status_code == 200
    assert login(world.toegang).get("/monitoring/municipality/").status_code == 200
    assert login(world.toegang_other).get("/monitoring/municipality/0344/").status_code == 404
    assert login(world.coach).get("/monitoring/municipality/").status_code == 403
    assert login(world.coach).get("/monitoring/provider/").status_code == 403
    assert login(world.teamleider).get("/monitoring/municipality/").status_code == 403
    assert login(world.teamleider).get("/monitoring/provider/").status_code == 200
    assert login(world.beheerder).get("/monitoring/provider/").status_code == 200


def test_annotation_shows_on_dashboard(world: World, login: Callable[[User], HttpClient]) -> None:
    http = login(world.beleid)
    today = timezone.localdate()
    response = http.post(
        "/monitoring/annotations/municipality/",
        {"indicator_code": "dropout", "period_from": today.replace(day=1), "period_to": today,
         "text": "New school <b>policy</b> started"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Annotation.objects.get().municipality == world.municipality_a
    page = http.get("/monitoring/municipality/").content.decode()
    assert "New school &lt;b&gt;policy&lt;/b&gt; started" in page
    assert "<title" in page and "<table" in page and "style=" not in page
    assert "New school" not in login(world.toegang_other).get("/monitoring/municipality/").content.decode()


def test_annotations_stay_with_their_owner(world: World, login: Callable[[User], HttpClient]) -> None:
    """The platform administrator (no provider) saw every municipality's annotations on the
    provider dashboard: the filter fell back to "no provider", which matches them all."""
    today = timezone.localdate()
    period = {"indicator_code": "dropout", "period_from": today.replace(day=1), "period_to": today}
    Annotation.objects.create(
        municipality=world.municipality_a, text="Municipality remark", author=world.beleid, **period
    )
    Annotation.objects.create(provider=world.coach.provider, text="Provider remark", author=world.teamleider, **period)
    assert world.beheerder.provider_id is None
    admin_page = login(world.beheerder).get("/monitoring/provider/").content.decode()
    assert "Municipality remark" not in admin_page
    assert "Provider remark" not in admin_page
    lead_page = login(world.teamleider).get("/monitoring/provider/").content.decode()
    assert "Provider remark" in lead_page and "Municipality remark" not in lead_page
    municipality_page = login(world.beleid).get("/monitoring/municipality/").content.decode()
    assert "Municipality remark" in municipality_page and "Provider remark" not in municipality_page
    scope = ind.Scope(date_from=today.replace(day=1), date_to=today)
    admin_scope = selectors.provider_outcome_scope(actor=world.beheerder)
    assert admin_scope.annotation_owner is None
    assert selectors.annotations_for(scope=scope, outcome_scope=admin_scope) == []


def _dashboard_queries(http: HttpClient, url: str) -> int:
    cache.clear()  # every measurement counts the unread badge (kept for a while between pages)
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    return len(queries)


def test_dashboard_query_counts_are_constant(world: World, login: Callable[[User], HttpClient]) -> None:
    today = timezone.localdate()
    for _ in range(3):
        trajectory = make_trajectory(
            world, closed_on=today, referred_on=today, modules=1, tariff_cents=50_000, satisfaction=4
        )
        _appointment(world, trajectory, today)  # the waiting times read appointments and module runs too
    beleid = login(world.beleid)
    small = _dashboard_queries(beleid, "/monitoring/municipality/")
    teamleider = login(world.teamleider)
    small_provider = _dashboard_queries(teamleider, "/monitoring/provider/")
    for number in range(27):
        trajectory = make_trajectory(
            world, closed_on=today, referred_on=today, modules=1, tariff_cents=50_000, satisfaction=4
        )
        _appointment(world, trajectory, today)
        if number % 2:
            make_trajectory(world, closed_on=None, referred_on=today - datetime.timedelta(days=30))
    assert _dashboard_queries(login(world.beleid), "/monitoring/municipality/") == small
    assert _dashboard_queries(login(world.teamleider), "/monitoring/provider/") == small_provider


# --- forecast ------------------------------------------------------------------------------------


def test_forecast_deviation_raises_one_alert(world: World, django_capture_on_commit_callbacks: Callable) -> None:  # type: ignore[type-arg]
    on = D(2025, 4, 10)
    product = ContractProductFactory.create(contract__municipality=world.municipality_a, tariff_cents=90_000)
    # 90 000 cents over January to March (90 days): about 30 000 a month expected
    AllocationFactory.create(
        product=product, client=world.own, status=AllocationStatus.APPROVED, toewijzing_nummer="9000000001",
        start_date=D(2025, 1, 1), end_date=D(2025, 3, 31), budget_cents=90_000, volume=1, volume_used=1,
    )  # fmt: skip
    world.beleid.email = "beleid@example.nl"
    world.beleid.save()
    forecast = selectors.forecast_build(municipality_id=world.municipality_a.pk, on=on, months_back=3, months_ahead=0)
    january = forecast.months[0]
    assert january.month == D(2025, 1, 1) and january.expected_cents == 31_000  # 31 of 90 days
    assert january.actual_cents == 0 and january.exceeds
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = services.forecast_alerts_raise(municipality_id=world.municipality_a.pk, on=on)
        again = services.forecast_alerts_raise(municipality_id=world.municipality_a.pk, on=on)
    assert len(created) == 3 and again == []
    assert ForecastAlert.objects.count() == 3 and len(callbacks) == 3
    alert = ForecastAlert.objects.get(month=D(2025, 1, 1))
    assert services.forecast_alert_notify(alert_id=alert.pk) == 1
    assert services.forecast_alert_notify(alert_id=alert.pk) == 0
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert world.own.family_name not in body and world.own.bsn not in body


# --- evidence report and research export ---------------------------------------------------------


def test_evidence_report_pdf_and_csv(world: World, tmp_path: object) -> None:
    for _ in range(6):
        make_trajectory(world, satisfaction=4, final_gas_t=55)
    make_trajectory(world, end_reason="32")
    report = services.evidence_report_build(municipality=world.municipality_a, date_from=FROM, date_to=TO)
    assert report.pdf.startswith(b"%PDF")
    rows = list(csv.reader(io.StringIO(report.csv)))
    dropout = next(r for r in rows if r[2] == "dropout")
    assert "x" in dropout and "%" not in "".join(dropout)  # 1 early ending of 7: no rate, no count
    closed = next(r for r in rows if r[2] == "closed")
    assert closed[-2] == "7"
    assert any(r[0] == "data quality" for r in rows)


def test_evidence_report_button_uses_the_filters_on_screen(world: World, login: Callable[[User], HttpClient]) -> None:
    for _ in range(5):
        make_trajectory(world, birth_date=D(2011, 1, 2), referred_on=D(2025, 1, 1))  # 13 at referral
    for _ in range(6):
        make_trajectory(world, birth_date=D(2004, 1, 1), referred_on=D(2025, 1, 1))  # 21 at referral
    http = login(world.beleid)
    period = f"date_from={FROM.isoformat()}&date_to={TO.isoformat()}"

    def closed(query: str) -> str:
        response = http.get(f"/monitoring/municipality/report.csv?{query}")
        assert response.status_code == 200, response.status_code
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        return next(r for r in rows if r[2] == "closed")[-2]

    assert closed(period) == "11"
    assert closed(f"{period}&age_band=18-23") == "6"
    assert closed(f"{period}&age_band=12-15") == "5"
    report = services.evidence_report_build(
        municipality=world.municipality_a, date_from=FROM, date_to=TO, age_band="12-15"
    )
    assert report.pdf.startswith(b"%PDF")


def test_evidence_report_command(world: World, tmp_path: object) -> None:
    from pathlib import Path

    from django.core.management import call_command

    out = Path(str(tmp_path)) / "report.pdf"
    call_command("evidence_report", municipality="0344", date_from="2025-01-01", date_to="2025-06-30", out=str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert (Path(str(tmp_path)) / "report.csv").read_text().startswith("table,")


def test_research_export_privacy(world: World, settings: object) -> None:
    trajectory = make_trajectory(world, modules=2, final_gas_t=55, satisfaction=4, follow_up_6=False)
    client = trajectory.client
    out = io.StringIO()
    assert services.research_export(out=out, municipality=world.municipality_a) == 1
    text = out.getvalue()
    row = next(csv.DictReader(io.StringIO(text)))
    for secret in (client.bsn, client.given_name, client.family_name, str(client.public_id),
                   str(trajectory.public_id), client.birth_date.isoformat(), client.bsn_hash):  # fmt: skip
        assert secret not in text
    assert row["age_band"] == "12-15" and row["municipality_code"] == "0344"
    assert row["modules"].count("CC-TEST-") == 2 and row["renewed_care_6m"] == "no"
    assert row["pseudonym"] == services.research_pseudonym(bsn_hash=client.bsn_hash, key=b"test-only-research-key")
    again = io.StringIO()
    services.research_export(out=again, municipality=world.municipality_a)
    assert next(csv.DictReader(io.StringIO(again.getvalue())))["pseudonym"] == row["pseudonym"]
    settings.COACHCARE_RESEARCH_KEY = "another-key"  # type: ignore[attr-defined]
    other = io.StringIO()
    services.research_export(out=other, municipality=world.municipality_a)
    assert next(csv.DictReader(io.StringIO(other.getvalue())))["pseudonym"] != row["pseudonym"]
    logged = AccessLogEntry.objects.filter(event="export", action="research.export")
    assert logged.count() == 3 and logged.first().client_public_id == client.public_id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "command, extra",
    [
        ("evidence_report", ["--municipality", "0344", "--from", "2026-01-01", "--to", "2026-03-31"]),
        ("research_export", []),
    ],
)
def test_commands_refuse_a_missing_output_folder(db: None, tmp_path: Path, command: str, extra: list[str]) -> None:
    target = tmp_path / "missing" / "out.pdf"
    with pytest.raises(CommandError, match="does not exist"):
        call_command(command, "--out", str(target), *extra)
    assert not target.parent.exists()


@pytest.mark.parametrize(
    ("now", "missing"),
    [
        (datetime.datetime(2031, 1, 1, 22, 30, tzinfo=datetime.UTC), 0),  # 23:30 on 1 January in Amsterdam
        (datetime.datetime(2031, 1, 1, 23, 30, tzinfo=datetime.UTC), 2),  # 00:30 on 2 January in Amsterdam
        (datetime.datetime(2031, 3, 29, 22, 30, tzinfo=datetime.UTC), 2),  # 00:30 after DST started
    ],
)
def test_overdue_follow_ups_are_counted_on_the_amsterdam_date(
    world: World, now: datetime.datetime, missing: int
) -> None:
    """Follow-ups due on 1 January 2031 are overdue from 2 January in Amsterdam, not from UTC's."""
    trajectory = make_trajectory(world)
    FollowUp.objects.filter(trajectory=trajectory).update(due_on=D(2031, 1, 1))
    services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])
    scope = ind.Scope(date_from=FEB_10, date_to=FEB_10, municipality_id=world.municipality_a.pk)
    with mock.patch("django.utils.timezone.now", return_value=now):
        assert ind.total_row(ind.outcome_rows(scope))["fu_missing"] == missing


# --- waiting times ---------------------------------------------------------------------------------


def _appointment(world: World, trajectory: Trajectory, day: D) -> None:
    from coachcare.coaching.models import Appointment

    starts = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10))
    Appointment.objects.create(
        client=trajectory.client, trajectory=trajectory, starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1), title="kennismaking", created_by=world.coach,
    )  # fmt: skip
    services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])  # as appointment_create does


def test_waiting_times_per_quarter_of_referral(world: World, settings: object) -> None:
    settings.COACHCARE_WAITING_NORM_WORKING_DAYS = 10  # type: ignore[attr-defined]
    friday = D(2025, 1, 3)
    quick = make_trajectory(world, closed_on=None, referred_on=friday, modules=1)  # module on the referral day
    _appointment(world, quick, D(2025, 1, 6))  # 1 working day
    slow = make_trajectory(world, closed_on=None, referred_on=friday)
    _appointment(world, slow, D(2025, 1, 20))  # 11 working days: past the norm
    _appointment(world, slow, D(2025, 1, 6) - datetime.timedelta(days=400))  # before the referral: 0
    make_trajectory(world, closed_on=None, referred_on=friday)  # never seen: waiting past the norm
    make_trajectory(world, closed_on=None, referred_on=D(2025, 4, 2))  # Q2, within its norm on 4 April
    make_trajectory(world, closed_on=None, referred_on=friday, municipality="b")  # not in scope
    rows = ind.waiting_rows(scope_a(world), on=D(2025, 4, 4))
    assert [row["quarter"] for row in rows] == [D(2025, 1, 1), D(2025, 4, 1)]
    first, second = rows
    # the appointment 400 days before the referral is the first one: 0 days (clamped), within the norm
    assert sorted(first["wc_days"]) == [0, 1] and first["wc_n"] == 3 and first["wc_ok"] == 2
    assert first["wm_days"] == [0] and first["wm_n"] == 3 and first["wm_ok"] == 1
    assert second["wc_n"] == 0 and second["wm_n"] == 0  # not past the norm yet: not counted
    figures = ind.waiting_figures_from(ind.waiting_total(rows))
    assert figures["wait_contact"].value == 0.5 and figures["wait_contact"].denominator == 2
    assert (figures["wait_contact_norm"].numerator, figures["wait_contact_norm"].denominator) == (2, 3)
    settings.COACHCARE_WAITING_NORM_WORKING_DAYS = 0  # type: ignore[attr-defined]
    assert ind.waiting_rows(scope_a(world), on=D(2025, 4, 4))[0]["wc_ok"] == 1


def test_waiting_rows_are_one_query_whatever_the_number_of_trajectories(world: World) -> None:
    """Issue 17.8: the waiting times read the waiting summary in one grouped query (no cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    friday = D(2025, 1, 3)
    counts = []
    for _round in range(2):
        for _ in range(3):
            trajectory = make_trajectory(world, closed_on=None, referred_on=friday, modules=1)
            _appointment(world, trajectory, D(2025, 1, 8))
        with CaptureQueriesContext(connection) as captured:
            rows = ind.waiting_rows(scope_a(world), on=D(2025, 4, 4))
        counts.append(len(captured.captured_queries))
    assert counts == [1, 1]
    assert rows[0]["wc_days"] == [3] * 6 and rows[0]["wm_days"] == [0] * 6


def test_waiting_times_on_the_dashboard_and_in_the_report(world: World, login: Callable[[User], HttpClient]) -> None:
    friday = D(2025, 1, 3)
    for number in range(12):
        trajectory = make_trajectory(world, closed_on=None, referred_on=friday, modules=1)
        _appointment(world, trajectory, D(2025, 1, 6) if number < 6 else D(2025, 1, 24))  # 1 or 15 working days
    period = f"date_from={FROM.isoformat()}&date_to={TO.isoformat()}"
    http = login(world.beleid)
    page = http.get(f"/monitoring/municipality/?{period}").content.decode()
    assert "Waiting times per quarter of referral" in page and "The norm is 10 working days" in page
    # 12 with a first appointment, 6 within the norm: median (1 + 15) / 2 = 8, 50% of 12
    assert "8 working days" in page and "6 of 12" in page
    rows = list(csv.reader(io.StringIO(http.get(f"/monitoring/municipality/report.csv?{period}").content.decode())))
    waiting = {r[2]: r for r in rows if r[0] == "waiting times"}
    assert waiting["wait_contact"][-2] == "8 working days" and waiting["wait_contact_norm"][-2] == "50%"
    assert waiting["wait_module"][-2] == "0 working days" and waiting["wait_module_norm"][-2] == "x"  # 12 of 12
    # the team lead sees the same figures exactly
    provider = login(world.teamleider).get(f"/monitoring/provider/?{period}").content.decode()
    assert "6 of 12" in provider and "12 of 12" in provider

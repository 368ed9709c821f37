"""The monitoring summary: outcomes of closed trajectories, gate decisions and waiting times
(``TrajectoryOutcome``, ``GateDecision``, ``TrajectoryWaiting`` in ``waiting``), refreshed per
trajectory and rebuilt in bulk."""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from coachcare.monitoring import indicators as ind
from coachcare.monitoring.models import GateDecision, TrajectoryOutcome, TrajectoryWaiting
from coachcare.monitoring.services._summary import Within, days_between, summary_rebuild, summary_upsert
from coachcare.monitoring.services.waiting import trajectory_waiting_write, waiting_upsert
from coachcare.trajectories.models import Evaluation, FollowUp, GoalScore, ModuleRun, Trajectory

#: Trajectory ids per statement when a list is refreshed (keeps every statement under the
#: parameter limits of SQLite and PostgreSQL).
REFRESH_CHUNK = 1000
#: Trajectory id range per statement of a rebuild (one statement for a national database: every
#: chunk reads the source tables again).
REBUILD_CHUNK = 1_000_000

_OUTCOME_COLUMNS = (
    "trajectory_id", "municipality_id", "provider_id", "team_id", "age_at_referral", "referred_on", "closed_on",
    "duration_days", "end_reason", "satisfaction_score", "final_gas_t", "final_gbo_mean", "intake_gbo_mean",
    "has_intake", "n_modules", "module_codes", "cost_cents", "fu6", "fu12", "fu6_open_due", "fu12_open_due",
    "useful_youth", "useful_parent", "without_help_youth", "without_help_parent", "without_help_professional",
)  # fmt: skip
_GATE_COLUMNS = (
    "evaluation_id", "municipality_id", "provider_id", "team_id", "module_code", "age_at_referral", "decided_on",
    "advice", "deviated",
)  # fmt: skip


def _follow_up_answer(months: int) -> Max:
    """1 (needed care again), 0 (did not) or NULL (no answer) of the follow-up at ``months``."""
    return Max(
        Case(
            When(months=months, needed_care_again=True, then=Value(1)),
            When(months=months, needed_care_again=False, then=Value(0)),
            output_field=IntegerField(),
        )
    )


def _follow_up_open_due(months: int) -> Max:
    """Due date of the follow-up at ``months`` while it has no answer."""
    return Max(Case(When(months=months, needed_care_again__isnull=True, then=F("due_on")), output_field=DateField()))


def _outcomes_upsert(within: Within) -> int:
    """Write the outcome rows of the closed trajectories that ``within`` selects: one statement.

    The per-trajectory values are grouped derived tables built with the ORM (so the definitions
    are those of ``indicators``: age at referral, module cost), each limited to closed
    trajectories and joined to them: hash joins on PostgreSQL, whatever the number of trajectories.
    """
    trajectories = (
        Trajectory.objects.filter(within("pk"), closed_on__isnull=False)
        .order_by()
        .values(
            "referred_on", "closed_on", "end_reason", "satisfaction_score", "final_gas_t", "final_gbo_mean",
            "useful_youth", "useful_parent", "without_help_youth", "without_help_parent", "without_help_professional",
            tid=F("pk"), mid=F("client__municipality_id"), pid=F("client__provider_id"), teamid=F("client__team_id"),
            age=ind.age_at_referral(),
        )
    )  # fmt: skip
    intake = (
        GoalScore.objects.filter(
            within("goal__trajectory_id"), module_run__isnull=True, goal__trajectory__closed_on__isnull=False
        )
        .order_by()
        .values(tid=F("goal__trajectory_id"))
        .annotate(mean=Avg("gbo", output_field=FloatField()), n=Count("pk"))
    )
    # The codes in the order followed where the database can (SQLite from 3.44); the filter needs no order.
    in_order: dict[str, Any] = (
        {"order_by": "sequence"} if connection.features.supports_aggregate_order_by_clause else {}
    )
    runs = (
        ModuleRun.objects.filter(within("trajectory_id"), trajectory__closed_on__isnull=False)
        .order_by()
        .values(tid=F("trajectory_id"))
        .annotate(
            n=Count("pk"),
            cost=Sum(ind.module_cost_expression()),
            codes=StringAgg("module__code", Value("|"), **in_order),
        )
    )
    follow_ups = (
        FollowUp.objects.filter(within("trajectory_id"), trajectory__closed_on__isnull=False)
        .order_by()
        .values(tid=F("trajectory_id"))
        .annotate(
            fu6=_follow_up_answer(6),
            fu12=_follow_up_answer(12),
            fu6_due=_follow_up_open_due(6),
            fu12_due=_follow_up_open_due(12),
        )
    )
    parts = [queryset.query.sql_with_params() for queryset in (trajectories, intake, runs, follow_ups)]
    (t_sql, t_params), (i_sql, i_params), (r_sql, r_params), (f_sql, f_params) = parts
    select = f"""
        SELECT t.tid, t.mid, t.pid, t.teamid, t.age, t.referred_on, t.closed_on,
               {days_between("t.referred_on", "t.closed_on")}, t.end_reason, t.satisfaction_score,
               t.final_gas_t, t.final_gbo_mean, i.mean, CASE WHEN i.n > 0 THEN TRUE ELSE FALSE END,
               COALESCE(r.n, 0), CASE WHEN r.codes IS NULL THEN '' ELSE '|' || r.codes || '|' END,
               COALESCE(r.cost, 0),
               CASE WHEN f.fu6 = 1 THEN TRUE WHEN f.fu6 = 0 THEN FALSE END,
               CASE WHEN f.fu12 = 1 THEN TRUE WHEN f.fu12 = 0 THEN FALSE END,
               f.fu6_due, f.fu12_due,
               t.useful_youth, t.useful_parent, t.without_help_youth, t.without_help_parent,
               t.without_help_professional
        FROM ({t_sql}) t
        LEFT JOIN ({i_sql}) i ON i.tid = t.tid
        LEFT JOIN ({r_sql}) r ON r.tid = t.tid
        LEFT JOIN ({f_sql}) f ON f.tid = t.tid
    """  # noqa: S608 - ORM-compiled SQL only; values are parameters
    params = [*t_params, *i_params, *r_params, *f_params]
    return summary_upsert(TrajectoryOutcome, _OUTCOME_COLUMNS, select, params, cluster=("municipality_id", "closed_on"))


def _decided(within: Within) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(within("module_run__trajectory_id"), decided_at__isnull=False)


def _gate_upsert(within: Within) -> int:
    """Write the gate decisions of the trajectories that ``within`` selects: one statement."""
    prefix = "module_run__trajectory__"
    decisions = (
        _decided(within)
        .order_by()
        .values(
            "advice",
            eid=F("pk"), mid=F(f"{prefix}client__municipality_id"),
            pid=F(f"{prefix}client__provider_id"), teamid=F(f"{prefix}client__team_id"),
            code=F("module_run__module__code"), age=ind.age_at_referral(prefix), day=TruncDate("decided_at"),
            dev=Case(When(Q(deviates=True) | ~Q(decision=F("advice")), then=Value(True)), default=Value(False)),
        )
    )  # fmt: skip
    sql, params = decisions.query.sql_with_params()
    select = f"SELECT d.eid, d.mid, d.pid, d.teamid, d.code, d.age, d.day, d.advice, d.dev FROM ({sql}) d"  # noqa: S608
    return summary_upsert(GateDecision, _GATE_COLUMNS, select, list(params), cluster=("municipality_id", "decided_on"))


def trajectory_outcomes_refresh(*, trajectory_ids: Iterable[int]) -> int:
    """Bring the monitoring summary of these trajectories up to date; returns the outcome rows written.

    - ``TrajectoryOutcome``: closed trajectories are written (insert or update); trajectories that
      are not (or no longer) closed, or no longer exist, lose their row.
    - ``GateDecision``: their decided module gate evaluations are written; decisions that were
      undone (the module evaluated again) lose their row.
    - ``TrajectoryWaiting``: every one of them is written (referral, first contact, first module);
      a trajectory that no longer exists loses its row.

    Set-based: six statements per 1000 ids, or six in all when ``trajectory_ids`` is a queryset
    (``values_list(..., flat=True)``), which is used as a subquery. Call it inside the transaction
    that changed an input, so the summary commits (or rolls back) with the change.
    """
    if isinstance(trajectory_ids, QuerySet):
        chunks: list[QuerySet[Any, int] | list[int]] = [trajectory_ids]
    else:
        ids = sorted(set(trajectory_ids))
        chunks = [ids[start : start + REFRESH_CHUNK] for start in range(0, len(ids), REFRESH_CHUNK)]
    written = 0
    with transaction.atomic():
        for chunk in chunks:

            def within(path: str, chunk: QuerySet[Any, int] | list[int] = chunk) -> Q:
                return Q(**{f"{path}__in": chunk})

            TrajectoryOutcome.objects.filter(
                within("trajectory_id"), ~Exists(Trajectory.objects.filter(pk=OuterRef("pk"), closed_on__isnull=False))
            ).delete()
            undone = Evaluation.objects.filter(within("module_run__trajectory_id"), decided_at__isnull=True)
            GateDecision.objects.filter(evaluation_id__in=undone.values("pk")).delete()
            written += _outcomes_upsert(within)
            _gate_upsert(within)
            trajectory_waiting_write(within=within)
    return written


def trajectory_outcomes_rebuild() -> int:
    """Rebuild the whole monitoring summary (outcomes, gate decisions, waiting times) from the source tables;
    returns the number of outcome rows (closed trajectories).

    One transaction (dashboards keep reading the old rows until it commits): delete every row,
    then per range of 1,000,000 trajectory ids one INSERT ... SELECT per table, ordered by
    municipality and date (``work_mem`` raised for the transaction on PostgreSQL). Then, on
    PostgreSQL, VACUUM ANALYZE (ANALYZE only when called inside a transaction). For after a bulk
    load (``generate_population``), after migrating to the summary, or after a change of a
    definition.
    """

    def write(within: Within) -> int:
        written = _outcomes_upsert(within)
        _gate_upsert(within)
        waiting_upsert(within)
        return written

    summary = (TrajectoryOutcome, GateDecision, TrajectoryWaiting)
    return summary_rebuild(tables_of=summary, write=write, chunk=REBUILD_CHUNK)

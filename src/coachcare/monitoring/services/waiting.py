"""The waiting-time summary (``TrajectoryWaiting``): one row per trajectory with its referral, its
first contact and its first module, refreshed with the outcome summary (``outcomes``) and rebuilt
in bulk.

The working days (Monday to Friday, ``core.dates.working_days_between``) are computed in SQL when
the row is written: the weekdays from a Monday long ago up to a date are
``5 * (k / 7) + least(k mod 7 + 1, 5)`` for ``k`` days since that Monday, and the working days after
``start`` up to ``end`` are the difference of the two (0 when ``end`` is not after ``start``).
"""

from typing import Any

from django.db import connection
from django.db.models import Exists, F, Min, OuterRef, StringAgg, Value
from django.db.models.functions import TruncDate

from coachcare.coaching.models import Appointment
from coachcare.monitoring import indicators as ind
from coachcare.monitoring.models import TrajectoryWaiting
from coachcare.monitoring.services._summary import Within, summary_rebuild, summary_upsert
from coachcare.trajectories.models import ModuleRun, Trajectory

_WAITING_COLUMNS = (
    "trajectory_id", "municipality_id", "provider_id", "team_id", "age_at_referral", "referred_on",
    "first_contact_at", "contact_days", "first_module_on", "module_days", "module_codes",
)  # fmt: skip

#: A Monday before every date coachcare stores (the count of weekdays starts there).
_EPOCH_MONDAY = "1900-01-01"


def _weekdays_until(column: str) -> str:
    """SQL: the weekdays (Monday to Friday) from ``_EPOCH_MONDAY`` up to and including the date ``column``."""
    if connection.vendor == "postgresql":
        days = f"({column} - DATE '{_EPOCH_MONDAY}')"
    elif connection.vendor == "sqlite":
        days = f"CAST(ROUND(julianday({column}) - julianday('{_EPOCH_MONDAY}')) AS INTEGER)"
    else:
        raise NotImplementedError(f"The monitoring summary supports PostgreSQL and SQLite, not {connection.vendor}.")
    return f"(5 * ({days} / 7) + CASE WHEN {days} %% 7 >= 4 THEN 5 ELSE {days} %% 7 + 1 END)"


def _working_days(start: str, end: str) -> str:
    """SQL: ``working_days_between(start, end)`` of two date columns; NULL when ``end`` is NULL."""
    return (
        f"CASE WHEN {end} IS NULL THEN NULL WHEN {end} <= {start} THEN 0 "
        f"ELSE {_weekdays_until(end)} - {_weekdays_until(start)} END"
    )


def waiting_upsert(within: Within) -> int:
    """Write the waiting rows of the trajectories that ``within`` selects (every trajectory has one):
    one statement, grouped derived tables for the first appointment and the module runs."""
    trajectories = (
        Trajectory.objects.filter(within("pk"))
        .order_by()
        .values(
            "referred_on",
            tid=F("pk"),
            mid=F("client__municipality_id"),
            pid=F("client__provider_id"),
            teamid=F("client__team_id"),
            age=ind.age_at_referral(),
        )
    )
    # The first appointment that was not cancelled (by the partial index on trajectory and start);
    # whether it has started is decided when the figures are read.
    contacts = (
        Appointment.objects.filter(within("trajectory_id"), cancelled_at__isnull=True)
        .order_by()
        .values(tid=F("trajectory_id"))
        .annotate(first_at=Min("starts_at"))
        .annotate(first_day=TruncDate("first_at"))
    )
    in_order: dict[str, Any] = (
        {"order_by": "sequence"} if connection.features.supports_aggregate_order_by_clause else {}
    )
    runs = (
        ModuleRun.objects.filter(within("trajectory_id"))
        .order_by()
        .values(tid=F("trajectory_id"))
        .annotate(first_on=Min("started_on"), codes=StringAgg("module__code", Value("|"), **in_order))
    )
    parts = [queryset.query.sql_with_params() for queryset in (trajectories, contacts, runs)]
    (t_sql, t_params), (c_sql, c_params), (r_sql, r_params) = parts
    select = f"""
        SELECT t.tid, t.mid, t.pid, t.teamid, t.age, t.referred_on,
               c.first_at, {_working_days("t.referred_on", "c.first_day")},
               r.first_on, {_working_days("t.referred_on", "r.first_on")},
               CASE WHEN r.codes IS NULL THEN '' ELSE '|' || r.codes || '|' END
        FROM ({t_sql}) t
        LEFT JOIN ({c_sql}) c ON c.tid = t.tid
        LEFT JOIN ({r_sql}) r ON r.tid = t.tid
    """  # noqa: S608 - ORM-compiled SQL and fixed fragments only; values are parameters
    params = [*t_params, *c_params, *r_params]
    return summary_upsert(
        TrajectoryWaiting, _WAITING_COLUMNS, select, params, cluster=("municipality_id", "referred_on")
    )


def trajectory_waiting_write(*, within: Within) -> int:
    """Bring the waiting rows of the trajectories ``within`` selects up to date (two statements):
    a trajectory that no longer exists loses its row, every other one is written. Called by
    ``trajectory_outcomes_refresh`` and the rebuild, in their transaction."""
    TrajectoryWaiting.objects.filter(
        within("trajectory_id"), ~Exists(Trajectory.objects.filter(pk=OuterRef("pk")))
    ).delete()
    return waiting_upsert(within)


def trajectory_waiting_rebuild(*, chunk: int = 1_000_000) -> int:
    """Rebuild the waiting-time summary alone from the source tables; returns the rows written.

    One transaction: delete every row, then one INSERT ... SELECT per range of ``chunk`` trajectory
    ids; then VACUUM ANALYZE on PostgreSQL (ANALYZE when called inside a transaction). The backfill
    of migration ``monitoring.0009_waiting_summary``; ``trajectory_outcomes_rebuild`` rebuilds this
    table with the rest of the summary.
    """
    return summary_rebuild(tables_of=(TrajectoryWaiting,), write=waiting_upsert, chunk=chunk)

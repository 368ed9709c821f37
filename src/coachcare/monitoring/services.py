"""Writes and outputs of monitoring: the outcome summary, annotations, reference cost, forecast
alerts, the evidence report (PDF + CSV) and the pseudonymised research export."""

import csv
import dataclasses
import datetime
import functools
import hashlib
import hmac
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import send_mail
from django.db import connection, models, transaction
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
    Min,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.audit.models import AccessLogEntry
from coachcare.contracts.money import format_euros
from coachcare.core.dates import today
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors
from coachcare.monitoring.models import (
    Annotation,
    ForecastAlert,
    ForecastFigure,
    GateDecision,
    ReferenceCost,
    TrajectoryOutcome,
)
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import Evaluation, FollowUp, GoalScore, ModuleRun, Trajectory

logger = logging.getLogger(__name__)


# --- the monitoring summary: outcomes of closed trajectories, gate decisions -----------------------

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
)  # fmt: skip
_GATE_COLUMNS = (
    "evaluation_id", "municipality_id", "provider_id", "team_id", "module_code", "age_at_referral", "decided_on",
    "advice", "deviated",
)  # fmt: skip

#: ``within(path)``: the filter that limits a source table, by its path to the trajectory id.
Within = Callable[[str], Q]


def _days_between(start: str, end: str) -> str:
    """SQL for the whole days from ``start`` to ``end`` (two date columns)."""
    if connection.vendor == "postgresql":
        return f"({end} - {start})"
    if connection.vendor == "sqlite":
        return f"CAST(ROUND(julianday({end}) - julianday({start})) AS INTEGER)"
    raise NotImplementedError(f"The monitoring summary supports PostgreSQL and SQLite, not {connection.vendor}.")


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


def _upsert(
    model: type[models.Model], columns: tuple[str, ...], select: str, params: list[Any], *, cluster: tuple[str, str]
) -> int:
    """INSERT INTO the summary table ``model`` the rows of ``select`` (one column per name in
    ``columns``, the primary key first); a row that exists is updated (ON CONFLICT DO UPDATE), so a
    refresh running next to another refresh or a rebuild never fails on a duplicate key.

    The rows go in ordered by ``cluster`` (municipality, date): after a rebuild the rows of one
    municipality lie together on disk, so its dashboard reads few pages.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    updates = ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in columns[1:])
    order = ", ".join(str(columns.index(column) + 1) for column in cluster)
    # "WHERE TRUE": SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT with joins.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT * FROM ({select}) s WHERE TRUE ORDER BY {order} "
        f"ON CONFLICT ({quote(columns[0])}) DO UPDATE SET {updates}"
    )  # only quoted identifiers, ordinals and ORM-compiled SQL are interpolated; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


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
               {_days_between("t.referred_on", "t.closed_on")}, t.end_reason, t.satisfaction_score,
               t.final_gas_t, t.final_gbo_mean, i.mean, CASE WHEN i.n > 0 THEN TRUE ELSE FALSE END,
               COALESCE(r.n, 0), CASE WHEN r.codes IS NULL THEN '' ELSE '|' || r.codes || '|' END,
               COALESCE(r.cost, 0),
               CASE WHEN f.fu6 = 1 THEN TRUE WHEN f.fu6 = 0 THEN FALSE END,
               CASE WHEN f.fu12 = 1 THEN TRUE WHEN f.fu12 = 0 THEN FALSE END,
               f.fu6_due, f.fu12_due
        FROM ({t_sql}) t
        LEFT JOIN ({i_sql}) i ON i.tid = t.tid
        LEFT JOIN ({r_sql}) r ON r.tid = t.tid
        LEFT JOIN ({f_sql}) f ON f.tid = t.tid
    """  # noqa: S608 - ORM-compiled SQL only; values are parameters
    params = [*t_params, *i_params, *r_params, *f_params]
    return _upsert(TrajectoryOutcome, _OUTCOME_COLUMNS, select, params, cluster=("municipality_id", "closed_on"))


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
    return _upsert(GateDecision, _GATE_COLUMNS, select, list(params), cluster=("municipality_id", "decided_on"))


def trajectory_outcomes_refresh(*, trajectory_ids: Iterable[int]) -> int:
    """Bring the monitoring summary of these trajectories up to date; returns the outcome rows written.

    - ``TrajectoryOutcome``: closed trajectories are written (insert or update); trajectories that
      are not (or no longer) closed, or no longer exist, lose their row.
    - ``GateDecision``: their decided module gate evaluations are written; decisions that were
      undone (the module evaluated again) lose their row.

    Set-based: four statements per 1000 ids, or four in all when ``trajectory_ids`` is a queryset
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
    return written


def trajectory_outcomes_refresh_declared(*, declaration_id: int) -> int:
    """A declaration was submitted or answered: the cost of its trajectories changed (declared
    amount instead of tariff). Refreshes them with the declaration's lines as a subquery."""
    from coachcare.declarations.models import DeclarationLine

    lines = DeclarationLine.objects.filter(declaration_id=declaration_id)
    return trajectory_outcomes_refresh(trajectory_ids=lines.values_list("module_run__trajectory_id", flat=True))


def trajectory_outcomes_rebuild() -> int:
    """Rebuild the whole monitoring summary (outcomes and gate decisions) from the source tables;
    returns the number of outcome rows (closed trajectories).

    One transaction (dashboards keep reading the old rows until it commits): delete every row,
    then per range of 1,000,000 trajectory ids one INSERT ... SELECT per table, ordered by
    municipality and date (``work_mem`` raised for the transaction on PostgreSQL). Then, on
    PostgreSQL, VACUUM ANALYZE (ANALYZE only when called inside a transaction). For after a bulk
    load (``generate_population``), after migrating to the summary, or after a change of a
    definition.
    """
    tables = [connection.ops.quote_name(model._meta.db_table) for model in (TrajectoryOutcome, GateDecision)]
    written = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '64MB'")  # the grouped derived tables stay in memory
            for table in tables:
                # One statement (a queryset delete may first collect the rows); only a quoted table name.
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        bounds = Trajectory.objects.aggregate(low=Min("pk"), high=Max("pk"))
        if bounds["low"] is not None:
            for start in range(bounds["low"], bounds["high"] + 1, REBUILD_CHUNK):

                def within(path: str, start: int = start) -> Q:
                    return Q(**{f"{path}__gte": start, f"{path}__lt": start + REBUILD_CHUNK})

                written += _outcomes_upsert(within)
                _gate_upsert(within)
    if connection.vendor == "postgresql":
        # VACUUM (outside a transaction only) drops the deleted rows from the indexes at once and
        # marks the pages all-visible; ANALYZE gives the planner the new statistics.
        maintenance = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{maintenance} {table}")
    return written


# --- annotations and reference cost --------------------------------------------------------------


def annotation_create(
    *,
    actor: User,
    indicator_code: str,
    period_from: datetime.date,
    period_to: datetime.date,
    text: str,
    municipality: Municipality | None = None,
    provider_id: int | None = None,
) -> Annotation:
    """Add the story behind a figure. Municipality staff annotate their municipality's figures,
    team leads and the administrator their provider's."""
    if not policy.can_annotate_figures(actor):
        raise PermissionError("This user may not annotate figures.")
    if municipality is not None and not policy.can_see_municipality_dashboard(actor, municipality.pk):
        raise PermissionError("Only the municipality's own staff annotate its figures.")
    if municipality is None and provider_id is None:
        raise ValidationError(_("An annotation belongs to a municipality or a provider."))
    if indicator_code not in ind.BY_CODE:
        raise ValidationError({"indicator_code": _("Unknown indicator.")})
    if period_to < period_from:
        raise ValidationError({"period_to": _("The end of the period cannot be before its start.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    return Annotation.objects.create(
        municipality=municipality,
        provider_id=provider_id if municipality is None else None,
        indicator_code=indicator_code,
        period_from=period_from,
        period_to=period_to,
        text=text,
        author=actor,
    )


def reference_cost_set(
    *, actor: User, municipality: Municipality, amount_cents: int, description: str = ""
) -> ReferenceCost:
    if not policy.can_set_reference_cost(actor, municipality.pk):
        raise PermissionError("Only the municipality's policy staff set its reference cost.")
    if amount_cents <= 0:
        raise ValidationError({"amount_cents": _("The reference cost must be more than zero.")})
    reference, _created = ReferenceCost.objects.update_or_create(
        municipality=municipality,
        defaults={"amount_cents": amount_cents, "description": description.strip(), "updated_by": actor},
    )
    return reference


# --- forecast alerts -----------------------------------------------------------------------------


def forecast_alerts_raise(*, municipality_id: int, on: datetime.date | None = None) -> list[ForecastAlert]:
    """Record an alert for every complete month of the last quarter whose spending deviates more
    than ``COACHCARE_FORECAST_DEVIATION`` from the forecast, and e-mail the budget holders (on
    commit). Idempotent: one alert (and one e-mail) per municipality per month."""
    forecast = selectors.forecast_build(municipality_id=municipality_id, on=on, months_back=3, months_ahead=0)
    created_alerts = []
    for month in forecast.deviations:
        alert, created = ForecastAlert.objects.get_or_create(
            municipality_id=municipality_id,
            month=month.month,
            defaults={
                "expected_cents": month.expected_cents,
                "actual_cents": month.actual_cents,
                "deviation": month.deviation or 0.0,
            },
        )
        if created:
            from coachcare.monitoring.tasks import forecast_alert_notify_task

            transaction.on_commit(functools.partial(forecast_alert_notify_task.enqueue, alert.pk))
            created_alerts.append(alert)
    return created_alerts


def forecast_store(*, municipality_id: int, on: datetime.date | None = None) -> selectors.Forecast:
    """Compute the municipality's forecast against actual and store it for the dashboard
    (``ForecastFigure``: its months replace the ones stored before)."""
    on = on or today()
    forecast = selectors.forecast_build(municipality_id=municipality_id, on=on)
    with transaction.atomic():
        ForecastFigure.objects.filter(municipality_id=municipality_id).delete()
        ForecastFigure.objects.bulk_create(
            ForecastFigure(
                municipality_id=municipality_id,
                month=month.month,
                expected_cents=month.expected_cents,
                actual_cents=month.actual_cents,
                complete=month.complete,
                completion_rate=forecast.completion_rate,
                computed_on=on,
            )
            for month in forecast.months
        )
    return forecast


@dataclasses.dataclass(frozen=True, kw_only=True)
class ForecastCheck:
    municipalities: int
    alerts: list[ForecastAlert]


def forecast_check_run(*, on: datetime.date | None = None) -> ForecastCheck:
    """The scheduled check (``manage.py forecast_check``, nightly): for every municipality with a
    contract, store the forecast its dashboard shows and raise the alerts. The dashboards only read."""
    municipality_ids = list(
        Municipality.objects.filter(contracts__isnull=False).values_list("pk", flat=True).distinct()
    )
    raised: list[ForecastAlert] = []
    for municipality_id in municipality_ids:
        forecast_store(municipality_id=municipality_id, on=on)
        raised += forecast_alerts_raise(municipality_id=municipality_id, on=on)
    return ForecastCheck(municipalities=len(municipality_ids), alerts=raised)


def forecast_alert_notify(*, alert_id: int) -> int:
    """Send the alert's e-mail to the municipality's policy staff. Returns the number of e-mails;
    0 when already sent (idempotent). Only money and a month: never anything about a client."""
    with transaction.atomic():
        alert = ForecastAlert.objects.select_for_update().select_related("municipality").filter(pk=alert_id).first()
        if alert is None or alert.notified_at is not None:
            return 0
        recipients = list(
            User.objects.filter(role=Role.GEMEENTE_BELEID, municipality_id=alert.municipality_id, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        month = formats.date_format(alert.month, "F Y")  # "december 2025"
        subject = _("Spending deviates from the forecast (%(month)s)") % {"month": month}
        body = _(
            "In %(month)s the spending on Coach & Care modules for %(municipality)s was %(actual)s, "
            "against a forecast of %(expected)s (%(deviation)s).\n\n"
            "Log in and open the municipality dashboard for the figures: %(link)s\n\n"
            "This e-mail was sent automatically."
        ) % {
            "month": month,
            "municipality": alert.municipality.name,
            "actual": format_euros(alert.actual_cents),
            "expected": format_euros(alert.expected_cents),
            "deviation": f"{alert.deviation * 100:+.0f}%",
            "link": reverse("monitoring:municipality"),
        }
        for email in recipients:
            send_mail(subject, body, None, [email])
        alert.notified_at = timezone.now()
        alert.save(update_fields=["notified_at"])
    return len(recipients)


# --- evidence report -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvidenceReport:
    pdf: bytes
    csv: str


def _report_context(
    *, municipality: Municipality, date_from: datetime.date, date_to: datetime.date, module_code: str, age_band: str
) -> dict[str, Any]:
    scope = ind.Scope(
        date_from=date_from,
        date_to=date_to,
        municipality_id=municipality.pk,
        module_code=module_code,
        age_band=age_band,
    )
    outcome_scope = selectors.municipality_outcome_scope(municipality_id=municipality.pk)
    annotations = selectors.annotations_for(scope=scope, outcome_scope=outcome_scope)
    figures = selectors.figures_build(scope=scope, suppress=outcome_scope.suppress, annotations=annotations)
    reference = selectors.reference_cost_of(municipality_id=municipality.pk)
    cost_success_row = figures.row("cost_success")
    cost_success = cost_success_row.figure
    comparison = None
    if reference is not None and cost_success.value is not None and not cost_success_row.total.suppressed:
        comparison = {
            "reference": format_euros(reference.amount_cents),
            "description": reference.description,
            "difference": format_euros(round(cost_success.value) - reference.amount_cents),
            "ratio": f"{cost_success.value / reference.amount_cents:.2f}",
        }
    intervals = []
    for row in figures.outcomes:
        figure = row.figure
        if figure.low is None or figure.high is None or row.total.suppressed:
            continue  # an interval reveals its figure: only beside a figure that is shown
        if figure.unit == ind.Unit.RATE:
            low, high = f"{figure.low * 100:.0f}%", f"{figure.high * 100:.0f}%"
        else:
            low, high = f"{figure.low:.2f}", f"{figure.high:.2f}"
        intervals.append({"indicator": row.indicator, "value": row.total, "low": low, "high": high})
    return {
        "municipality": municipality,
        # the period as counted: whole quarters (``selectors.whole_quarters``)
        "date_from": figures.scope.date_from,
        "date_to": figures.scope.date_to,
        "module_code": module_code,
        "age_band": age_band,
        "figures": figures,
        "intervals": intervals,
        "reference": reference,
        "comparison": comparison,
        "cohort_age": [(label, cell.text) for label, cell in figures.cohort_age],
        "cohort_end": [(label, cell.text) for label, cell in figures.cohort_end],
        "annotations": annotations,
        "indicators": ind.INDICATORS,
        "generated_on": today(),
    }


def _csv_of(context: dict[str, Any]) -> str:
    """The report's (suppressed) tables as CSV: one block per table."""
    figures: selectors.Figures = context["figures"]
    out = io.StringIO()
    writer = csv.writer(out)
    # Column headers, table names and labels in the reader's language (Dutch by default); the
    # "code" column keeps the indicator's code for programs.
    header = [
        _("table"),
        _("indicator"),
        _("code"),
        *figures.quarter_labels,
        _("total"),
        _("total: numerator/denominator"),
    ]
    writer.writerow(header)
    for table, rows in (
        (_("outcomes"), figures.outcomes),
        (_("gate decisions"), figures.gates),
        (_("waiting times"), figures.waiting),
    ):
        for row in rows:
            writer.writerow(
                [
                    table,
                    str(row.indicator.name),
                    row.indicator.code,
                    *[c.text for c in row.cells],
                    row.total.text,
                    row.total.detail,
                ]
            )
    for label, count in context["cohort_age"]:
        writer.writerow([_("cohort by age band"), label, "", *[""] * len(figures.quarters), count, ""])
    for label, count in context["cohort_end"]:
        writer.writerow([_("cohort by end reason"), label, "", *[""] * len(figures.quarters), count, ""])
    quality_labels = {
        "no_intake": _("Closed trajectories without intake scores"),
        "no_satisfaction": _("Closures without a satisfaction score"),
        "fu_missing": _("Follow-ups past their date and not recorded"),
    }
    for key, cell in figures.data_quality.items():
        row_label = quality_labels.get(key, key)
        writer.writerow([_("data quality"), row_label, key, *[""] * len(figures.quarters), cell.text, cell.detail])
    return out.getvalue()


def evidence_report_build(
    *,
    municipality: Municipality,
    date_from: datetime.date,
    date_to: datetime.date,
    module_code: str = "",
    age_band: str = "",
) -> EvidenceReport:
    """The evidence report of one municipality over a period: PDF (WeasyPrint) and CSV tables.

    ``module_code`` and ``age_band`` narrow it as the dashboard's filters do (the button passes
    what is on screen); the report says which filters it was made with.

    Aggregated figures with small-cell suppression only: no client data, so no access-log entry.
    """
    import weasyprint

    context = _report_context(
        municipality=municipality, date_from=date_from, date_to=date_to, module_code=module_code, age_band=age_band
    )
    html = render_to_string("monitoring/report.html", context)
    stylesheet = finders.find("coachcare/css/monitoring-print.css")
    stylesheets = [weasyprint.CSS(filename=str(stylesheet))] if stylesheet else []
    pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=stylesheets)
    return EvidenceReport(pdf=bytes(pdf or b""), csv=_csv_of(context))


# --- pseudonymised research export ---------------------------------------------------------------

RESEARCH_COLUMNS = [
    "pseudonym",
    "age_band",
    "municipality_code",
    "status",
    "modules",
    "intake_gbo_mean",
    "final_gbo_mean",
    "final_gas_t",
    "end_reason",
    "satisfaction",
    "renewed_care_6m",
    "renewed_care_12m",
    "duration_weeks",
    "cost_cents",
]
EXPORT_CHUNK = 2000


def research_key() -> bytes:
    key = getattr(settings, "COACHCARE_RESEARCH_KEY", "")
    if not key:
        raise ImproperlyConfigured("Set COACHCARE_RESEARCH_KEY to produce a research export.")
    if key == getattr(settings, "COACHCARE_HASH_KEY", None):
        raise ImproperlyConfigured("COACHCARE_RESEARCH_KEY must differ from COACHCARE_HASH_KEY.")
    return key.encode()


def research_pseudonym(*, bsn_hash: str, key: bytes) -> str:
    """Keyed pseudonym of a young person: HMAC-SHA256 over the (already keyed) BSN hash.

    Stable for the same person and key (also across providers), unlinkable without the key.
    """
    return hmac.new(key, f"coachcare-research:{bsn_hash}".encode(), hashlib.sha256).hexdigest()


def _age_band(age: int | None) -> str:
    if age is None:
        return ""
    return next((code for code, (_l, low, high) in ind.AGE_BANDS.items() if low <= age <= high), "other")


def _bool(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _research_rows(*, municipality_id: int | None, key: bytes) -> Iterator[tuple[list[str], Any]]:
    trajectories = Trajectory.objects.all()
    if municipality_id is not None:
        trajectories = trajectories.filter(client__municipality_id=municipality_id)
    intake = (
        GoalScore.objects.filter(goal__trajectory=OuterRef("pk"), module_run__isnull=True)
        .values("goal__trajectory")
        .annotate(mean=Avg("gbo"))
        .values("mean")
    )
    follow_up = FollowUp.objects.filter(trajectory=OuterRef("pk"))
    rows = (
        trajectories.annotate(
            age=ind.age_at_referral(),
            intake_gbo=Subquery(intake, output_field=FloatField()),
            fu6=Subquery(follow_up.filter(months=6).values("needed_care_again")[:1]),
            fu12=Subquery(follow_up.filter(months=12).values("needed_care_again")[:1]),
            cost_cents=ind.trajectory_cost(),
            bsn_hash=F("client__bsn_hash"),
            municipality_code=F("client__municipality__code"),
            client_public_id=F("client__public_id"),
        )
        .order_by("pk")
        .values(
            "pk", "age", "intake_gbo", "fu6", "fu12", "cost_cents", "bsn_hash", "municipality_code",
            "client_public_id", "status", "final_gbo_mean", "final_gas_t", "end_reason", "satisfaction_score",
            "referred_on", "closed_on",
        )
    )  # fmt: skip
    last_pk = 0
    while True:
        chunk = list(rows.filter(pk__gt=last_pk)[:EXPORT_CHUNK])
        if not chunk:
            return
        last_pk = chunk[-1]["pk"]
        modules: dict[int, list[str]] = {}
        for trajectory_id, code in (
            ModuleRun.objects.filter(trajectory_id__in=[r["pk"] for r in chunk])
            .order_by("trajectory_id", "sequence")
            .values_list("trajectory_id", "module__code")
        ):
            modules.setdefault(trajectory_id, []).append(code)
        for r in chunk:
            weeks = (r["closed_on"] - r["referred_on"]).days / 7 if r["closed_on"] else None
            yield (
                [
                    research_pseudonym(bsn_hash=r["bsn_hash"], key=key),
                    _age_band(r["age"]),
                    r["municipality_code"],
                    "closed" if r["closed_on"] else "open",
                    " ".join(modules.get(r["pk"], [])),
                    _number(r["intake_gbo"]),
                    _number(r["final_gbo_mean"]),
                    _number(r["final_gas_t"], 1),
                    r["end_reason"],
                    _number(r["satisfaction_score"]),
                    _bool(r["fu6"]),
                    _bool(r["fu12"]),
                    _number(weeks, 1),
                    str(r["cost_cents"] or 0),
                ],
                r["client_public_id"],
            )


def research_export(
    *,
    out: IO[str],
    municipality: Municipality | None = None,
    actor: User | None = None,
    address: str = "manage.py research_export",
) -> int:
    """Write the pseudonymised research export (CSV, one row per trajectory) and log an EXPORT
    entry per young person exported. Never the BSN, names, birth date (only the age band), public
    ids or free text. Returns the number of rows."""
    key = research_key()
    writer = csv.writer(out)
    writer.writerow(RESEARCH_COLUMNS)
    count = 0
    logged: list[AccessLogEntry] = []
    now = timezone.now()
    for row, client_public_id in _research_rows(municipality_id=municipality.pk if municipality else None, key=key):
        writer.writerow(row)
        count += 1
        logged.append(
            AccessLogEntry(
                timestamp=now,
                event=AccessLogEntry.Event.EXPORT,
                action="research.export",
                client_public_id=client_public_id,
                user_id=actor.pk if actor else None,
                username=actor.get_username() if actor else "manage.py research_export",
                user_display_name=actor.display_name if actor else "",
                role=actor.role if actor else "",
                channel=AccessLogEntry.Channel.COMMAND,
                access_point=address[:200],
            )
        )
        if len(logged) >= EXPORT_CHUNK:
            AccessLogEntry.objects.bulk_create(logged)
            logged = []
    if logged:
        AccessLogEntry.objects.bulk_create(logged)
    return count


def research_export_to(path: Path, *, municipality: Municipality | None = None) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        return research_export(out=handle, municipality=municipality)

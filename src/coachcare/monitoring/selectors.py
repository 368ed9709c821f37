"""Reads for the monitoring dashboards: figures per quarter, gate statistics, forecast, annotations.

A dashboard page costs a fixed number of queries whatever the data size: one grouped query for the
outcomes, one for the gate decisions, one for the annotations and (municipality) one for the
stored forecast. Figures are formatted here, with small-cell suppression where the viewer is outside the
provider (``suppress=True``: the municipality).
"""

import calendar
import dataclasses
import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.contracts.models import GRANTED_STATUSES, Allocation
from coachcare.contracts.money import format_euros
from coachcare.core.dates import today
from coachcare.method.models import Module
from coachcare.monitoring import indicators as ind
from coachcare.monitoring.indicators import Figure, Scope, Unit
from coachcare.monitoring.models import Annotation, ForecastAlert, ForecastFigure, ReferenceCost
from coachcare.trajectories.models import ModuleRun


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutcomeScope:
    """Whose outcomes a user sees and whether small counts are suppressed for them."""

    owner: dict[str, int | None]  # municipality_id, team_id or provider_id (empty: all, the administrator)
    suppress: bool  # outside the provider (the municipality): counts below 5 suppressed
    label: str  # "municipality", "team", "provider" or "all"
    #: Whose annotations the user sees next to the figures: exactly one owner (a municipality or a
    #: provider), or ``None`` for none at all. Never "no owner": that would match every annotation.
    annotation_owner: dict[str, int] | None = None


def provider_owner(actor: User) -> dict[str, int | None]:
    """The part of the provider a provider user's figures cover: a team lead their team, the
    administrator of a provider that provider, the platform administrator everything."""
    if actor.role == Role.TEAMLEIDER:
        return {"team_id": actor.team_id}
    return {"provider_id": actor.provider_id} if actor.provider_id else {}


def municipality_outcome_scope(*, municipality_id: int) -> OutcomeScope:
    """The municipality dashboard's figures: that municipality, counts below 5 suppressed (the
    municipality is outside the provider: aggregated data only)."""
    return OutcomeScope(
        owner={"municipality_id": municipality_id},
        suppress=True,
        label="municipality",
        annotation_owner={"municipality_id": municipality_id},
    )


def provider_outcome_scope(*, actor: User) -> OutcomeScope:
    """The provider dashboard's figures: the actor's part of the provider (``provider_owner``),
    exact counts (the provider treats these young people). Annotations: those of the actor's own
    provider; the platform administrator (no provider) sees none, since annotations stay with the
    municipality or provider that wrote them."""
    owner = provider_owner(actor)
    label = "team" if "team_id" in owner else "provider" if owner else "all"
    annotation_owner = {"provider_id": actor.provider_id} if actor.provider_id is not None else None
    return OutcomeScope(owner=owner, suppress=False, label=label, annotation_owner=annotation_owner)


def outcome_scope_for(*, actor: User) -> OutcomeScope | None:
    """The dashboards' rule for one user: municipality staff their municipality (suppressed), team
    leads and the administrator their part of the provider (exact); ``None`` for everyone else."""
    if policy.can_see_municipality_dashboard(actor) and actor.municipality_id is not None:
        return municipality_outcome_scope(municipality_id=actor.municipality_id)
    if policy.can_see_provider_dashboard(actor):
        return provider_outcome_scope(actor=actor)
    return None


#: Indicators drawn as bar charts on the dashboards (the table holds all of them).
CHARTED = ("closed", "dropout", "satisfied", "goal_3_4", "cost")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Cell:
    text: str
    detail: str = ""  # numerator and denominator, for the table and the chart's <title>
    suppressed: bool = False
    value: float | None = None  # for charts: None when suppressed or not computable


def format_value(figure: Figure) -> str:
    if figure.value is None:
        return "–"
    match figure.unit:
        case Unit.RATE:
            return f"{figure.value * 100:.0f}%"
        case Unit.CENTS:
            return format_euros(round(figure.value))
        case Unit.DAYS:
            return _("%(days)s days") % {"days": f"{figure.value:.0f}"}
        case Unit.COUNT:
            return str(int(figure.value))
    return f"{figure.value:.1f}"


def _count_text(value: float, suppress: bool) -> str:
    if suppress and value < ind.SUPPRESS_BELOW:
        return "<5"
    return f"{value:.0f}"


def cell_of(figure: Figure, *, suppress: bool) -> Cell:
    """A table cell: the value with numerator and denominator, or "<5" when suppressed."""
    if suppress and figure.suppressed():
        return Cell(text="<5", detail=_("fewer than 5: not shown"), suppressed=True)
    text = format_value(figure)
    if figure.unit == Unit.COUNT:
        return Cell(text=text, value=figure.value)
    denominator = _count_text(figure.denominator, suppress)
    if figure.unit == Unit.RATE:
        detail = _("%(numerator)s of %(denominator)s") % {
            "numerator": _count_text(figure.numerator, suppress),
            "denominator": denominator,
        }
    else:
        detail = _("n = %(denominator)s") % {"denominator": denominator}
    return Cell(text=text, detail=detail, value=figure.value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class IndicatorRow:
    indicator: ind.Indicator
    cells: list[Cell]  # one per quarter
    total: Cell
    figure: Figure  # the total over the period (unsuppressed: for the report's intervals only)
    annotations: list[Annotation]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Figures:
    scope: Scope
    suppress: bool
    quarters: list[datetime.date]
    outcomes: list[IndicatorRow]
    gates: list[IndicatorRow]
    data_quality: dict[str, Cell]
    total_row: dict[str, Any]

    @property
    def quarter_labels(self) -> list[str]:
        return [ind.quarter_label(q) for q in self.quarters]

    def row(self, code: str) -> IndicatorRow:
        return next(r for r in (*self.outcomes, *self.gates) if r.indicator.code == code)


def _quarters(scope: Scope) -> list[datetime.date]:
    quarters = []
    current = ind.quarter_start(scope.date_from)
    while current <= scope.date_to:
        quarters.append(current)
        month = current.month + 3
        current = datetime.date(current.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return quarters


def annotations_for(*, scope: Scope, outcome_scope: OutcomeScope) -> QuerySet[Annotation]:
    """The annotations of the outcome scope's owner (``OutcomeScope.annotation_owner``: one
    municipality or one provider) whose period overlaps the scope's period; none without an owner."""
    owner = outcome_scope.annotation_owner
    if not owner or any(value is None for value in owner.values()):
        return Annotation.objects.none()
    return (
        Annotation.objects.filter(**owner, period_from__lte=scope.date_to, period_to__gte=scope.date_from)
        .select_related("author")
        .order_by("indicator_code", "period_from", "created_at")
    )


def figures_build(
    *,
    scope: Scope,
    suppress: bool,
    annotations: QuerySet[Annotation] | None = None,
    on: datetime.date | None = None,
) -> Figures:
    """Every indicator per quarter and over the period: two grouped queries (+ one for annotations)."""
    quarters = _quarters(scope)
    outcome_by_quarter = {row["quarter"]: row for row in ind.outcome_rows(scope, on=on)}
    gate_by_quarter = {row["quarter"]: row for row in ind.gate_rows(scope)}
    by_code: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations if annotations is not None else []:
        by_code[annotation.indicator_code].append(annotation)

    outcome_total = ind.total_row(outcome_by_quarter.values())
    gate_total = ind.total_row(gate_by_quarter.values())
    outcome_per_quarter = [ind.figures_from(outcome_by_quarter.get(q, {})) for q in quarters]
    gate_per_quarter = [ind.gate_figures_from(gate_by_quarter.get(q, {})) for q in quarters]
    outcome_totals = ind.figures_from(outcome_total)
    gate_totals = ind.gate_figures_from(gate_total)

    def rows(
        codes: tuple[str, ...], per_quarter: list[dict[str, Figure]], totals: dict[str, Figure]
    ) -> list[IndicatorRow]:
        return [
            IndicatorRow(
                indicator=ind.BY_CODE[code],
                cells=[cell_of(figures[code], suppress=suppress) for figures in per_quarter],
                total=cell_of(totals[code], suppress=suppress),
                figure=totals[code],
                annotations=by_code.get(code, []),
            )
            for code in codes
        ]

    closed = int(outcome_total.get("closed", 0))
    follow_ups_missing = int(outcome_total.get("fu_missing", 0))

    def quality(count: int, of: int) -> Cell:
        shown = _count_text(count, suppress)
        return Cell(text=shown, detail=_("of %(total)s") % {"total": _count_text(of, suppress)})

    return Figures(
        scope=scope,
        suppress=suppress,
        quarters=quarters,
        outcomes=rows(ind.OUTCOME_CODES, outcome_per_quarter, outcome_totals),
        gates=rows(ind.GATE_CODES, gate_per_quarter, gate_totals),
        data_quality={
            "no_intake": quality(int(outcome_total.get("no_intake", 0)), closed),
            "no_satisfaction": quality(int(outcome_total.get("no_satisfaction", 0)), closed),
            "fu_missing": quality(follow_ups_missing, closed),
        },
        total_row=outcome_total,
    )


def module_choices() -> list[tuple[str, str]]:
    """Module codes for the filter form (one query)."""
    seen: dict[str, str] = {}
    for code, name in Module.objects.order_by("sequence", "code").values_list("code", "name"):
        seen.setdefault(code, f"{code} {name}")
    return list(seen.items())


def reference_cost_of(*, municipality_id: int) -> ReferenceCost | None:
    return ReferenceCost.objects.filter(municipality_id=municipality_id).first()


# --- forecast against actual ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ForecastMonth:
    month: datetime.date
    expected_cents: int
    actual_cents: int
    complete: bool  # the month is over: only complete months are compared

    @property
    def deviation(self) -> float | None:
        if not self.complete or self.expected_cents <= 0:
            return None
        return (self.actual_cents - self.expected_cents) / self.expected_cents

    @property
    def exceeds(self) -> bool:
        deviation = self.deviation
        return deviation is not None and abs(deviation) > forecast_threshold()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Forecast:
    months: list[ForecastMonth]
    completion_rate: float
    threshold: float
    #: The day the scheduled check computed it; ``None``: computed just now.
    computed_on: datetime.date | None = None

    @property
    def deviations(self) -> list[ForecastMonth]:
        return [m for m in self.months if m.exceeds]


def forecast_threshold() -> float:
    return float(getattr(settings, "COACHCARE_FORECAST_DEVIATION", 0.10))


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(first: datetime.date) -> datetime.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def forecast_build(
    *, municipality_id: int, on: datetime.date | None = None, months_back: int = 12, months_ahead: int = 3
) -> Forecast:
    """Expected against actual spending per month for one municipality (three queries).

    - Expected: the budget of every granted allocation (approved or ended) spread evenly over the
      days of its period, times the completion rate.
    - Completion rate: of the allocations whose period is over, the share of the allocated volume
      that was delivered (volume used / volume); 1.0 when there is no history yet.
    - Actual: per module run, the declared amount (month of the end of the declared delivery) or,
      when not declared yet, its contract tariff (month the module finished: delivered × tariff).
    """
    on = on or today()
    first = _add_months(_month_start(on), -months_back)
    last = _month_end(_add_months(_month_start(on), months_ahead))
    granted = Allocation.objects.filter(contract__municipality_id=municipality_id, status__in=GRANTED_STATUSES)
    history = granted.filter(end_date__lt=on).aggregate(used=Sum("volume_used"), volume=Sum("volume"))
    completion = (history["used"] or 0) / history["volume"] if history["volume"] else 1.0
    spreads = (
        granted.filter(start_date__lte=last, end_date__gte=first, budget_cents__isnull=False)
        .order_by()
        .values("start_date", "end_date")
        .annotate(total=Sum("budget_cents"))
    )
    expected: dict[datetime.date, float] = defaultdict(float)
    for spread in spreads:
        start: datetime.date = spread["start_date"]  # type: ignore[assignment]
        end: datetime.date = spread["end_date"]  # type: ignore[assignment]
        total = float(spread["total"])
        days = (end - start).days + 1
        month = _month_start(max(start, first))
        while month <= min(end, last):
            overlap = (min(end, _month_end(month)) - max(start, month)).days + 1
            expected[month] += total * overlap / days
            month = _add_months(month, 1)

    from coachcare.declarations.models import DeclarationStatus

    declared = Q(declaration_line__declaration__status__in=[DeclarationStatus.SUBMITTED, DeclarationStatus.ANSWERED])
    actual_rows = (
        ModuleRun.objects.filter(allocation__contract__municipality_id=municipality_id)
        .filter(declared | Q(finished_on__isnull=False))
        .annotate(month=TruncMonth(Coalesce("declaration_line__einddatum", "finished_on")))
        .filter(month__gte=first, month__lte=last)
        .order_by()
        .values("month")
        .annotate(total=Sum(ind.module_cost_expression()))
    )
    actual = {ind._as_date(row["month"]): int(row["total"] or 0) for row in actual_rows}
    months = []
    month = first
    while month <= last:
        months.append(
            ForecastMonth(
                month=month,
                expected_cents=round(expected.get(month, 0.0) * completion),
                actual_cents=actual.get(month, 0),
                complete=_month_end(month) < on,
            )
        )
        month = _add_months(month, 1)
    return Forecast(months=months, completion_rate=completion, threshold=forecast_threshold())


def forecast_of(*, municipality_id: int) -> Forecast:
    """The forecast the dashboard shows: as stored by the scheduled check (``forecast_check``, one
    query), or computed now (``forecast_build``, three queries over all allocations and module runs
    of the municipality) while the check has not stored one yet."""
    figures = list(ForecastFigure.objects.filter(municipality_id=municipality_id).order_by("month"))
    if not figures:
        return forecast_build(municipality_id=municipality_id)
    return Forecast(
        months=[
            ForecastMonth(
                month=figure.month,
                expected_cents=figure.expected_cents,
                actual_cents=figure.actual_cents,
                complete=figure.complete,
            )
            for figure in figures
        ],
        completion_rate=figures[0].completion_rate,
        threshold=forecast_threshold(),
        computed_on=figures[0].computed_on,
    )


def forecast_alerts_of(*, municipality_id: int, limit: int = 6) -> list[ForecastAlert]:
    return list(ForecastAlert.objects.filter(municipality_id=municipality_id).order_by("-month")[:limit])


# --- cohort (evidence report) --------------------------------------------------------------------


def cohort_by_age_band(scope: Scope) -> dict[str, int]:
    """Closed trajectories in scope per age band at referral (one grouped query on the summary)."""
    counts: dict[str, int] = dict.fromkeys(ind.AGE_BANDS, 0)
    counts["other"] = 0
    rows = ind.closed_outcomes(scope).order_by().values("age_at_referral").annotate(n=Count("pk"))
    for row in rows:
        age = row["age_at_referral"] or 0
        band = next((code for code, (_l, low, high) in ind.AGE_BANDS.items() if low <= age <= high), "other")
        counts[band] += row["n"]
    return counts


def cohort_by_end_reason(scope: Scope) -> dict[str, int]:
    rows = ind.closed_outcomes(scope).order_by().values("end_reason").annotate(n=Count("pk"))
    return {row["end_reason"] or "": row["n"] for row in rows}

"""Reads for the monitoring dashboards: figures per quarter, gate statistics, forecast, annotations.

A dashboard page costs a fixed number of queries whatever the data size: one grouped query for the
outcomes, one for the gate decisions, one for the waiting times (all three over the monitoring
summary tables), one for the annotations and
(municipality) one for the stored forecast. Figures are formatted here, with small-cell suppression
(``core.suppression``) where the viewer is outside the provider (``suppress=True``: the
municipality).
"""

import calendar
import dataclasses
import datetime
import hashlib
from collections import defaultdict
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.contracts.models import GRANTED_STATUSES, Allocation, Contract, InstalmentStatus, LumpSumInstalment
from coachcare.contracts.money import format_euros
from coachcare.core import suppression
from coachcare.core.dates import add_months, today
from coachcare.core.prepared import PreparedQuery
from coachcare.declarations.models import DeclarationStatus
from coachcare.method.models import Module
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import statistics
from coachcare.monitoring.indicators import Figure, Scope, Unit
from coachcare.monitoring.models import (
    Annotation,
    ComparisonTrajectory,
    ForecastAlert,
    ForecastFigure,
    Pilot,
    QuarterlyReview,
    ReferenceCost,
    ReviewAction,
    TrajectoryOutcome,
)
from coachcare.municipalities import selectors as municipality_selectors
from coachcare.municipalities.models import Municipality, Region
from coachcare.trajectories.models import EndReason, ModuleRun


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutcomeScope:
    """Whose outcomes a user sees and whether small counts are suppressed for them."""

    owner: dict[str, int | None]  # municipality_id, team_id or provider_id (empty: all, the administrator)
    suppress: bool  # outside the provider (the municipality): counts below 5 suppressed
    label: str  # "municipality", "team", "provider" or "all"
    #: Whose annotations the user sees next to the figures: exactly one owner (a municipality or a
    #: provider), or ``None`` for none at all. Never "no owner": that would match every annotation.
    annotation_owner: dict[str, int] | None = None


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
    """The provider dashboard's figures: the actor's part of the provider (``policy.provider_figures_owner``),
    exact counts (the provider treats these young people). Annotations: those of the actor's own
    provider; the platform administrator (no provider) sees none, since annotations stay with the
    municipality or provider that wrote them."""
    owner = policy.provider_figures_owner(actor)
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
CHARTED = ("closed", "dropout", "satisfied_youth", "goal_3_4", "cost")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Cell:
    text: str
    detail: str = ""  # numerator and denominator, for the table and the chart's <title>
    suppressed: bool = False
    value: float | None = None  # for charts: None when suppressed or not computable


@dataclasses.dataclass(frozen=True, slots=True)
class CellTexts:
    """The translated texts of the table cells, looked up once per table rather than once per cell."""

    hidden: str
    rate_detail: str
    mean_detail: str
    days: str
    working_days: str


def cell_texts() -> CellTexts:
    """The cells' texts in the active language."""
    return CellTexts(
        hidden=_("not shown: small numbers"),
        rate_detail=_("%(numerator)s of %(denominator)s"),
        mean_detail=_("n = %(denominator)s"),
        days=_("%(days)s days"),
        working_days=_("%(days)s working days"),
    )


def format_value(figure: Figure, *, texts: CellTexts | None = None, unit: str | None = None) -> str:
    """The figure as the tables print it (``texts``, ``unit``: those of the figure, when at hand)."""
    if figure.value is None:
        return "–"
    match unit or figure.unit:
        case Unit.RATE:
            return f"{figure.value * 100:.0f}%"
        case Unit.CENTS:
            return format_euros(round(figure.value))
        case Unit.DAYS:
            return (texts or cell_texts()).days % {"days": f"{figure.value:.0f}"}
        case Unit.WORKING_DAYS:
            return (texts or cell_texts()).working_days % {"days": f"{figure.value:g}"}
        case Unit.COUNT:
            return str(int(figure.value))
    return f"{figure.value:.1f}"


#: The counts behind each indicator, by aggregate name (``indicators._aggregates``, ``gate_rows``):
#: code -> (numerator, denominator). A count is its own numerator; a mean has no count numerator.
COUNTS_OF: dict[str, tuple[str | None, str]] = {
    "closed": ("closed", "closed"),
    "dropout": ("dropout", "closed"),
    **ind.INFORMANT_RATES,
    "goal_3_2_6": ("fu6_again", "fu6_n"),
    "goal_3_2_12": ("fu12_again", "fu12_n"),
    "goal_3_3": ("gbo_up", "gbo_n"),
    "goal_3_4": ("gas_ok", "gas_n"),
    "duration": (None, "closed"),
    "modules": (None, "closed"),
    "cost": (None, "closed"),
    "cost_success": (None, "gas_ok"),
    "gate_stop": ("advice_stop", "decided"),
    "gate_continue": ("advice_continue", "decided"),
    "gate_step_up": ("advice_step_up", "decided"),
    "gate_deviated": ("deviated", "decided"),
    "wait_contact": (None, "wc_n_days"),
    "wait_contact_norm": ("wc_ok", "wc_n"),
    "wait_module": (None, "wm_n_days"),
    "wait_module_norm": ("wm_ok", "wm_n"),
}
#: Counts published for the whole period only: data quality and the cohort tables (age band, end reason).
PERIOD_COUNTS = (
    "no_intake",
    "no_satisfaction",
    "fu_missing",
    *(f"er_{code}" for code in ind.END_REASON_CODES),
    *(f"age_{code}" for code in ind.AGE_BANDS),
    "age_other",
)
TOTAL = "T"  # the column of the whole period; quarters are 0, 1, ...
#: The cell names every column publishes: the numerators and denominators of ``COUNTS_OF``.
_PUBLISHED_NAMES = frozenset(name for pair in COUNTS_OF.values() for name in pair if name is not None)
#: How long the outcome of ``tables_protect`` is remembered (keyed by its whole input: never stale).
SUPPRESSION_CACHE_SECONDS = 24 * 60 * 60


#: The rates' (numerator, denominator) pairs whose complement ``denominator-numerator`` is computable.
_RATE_PAIRS: tuple[tuple[str, str], ...] = tuple(
    {(v[0], v[1]) for v in COUNTS_OF.values() if v[0] is not None and v[0] != v[1]}
)
#: The denominators of the rates per type informant.
_INFORMANTS = sorted({denominator for _numerator, denominator in ind.INFORMANT_RATES.values()})
#: The relations inside one column besides the rates': (total, parts) by cell name.
_COLUMN_SUMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wc_n", ("wc_n_days", "wc_waiting")),
    ("wm_n", ("wm_n_days", "wm_waiting")),
    ("closed", ("no_intake", "closed-no_intake")),
    ("closed", ("useful_youth_n", "no_satisfaction")),
    *(("closed", (n, f"closed-{n}")) for n in _INFORMANTS),
    ("decided", ("advice_stop", "advice_continue", "advice_step_up")),
    ("closed", tuple(f"er_{code}" for code in ind.END_REASON_CODES)),
    ("dropout", tuple(f"er_{code}" for code in ind.DROP_OUT_CODES)),
    ("closed", (*(f"age_{code}" for code in ind.AGE_BANDS), "age_other")),
)


def _relations_of(column: int | str, row: dict[str, Any]) -> list[suppression.Relation]:
    """How the counts of one column add up; fills in ``row`` the complements (never published
    themselves, but computable from what is)."""
    get = row.get
    for numerator, denominator in _RATE_PAIRS:
        row[f"{denominator}-{numerator}"] = get(denominator, 0) - get(numerator, 0)
    row["wc_waiting"] = get("wc_n", 0) - get("wc_n_days", 0)  # still waiting past the norm
    row["wm_waiting"] = get("wm_n", 0) - get("wm_n_days", 0)
    row["closed-no_intake"] = get("closed", 0) - get("no_intake", 0)
    # the closed trajectories without an informant's own answer (not published, but computable)
    for denominator in _INFORMANTS:
        row[f"closed-{denominator}"] = get("closed", 0) - get(denominator, 0)
    row["age_other"] = get("closed", 0) - sum([get(f"age_{code}", 0) for code in ind.AGE_BANDS])
    return [
        *[
            suppression.Relation((denominator, column), ((numerator, column), (f"{denominator}-{numerator}", column)))
            for numerator, denominator in _RATE_PAIRS
        ],
        *[
            suppression.Relation((total, column), tuple([(part, column) for part in parts]))
            for total, parts in _COLUMN_SUMS
        ],
    ]


def tables_protect(*, quarter_rows: list[dict[str, Any]], total: dict[str, Any]) -> suppression.Protection:
    """Primary and complementary suppression over every table a municipality gets for one scope:
    the indicators per quarter and over the period, data quality and the cohort tables (the rows
    hold the outcome and the gate aggregates together). ``suppression`` holds the rule."""
    rows: dict[int | str, dict[str, Any]] = {index: dict(row) for index, row in enumerate(quarter_rows)}
    rows[TOTAL] = dict(total)
    relations: list[suppression.Relation] = []
    for column, row in rows.items():
        relations += _relations_of(column, row)
    values: dict[suppression.Key, int] = {
        (name, column): int(value or 0) for column, row in rows.items() for name, value in row.items()
    }
    names = {str(key[0]) for key in values}  # type: ignore[index]
    quarters = [column for column in rows if column != TOTAL]
    # the quarters sum to the period (the scope is whole quarters)
    relations += [suppression.Relation((name, TOTAL), tuple([(name, column) for column in quarters])) for name in names]
    published: set[tuple[str, int | str]] = {(name, column) for column in rows for name in _PUBLISHED_NAMES}
    # a rate not shown (over fewer than 10, or (nearly) 100%): nor computable from its counts
    forced: set[tuple[str, int | str]] = {
        (numerator, column)
        for column in rows
        for numerator, denominator in _RATE_PAIRS
        if (top := values.get((numerator, column), 0)) > 0
        and (
            (bottom := values.get((denominator, column), 0)) < suppression.RATE_DENOMINATOR_BELOW
            or bottom - top < suppression.RATE_NUMERATOR_BELOW
        )
    }
    published |= {(name, TOTAL) for name in PERIOD_COUNTS}
    # The outcome is a pure function of the cells, the relations and the rule: remembered under a
    # digest of all of them (never stale; only cell names in the cache, no figures of a person).
    # Computing it costs some 700,000 Python calls for a municipality's dashboard.
    digest = hashlib.sha256(
        repr(
            (
                sorted(values.items(), key=repr),
                sorted(published, key=repr),
                sorted(forced, key=repr),
                sorted(map(repr, [(relation.total, relation.parts) for relation in relations])),
            )
        ).encode()
    ).hexdigest()
    key = f"monitoring:suppression:v2:{digest}"
    hidden = cache.get(key)
    if isinstance(hidden, frozenset):
        return suppression.Protection(values=values, published=frozenset(published), hidden=hidden)
    protection = suppression.protect(
        values=values,
        published=published,
        relations=relations,
        forced=forced,
        keep=_keep,
    )
    cache.set(key, protection.hidden, timeout=SUPPRESSION_CACHE_SECONDS)
    return protection


def _keep(cell: suppression.Key) -> tuple[bool, bool]:
    """Which cell to hide first where there is a choice: quarters before the period, and the closed
    trajectories (the base of every rate) last."""
    assert isinstance(cell, tuple)
    return (cell[0] == "closed", cell[1] == TOTAL)


def cell_of(
    figure: Figure, *, protection: suppression.Protection | None, column: int | str, texts: CellTexts | None = None
) -> Cell:
    """A table cell: the value with numerator and denominator; outside the provider (``protection``)
    the mark "x" where ``suppression`` hides it. ``texts``: ``cell_texts()``, once for many cells."""
    texts = texts or cell_texts()
    numerator, denominator = COUNTS_OF[figure.code]
    if protection is not None:
        if numerator is None:
            visible = protection.mean_visible((denominator, column))
        elif numerator == denominator:
            visible = protection.count_visible((numerator, column))
        else:
            visible = protection.rate_visible((numerator, column), (denominator, column))
        if not visible:
            return Cell(text=suppression.MARK, detail=texts.hidden, suppressed=True)
    unit = figure.unit
    text = format_value(figure, texts=texts, unit=unit)
    if unit == Unit.COUNT:
        return Cell(text=text, value=figure.value)
    if unit == Unit.RATE:
        detail = texts.rate_detail % {
            "numerator": f"{figure.numerator:.0f}",
            "denominator": f"{figure.denominator:.0f}",
        }
    else:
        detail = texts.mean_detail % {"denominator": f"{figure.denominator:.0f}"}
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
    #: Waiting times per quarter of referral (a population of its own: trajectories referred in the period).
    waiting: list[IndicatorRow]
    waiting_norm: int
    data_quality: dict[str, Cell]
    #: The cohort tables (closed trajectories over the period): (label, cell) per age band at
    #: referral and per end reason (JZ588; "–": none recorded), every one listed, suppressed as the rest.
    cohort_age: list[tuple[str, Cell]]
    cohort_end: list[tuple[str, Cell]]
    total_row: dict[str, Any]

    @property
    def quarter_labels(self) -> list[str]:
        return [ind.quarter_label(q) for q in self.quarters]

    def row(self, code: str) -> IndicatorRow:
        return next(r for r in (*self.outcomes, *self.gates, *self.waiting) if r.indicator.code == code)


def _quarters(scope: Scope) -> list[datetime.date]:
    quarters = []
    current = ind.quarter_start(scope.date_from)
    while current <= scope.date_to:
        quarters.append(current)
        month = current.month + 3
        current = datetime.date(current.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return quarters


def _annotations_of(owner_column: str) -> PreparedQuery[Annotation]:
    """The annotations of one owner (``municipality_id`` or ``provider_id``) overlapping a period."""

    def build(owner: int, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Annotation]:
        mine = Q(**{owner_column: owner})
        if owner_column == "municipality_id":  # and the providers' comments shared with this municipality
            mine |= Q(shared_with_id=owner)
        return (
            Annotation.objects.filter(mine, period_from__lte=date_to, period_to__gte=date_from)
            .select_related("author", "provider", "municipality")
            .order_by("indicator_code", "period_from", "created_at")
        )

    return PreparedQuery(build, owner=int, date_from=datetime.date, date_to=datetime.date)


#: Prepared (``core.prepared``): the SQL is compiled once per process, each page runs it with its values.
_ANNOTATIONS_OF = {column: _annotations_of(column) for column in ("municipality_id", "provider_id")}


def annotations_for(*, scope: Scope, outcome_scope: OutcomeScope) -> list[Annotation]:
    """The annotations of the outcome scope's owner (``OutcomeScope.annotation_owner``: one
    municipality or one provider) whose period overlaps the scope's period; none without an owner.
    A municipality also sees the providers' annotations shared with it."""
    owner = outcome_scope.annotation_owner
    if not owner or any(value is None for value in owner.values()):
        return []
    ((column, owner_id),) = owner.items()
    return _ANNOTATIONS_OF[column].all(owner=owner_id, date_from=scope.date_from, date_to=scope.date_to)


def whole_quarters(scope: Scope) -> Scope:
    """The scope widened to whole calendar quarters: outside the provider a period is always a sum
    of the quarters shown, so two periods that differ by a few days cannot be subtracted."""
    start = ind.quarter_start(scope.date_from)
    last = ind.quarter_start(scope.date_to)
    month = last.month + 3
    end = datetime.date(last.year + (month - 1) // 12, (month - 1) % 12 + 1, 1) - datetime.timedelta(days=1)
    return dataclasses.replace(scope, date_from=start, date_to=end)


GATE_KEYS = ("decided", "advice_stop", "advice_continue", "advice_step_up", "deviated")


def counts_of(*parts: dict[str, Any]) -> dict[str, Any]:
    """The counts of one column (a quarter or the period) from its outcome, gate and waiting rows,
    as ``tables_protect`` takes them (medians become the number they are taken over)."""
    merged = dict.fromkeys((*ind.ADDITIVE_KEYS, *GATE_KEYS, *ind.WAITING_KEYS, "wc_n_days", "wm_n_days"), 0)
    for part in parts:
        merged.update({key: value for key, value in part.items() if key in merged})
        if "wc_days" in part:  # the number a median is taken over
            merged["wc_n_days"], merged["wm_n_days"] = len(part["wc_days"]), len(part["wm_days"])
    return merged


def figures_build(
    *,
    scope: Scope,
    suppress: bool,
    annotations: list[Annotation] | None = None,
    on: datetime.date | None = None,
) -> Figures:
    """Every indicator per quarter and over the period: two grouped queries (+ one for annotations).

    ``suppress`` (outside the provider): the period is widened to whole quarters and every cell of
    every table (indicators, data quality, cohort) goes through ``suppression`` together.
    """
    if suppress:
        scope = whole_quarters(scope)
    quarters = _quarters(scope)
    outcome_by_quarter = {row["quarter"]: row for row in ind.outcome_rows(scope, on=on)}
    gate_by_quarter = {row["quarter"]: row for row in ind.gate_rows(scope)}
    waiting_by_quarter = {row["quarter"]: row for row in ind.waiting_rows(scope, on=on)}
    by_code: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations if annotations is not None else []:
        by_code[annotation.indicator_code].append(annotation)

    outcome_total = ind.total_row(outcome_by_quarter.values())
    gate_total = ind.total_row(gate_by_quarter.values())
    outcome_per_quarter = [ind.figures_from(outcome_by_quarter.get(q, {})) for q in quarters]
    gate_per_quarter = [ind.gate_figures_from(gate_by_quarter.get(q, {})) for q in quarters]
    outcome_totals = ind.figures_from(outcome_total)
    gate_totals = ind.gate_figures_from(gate_total)
    waiting_total = ind.waiting_total(waiting_by_quarter.values())
    waiting_per_quarter = [ind.waiting_figures_from(waiting_by_quarter.get(q, {})) for q in quarters]
    waiting_totals = ind.waiting_figures_from(waiting_total)

    protection = None
    if suppress:
        counts = counts_of
        protection = tables_protect(
            quarter_rows=[
                counts(outcome_by_quarter.get(q, {}), gate_by_quarter.get(q, {}), waiting_by_quarter.get(q, {}))
                for q in quarters
            ],
            total=counts(outcome_total, gate_total, waiting_total),
        )

    texts = cell_texts()
    indicators = ind.by_code_translated()

    def rows(
        codes: tuple[str, ...], per_quarter: list[dict[str, Figure]], totals: dict[str, Figure]
    ) -> list[IndicatorRow]:
        return [
            IndicatorRow(
                indicator=indicators[code],
                cells=[
                    cell_of(figures[code], protection=protection, column=index, texts=texts)
                    for index, figures in enumerate(per_quarter)
                ],
                total=cell_of(totals[code], protection=protection, column=TOTAL, texts=texts),
                figure=totals[code],
                annotations=by_code.get(code, []),
            )
            for code in codes
        ]

    def count(name: str) -> Cell:
        value = int(outcome_total.get(name, 0))
        if protection is not None and not protection.count_visible((name, TOTAL)):
            return Cell(text=suppression.MARK, detail=texts.hidden, suppressed=True)
        return Cell(text=str(value), value=value)

    closed = count("closed")

    def quality(name: str) -> Cell:
        return dataclasses.replace(count(name), detail=_("of %(total)s") % {"total": closed.text})

    age_other = int(outcome_total.get("closed", 0)) - sum(int(outcome_total.get(f"age_{c}", 0)) for c in ind.AGE_BANDS)
    outcome_total = {**outcome_total, "age_other": age_other}
    return Figures(
        scope=scope,
        suppress=suppress,
        quarters=quarters,
        outcomes=rows(ind.OUTCOME_CODES, outcome_per_quarter, outcome_totals),
        gates=rows(ind.GATE_CODES, gate_per_quarter, gate_totals),
        waiting=rows(ind.WAITING_CODES, waiting_per_quarter, waiting_totals),
        waiting_norm=ind.waiting_norm(),
        data_quality={
            "no_intake": quality("no_intake"),
            "no_satisfaction": quality("no_satisfaction"),
            "fu_missing": count("fu_missing"),
        },
        cohort_age=[
            *((str(label), count(f"age_{code}")) for code, (label, _low, _high) in ind.AGE_BANDS.items()),
            (_("other ages"), count("age_other")),
        ],
        cohort_end=[
            (str(EndReason(code).label) if code else "–", count(f"er_{code}")) for code in ind.END_REASON_CODES
        ],
        total_row=outcome_total,
    )


# --- the region's dashboard (jeugdregio) ------------------------------------------------------------

#: The region total's column in ``region_tables_protect`` (the members' columns are their ids).
REGION = "R"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RegionRow:
    indicator: ind.Indicator
    cells: list[Cell]  # one per member, in the order of ``RegionFigures.members``
    total: Cell  # the region


@dataclasses.dataclass(frozen=True, kw_only=True)
class RegionFigures:
    region: Region
    scope: Scope
    members: list[Municipality]
    outcomes: list[RegionRow]
    gates: list[RegionRow]
    waiting: list[RegionRow]

    def row(self, code: str) -> RegionRow:
        return next(r for r in (*self.outcomes, *self.gates, *self.waiting) if r.indicator.code == code)


def region_tables_protect(
    *, members: dict[int, dict[str, Any]], own: dict[int, suppression.Protection]
) -> suppression.Protection:
    """Suppression of the region table: per member its counts over the period, and the region total.

    Each member's column shows exactly what the member's own dashboard shows for the period (its
    protection ``own``, over its quarters: a cell hidden there is hidden here, a cell shown there
    is shown here), so the table adds one column only: the region total, the sum of the members. Its
    cells are hidden first wherever a relation (the total is the sum of the members; the complements
    inside a column) would give a hidden member cell away. Should a member cell still have to go,
    a region cell is shown only where every member's cell of it is shown (the region column then
    adds nothing to the members' own dashboards)."""
    rows: dict[int | str, dict[str, Any]] = {column: dict(row) for column, row in members.items()}
    names = set().union(*(row.keys() for row in rows.values())) if rows else set()
    rows[REGION] = {name: sum(int(row.get(name, 0) or 0) for row in members.values()) for name in names}
    relations: list[suppression.Relation] = []
    for column, row in rows.items():
        relations += _relations_of(column, row)
    values: dict[suppression.Key, int] = {
        (name, column): int(value or 0) for column, row in rows.items() for name, value in row.items()
    }
    all_names = {str(key[0]) for key in values}  # type: ignore[index]
    for name in all_names:
        relations.append(suppression.Relation((name, REGION), tuple((name, column) for column in members)))
    published: set[suppression.Key] = set()
    forced: set[suppression.Key] = set()
    member_cells: set[suppression.Key] = set()
    for column, protection in own.items():
        for cell in protection.published:
            assert isinstance(cell, tuple)
            if cell[1] == TOTAL:
                key = (cell[0], column)
                published.add(key)
                member_cells.add(key)
                if cell in protection.hidden:
                    forced.add(key)
    for numerator, denominator in COUNTS_OF.values():
        published.add((denominator, REGION))
        if numerator is not None:
            published.add((numerator, REGION))
            top, bottom = values.get((numerator, REGION), 0), values.get((denominator, REGION), 0)
            if (
                numerator != denominator
                and top > 0
                and (bottom < suppression.RATE_DENOMINATOR_BELOW or bottom - top < suppression.RATE_NUMERATOR_BELOW)
            ):
                forced.add((numerator, REGION))
    protection = suppression.protect(
        values=values,
        published=published,
        relations=relations,
        forced=forced,
        keep=lambda cell: (cell in member_cells, cell[0] == "closed"),  # type: ignore[index]
    )
    if protection.hidden & member_cells - forced:
        # a region cell is then shown only when every member's cell of it is shown: it adds nothing
        hidden = set(forced)
        for cell in published - member_cells:
            assert isinstance(cell, tuple)
            if any((cell[0], column) in forced or (cell[0], column) not in published for column in members):
                hidden.add(cell)
        protection = suppression.Protection(values=values, published=protection.published, hidden=frozenset(hidden))
    return protection


def region_figures_build(*, region: Region, scope: Scope, on: datetime.date | None = None) -> RegionFigures:
    """The region's dashboard: per member municipality the indicators over the (whole quarters of
    the) period, side by side, and the region total; the same suppression as every municipality's
    own dashboard (``region_tables_protect``). One query for the members and one grouped query
    per table (outcomes, gate decisions, waiting times), grouped by member and quarter: the count
    grows neither with the members nor with the trajectories."""
    scope = whole_quarters(dataclasses.replace(scope, municipality_id=None, provider_id=None, team_id=None))
    quarters = _quarters(scope)
    members = list(
        municipality_selectors.region_members(region=region, date_from=scope.date_from, date_to=scope.date_to)
    )
    totals: dict[int, dict[str, Any]] = {}
    own: dict[int, suppression.Protection] = {}
    outcome_totals: dict[int | str, dict[str, Any]] = {}
    gate_totals: dict[int | str, dict[str, Any]] = {}
    waiting_totals: dict[int | str, dict[str, Any]] = {}
    ids = [member.pk for member in members]
    outcome_rows = ind.outcome_rows_per_municipality(scope, municipality_ids=ids, on=on)
    gate_rows = ind.gate_rows_per_municipality(scope, municipality_ids=ids)
    waiting_rows = ind.waiting_rows_per_municipality(scope, municipality_ids=ids, on=on)
    for member in members:
        outcome = {row["quarter"]: row for row in outcome_rows[member.pk]}
        gate = {row["quarter"]: row for row in gate_rows[member.pk]}
        waiting = {row["quarter"]: row for row in waiting_rows[member.pk]}
        outcome_totals[member.pk] = ind.total_row(outcome.values())
        gate_totals[member.pk] = ind.total_row(gate.values())
        waiting_totals[member.pk] = ind.waiting_total(waiting.values())
        totals[member.pk] = counts_of(outcome_totals[member.pk], gate_totals[member.pk], waiting_totals[member.pk])
        own[member.pk] = tables_protect(
            quarter_rows=[counts_of(outcome.get(q, {}), gate.get(q, {}), waiting.get(q, {})) for q in quarters],
            total=totals[member.pk],
        )
    outcome_totals[REGION] = ind.total_row(outcome_totals[m.pk] for m in members)
    gate_totals[REGION] = ind.total_row(gate_totals[m.pk] for m in members)
    waiting_totals[REGION] = ind.waiting_total(waiting_totals[m.pk] for m in members)
    protection = region_tables_protect(members=totals, own=own)
    columns: list[int | str] = [*(m.pk for m in members), REGION]
    figures = {
        column: {
            **ind.figures_from(outcome_totals[column]),
            **ind.gate_figures_from(gate_totals[column]),
            **ind.waiting_figures_from(waiting_totals[column]),
        }
        for column in columns
    }
    texts = cell_texts()
    indicators = ind.by_code_translated()

    def rows(codes: tuple[str, ...]) -> list[RegionRow]:
        return [
            RegionRow(
                indicator=indicators[code],
                cells=[cell_of(figures[m.pk][code], protection=protection, column=m.pk, texts=texts) for m in members],
                total=cell_of(figures[REGION][code], protection=protection, column=REGION, texts=texts),
            )
            for code in codes
        ]

    return RegionFigures(
        region=region,
        scope=scope,
        members=members,
        outcomes=rows(ind.OUTCOME_CODES),
        gates=rows(ind.GATE_CODES),
        waiting=rows(ind.WAITING_CODES),
    )


_MODULES = PreparedQuery(lambda: Module.objects.order_by("sequence", "code").values_list("code", "name"))


def module_choices() -> list[tuple[str, str]]:
    """Module codes for the filter form (one query)."""
    seen: dict[str, str] = {}
    for code, name in _MODULES.all():
        seen.setdefault(code, f"{code} {name}")
    return list(seen.items())


_MUNICIPALITY = PreparedQuery(lambda pk: Municipality.objects.filter(pk=pk)[:1], pk=int)


def municipality_of(*, municipality_id: int) -> Municipality | None:
    """The municipality with this id (one query), as ``Municipality.objects.filter(pk=…).first()``."""
    return _MUNICIPALITY.first(pk=municipality_id)


_REFERENCE_COST = PreparedQuery(
    lambda municipality_id: ReferenceCost.objects.filter(municipality_id=municipality_id).order_by("pk")[:1],
    municipality_id=int,
)


def reference_cost_of(*, municipality_id: int) -> ReferenceCost | None:
    return _REFERENCE_COST.first(municipality_id=municipality_id)


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
    def deviation_percent(self) -> int | None:
        """The deviation in whole percent, rounded as Django's ``widthratio`` rounds it."""
        deviation = self.deviation
        return None if deviation is None else round(deviation * 100)

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


def _month_end(first: datetime.date) -> datetime.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def forecast_build(
    *, municipality_id: int, on: datetime.date | None = None, months_back: int = 12, months_ahead: int = 3
) -> Forecast:
    """Expected against actual spending per month for one municipality (four queries).

    - Expected: the budget of every granted allocation (approved or ended) spread evenly over the
      days of its period, times the completion rate.
    - Completion rate: of the allocations whose period is over, the share of the allocated volume
      that was delivered (volume used / volume); 1.0 when there is no history yet.
    - Actual: per module run, the declared amount (month of the end of the declared delivery) or,
      when not declared yet, its contract tariff (month the module finished: delivered × tariff).
    - Task-based contracts: the lump-sum instalments, expected in the month their period starts and
      actual in the month they were paid.
    """
    on = on or today()
    first = add_months(_month_start(on), -months_back)
    last = _month_end(add_months(_month_start(on), months_ahead))
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
            month = add_months(month, 1)

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
    # Task-based contracts (taakgericht): the lump-sum instalments are the expected spending in the
    # month their period starts (not scaled by the completion rate), paid ones the actual spending.
    lump_sums: dict[datetime.date, int] = defaultdict(int)
    for period_start, amount, status, paid_on in LumpSumInstalment.objects.filter(
        contract__municipality_id=municipality_id, period_end__gte=first, period_start__lte=last
    ).values_list("period_start", "amount_cents", "status", "paid_on"):
        lump_sums[_month_start(period_start)] += amount
        if status == InstalmentStatus.PAID and paid_on is not None and first <= paid_on <= last:
            actual[_month_start(paid_on)] = actual.get(_month_start(paid_on), 0) + amount
    months = []
    month = first
    while month <= last:
        months.append(
            ForecastMonth(
                month=month,
                expected_cents=round(expected.get(month, 0.0) * completion) + lump_sums.get(month, 0),
                actual_cents=actual.get(month, 0),
                complete=_month_end(month) < on,
            )
        )
        month = add_months(month, 1)
    return Forecast(months=months, completion_rate=completion, threshold=forecast_threshold())


def forecast_of(*, municipality_id: int) -> Forecast:
    """The forecast the dashboard shows: as stored by the scheduled check (``forecast_check``, one
    query), or computed now (``forecast_build``, four queries over all allocations, module runs and
    lump-sum instalments of the municipality) while the check has not stored one yet."""
    figures = _FORECAST_FIGURES.all(municipality_id=municipality_id)
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


_FORECAST_FIGURES = PreparedQuery(
    lambda municipality_id: ForecastFigure.objects.filter(municipality_id=municipality_id).order_by("month"),
    municipality_id=int,
)
ALERTS_SHOWN = 6  # the number of alerts the dashboard shows (the limit of ``_FORECAST_ALERTS``)
_FORECAST_ALERTS = PreparedQuery(
    lambda municipality_id: ForecastAlert.objects.filter(municipality_id=municipality_id).order_by("-month")[:6],
    municipality_id=int,
)


def forecast_alerts_of(*, municipality_id: int, limit: int = ALERTS_SHOWN) -> list[ForecastAlert]:
    if limit == ALERTS_SHOWN:  # the dashboard's: prepared
        return _FORECAST_ALERTS.all(municipality_id=municipality_id)
    return list(ForecastAlert.objects.filter(municipality_id=municipality_id).order_by("-month")[:limit])


# --- pilots (docs/pilots.md) -----------------------------------------------------------------------

#: The outcomes the comparison file can carry: drop-out (end reason), duration and cost.
COMPARABLE_OUTCOMES = ("dropout", "duration", "cost")
#: Below these the pilot section shows no figure (the municipality sees no count under 5).
PILOT_MIN_GROUP = 10
PILOT_MIN_CELL = 5


@dataclasses.dataclass(frozen=True, kw_only=True)
class PilotOutcome:
    """One outcome of a pilot against usual care, formatted for the report."""

    code: str
    name: str
    primary: bool
    comparable: bool
    n_pilot: int = 0
    n_comparison: int = 0
    shown: bool = False  # enough data to show the figures without revealing a small count
    pilot_value: str = ""
    comparison_value: str = ""
    difference: str = ""
    low: str = ""
    high: str = ""
    includes_zero: bool = True
    needed_per_group: int | None = None  # for the planned effect at 80% power
    planned_effect: str = ""


def _format(unit: str, value: float, *, signed: bool = False) -> str:
    sign = "+" if signed and value > 0 else ""
    if unit == Unit.RATE:
        if signed:
            return _("%(value)s percentage points") % {"value": f"{sign}{value * 100:.1f}"}
        return f"{value * 100:.1f}%"
    if unit == Unit.CENTS:
        return f"{sign}{format_euros(round(value))}"
    return f"{sign}{value:.1f}"


def annotation_share_choices(*, actor: User) -> list[tuple[int, str]]:
    """The municipalities a provider's lead may share a comment with (those under contract)."""
    if actor.provider_id is None or not policy.can_see_provider_dashboard(actor):
        return []

    municipalities = Municipality.objects.filter(contracts__provider_id=actor.provider_id).distinct().order_by("name")
    return [(m.pk, m.name) for m in municipalities]


class PilotOwner(TypedDict):
    """A pilot's owner as the ``policy.can_*_pilot`` functions take it: a municipality, or a region
    by its lead municipality."""

    municipality_id: int | None
    region_lead_id: int | None


def pilot_owner(*, pilot: Pilot) -> PilotOwner:
    """The owner of a pilot for the policy (reads ``pilot.region``: select it with the pilot)."""
    return PilotOwner(
        municipality_id=pilot.municipality_id,
        region_lead_id=pilot.region.lead_municipality_id if pilot.region is not None else None,
    )


def pilot_owner_name(*, pilot: Pilot) -> str:
    """The owner of a pilot by name: the municipality, or "regio <name>"."""
    if pilot.region is not None:
        return _("region %(name)s") % {"name": pilot.region.name}
    return pilot.municipality.name if pilot.municipality is not None else ""


def pilots_visible_to(user: User) -> "QuerySet[Any]":
    """The pilots of the user's municipality and of the regions it leads (its staff, as on the
    region's dashboard), or of the user's provider (its leads)."""

    pilots = Pilot.objects.select_related("municipality", "region", "provider")
    if policy.can_see_municipality_dashboard(user) and user.municipality_id is not None:
        own = Q(municipality_id=user.municipality_id)
        if policy.can_view_region_dashboard(user, user.municipality_id):
            own |= Q(region__lead_municipality_id=user.municipality_id)
        return pilots.filter(own)
    if user.provider_id is not None and policy.can_confirm_pilot_for_provider(user, user.provider_id):
        return pilots.filter(provider_id=user.provider_id)
    return pilots.none()


def region_pilot_counterparts(*, region: Region, on: datetime.date | None = None) -> list[tuple[int, str]]:
    """The providers a region can run a pilot with: those under one of its regional contracts or
    under a contract of one of its members on ``on`` (today) (two queries)."""
    day = on or today()
    members = municipality_selectors.region_members(region=region, date_from=day, date_to=day)
    rows = Contract.objects.filter(Q(region=region) | Q(municipality__in=members)).values_list(
        "provider_id", "provider__name"
    )
    return sorted(set(rows), key=lambda row: row[1])


def comparison_count_of(*, pilot: Pilot) -> int:
    """How many usual-care trajectories the pilot's comparison group holds (one count query)."""
    return ComparisonTrajectory.objects.filter(pilot=pilot).count()


def pilots_started_of(*, municipality_id: int) -> "QuerySet[Any]":
    """The municipality's pilots that have started (their definition is frozen)."""

    return Pilot.objects.select_related("municipality", "provider", "reference_set").filter(
        municipality_id=municipality_id, started_at__isnull=False
    )


def _pilot_population(*, pilot: Any) -> Q:
    """Whose trajectories form the pilot group: the municipality's, or for a region's pilot those of
    each member municipality referred while it belonged to the region (one query for the
    memberships). A region without members in the period gives an empty group."""
    if pilot.region_id is None:
        return Q(municipality_id=pilot.municipality_id)
    population = Q(pk__in=[])
    periods = municipality_selectors.region_membership_periods(
        region=pilot.region, date_from=pilot.period_from, date_to=pilot.period_to
    )
    for municipality_id, first, last in periods:
        population |= Q(municipality_id=municipality_id, referred_on__gte=first, referred_on__lte=last)
    return population


def pilot_outcomes(*, pilot: Any) -> list[PilotOutcome]:
    """Each primary and secondary outcome of a pilot against its comparison group (two queries; a
    region's pilot one more for its memberships).

    The pilot group: the provider's closed trajectories of the municipality (or of the region's
    members during their membership) referred within the pilot period (and age range). Differences
    are pilot minus comparison, with 95% intervals (``monitoring.statistics``).
    """

    outcomes = TrajectoryOutcome.objects.filter(
        _pilot_population(pilot=pilot),
        provider_id=pilot.provider_id,
        referred_on__gte=pilot.period_from,
        referred_on__lte=pilot.period_to,
    )
    if pilot.age_min is not None:
        outcomes = outcomes.filter(age_at_referral__gte=pilot.age_min)
    if pilot.age_max is not None:
        outcomes = outcomes.filter(age_at_referral__lte=pilot.age_max)
    arm = list(outcomes.values_list("end_reason", "duration_days", "cost_cents"))
    drop_out = {str(code) for code in ind.DROP_OUT_CODES}
    pilot_values = {
        "dropout": [1.0 if r[0] in drop_out else 0.0 for r in arm],
        "duration": [float(r[1]) for r in arm],
        "cost": [float(r[2]) for r in arm],
    }
    if pilot.reference_set_id is not None:
        return _pilot_against_reference(pilot=pilot, pilot_values=pilot_values)
    comparison = list(pilot.comparison_trajectories.values_list("end_reason", "started_on", "ended_on", "cost_cents"))
    values: dict[str, tuple[list[float], list[float]]] = {
        "dropout": (pilot_values["dropout"], [1.0 if c[0] in drop_out else 0.0 for c in comparison]),
        "duration": (pilot_values["duration"], [float((c[2] - c[1]).days) for c in comparison]),
        "cost": (pilot_values["cost"], [float(c[3]) for c in comparison]),
    }
    result = []
    codes = [(code, True) for code in pilot.primary_outcomes] + [(code, False) for code in pilot.secondary_outcomes]
    for code, primary in codes:
        indicator = ind.BY_CODE[code]
        if code not in COMPARABLE_OUTCOMES:
            result.append(PilotOutcome(code=code, name=str(indicator.name), primary=primary, comparable=False))
            continue
        a, b = values[code]
        base = {"code": code, "name": str(indicator.name), "primary": primary, "comparable": True}
        base |= {"n_pilot": len(a), "n_comparison": len(b)}
        planned = pilot.planned_effects.get(code)
        needed = None
        if planned is not None and b:
            if indicator.unit == Unit.RATE:
                p_b = sum(b) / len(b)
                if 0 < p_b + planned < 1:
                    needed = statistics.sample_size_proportions(p_comparison=p_b, difference=planned)
            else:
                _mean, sd = statistics.mean_and_sd(b)
                if sd > 0:
                    needed = statistics.sample_size_means(sd=sd, difference=planned)
        base |= {"needed_per_group": needed}
        if planned is not None:
            base |= {"planned_effect": _format(indicator.unit, planned, signed=True)}
        events_a = int(sum(a))
        small = len(a) < PILOT_MIN_GROUP or not b
        if indicator.unit == Unit.RATE:
            events_b = int(sum(b))
            # neither group may reveal a count under 5 (the comparison group is published too)
            small = small or min(events_a, len(a) - events_a, events_b, len(b) - events_b) < PILOT_MIN_CELL
        if small:
            result.append(PilotOutcome(**base))
            continue
        if indicator.unit == Unit.RATE:
            diff = statistics.proportion_difference(
                successes_a=events_a, trials_a=len(a), successes_b=int(sum(b)), trials_b=len(b)
            )
        else:
            diff = statistics.mean_difference(values_a=a, values_b=b)
        result.append(
            PilotOutcome(
                **base,
                shown=True,
                pilot_value=_format(indicator.unit, sum(a) / len(a)),
                comparison_value=_format(indicator.unit, sum(b) / len(b)),
                difference=_format(indicator.unit, diff.difference, signed=True),
                low=_format(indicator.unit, diff.low, signed=True),
                high=_format(indicator.unit, diff.high, signed=True),
                includes_zero=diff.includes_zero,
            )
        )
    return result


def _pilot_against_reference(*, pilot: Any, pilot_values: dict[str, list[float]]) -> list[PilotOutcome]:
    """The pilot against national reference figures (one query for the figures). With a figure's
    denominator a share is compared as two groups (Newcombe); without it, and for means, the figure is
    taken as fixed and the interval is the pilot's own. Numbers needed are for the pilot alone."""
    figures = {f.indicator_code: f for f in pilot.reference_set.figures.all()}
    result = []
    codes = [(code, True) for code in pilot.primary_outcomes] + [(code, False) for code in pilot.secondary_outcomes]
    for code, primary in codes:
        indicator = ind.BY_CODE[code]
        figure = figures.get(code)
        if code not in COMPARABLE_OUTCOMES or figure is None:
            result.append(PilotOutcome(code=code, name=str(indicator.name), primary=primary, comparable=False))
            continue
        a = pilot_values[code]
        base: dict[str, Any] = {"code": code, "name": str(indicator.name), "primary": primary, "comparable": True}
        base |= {"n_pilot": len(a), "n_comparison": figure.denominator or 0}
        planned = pilot.planned_effects.get(code)
        needed = None
        if planned is not None:
            base |= {"planned_effect": _format(indicator.unit, planned, signed=True)}
            if indicator.unit == Unit.RATE and 0 < figure.value + planned < 1:
                needed = statistics.sample_size_one_proportion(p_reference=figure.value, difference=planned)
            elif indicator.unit != Unit.RATE and len(a) >= 2 and statistics.mean_and_sd(a)[1] > 0:
                needed = statistics.sample_size_one_mean(sd=statistics.mean_and_sd(a)[1], difference=planned)
        base |= {"needed_per_group": needed}
        events = int(sum(a))
        small = len(a) < PILOT_MIN_GROUP or (
            indicator.unit == Unit.RATE and min(events, len(a) - events) < PILOT_MIN_CELL
        )
        if small:
            result.append(PilotOutcome(**base))
            continue
        if indicator.unit == Unit.RATE and figure.denominator:
            diff = statistics.proportion_difference(
                successes_a=events,
                trials_a=len(a),
                successes_b=round(figure.value * figure.denominator),
                trials_b=figure.denominator,
            )
        elif indicator.unit == Unit.RATE:
            diff = statistics.proportion_against_reference(successes=events, trials=len(a), reference=figure.value)
        else:
            diff = statistics.mean_against_reference(values=a, reference=figure.value)
        result.append(
            PilotOutcome(
                **base,
                shown=True,
                pilot_value=_format(indicator.unit, sum(a) / len(a)),
                comparison_value=_format(indicator.unit, figure.value),
                difference=_format(indicator.unit, diff.difference, signed=True),
                low=_format(indicator.unit, diff.low, signed=True),
                high=_format(indicator.unit, diff.high, signed=True),
                includes_zero=diff.includes_zero,
            )
        )
    return result


# --- quarterly reviews (kwartaalgesprek) -----------------------------------------------------------


def quarterly_reviews_visible_to(user: User) -> "QuerySet[Any]":
    """The reviews of the user's municipality (its staff) or provider (its leads), newest first,
    with their actions (two queries whatever the number of reviews)."""
    from django.db.models import Prefetch

    reviews = QuarterlyReview.objects.select_related("municipality", "provider", "recorded_by").prefetch_related(
        Prefetch("actions", queryset=ReviewAction.objects.order_by("due_on", "pk"))
    )
    if policy.can_see_municipality_dashboard(user) and user.municipality_id is not None:
        return reviews.filter(municipality_id=user.municipality_id)
    if user.provider_id is not None and policy.can_see_quarterly_reviews(user):
        return reviews.filter(provider_id=user.provider_id)
    return reviews.none()


def review_counterparts(*, actor: User) -> list[tuple[int, str]]:
    """Whom the actor can hold a review with: the providers (municipality) or municipalities
    (provider) under contract."""

    if policy.can_set_reference_cost(actor) and actor.municipality_id is not None:
        rows = Contract.objects.filter(municipality_id=actor.municipality_id).values_list(
            "provider_id", "provider__name"
        )
    elif actor.provider_id is not None and policy.can_confirm_pilot_for_provider(actor, actor.provider_id):
        # a regional contract has no municipality (its members take part through their own parts)
        rows = Contract.objects.filter(provider_id=actor.provider_id, municipality__isnull=False).values_list(
            "municipality_id", "municipality__name"
        )
    else:
        return []
    return sorted(set(rows), key=lambda row: row[1])


def quarterly_reviews_for_report(*, municipality_id: int, date_to: datetime.date, limit: int = 4) -> list[Any]:
    """The municipality's latest reviews held up to the end of the report's period, with their actions."""
    from django.db.models import Prefetch

    return list(
        QuarterlyReview.objects.filter(municipality_id=municipality_id, held_on__lte=date_to)
        .select_related("provider")
        .prefetch_related(Prefetch("actions", queryset=ReviewAction.objects.order_by("due_on", "pk")))
        .order_by("-held_on", "-created_at")[:limit]
    )

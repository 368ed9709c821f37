"""The API's reads: aggregates. Adapters over ``trajectories.selectors``, ``clients.selectors`` and
``monitoring.selectors`` (with the small-cell rule of ``core.suppression``), cached per scope."""

import dataclasses
import datetime
from typing import Any

from django.core.cache import cache

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.clients import selectors as client_selectors
from coachcare.core import suppression
from coachcare.core.dates import today
from coachcare.monitoring import indicators as monitoring_indicators
from coachcare.monitoring import selectors as monitoring_selectors
from coachcare.trajectories import selectors as trajectory_selectors
from coachcare.trajectories.models import Status

# --- aggregates ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Indicators:
    scope: str
    suppressed_below: int | None
    by_status: dict[str, int | None]
    by_age_band: dict[str, int | None]


#: How long the aggregated figures of one scope are reused (seconds). Counting every trajectory of
#: a large municipality reads tens of thousands of rows (about 50-100 ms on 100,000 clients);
#: figures a minute old are fine for an overview. Only aggregates are cached, never personal data.
INDICATORS_CACHE_SECONDS = 60


def indicators_get(*, actor: User) -> Indicators:
    """Numbers of trajectories per status and young people per age band, no personal data.

    Outside the provider (municipality roles) counts below 5 are suppressed (docs/legal-basis.md). The figures
    of a scope (municipality, team or all) are cached for ``INDICATORS_CACHE_SECONDS``, separately
    for suppressed and unsuppressed figures and per day (age bands); the access check runs first,
    on every request.
    """
    if not policy.can_see_aggregates(actor):
        raise policy.AccessDenied("No access to aggregated figures.")
    if actor.municipality_id is not None:
        scope, scope_id = "municipality", actor.municipality_id
    elif actor.team_id is not None:
        scope, scope_id = "team", actor.team_id
    else:
        scope, scope_id = "all", None
    outside = policy.is_municipality_user(actor)
    key = f"coachcare:api:indicators:{scope}:{scope_id}:{'suppressed' if outside else 'exact'}:{today().isoformat()}"
    cached = cache.get(key)
    if isinstance(cached, Indicators):
        return cached
    indicators = _indicators_count(actor=actor, scope=scope, scope_id=scope_id, outside=outside)
    cache.set(key, indicators, INDICATORS_CACHE_SECONDS)
    return indicators


def _indicators_count(*, actor: User, scope: str, scope_id: int | None, outside: bool) -> Indicators:
    bands = client_selectors.client_counts_by_age_band(actor=actor)  # same scope: municipality, team, all
    counts = trajectory_selectors.trajectory_counts_by_status(
        municipality_id=scope_id if scope == "municipality" else None,
        team_id=scope_id if scope == "team" else None,
    )
    return Indicators(
        scope=scope,
        suppressed_below=suppression.COUNT_BELOW if outside else None,
        by_status={
            status: (suppression.count_shown(counts.get(status, 0)) if outside else counts.get(status, 0))
            for status in Status.values
        },
        by_age_band={band.label: band.count for band in bands},
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outcomes:
    scope: str
    date_from: datetime.date
    date_to: datetime.date
    module_code: str
    age_band: str
    suppressed_below: int | None
    outcomes: list[dict[str, Any]]
    gate_decisions: list[dict[str, Any]]


def outcomes_get(
    *,
    actor: User,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    module_code: str = "",
    age_band: str = "",
) -> Outcomes:
    """The outcome indicators of the dashboards (issue 6: drop-out, satisfaction, goals, renewed
    demand, duration, modules, cost, gate decisions) over a period, for the part of the country the
    user's dashboard shows (``monitoring.selectors.outcome_scope_for``): municipality staff their
    municipality with counts below 5 suppressed, team leads their team, exactly. Aggregates only."""
    scope_of = monitoring_selectors.outcome_scope_for(actor=actor)
    if scope_of is None:
        raise policy.AccessDenied("No access to outcome figures.")
    if module_code and module_code not in dict(monitoring_selectors.module_choices()):
        raise ValueError(f"Unknown module {module_code!r}.")
    if age_band and age_band not in monitoring_indicators.AGE_BANDS:
        raise ValueError(f"Unknown age band {age_band!r}.")
    default_from, default_to = monitoring_indicators.default_period(today())
    start, end = date_from or default_from, date_to or default_to
    if start > end:
        raise ValueError("date_from is after date_to.")
    scope = monitoring_indicators.Scope(
        date_from=start, date_to=end, module_code=module_code, age_band=age_band, **scope_of.owner
    )
    figures = monitoring_selectors.figures_build(scope=scope, suppress=scope_of.suppress)

    def out(row: monitoring_selectors.IndicatorRow) -> dict[str, Any]:
        figure, indicator = row.figure, row.indicator
        hidden = row.total.suppressed  # the dashboard's rule (``core.suppression``), nothing of its own
        return {
            "code": indicator.code,
            "name": str(indicator.name),
            "definition": str(indicator.definition),
            "numerator_definition": str(indicator.numerator),
            "denominator_definition": str(indicator.denominator),
            "unit": indicator.unit,
            "value": None if hidden else figure.value,
            "numerator": None if hidden else figure.numerator,
            "denominator": None if hidden else figure.denominator,
            "low": None if hidden else figure.low,
            "high": None if hidden else figure.high,
            "suppressed": hidden,
        }

    return Outcomes(
        scope=scope_of.label,
        date_from=figures.scope.date_from,  # outside the provider: widened to whole quarters
        date_to=figures.scope.date_to,
        module_code=module_code,
        age_band=age_band,
        suppressed_below=suppression.COUNT_BELOW if scope_of.suppress else None,
        outcomes=[out(row) for row in figures.outcomes],
        gate_decisions=[out(row) for row in figures.gates],
    )

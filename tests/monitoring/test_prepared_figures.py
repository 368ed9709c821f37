"""The dashboards' three grouped queries run prepared (``indicators._prepared_scope``, built on
``core.prepared``): for every shape of scope the rows are exactly the ORM queryset's, and each shape
is compiled once."""

import dataclasses
import datetime
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coachcare.monitoring import indicators as ind
from coachcare.trajectories.models import ModuleRun
from tests.conftest import World
from tests.monitoring.test_monitoring import D
from tests.monitoring.test_summary import varied  # noqa: F401  (fixture)


def _scopes(world: World) -> Iterator[ind.Scope]:
    """Every shape: no owner, each owner, provider and team together; with and without an age band;
    and a module code (not prepared: read through the ORM)."""
    base = ind.Scope(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31))
    owners = [
        base,
        dataclasses.replace(base, municipality_id=world.municipality_a.pk),
        dataclasses.replace(base, municipality_id=world.municipality_b.pk),
        dataclasses.replace(base, provider_id=world.provider.pk),
        dataclasses.replace(base, team_id=world.own.team_id),
        dataclasses.replace(base, provider_id=world.provider.pk, team_id=world.own.team_id),
    ]
    for owner in owners:
        yield owner
        for band in ind.AGE_BANDS:
            yield dataclasses.replace(owner, age_band=band)
    code = ModuleRun.objects.values_list("module__code", flat=True).first()
    assert code is not None
    yield dataclasses.replace(owners[1], module_code=code)


def _orm_rows(scope: ind.Scope, *, on: datetime.date) -> tuple[list[dict[str, object]], ...]:
    outcomes = [ind._normalise(row) for row in ind._outcome_grouped(ind.closed_outcomes(scope), on=on)]
    gates = [ind._gate_normalise(row) for row in ind._gate_grouped(ind._gate_decisions(scope))]
    norm = ind.waiting_norm()
    waiting = ind._waiting_query(
        ind._waiting_in_scope(scope), cutoff=ind.waiting_cutoff(on=on, norm=norm), started=timezone.now()
    )
    return outcomes, gates, ind._waiting_grouped(waiting, norm=norm).get((), [])


@pytest.mark.usefixtures("varied")
def test_the_prepared_rows_are_the_querysets_rows(world: World) -> None:
    on = D(2025, 7, 1)
    compared = 0
    for scope in _scopes(world):
        prepared = ind.outcome_rows(scope, on=on), ind.gate_rows(scope), ind.waiting_rows(scope, on=on)
        assert prepared == _orm_rows(scope, on=on), scope
        compared += sum(len(rows) for rows in prepared)
    assert compared > 40  # the comparison saw rows, not only empty results
    everyone = ind.Scope(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31))
    assert ind.total_row(ind.outcome_rows(everyone, on=on))["closed"] == 4
    assert ind.total_row(ind.gate_rows(everyone))["decided"] == 3


@pytest.mark.usefixtures("varied")
def test_one_query_each_and_one_prepared_query_per_shape(world: World) -> None:
    first = ind.Scope(date_from=D(2025, 4, 1), date_to=D(2025, 6, 30), municipality_id=world.municipality_a.pk)
    other = ind.Scope(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), municipality_id=world.municipality_b.pk)
    ind.outcome_rows(first), ind.gate_rows(first), ind.waiting_rows(first)
    shape = (("municipality_id",), "")
    prepared = [ind._PREPARED[(kind, *shape)] for kind in ("outcome", "gate", "waiting")]
    with CaptureQueriesContext(connection) as queries:
        rows = ind.outcome_rows(other, on=D(2025, 7, 1)), ind.gate_rows(other), ind.waiting_rows(other)
    assert len(queries) == 3
    assert [ind._PREPARED[(kind, *shape)] for kind in ("outcome", "gate", "waiting")] == prepared  # the same ones
    assert ind.total_row(rows[0])["closed"] == 1  # municipality b's own trajectory, closed in the period

"""The region's dashboard (jeugdregio): member municipalities side by side and the region total.

The adversarial part attacks the region table together with every member's own dashboard (all
quarters and the period), as a coalition of all members would: no small cell may come out.
"""

import datetime
import random
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from coachcare.accounts.models import User
from coachcare.core import suppression
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors
from coachcare.municipalities import services as municipality_services
from coachcare.municipalities.models import Region
from tests.conftest import World
from tests.monitoring.test_monitoring import FROM, TO, make_trajectory
from tests.monitoring.test_suppression import (
    Published,
    Var,
    _random_quarter,
    _relations,
    column_values,
    publish_column,
    reconstructed,
)
from tests.municipalities.factories import RegionFactory

D = datetime.date


def _region(world: World) -> Region:
    region = RegionFactory.create(name="Regio Midden", lead_municipality=world.municipality_a)
    for municipality in (world.municipality_a, world.municipality_b):
        municipality_services.region_membership_add(region=region, municipality=municipality, valid_from=D(2024, 1, 1))
    return region


def test_the_lead_municipality_sees_its_members_side_by_side(world: World, login: Callable[[User], HttpClient]) -> None:
    _region(world)
    for number in range(12):
        make_trajectory(world, end_reason="31" if number < 6 else "32")
    for _number in range(3):
        make_trajectory(world, municipality="b")
    query = f"date_from={FROM.isoformat()}&date_to={TO.isoformat()}"

    page = login(world.beleid).get(f"/monitoring/region/?{query}")

    assert page.status_code == 200
    figures: selectors.RegionFigures = page.context["figures"]
    assert [m.name for m in figures.members] == ["Amsterdam", "Utrecht"]
    closed = figures.row("closed")
    # Amsterdam's 3 are hidden, so the region total (15) is too: it would give them away
    assert [cell.text for cell in closed.cells] == [suppression.MARK, "12"]
    assert closed.total.text == suppression.MARK
    assert figures.row("dropout").cells[1].text == "50%"
    # each member's column says what its own dashboard says for the period
    own = selectors.figures_build(
        scope=ind.Scope(date_from=FROM, date_to=TO, municipality_id=world.municipality_a.pk), suppress=True
    )
    for code in ind.OUTCOME_CODES:
        assert figures.row(code).cells[1].text == own.row(code).total.text, code
    # and the municipality dashboard links to it
    dashboard = login(world.beleid).get("/monitoring/municipality/").content.decode()
    assert "/monitoring/region/?region=" in dashboard


@pytest.mark.parametrize("key", ["toegang_other", "coach", "teamleider", "beheerder", "jongere"])
def test_only_the_lead_municipality_s_staff_see_the_region(
    world: World, login: Callable[[User], HttpClient], key: str
) -> None:
    _region(world)
    assert login(world.user(key)).get("/monitoring/region/").status_code == 403


def test_the_region_dashboard_s_query_count_does_not_grow_with_the_trajectories(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    _region(world)
    http = login(world.beleid)
    make_trajectory(world)
    http.get("/monitoring/region/")
    with CaptureQueriesContext(connection) as small:
        assert http.get("/monitoring/region/").status_code == 200
    for number in range(8):
        make_trajectory(world, municipality="a" if number % 2 else "b", closed_on=D(2025, 5, 1))
    with CaptureQueriesContext(connection) as large:
        assert http.get("/monitoring/region/").status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize("seed", range(3))  # seeds 1 and 2 take the fallback of region_tables_protect
def test_no_small_cell_can_be_reconstructed_from_the_region_and_its_members_dashboards(seed: int) -> None:
    """Three small members, four quarters each: every member's own dashboard and the region table
    (the members' periods and the region total) together, attacked with every relation."""
    rng = random.Random(seed)
    members = [0, 1, 2]
    quarters = {m: [_random_quarter(rng) for _ in range(4)] for m in members}
    totals = {m: {key: sum(row[key] for row in quarters[m]) for key in quarters[m][0]} for m in members}
    own = {
        m: selectors.tables_protect(quarter_rows=[dict(r) for r in quarters[m]], total=dict(totals[m])) for m in members
    }
    region = selectors.region_tables_protect(members={m: dict(totals[m]) for m in members}, own=own)

    # the attacker's cells: (name, "<member>.<quarter>") and (name, "<member>.T"); the region (name, "R.T")
    values: dict[Var, int] = {}
    relations: list[tuple[Var, list[Var]]] = []
    for m in members:
        columns = [f"{m}.{q}" for q in range(4)]
        member_values = column_values(quarters[m], columns)
        member_relations = _relations(member_values, columns)
        # _relations names the period "T": one per member here
        rename = {("T"): f"{m}.T"}
        values |= {(n, rename.get(c, c)): v for (n, c), v in member_values.items()}
        relations += [
            ((t[0], rename.get(t[1], t[1])), [(p[0], rename.get(p[1], p[1])) for p in parts])
            for t, parts in member_relations
        ]
    names = {name for name, column in values if column == "0.T"}
    for name in names:
        values[(name, "R.T")] = sum(values[(name, f"{m}.T")] for m in members)
        relations.append(((name, "R.T"), [(name, f"{m}.T") for m in members]))
    for total, parts in list(relations):  # the region's own relations (sums of the members')
        if total[1] == "0.T" and all(p[1] == "0.T" for p in parts):
            relations.append(((total[0], "R.T"), [(p[0], "R.T") for p in parts]))

    published = Published()
    for m in members:  # every member's own dashboard
        for q in range(4):
            publish_column(published, own[m], values, engine_column=q, column=f"{m}.{q}", with_period=False)
        publish_column(published, own[m], values, engine_column=selectors.TOTAL, column=f"{m}.T", with_period=True)
    for m in members:  # the region table: the members' columns and the region
        publish_column(published, region, values, engine_column=m, column=f"{m}.T", with_period=False)
    publish_column(published, region, values, engine_column=selectors.REGION, column="R.T", with_period=False)
    leaks = reconstructed(values, relations, published)
    assert not leaks, f"seed {seed}: reconstructed {leaks}"

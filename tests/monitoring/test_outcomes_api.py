"""``GET /api/v1/outcomes``: the dashboards' outcome indicators through the API, same scope and
suppression as the screens, a fixed number of queries."""

from collections.abc import Callable

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from coachcare.accounts.models import User
from coachcare.api.services import api_token_create
from coachcare.monitoring import selectors
from tests.conftest import World
from tests.monitoring.test_monitoring import FROM, TO, make_trajectory, scope_a

URL = f"/api/v1/outcomes?date_from={FROM.isoformat()}&date_to={TO.isoformat()}"


def _get(user: User, url: str = URL) -> tuple[int, dict]:  # type: ignore[type-arg]
    token = api_token_create(user=user, name="test").raw
    response = HttpClient().get(url, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def _by_code(body: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {row["code"]: row for row in body["outcomes"] + body["gate_decisions"]}


def test_municipality_sees_the_dashboard_figures_suppressed(world: World) -> None:
    for _ in range(6):
        make_trajectory(world, satisfaction=4, final_gas_t=55)
    make_trajectory(world, end_reason="32")  # one drop-out: a count below 5
    make_trajectory(world, municipality="b")  # another municipality: not counted
    status, body = _get(world.beleid)
    assert status == 200
    assert body["scope"] == "municipality" and body["suppressed_below"] == 5
    rows = _by_code(body)
    assert rows["closed"]["numerator"] == 7 and not rows["closed"]["suppressed"]
    assert rows["closed"]["definition"] and rows["closed"]["denominator_definition"]
    dashboard = selectors.figures_build(scope=scope_a(world), suppress=True)
    assert rows["closed"]["value"] == dashboard.row("closed").figure.value
    for code in ("dropout", "satisfied_youth", "goal_3_4", "cost", "cost_success"):
        assert code in rows
    assert [row["code"] for row in body["gate_decisions"]] == [
        "gate_stop",
        "gate_continue",
        "gate_step_up",
        "gate_deviated",
    ]


def test_small_numbers_are_suppressed_outside_the_provider_only(world: World) -> None:
    make_trajectory(world, end_reason="32")
    make_trajectory(world)
    _status, municipality = _get(world.beleid)
    closed = _by_code(municipality)["closed"]
    assert closed["suppressed"] and closed["value"] is None and closed["numerator"] is None
    assert closed["denominator"] is None
    status, team = _get(world.teamleider)
    assert status == 200 and team["scope"] == "team" and team["suppressed_below"] is None
    assert _by_code(team)["closed"]["numerator"] == 2


def test_who_may_not_and_bad_input(world: World) -> None:
    assert _get(world.coach)[0] == 404  # no dashboard, no figures; nothing says whether any exist
    assert _get(world.beleid, "/api/v1/outcomes?age_band=7-9")[0] == 422
    assert _get(world.beleid, "/api/v1/outcomes?module=NOPE")[0] == 400
    assert _get(world.beleid, "/api/v1/outcomes?date_from=2025-06-30&date_to=2025-01-01")[0] == 400
    assert _get(world.beleid, "/api/v1/outcomes?date_from=yesterday")[0] == 422
    assert _get(world.beleid, "/api/v1/outcomes?age_band=12-15")[0] == 200


def test_query_count_does_not_grow_with_the_trajectories(world: World, login: Callable[[User], HttpClient]) -> None:
    token = api_token_create(user=world.beleid, name="test").raw
    http = HttpClient(headers={"Authorization": f"Bearer {token}"})
    http.get(URL)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get(URL).status_code == 200
        return len(captured)

    make_trajectory(world)
    few = count()
    for _ in range(12):
        make_trajectory(world, modules=2)
    assert count() == few

"""The one door from the method and the money to the monitoring summary (trajectories/outcome_inputs.py)."""

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from coachcare.monitoring import services as monitoring_services
from coachcare.trajectories import outcome_inputs

SRC = Path(__file__).resolve().parents[2] / "src" / "coachcare"


def test_monitoring_installs_its_refresh_when_ready() -> None:
    assert outcome_inputs._refresher == [monitoring_services.trajectory_outcomes_refresh]


def test_without_a_refresher_the_door_refuses_instead_of_skipping() -> None:
    saved = list(outcome_inputs._refresher)
    outcome_inputs._refresher.clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            outcome_inputs.outcome_inputs_changed(trajectory_ids=[1])
    finally:
        outcome_inputs._refresher[:] = saved


def test_the_installed_refresher_gets_the_ids() -> None:
    seen: list[list[int]] = []

    def refresher(*, trajectory_ids: Iterable[int]) -> int:
        seen.append(list(trajectory_ids))
        return 7

    saved = list(outcome_inputs._refresher)
    outcome_inputs.outcome_refresher_install(refresher=refresher)
    try:
        assert outcome_inputs.outcome_inputs_changed(trajectory_ids=[3, 4]) == 7
    finally:
        outcome_inputs._refresher[:] = saved
    assert seen == [[3, 4]]


@pytest.mark.parametrize("app", ["trajectories", "declarations"])
def test_method_and_money_do_not_import_monitoring(app: str) -> None:
    """No import of coachcare.monitoring anywhere in the app, at module or function level."""
    for path in (SRC / app).rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("coachcare.monitoring"), f"{path}:{node.lineno}"
            if isinstance(node, ast.Import):
                assert all(not alias.name.startswith("coachcare.monitoring") for alias in node.names), path

"""Goal Attainment Scaling and Goal-Based Outcomes: pure scoring (docs/measures.md, outcomes.md)."""

import math
from typing import Any

import pytest

from coachcare.measures.gas import (
    DEFAULT_RHO,
    GasConvention,
    gas_levels_validate,
    gas_t_score,
    gbo_change,
    gbo_rating_validate,
)


def test_worked_check_from_outcomes_md() -> None:
    """Two unweighted goals scored 0 and +1: T = 50 + 10·1/√(0.7·2 + 0.3·4) = 50 + 10/√2.6 ≈ 56.2."""
    t = gas_t_score(scores=[0, 1])

    assert t == pytest.approx(50 + 10 / math.sqrt(2.6))
    assert round(t, 1) == 56.2


@pytest.mark.parametrize("scores", [[0], [0, 0], [0, 0, 0, 0, 0]])
def test_goals_met_as_expected_give_exactly_50(scores: list[int]) -> None:
    assert gas_t_score(scores=scores) == 50.0
    assert gas_t_score(scores=scores, weights=[3.0] * len(scores)) == 50.0


@pytest.mark.parametrize(
    ("scores", "weights", "rho", "expected"),
    [
        # Σwx = 2·1 + 1·(-1) = 1; 0.7·(4+1) + 0.3·3² = 6.2
        ([1, -1], [2, 1], DEFAULT_RHO, 50 + 10 / math.sqrt(6.2)),
        # one goal: the weight cancels out, T = 50 + 10x
        ([2], [3], DEFAULT_RHO, 70.0),
        # a goal with weight 0 does not count
        ([2, -2], [1, 0], DEFAULT_RHO, 70.0),
        # three goals at baseline (-1): Σwx = -3; 0.7·3 + 0.3·9 = 4.8
        ([-1, -1, -1], None, DEFAULT_RHO, 50 - 30 / math.sqrt(4.8)),
        # independent goals (ρ = 0): 10·2/√2
        ([1, 1], None, 0.0, 50 + 20 / math.sqrt(2)),
        # weights 1 and 2, scores +2 and 0: Σwx = 2; 0.7·5 + 0.3·9 = 6.2
        ([2, 0], [1.0, 2.0], DEFAULT_RHO, 50 + 20 / math.sqrt(6.2)),
    ],
)
def test_hand_computed_cases(scores: list[int], weights: list[float] | None, rho: float, expected: float) -> None:
    assert gas_t_score(scores=scores, weights=weights, rho=rho) == pytest.approx(expected)


def test_unweighted_is_the_same_as_all_weights_one() -> None:
    assert gas_t_score(scores=[2, -1, 0]) == gas_t_score(scores=[2, -1, 0], weights=[1, 1, 1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": []}, "at least one goal"),
        ({"scores": [0, 1], "weights": [1.0]}, "2 GAS scores but 1 weights"),
        ({"scores": [0, 1], "weights": [1.0, -0.5]}, "Weight of goal 2 is negative"),
        ({"scores": [0, 1], "weights": [0, 0]}, "At least one goal must have a weight above 0"),
        ({"scores": [0], "weights": [math.nan]}, "finite number"),
        ({"scores": [0.5]}, "whole number"),
        ({"scores": [True]}, "whole number"),
        ({"scores": [0], "rho": 1.0}, "rho"),
        ({"scores": [0], "rho": -0.1}, "rho"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gas_t_score(**kwargs)


def test_conventions_define_their_levels_baseline_and_deterioration() -> None:
    assert GasConvention.STANDARD.levels == (-2, -1, 0, 1, 2)
    assert GasConvention.STANDARD.baseline == -1
    assert GasConvention.STANDARD.deterioration == -2
    assert GasConvention.BASELINE_MINUS_2.levels == (-2, -1, 0, 1, 2)
    assert GasConvention.BASELINE_MINUS_2.baseline == -2
    assert GasConvention.BASELINE_MINUS_2.deterioration is None
    assert GasConvention.WITH_DETERIORATION.levels == (-3, -2, -1, 0, 1, 2)
    assert GasConvention.WITH_DETERIORATION.baseline == -2
    assert GasConvention.WITH_DETERIORATION.deterioration == -3
    for convention in GasConvention:
        assert convention.baseline in convention.levels
        assert GasConvention(convention.value) is convention  # stored as its value, read back


def test_levels_are_checked_against_the_convention() -> None:
    gas_levels_validate(scores=[-3, 2], convention=GasConvention.WITH_DETERIORATION)
    with pytest.raises(ValueError, match=r"standard convention \(-2, -1, 0, \+1, \+2\); got goal 2: -3"):
        gas_levels_validate(scores=[0, -3], convention=GasConvention.STANDARD)
    with pytest.raises(ValueError, match="goal 1: 3"):
        gas_levels_validate(scores=[3], convention=GasConvention.BASELINE_MINUS_2)


def test_gbo_change_is_current_minus_baseline() -> None:
    assert gbo_change(baseline=3, current=7) == 4
    assert gbo_change(baseline=6, current=2) == -4
    assert gbo_change(baseline=0, current=10) == 10


@pytest.mark.parametrize("value", [-1, 11, 5.5, "5", None, True])
def test_gbo_ratings_are_whole_numbers_from_0_to_10(value: object) -> None:
    with pytest.raises(ValueError, match="whole number from 0 to 10"):
        gbo_rating_validate(value)
    with pytest.raises(ValueError, match="Baseline GBO rating"):
        gbo_change(baseline=value, current=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Current GBO rating"):
        gbo_change(baseline=5, current=value)  # type: ignore[arg-type]


def test_gbo_rating_validate_returns_the_rating() -> None:
    assert gbo_rating_validate(0) == 0
    assert gbo_rating_validate(10) == 10

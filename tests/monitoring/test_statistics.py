"""The pilot statistics against published values (docs/pilots.md, "Statistics")."""

import pytest

from coachcare.monitoring import statistics


@pytest.mark.parametrize(
    ("a", "n_a", "b", "n_b", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
    ],
)
def test_newcombe_interval_matches_published_values(
    a: int, n_a: int, b: int, n_b: int, low: float, high: float
) -> None:
    diff = statistics.proportion_difference(successes_a=a, trials_a=n_a, successes_b=b, trials_b=n_b)
    assert diff.difference == pytest.approx(a / n_a - b / n_b)
    assert diff.low == pytest.approx(low, abs=5e-5)
    assert diff.high == pytest.approx(high, abs=5e-5)


def test_difference_says_whether_zero_is_inside() -> None:
    assert not statistics.proportion_difference(successes_a=56, trials_a=70, successes_b=48, trials_b=80).includes_zero
    assert statistics.proportion_difference(successes_a=5, trials_a=10, successes_b=4, trials_b=10).includes_zero


def test_mean_difference_welch_normal() -> None:
    diff = statistics.mean_difference(values_a=[1, 2, 3, 4, 5], values_b=[2, 4, 6, 8, 10])
    assert diff.difference == -3.0
    assert diff.low == pytest.approx(-3.0 - 1.959964 * 1.581139, abs=1e-4)
    assert diff.high == pytest.approx(-3.0 + 1.959964 * 1.581139, abs=1e-4)


def test_sample_sizes_match_tables() -> None:
    # 50% against 40%, two-sided 5%, power 80%: 388 per group (Fleiss without continuity correction).
    assert statistics.sample_size_proportions(p_comparison=0.40, difference=0.10) == 388
    assert statistics.sample_size_proportions(p_comparison=0.50, difference=-0.10) == 388
    # a standardised difference of 0.5: 63 per group.
    assert statistics.sample_size_means(sd=1.0, difference=0.5) == 63
    assert statistics.sample_size_means(sd=20.0, difference=-10.0) == 63
    with pytest.raises(ValueError):
        statistics.sample_size_proportions(p_comparison=0.95, difference=0.10)

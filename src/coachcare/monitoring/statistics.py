"""Statistics for a pilot against its comparison group (docs/pilots.md, "Statistics").

Pure functions on counts and numbers: no database, no Django.

- The difference of two proportions with Newcombe's hybrid score interval (Newcombe 1998,
  method 10): each proportion gets its Wilson interval, and the two are combined.
- The difference of two means with Welch's standard error and the normal approximation.
- The number per group needed to detect a planned difference with 80% power at a two-sided
  5% level (normal approximation, no continuity correction).
"""

import dataclasses
import math
from collections.abc import Sequence
from statistics import NormalDist

from coachcare.monitoring.indicators import wilson_interval

ALPHA = 0.05
POWER = 0.80
Z_ALPHA = NormalDist().inv_cdf(1 - ALPHA / 2)  # 1.95996...
Z_POWER = NormalDist().inv_cdf(POWER)  # 0.84162...


@dataclasses.dataclass(frozen=True, kw_only=True)
class Difference:
    """pilot minus comparison, with its 95% confidence interval."""

    difference: float
    low: float
    high: float

    @property
    def includes_zero(self) -> bool:
        return self.low <= 0 <= self.high


def proportion_difference(*, successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> Difference:
    """p_a − p_b with Newcombe's hybrid score interval (method 10).

    L = d − √((p_a − l_a)² + (u_b − p_b)²),  U = d + √((u_a − p_a)² + (p_b − l_b)²),
    where (l, u) are the 95% Wilson intervals. Example (Newcombe 1998, Table II):
    56/70 − 48/80 = 0.200, interval (0.0524, 0.3339).
    """
    p_a = successes_a / trials_a
    p_b = successes_b / trials_b
    l_a, u_a = wilson_interval(successes_a, trials_a)
    l_b, u_b = wilson_interval(successes_b, trials_b)
    d = p_a - p_b
    low = d - math.sqrt((p_a - l_a) ** 2 + (u_b - p_b) ** 2)
    high = d + math.sqrt((u_a - p_a) ** 2 + (p_b - l_b) ** 2)
    return Difference(difference=d, low=low, high=high)


def mean_and_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n − 1); the SD of fewer than two values is 0."""
    n = len(values)
    if n == 0:
        raise ValueError("No values.")
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def mean_difference(*, values_a: Sequence[float], values_b: Sequence[float]) -> Difference:
    """mean_a − mean_b ± 1.96 · √(s_a²/n_a + s_b²/n_b) (Welch's standard error, normal approximation).

    Example: [1, 2, 3, 4, 5] − [2, 4, 6, 8, 10] = −3.0, standard error √(2.5/5 + 10/5) = 1.5811,
    interval (−6.099, 0.099).
    """
    mean_a, sd_a = mean_and_sd(values_a)
    mean_b, sd_b = mean_and_sd(values_b)
    se = math.sqrt(sd_a**2 / len(values_a) + sd_b**2 / len(values_b))
    d = mean_a - mean_b
    return Difference(difference=d, low=d - Z_ALPHA * se, high=d + Z_ALPHA * se)


def sample_size_proportions(*, p_comparison: float, difference: float) -> int:
    """Young people per group to detect ``p_comparison + difference`` against ``p_comparison``.

    n = (z_α·√(2·p̄·q̄) + z_β·√(p₁q₁ + p₂q₂))² / d², rounded up (two-sided α 0.05, power 0.80).
    Example: 0.50 against 0.40 → 388 per group.
    """
    p_pilot = p_comparison + difference
    if difference == 0 or not (0 < p_pilot < 1) or not (0 <= p_comparison <= 1):
        raise ValueError("The planned difference must be non-zero and give a proportion between 0 and 1.")
    p_bar = (p_pilot + p_comparison) / 2
    root = Z_ALPHA * math.sqrt(2 * p_bar * (1 - p_bar)) + Z_POWER * math.sqrt(
        p_pilot * (1 - p_pilot) + p_comparison * (1 - p_comparison)
    )
    return math.ceil(root**2 / difference**2 - 1e-9)


def sample_size_means(*, sd: float, difference: float) -> int:
    """Per group: n = 2·(z_α + z_β)²·σ² / δ², rounded up. Example: σ 1, δ 0.5 → 63 per group."""
    if difference == 0 or sd <= 0:
        raise ValueError("The planned difference and the standard deviation must be non-zero.")
    return math.ceil(2 * (Z_ALPHA + Z_POWER) ** 2 * sd**2 / difference**2 - 1e-9)


# --- against a fixed reference figure (a national figure without its denominator) ----------------


def proportion_against_reference(*, successes: int, trials: int, reference: float) -> Difference:
    """p − p₀ with the Wilson interval of p shifted by the fixed reference p₀ (its own uncertainty
    unknown, so taken as none). Example: 8 of 10 against 0.5 → +0.300, interval (−0.010, 0.443)."""
    low, high = wilson_interval(successes, trials)
    return Difference(difference=successes / trials - reference, low=low - reference, high=high - reference)


def mean_against_reference(*, values: Sequence[float], reference: float) -> Difference:
    """mean − m₀ ± 1.96 · s/√n (the reference taken as fixed). Example: [1..5] against 2 → +1.0,
    interval (−0.386, 2.386)."""
    mean, sd = mean_and_sd(values)
    se = sd / math.sqrt(len(values))
    d = mean - reference
    return Difference(difference=d, low=d - Z_ALPHA * se, high=d + Z_ALPHA * se)


def sample_size_one_proportion(*, p_reference: float, difference: float) -> int:
    """Young people in the pilot to detect ``p_reference + difference`` against a fixed figure.

    n = (z_α·√(p₀q₀) + z_β·√(p₁q₁))² / d², rounded up. Example: 0.50 against 0.40 → 191.
    """
    p_pilot = p_reference + difference
    if difference == 0 or not (0 < p_pilot < 1) or not (0 <= p_reference <= 1):
        raise ValueError("The planned difference must be non-zero and give a proportion between 0 and 1.")
    root = Z_ALPHA * math.sqrt(p_reference * (1 - p_reference)) + Z_POWER * math.sqrt(p_pilot * (1 - p_pilot))
    return math.ceil(root**2 / difference**2 - 1e-9)


def sample_size_one_mean(*, sd: float, difference: float) -> int:
    """In the pilot, against a fixed figure: n = (z_α + z_β)²·σ² / δ². Example: σ 1, δ 0.5 → 32."""
    if difference == 0 or sd <= 0:
        raise ValueError("The planned difference and the standard deviation must be non-zero.")
    return math.ceil((Z_ALPHA + Z_POWER) ** 2 * sd**2 / difference**2 - 1e-9)

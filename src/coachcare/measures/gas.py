"""Goal Attainment Scaling (GAS) and Goal-Based Outcomes (GBO): pure scoring, no database.

GAS (Kiresuk and Sherman, 1968). At intake every goal gets a scale of levels written in the
young person's own terms; at each module evaluation the coach and the young person score the
level reached. The levels are combined into one summary T-score:

    T = 50 + 10 · Σ(wᵢ·xᵢ) / √((1 − ρ)·Σwᵢ² + ρ·(Σwᵢ)²)

with xᵢ the level reached on goal i, wᵢ its weight (1 when goals are unweighted) and ρ the
assumed correlation between goals (0.3 by convention). This is the corrected formula: the
formula as first printed was wrong and was corrected in an erratum (see Turner-Stokes L., "Goal
attainment scaling (GAS) in rehabilitation: a practical guide", Clin Rehabil 2009;23:362-370).
T = 50 means the goals were met as expected on average; each 10 points is one standard
deviation above or below.

Teams differ in where they put the baseline (the level at intake), so every stored GAS score
records the ``GasConvention`` it was scored with; scores of different conventions must not be
pooled without saying so. The project's default is ``GasConvention.STANDARD``; see
docs/measures.md.

GBO (Law and Jacob): each goal is rated by the young person from 0 (no progress at all) to 10
(goal fully reached), at intake and at every evaluation; the change is the current rating minus
the baseline rating. GBO is free to use.
"""

import enum
import math
from collections.abc import Sequence

#: Assumed correlation between goal scores in the T-score formula (Kiresuk and Sherman).
DEFAULT_RHO = 0.3

#: Goal-Based Outcomes ratings are whole numbers from 0 (no progress) to 10 (goal reached).
GBO_MIN = 0
GBO_MAX = 10


class GasConvention(enum.StrEnum):
    """How the levels of a goal's scale are used; recorded with every GAS score.

    - ``STANDARD`` (the project's default, Kiresuk and Sherman as described by Turner-Stokes
      2009): five levels -2..+2. The baseline at intake is scored -1 ("less than expected"),
      0 is the expected outcome, +1 and +2 more and much more than expected, and -2 ("much
      less than expected") is used when the young person is worse than at intake. Turner-Stokes
      allows -2 as baseline when no worse state is possible; this project keeps the baseline at
      -1 so that "no change" always scores the same.
    - ``BASELINE_MINUS_2``: five levels -2..+2, the baseline scored -2; a change for the worse
      cannot be expressed (it also scores -2).
    - ``WITH_DETERIORATION``: six levels -3..+2, the baseline scored -2 and -3 for deterioration
      below the baseline.
    """

    STANDARD = "standard"
    BASELINE_MINUS_2 = "baseline-2"
    WITH_DETERIORATION = "with-deterioration"

    @property
    def levels(self) -> tuple[int, ...]:
        """The levels a goal may be scored at under this convention, lowest first."""
        if self is GasConvention.WITH_DETERIORATION:
            return (-3, -2, -1, 0, 1, 2)
        return (-2, -1, 0, 1, 2)

    @property
    def baseline(self) -> int:
        """The level that describes the young person's situation at intake."""
        return -1 if self is GasConvention.STANDARD else -2

    @property
    def deterioration(self) -> int | None:
        """The level for "worse than at intake", or None when the convention cannot express it."""
        match self:
            case GasConvention.STANDARD:
                return -2
            case GasConvention.WITH_DETERIORATION:
                return -3
        return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def gas_levels_validate(*, scores: Sequence[int], convention: GasConvention) -> None:
    """Raise ``ValueError`` unless every score is a level allowed by ``convention``."""
    allowed = convention.levels
    wrong = [(index, score) for index, score in enumerate(scores) if not _is_int(score) or score not in allowed]
    if wrong:
        described = ", ".join(f"goal {index + 1}: {score!r}" for index, score in wrong)
        levels = ", ".join(f"{level:+d}" if level else "0" for level in allowed)
        raise ValueError(f"GAS scores must be levels of the {convention.value} convention ({levels}); got {described}.")


def gas_t_score(*, scores: Sequence[int], weights: Sequence[float] | None = None, rho: float = DEFAULT_RHO) -> float:
    """The Kiresuk and Sherman summary T-score of a set of goals (corrected formula).

    ``scores`` are the levels reached per goal, ``weights`` the goals' weights (all 1 when
    None) and ``rho`` the assumed correlation between goals. Raises ``ValueError`` for no goals,
    a different number of weights than scores, negative or non-finite weights, weights that are
    all zero, or a ``rho`` outside [0, 1).

    >>> round(gas_t_score(scores=[0, 1]), 1)
    56.2
    """
    if len(scores) == 0:
        raise ValueError("A GAS T-score needs at least one goal score.")
    for index, score in enumerate(scores):
        if not _is_int(score):
            raise ValueError(f"GAS score of goal {index + 1} must be a whole number, got {score!r}.")
    if weights is None:
        weights = [1.0] * len(scores)
    if len(weights) != len(scores):
        raise ValueError(f"There are {len(scores)} GAS scores but {len(weights)} weights: give one weight per goal.")
    for index, weight in enumerate(weights):
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
            raise ValueError(f"Weight of goal {index + 1} must be a finite number, got {weight!r}.")
        if weight < 0:
            raise ValueError(f"Weight of goal {index + 1} is negative ({weight}); weights must be 0 or more.")
    if sum(weights) == 0:
        raise ValueError("At least one goal must have a weight above 0.")
    if isinstance(rho, bool) or not isinstance(rho, int | float) or not 0 <= rho < 1:
        raise ValueError(f"rho (the correlation between goals) must be at least 0 and below 1, got {rho!r}.")
    weighted_sum = math.fsum(weight * score for weight, score in zip(weights, scores, strict=True))
    sum_of_squares = math.fsum(weight * weight for weight in weights)
    total_weight = math.fsum(weights)
    return 50 + 10 * weighted_sum / math.sqrt((1 - rho) * sum_of_squares + rho * total_weight**2)


def gbo_rating_validate(value: object, *, name: str = "GBO rating") -> int:
    """``value`` as a GBO rating, or ``ValueError`` unless it is a whole number from 0 to 10."""
    if isinstance(value, bool) or not isinstance(value, int) or not GBO_MIN <= value <= GBO_MAX:
        raise ValueError(f"{name} must be a whole number from {GBO_MIN} to {GBO_MAX}, got {value!r}.")
    return value


def gbo_change(*, baseline: int, current: int) -> int:
    """Progress on one goal: the current GBO rating minus the baseline rating (-10..+10)."""
    return gbo_rating_validate(current, name="Current GBO rating") - gbo_rating_validate(
        baseline, name="Baseline GBO rating"
    )

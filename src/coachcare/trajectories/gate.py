"""The module gate: after every module the system advises stop, continue or step up.

The rules, in the order they are tried (the first that applies gives the advice):

1. ``deterioration``: any goal's GBO score dropped since the previous measurement by at least the
   method package's reliable-change threshold for GBO, or the GAS T-score dropped by at least its
   threshold for GAS -> step up (refer to more specialised care). A smaller drop is within the
   measurement error and does not advise a step up (defaults and sources: docs/measures.md).
2. ``no_progress``: after two or more modules, the mean GBO score is not higher than two
   measurements ago (no progress over two modules) -> step up.
3. ``goals_reached``: every goal is at least at the expected GAS level (0) and its GBO score is at
   least 8 -> stop.
4. ``final_module``: the module just evaluated is the method's final module ("continuing on your
   own") -> stop.
5. ``next_module``: otherwise continue with the next module of the method (by its suggested
   order) that this trajectory has not followed yet.
6. ``no_module_left``: no module is left and the goals are not reached -> step up.

The coach decides and gives a reason. A decision that differs from the advice (another outcome
or another next module) is recorded as a deviation; only the kinds of deviation the provider
names (``Provider.gate_approval_required``; by default stopping against the advice and skipping
a step up) wait for the team lead's approval before anything further happens.
"""

import dataclasses
import statistics
from collections.abc import Sequence

from coachcare.measures.gas import gas_t_score

GOAL_REACHED_GAS = 0
GOAL_REACHED_GBO = 8


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReliableChange:
    """The smallest drop that counts as a real deterioration (a method package setting).

    ``gbo``: points on the 0-10 GBO rating of one goal; ``gas_t``: points of the GAS T-score."""

    gbo: float = 3.0
    gas_t: float = 10.0


DEFAULT_RELIABLE_CHANGE = ReliableChange()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Measurement:
    """All goals' scores at one moment (intake or a module evaluation), in goal order."""

    gas: Sequence[int]
    gbo: Sequence[int]
    weights: Sequence[float]

    @property
    def gas_t(self) -> float:
        return gas_t_score(scores=list(self.gas), weights=list(self.weights))

    @property
    def gbo_mean(self) -> float:
        return statistics.fmean(self.gbo)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GateAdvice:
    advice: str  # "stop", "continue" or "step_up"
    rule: str
    next_module_code: str = ""
    gas_t: float | None = None
    gbo_mean: float | None = None


def gate_advise(
    *,
    measurements: Sequence[Measurement],
    modules_done: Sequence[str],
    current_is_final: bool,
    catalogue_order: Sequence[str],
    reliable_change: ReliableChange = DEFAULT_RELIABLE_CHANGE,
) -> GateAdvice:
    """Advice after a module. ``measurements`` runs from the intake to the evaluation just scored."""
    if not measurements:
        raise ValueError("At least the current measurement is needed.")
    current = measurements[-1]
    gas_t, gbo_mean = round(current.gas_t, 1), round(current.gbo_mean, 2)
    if len(measurements) >= 2:
        previous = measurements[-2]
        if any(before - now >= reliable_change.gbo for now, before in zip(current.gbo, previous.gbo, strict=False)) or (
            previous.gas_t - current.gas_t >= reliable_change.gas_t
        ):
            return GateAdvice(advice="step_up", rule="deterioration", gas_t=gas_t, gbo_mean=gbo_mean)
    if len(modules_done) >= 2 and len(measurements) >= 3 and current.gbo_mean <= measurements[-3].gbo_mean:
        return GateAdvice(advice="step_up", rule="no_progress", gas_t=gas_t, gbo_mean=gbo_mean)
    if all(gas >= GOAL_REACHED_GAS for gas in current.gas) and all(gbo >= GOAL_REACHED_GBO for gbo in current.gbo):
        return GateAdvice(advice="stop", rule="goals_reached", gas_t=gas_t, gbo_mean=gbo_mean)
    if current_is_final:
        return GateAdvice(advice="stop", rule="final_module", gas_t=gas_t, gbo_mean=gbo_mean)
    for code in catalogue_order:
        if code not in modules_done:
            return GateAdvice(
                advice="continue", rule="next_module", next_module_code=code, gas_t=gas_t, gbo_mean=gbo_mean
            )
    return GateAdvice(advice="step_up", rule="no_module_left", gas_t=gas_t, gbo_mean=gbo_mean)


def gate_deviations(*, advice: str, advice_next: str, decision: str, decision_next: str) -> set[str]:
    """The kinds of deviation of a decision from the advice (codes of ``providers.GateDeviation``)."""
    kinds: set[str] = set()
    if decision == advice:
        if decision == "continue" and decision_next != advice_next:
            kinds.add("other_module")
        return kinds
    if advice == "step_up":
        kinds.add("skip_step_up")
    if decision == "stop":
        kinds.add("stop_against_advice")
    if decision == "continue" and advice == "stop":
        kinds.add("continue_against_stop")
    if decision == "step_up":
        kinds.add("step_up_against_advice")
    return kinds

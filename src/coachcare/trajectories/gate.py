"""The module gate: after every module the system advises stop, continue or step up.

The rules, in the order they are tried (the first that applies gives the advice):

1. ``deterioration``: any goal's GBO score is lower than at the previous measurement, or the GAS
   T-score is lower than at the previous measurement -> step up (refer to more specialised care).
2. ``no_progress``: after two or more modules, the mean GBO score is not higher than two
   measurements ago (no progress over two modules) -> step up.
3. ``goals_reached``: every goal is at least at the expected GAS level (0) and its GBO score is at
   least 8 -> stop.
4. ``final_module``: the module just evaluated is the method's final module ("continuing on your
   own") -> stop.
5. ``next_module``: otherwise continue with the next module of the method (by its suggested
   order) that this trajectory has not followed yet.
6. ``no_module_left``: no module is left and the goals are not reached -> step up.

The coach decides and gives a reason; a decision that differs from the advice (another outcome
or another next module) needs the team lead's approval before anything further happens.
"""

import dataclasses
import statistics
from collections.abc import Sequence

from coachcare.measures.gas import gas_t_score

GOAL_REACHED_GAS = 0
GOAL_REACHED_GBO = 8


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
) -> GateAdvice:
    """Advice after a module. ``measurements`` runs from the intake to the evaluation just scored."""
    if not measurements:
        raise ValueError("At least the current measurement is needed.")
    current = measurements[-1]
    gas_t, gbo_mean = round(current.gas_t, 1), round(current.gbo_mean, 2)
    if len(measurements) >= 2:
        previous = measurements[-2]
        if any(now < before for now, before in zip(current.gbo, previous.gbo, strict=False)) or (
            current.gas_t < previous.gas_t
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

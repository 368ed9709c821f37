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
5. ``fits_open_goals``: when the method names goal domains, continue with the module not followed
   yet (the final module left out) that serves the domains of the most open goals (goals not
   reached: GAS below 0 or GBO below 8), by suggested order on a tie. Modules that serve no open
   goal are skipped, and skipping them is no deviation.
   ``final_next``: no other module serves an open goal: continue with the final module.
   ``next_module``: a method without goal domains: the next module by suggested order not
   followed yet.
6. ``no_module_left``: no module is left and the goals are not reached -> step up.

The coach decides and gives a reason. A decision that differs from the advice (another outcome
or another next module) is recorded as a deviation; only the kinds of deviation the provider
names (``Provider.gate_approval_required``; by default stopping against the advice and skipping
a step up) wait for the team lead's approval before anything further happens.
"""

import dataclasses
import statistics
from collections.abc import Collection, Mapping, Sequence

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
    """All goals' scores at one moment (intake or a module evaluation), in goal order.

    A GBO rating is ``None`` when the young person (or the parent, for a parenting goal) did not
    rate the goal at that moment; the rules then use the ratings that were given."""

    gas: Sequence[int]
    gbo: Sequence[int | None]
    weights: Sequence[float]

    @property
    def gas_t(self) -> float:
        return gas_t_score(scores=list(self.gas), weights=list(self.weights))

    @property
    def gbo_mean(self) -> float | None:
        given = [rating for rating in self.gbo if rating is not None]
        return statistics.fmean(given) if given else None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Catalogue:
    """The method's modules as the gate needs them: codes in suggested order, the final modules and
    the goal domains each module serves (empty when the method names no domains)."""

    order: Sequence[str]
    final: Collection[str] = ()
    serves: Mapping[str, Collection[str]] = dataclasses.field(default_factory=dict)

    @property
    def has_domains(self) -> bool:
        return any(self.serves.get(code) for code in self.order)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GateAdvice:
    advice: str  # "stop", "continue" or "step_up"
    rule: str
    next_module_code: str = ""
    gas_t: float | None = None
    gbo_mean: float | None = None
    #: The modules that serve an open goal (the proposed one first): taking any of them is no deviation.
    fitting_modules: tuple[str, ...] = ()
    #: The open goals (positions in goal order, from 1) and the domains the proposed module serves for them.
    open_goals: tuple[int, ...] = ()
    domains: tuple[str, ...] = ()


def _reached(gas: int, gbo: int | None) -> bool:
    return gas >= GOAL_REACHED_GAS and (gbo is None or gbo >= GOAL_REACHED_GBO)


def _dropped(current: Measurement, previous: Measurement, reliable_change: ReliableChange) -> bool:
    gbo_drop = any(
        now is not None and before is not None and before - now >= reliable_change.gbo
        for now, before in zip(current.gbo, previous.gbo, strict=False)
    )
    return gbo_drop or previous.gas_t - current.gas_t >= reliable_change.gas_t


def _no_progress(measurements: Sequence[Measurement], modules_done: Sequence[str]) -> bool:
    if len(modules_done) < 2 or len(measurements) < 3:
        return False
    now, before = measurements[-1].gbo_mean, measurements[-3].gbo_mean
    return now is not None and before is not None and now <= before


def _next_module(
    *, current: Measurement, goal_domains: Sequence[str], modules_done: Sequence[str], catalogue: Catalogue
) -> GateAdvice | None:
    """The module to continue with (rule 5), or None when no module is left."""
    left = [code for code in catalogue.order if code not in modules_done]
    if not catalogue.has_domains:
        return GateAdvice(advice="continue", rule="next_module", next_module_code=left[0]) if left else None
    open_goals = [
        (position, goal_domains[position - 1] if position <= len(goal_domains) else "")
        for position, (gas, gbo) in enumerate(zip(current.gas, current.gbo, strict=True), start=1)
        if not _reached(gas, gbo)
    ]

    def served(code: str) -> list[int]:
        # A goal without a domain (written before the method had domains) fits every module.
        domains = set(catalogue.serves.get(code, ()))
        return [position for position, domain in open_goals if domains and (not domain or domain in domains)]

    fitting = sorted(
        (code for code in left if code not in catalogue.final and served(code)),
        key=lambda code: (-len(served(code)), catalogue.order.index(code)),
    )
    if fitting:
        best = fitting[0]
        served_goals = served(best)
        domains = tuple(dict.fromkeys(domain for position, domain in open_goals if position in served_goals and domain))
        return GateAdvice(
            advice="continue",
            rule="fits_open_goals",
            next_module_code=best,
            fitting_modules=tuple(fitting),
            open_goals=tuple(served_goals),
            domains=domains,
        )
    final = next((code for code in left if code in catalogue.final), None)
    if final is not None:
        return GateAdvice(
            advice="continue",
            rule="final_next",
            next_module_code=final,
            fitting_modules=(final,),
            open_goals=tuple(position for position, _domain in open_goals),
        )
    return None


def gate_advise(
    *,
    measurements: Sequence[Measurement],
    modules_done: Sequence[str],
    current_is_final: bool,
    catalogue_order: Sequence[str] = (),
    catalogue: Catalogue | None = None,
    goal_domains: Sequence[str] = (),
    reliable_change: ReliableChange = DEFAULT_RELIABLE_CHANGE,
) -> GateAdvice:
    """Advice after a module. ``measurements`` runs from the intake to the evaluation just scored.

    ``catalogue`` describes the method's modules; ``catalogue_order`` alone is a method without
    goal domains. ``goal_domains`` holds each goal's domain code, in goal order ("" for none)."""
    if not measurements:
        raise ValueError("At least the current measurement is needed.")
    catalogue = catalogue or Catalogue(order=catalogue_order)
    current = measurements[-1]
    gas_t = round(current.gas_t, 1)
    mean = current.gbo_mean
    gbo_mean = None if mean is None else round(mean, 2)
    if len(measurements) >= 2 and _dropped(current, measurements[-2], reliable_change):
        return GateAdvice(advice="step_up", rule="deterioration", gas_t=gas_t, gbo_mean=gbo_mean)
    if _no_progress(measurements, modules_done):
        return GateAdvice(advice="step_up", rule="no_progress", gas_t=gas_t, gbo_mean=gbo_mean)
    if all(_reached(gas, gbo) for gas, gbo in zip(current.gas, current.gbo, strict=True)):
        return GateAdvice(advice="stop", rule="goals_reached", gas_t=gas_t, gbo_mean=gbo_mean)
    if current_is_final:
        return GateAdvice(advice="stop", rule="final_module", gas_t=gas_t, gbo_mean=gbo_mean)
    proposal = _next_module(current=current, goal_domains=goal_domains, modules_done=modules_done, catalogue=catalogue)
    if proposal is not None:
        return dataclasses.replace(proposal, gas_t=gas_t, gbo_mean=gbo_mean)
    return GateAdvice(advice="step_up", rule="no_module_left", gas_t=gas_t, gbo_mean=gbo_mean)


def gate_deviations(
    *, advice: str, advice_next: str, decision: str, decision_next: str, fitting: Collection[str] = ()
) -> set[str]:
    """The kinds of deviation of a decision from the advice (codes of ``providers.GateDeviation``).

    Continuing with another module that also serves an open goal (``fitting``) is no deviation."""
    kinds: set[str] = set()
    if decision == advice:
        if decision == "continue" and decision_next != advice_next and decision_next not in fitting:
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

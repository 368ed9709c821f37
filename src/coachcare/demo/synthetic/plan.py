"""What the synthetic country holds, decided before anything is written: the parameters, how young
people are spread over municipalities and providers, and the plan of each trajectory (states, modules,
scores, the gate's advice). Deterministic: everything derives from the seed and the order of
generation, never from database ids. ``population`` writes what is planned here (bulk inserts).
"""

import bisect
import dataclasses
import datetime
import functools
import heapq
import itertools
import math
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

from coachcare.core.dates import add_months
from coachcare.trajectories import gate
from coachcare.trajectories.models import (
    ModuleRun,
)

CLIENTS_PER_COACH = 40
COACHES_PER_TEAM = 8
TEAMS_PER_PROVIDER = 6
#: A municipality contracts one more provider for every this many young people (at least two).
CLIENTS_PER_CONTRACT = 1500
SYNTHETIC_MUNICIPALITIES = 342
SYNTHETIC_CODE_START = 5000  # real CBS codes stay below; synthetic municipalities are 5000 and up
EARLIER_TRAJECTORY_SHARE = 0.2
ACCOUNT_SHARE = 0.92
TOEGANG_PER_MUNICIPALITY = 2
MANDATE_SHARE = 0.5
#: Shares of the contracts whose products are task-based (taakgericht: a lump sum, no allocations
#: or declarations per young person) and effort-based (inspanningsgericht: hours); the rest output-based.
TASK_BASED_SHARE = 0.2
EFFORT_BASED_SHARE = 0.2
#: Effort-based products: hours asked per module, and the hourly tariff as a share of the module tariff.
EFFORT_HOURS_PER_MODULE = 10
#: The planned budget path of a task-based contract declines by this percentage a year.
TASK_BUDGET_YEARLY_CHANGE = -5
ALLOCATION_MONTHS = 6
TARIFFS = (125_000, 145_000)  # cents: the first module, the others (the demo contracts' tariffs)

#: Where trajectories stand, with their share (a year's national picture, scale.md).
STATUS_MIX: list[tuple[str, float]] = [
    ("referred", 0.05),
    ("allocated", 0.05),
    ("intake", 0.08),
    ("module_running", 0.35),
    ("module_evaluation", 0.07),
    ("closed", 0.12),
    ("follow_up", 0.18),
    ("archived", 0.10),
]
#: JZ588 end reasons with their weight: mostly according to plan, some early ends.
END_REASONS: tuple[tuple[str, int], ...] = (("31", 80), ("32", 7), ("33", 3), ("34", 7), ("35", 3))
MODULES_NORMAL: tuple[tuple[int, int], ...] = ((2, 10), (3, 35), (4, 55))  # modules of a finished trajectory
MODULES_EARLY: tuple[tuple[int, int], ...] = ((1, 25), (2, 40), (3, 35))
MODULES_RUNNING: tuple[tuple[int, int], ...] = ((1, 20), (2, 30), (3, 30), (4, 20))
#: Score changes per module: most young people make progress, some struggle (the gate then advises a step up).
GAS_STEPS = (0, 0, 1, 1, 1, 2)
GBO_STEPS = (0, 1, 1, 2, 2, 3)
STRUGGLING_SHARE = 0.15
GAS_STEPS_STRUGGLING = (-1, 0, 0, 1)
GBO_STEPS_STRUGGLING = (-1, -1, 0, 1, 2)
SATISFACTION_WEIGHTS = (3, 7, 20, 40, 30)  # answers 1..5 on the satisfaction questionnaire
REFERRERS = ["huisarts", "gemeente", "jeugdarts", "gi", "medisch_specialist", "rechter"]
REFERRER_WEIGHTS = [25, 55, 12, 4, 2, 2]
REFERRER_CHOICES = tuple(zip(REFERRERS, REFERRER_WEIGHTS, strict=True))
STATUS_CHOICES = tuple((status, round(share * 100)) for status, share in STATUS_MIX)
#: Not a status: a trajectory closed on a day evenly drawn from the last ``CLOSED_ANY_DAYS`` days,
#: its status following from the date (closed, follow_up or archived). For a history with as many
#: closures in every quarter (the demo's); the national mix leaves gaps between the status ranges.
CLOSED_ANY = "closed_any"
CLOSED_ANY_DAYS = 730
GOAL_COUNTS = ((1, 25), (2, 45), (3, 30))
EVALUATION_STATES = (("finished", 50), ("undecided", 35), ("approval", 15))
FIRST_ALLOCATION = (("requested", 60), ("rejected", 10), ("none", 30))
REFUSED_LINE_SHARE = 0.01
LAST_MONTH_DRAFT_SHARE = 0.15  # declarations of the last month not submitted yet


def synthetic_bsns(rng: random.Random) -> Iterator[str]:
    """Distinct 11-proof BSNs starting with 9 (the test range), in a seeded random order."""
    seen: set[str] = set()
    while True:
        digits = f"9{rng.randrange(10_000_000):07d}"
        check = sum(int(digit) * weight for digit, weight in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        candidate = digits + str(check)
        if check != 10 and candidate not in seen:
            seen.add(candidate)
            yield candidate


class PlanRandom(random.Random):
    """``random.Random`` with a cheaper ``randint`` and ``choice`` (the same distributions, another
    sequence): the generator draws tens of millions of them."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]


#: ``core.dates.add_months``, remembered (the same dates come back all the time).
add_months_cached = functools.lru_cache(maxsize=100_000)(add_months)


def municipality_weights(count: int) -> list[float]:
    """A few large cities and a long tail of small towns (Zipf-like), as in the Netherlands."""
    return [1.0 / (rank**0.9) for rank in range(1, count + 1)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Assignment:
    """Who serves whom: per young person a municipality and a provider (and their order there)."""

    municipality: list[int]  # index into the municipalities
    provider: list[int]
    ordinal: list[int]  # position of the young person among the provider's
    load: list[int]  # young people per provider
    pairs: list[tuple[int, int]]  # (municipality index, provider index) with a contract


def assign(*, rng: random.Random, youths: int, municipalities: int, providers: int) -> Assignment:
    """Zipf-like residence; each municipality contracts 2+ providers (more for big ones), chosen so
    that providers end up about equally busy; residents are shared out over their providers."""
    where = rng.choices(range(municipalities), weights=municipality_weights(municipalities), k=youths)
    residents = Counter(where)
    heap = [(0.0, p) for p in range(providers)]
    serving: dict[int, list[int]] = {}
    for m in sorted(residents, key=lambda m: (-residents[m], m)):
        wanted = min(providers, max(min(2, providers), math.ceil(residents[m] / CLIENTS_PER_CONTRACT)))
        chosen = [heapq.heappop(heap) for _ in range(wanted)]
        serving[m] = sorted(p for _load, p in chosen)
        for busy, p in chosen:
            heapq.heappush(heap, (busy + residents[m] / wanted, p))
    seen_in: Counter[int] = Counter()
    load = [0] * providers
    provider: list[int] = []
    ordinal: list[int] = []
    for m in where:
        options = serving[m]
        p = options[seen_in[m] % len(options)]
        seen_in[m] += 1
        provider.append(p)
        ordinal.append(load[p])
        load[p] += 1
    pairs = sorted((m, p) for m, options in serving.items() for p in options)
    return Assignment(municipality=where, provider=provider, ordinal=ordinal, load=load, pairs=pairs)


# --- the plan of one trajectory ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModulePlan:
    id: int
    code: str
    days: int  # expected weeks × 7
    is_final: bool
    category: str
    product_code: str
    unit: str


@dataclasses.dataclass
class RunPlan:
    module: int  # index in the catalogue order
    started: datetime.date
    due: datetime.date
    finished: datetime.date | None = None
    state: str = ModuleRun.State.RUNNING
    decided: datetime.date | None = None  # the gate decision on an evaluated run
    id: int = 0
    allocation_id: int | None = 0  # None: a task-based module (no allocation)


@dataclasses.dataclass
class Plan:
    status: str
    referred: datetime.date
    allocated: datetime.date | None = None
    intake: datetime.date | None = None
    runs: list[RunPlan] = dataclasses.field(default_factory=list)
    closed: datetime.date | None = None
    end_reason: str = ""
    first_allocation: str = "approved"  # none, requested, rejected or approved
    evaluation: str = ""  # module_evaluation: "finished", "undecided" or "approval"
    goals: bool = True


@functools.cache
def weights_cumulative(weighted: tuple[tuple[Any, int], ...]) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    values = tuple(value for value, _weight in weighted)
    return values, tuple(itertools.accumulate(weight for _value, weight in weighted))


def pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    """One of the values, with the chance of its weight."""
    values, cumulative = weights_cumulative(weighted)
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


DAYS = tuple(datetime.timedelta(days=n) for n in range(2000))


def ndays(n: int) -> datetime.timedelta:
    return DAYS[n]


class Planner:
    """Dates and steps of one trajectory, built backwards from where it stands today."""

    def __init__(self, *, rng: random.Random, on: datetime.date, modules: list[ModulePlan]) -> None:
        self.rng, self.on, self.modules = rng, on, modules

    def _duration(self, module: int) -> int:
        return self.modules[module].days + self.rng.randint(-3, 10)

    def _chain(self, count: int, last: RunPlan) -> list[RunPlan]:
        """``count`` runs in catalogue order ending with ``last``; the earlier ones evaluated."""
        runs = [last]
        for module in range(count - 2, -1, -1):
            gap = self.rng.randint(4, 12)
            finished = runs[0].started - ndays(gap)
            started = finished - ndays(self._duration(module))
            decided = finished + ndays(min(gap - 1, self.rng.randint(1, 3)))
            run = RunPlan(module, started, started + ndays(self.modules[module].days), finished,
                       ModuleRun.State.EVALUATED, decided)  # fmt: skip
            runs.insert(0, run)
        return runs

    def _before(self, plan: Plan, first_start: datetime.date) -> None:
        plan.intake = first_start - ndays(self.rng.randint(7, 21))
        plan.allocated = plan.intake - ndays(self.rng.randint(2, 10))
        plan.referred = plan.allocated - ndays(self.rng.randint(3, 14))

    def closed(self, status: str, closed: datetime.date) -> Plan:
        rng = self.rng
        reason = pick(rng, END_REASONS)
        early = reason != "31"
        count = min(len(self.modules), pick(rng, MODULES_EARLY if early else MODULES_NORMAL))
        module = count - 1
        if early:  # stopped while the module ran
            started = closed - ndays(rng.randint(7, max(7, self._duration(module) - 1)))
            last = RunPlan(module, started, started + ndays(self.modules[module].days))
        else:
            finished = closed - ndays(rng.randint(2, 12))
            started = finished - ndays(self._duration(module))
            decided = finished + ndays(rng.randint(1, (closed - finished).days))
            last = RunPlan(module, started, started + ndays(self.modules[module].days), finished,
                        ModuleRun.State.EVALUATED, decided)  # fmt: skip
        plan = Plan(status=status, referred=closed, closed=closed, end_reason=reason)
        plan.runs = self._chain(count, last)
        self._before(plan, plan.runs[0].started)
        return plan

    def closed_on(self, closed: datetime.date) -> Plan:
        """A trajectory closed on ``closed``; its status follows from how long ago that was."""
        if add_months_cached(closed, 6) > self.on:
            status = "closed"
        elif add_months_cached(closed, 12) + ndays(21) > self.on:
            status = "follow_up"
        else:
            status = "archived"
        return self.closed(status, closed)

    def plan(self, status: str) -> Plan:
        rng, on = self.rng, self.on
        if status == "closed":
            return self.closed_on(on - ndays(rng.randint(0, 175)))
        if status == "follow_up":
            return self.closed_on(on - ndays(rng.randint(190, 360)))
        if status == "archived":
            return self.closed_on(on - ndays(rng.randint(400, 720)))
        if status == CLOSED_ANY:
            return self.closed_on(on - ndays(rng.randint(0, CLOSED_ANY_DAYS)))
        if status in {"module_running", "module_evaluation"}:
            count = min(len(self.modules), pick(rng, MODULES_RUNNING))
            module = count - 1
            plan = Plan(status=status, referred=on)
            if status == "module_running":
                started = on - ndays(rng.randint(0, self._duration(module) - 1))
                last = RunPlan(module, started, started + ndays(self.modules[module].days))
            else:
                finished = on - ndays(rng.randint(0, 12))
                started = finished - ndays(self._duration(module))
                plan.evaluation = pick(rng, EVALUATION_STATES)
                state = ModuleRun.State.FINISHED if plan.evaluation == "finished" else ModuleRun.State.EVALUATED
                decided = min(on, finished + ndays(1)) if state == ModuleRun.State.EVALUATED else None
                last = RunPlan(module, started, started + ndays(self.modules[module].days), finished, state, decided)
            plan.runs = self._chain(count, last)
            self._before(plan, plan.runs[0].started)
            return plan
        if status == "intake":
            plan = Plan(status=status, referred=on, intake=on - ndays(rng.randint(0, 20)))
            assert plan.intake is not None
            plan.allocated = plan.intake - ndays(rng.randint(2, 10))
            plan.referred = plan.allocated - ndays(rng.randint(3, 14))
            plan.goals = rng.random() < 0.6
            return plan
        if status == "allocated":
            allocated = on - ndays(rng.randint(0, 10))
            return Plan(status=status, referred=allocated - ndays(rng.randint(3, 14)), allocated=allocated,
                         goals=False)  # fmt: skip
        referred = on - ndays(rng.randint(0, 14))
        first = pick(rng, FIRST_ALLOCATION)
        if first == "rejected" and referred > on - ndays(3):
            first = "requested"
        return Plan(status=status, referred=referred, first_allocation=first, goals=False)


# --- the gate's advice, memoised (the same score histories come back very often) ---------------------


@functools.cache
def gas_t_score(gas: tuple[int, ...]) -> float:
    return gate.Measurement(gas=gas, gbo=(0,) * len(gas), weights=(1.0,) * len(gas)).gas_t


@functools.cache
def gbo_mean_score(gbo: tuple[int, ...]) -> float:
    mean = gate.Measurement(gas=(0,) * len(gbo), gbo=gbo, weights=(1.0,) * len(gbo)).gbo_mean
    assert mean is not None  # the generated histories have a mark for every goal
    return mean


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlanMeasurement(gate.Measurement):
    """The gate's measurement with its GAS T-score and mean GBO looked up (equal goal weights)."""

    @property
    def gas_t(self) -> float:
        return gas_t_score(tuple(self.gas))

    @property
    def gbo_mean(self) -> float:
        return gbo_mean_score(tuple(self.gbo))


@functools.lru_cache(maxsize=200_000)
def gate_advice(
    gas: tuple[tuple[int, ...], ...],
    gbo: tuple[tuple[int, ...], ...],
    done: int,
    is_final: bool,
    codes: tuple[str, ...],
) -> gate.GateAdvice:
    """``gate.gate_advise`` itself, for the last three measurements: its rules look no further back."""
    measurements = [
        PlanMeasurement(gas=g, gbo=b, weights=(1.0,) * len(g)) for g, b in zip(gas[-3:], gbo[-3:], strict=True)
    ]
    return gate.gate_advise(
        measurements=measurements, modules_done=list(codes[:done]), current_is_final=is_final, catalogue_order=codes
    )


def final_scores(gas: tuple[int, ...], gbo: tuple[int, ...]) -> tuple[float, float]:
    return round(gas_t_score(gas), 2), round(gbo_mean_score(gbo), 2)

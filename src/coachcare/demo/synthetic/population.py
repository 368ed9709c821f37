"""Write a synthetic country at national scale, deterministic for a seed (issue 8).

The writing half: what is generated is decided in ``plan`` (parameters, the spread over
municipalities and providers, each trajectory's plan); this module turns it into rows and writes
them (bulk inserts).

What one call creates for ``youths`` young people (docs/performance.md, "Synthetic country"):

- organisations: 342 municipalities (codes from 5000) with two access-team members
  (gemeente-toegang) and a policy officer (gemeente-beleid) each; providers (AGB codes starting
  97) with teams, a team lead per team and coaches (about 40 young people each); a contract per
  municipality and provider that has clients there (per module or a population budget, half of
  them with a mandate, a yearly budget where needed) with the method's modules as products; two
  jeugdregio's (``REGIONS``) whose providers serving two or more members contract with the region
  (one tariff list, the members' contracts its parts, yearly budget shares per member);
- young people: Dutch names (Faker nl_NL), valid (11-proof) BSNs from the range starting with 9,
  spread over the municipalities by size (Zipf-like), 12 to 23 years old at every referral; most
  of those past the intake have an account (role jongere). Every account has an unusable password;
- their care: one trajectory each in every state of the state machine, one in five also an earlier
  closed one; goals with GAS/GBO scores at intake and after every module, the gate's own advice
  (``trajectories.gate``) and the coach's decision; module runs (three to four for a finished
  trajectory); every status change; consent and plan agreements; closure with the JZ588 end
  reason (mostly 31, some 32-35), final GAS T-score and GBO mean, satisfaction and the answers at
  closure per informant; follow-ups at 6 and
  12 months with answers; coach notes; a message thread per young person in care;
- the money: an allocation (toewijzing, volume 1) per module run, requested by the coach and granted
  by the municipality or under the mandate (with the notice), the first one still open or refused
  for some new referrals; starts and stops of care (JW305/JW307) exactly as ``care_events_sync``
  derives them; a declaration (JW323) per municipality, provider and past month with a line per
  module delivered that month, answered (JW325) for every month but the last;
- the activity (``activity``): 10 sessions and 30 messages per module, a diary check-in a week;
- the monitoring summary (outcomes, gate decisions and the waiting times per trajectory), derived
  at the end on the server from the rows loaded (``trajectory_outcomes_rebuild``: one
  INSERT ... SELECT per table), since the first contact comes from the sessions generated there.

How it stays fast (500,000 young people in about 12 minutes on 2 busy cores): no ORM objects.
Rows are tuples with ids reserved beforehand (``loading.IdBlocks``: per provider a block of id
ranges, so providers can be generated independently), written with binary COPY on PostgreSQL;
free text is a pool of tokens encrypted once (``texts``); sessions, messages and diary entries are
generated on the server (``activity``). A big load on PostgreSQL (``BULK_FROM`` young people or
more, not inside a transaction) drops the secondary indexes and foreign keys of the loaded tables
and commits in steps: the organisations; the young people per provider in two processes; then, on
three connections at once, the messages, the sessions and diary entries (streamed into emptied
tables with COPY FREEZE), and the indexes, foreign keys and VACUUM ANALYZE of the rest. It is not
atomic: if it fails, drop the database and start again. Otherwise everything runs in one
transaction (tests, SQLite, small additions).

Deterministic: the same seed on the same day gives the same data (content derives from the seed and
the order of generation, not from database ids). Calling it again adds another population (new
providers and staff; the municipalities are shared), as the benchmarks do.
"""

import dataclasses
import datetime
import math
import multiprocessing
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections, models, transaction
from faker import Faker

from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client, ClientNote
from coachcare.clients.services import bsn_hash
from coachcare.coaching.models import Appointment, DiaryEntry
from coachcare.contracts.models import (
    Allocation,
    AllocationNotice,
    Contract,
    ContractBudgetYear,
    ContractProduct,
    FundingModel,
    LumpSumInstalment,
    NumberSequence,
    RegionalBudgetShare,
)
from coachcare.contracts.services import TOEWIJZING_SEQUENCE
from coachcare.core.dates import today, years_before
from coachcare.core.fields import encrypt_text
from coachcare.declarations.models import CareStart, CareStop, Declaration, DeclarationLine
from coachcare.demo.installers import method_demo_package_install
from coachcare.demo.synthetic import activity
from coachcare.demo.synthetic.loading import (
    IdBlocks,
    constraints_restore,
    constraints_suspend,
    is_superuser,
    rows_insert,
    truncate_if_empty,
)
from coachcare.demo.synthetic.plan import (
    ACCOUNT_SHARE,
    ALLOCATION_MONTHS,
    CLIENTS_PER_COACH,
    COACHES_PER_TEAM,
    EARLIER_TRAJECTORY_SHARE,
    EFFORT_BASED_SHARE,
    EFFORT_HOURS_PER_MODULE,
    END_REASONS,
    GAS_STEPS,
    GAS_STEPS_STRUGGLING,
    GBO_STEPS,
    GBO_STEPS_STRUGGLING,
    GOAL_COUNTS,
    LAST_MONTH_DRAFT_SHARE,
    MANDATE_SHARE,
    REFERRER_CHOICES,
    REFUSED_LINE_SHARE,
    SATISFACTION_WEIGHTS,
    STATUS_CHOICES,
    STRUGGLING_SHARE,
    SYNTHETIC_CODE_START,
    SYNTHETIC_MUNICIPALITIES,
    TARIFFS,
    TASK_BASED_SHARE,
    TASK_BUDGET_YEARLY_CHANGE,
    TEAMS_PER_PROVIDER,
    TOEGANG_PER_MUNICIPALITY,
    ModulePlan,
    Plan,
    Planner,
    PlanRandom,
    RunPlan,
    add_months_cached,
    assign,
    final_scores,
    gate_advice,
    ndays,
    pick,
    synthetic_bsns,
)
from coachcare.demo.synthetic.texts import REJECTION_REASONS, TokenPools, token_pools
from coachcare.messaging.models import Message, Thread, ThreadRead
from coachcare.method.codes import Unit
from coachcare.method.selectors import method_version_current
from coachcare.monitoring import services as monitoring_services
from coachcare.municipalities.models import Municipality, Region, RegionMembership
from coachcare.providers.models import DEFAULT_GATE_APPROVALS, Provider, Team
from coachcare.trajectories.gate import gate_deviations
from coachcare.trajectories.models import (
    Agreement,
    Evaluation,
    FollowUp,
    Goal,
    GoalRating,
    GoalRatingSkipped,
    GoalScore,
    ModuleRun,
    Trajectory,
    TrajectoryTransition,
)

BATCH = 5000  # young people per batch of rows
#: PostgreSQL: from this many young people, indexes and foreign keys are rebuilt after the load.
BULK_FROM = 20_000
POOL_SIZE = 1000  # encrypted text tokens per pool

#: Share of closures where a parent filled in the parents' satisfaction questionnaire.
PARENT_ANSWERED = 0.5


def _closure_answers(plan: Plan, *, trajectory_id: int, youth_answered: bool) -> tuple[Any, ...]:
    """The answers at closure per informant (docs/indicators.md): the usefulness item of the young
    person and a parent, and "zonder hulp verder" of the young person, a parent and the coach.

    Drawn from a generator of their own (seeded by the trajectory), so the rest of the population
    stays exactly as it was generated before these answers existed.
    """
    if plan.closed is None:
        return (None,) * 5
    own = random.Random(trajectory_id * 7919 + 17)
    by_plan = plan.end_reason == "31"

    def without_help() -> bool:
        return own.random() < (0.75 if by_plan else 0.25)

    useful_youth = without_help_youth = useful_parent = without_help_parent = None
    if youth_answered:
        useful_youth = float(own.choices(range(1, 6), weights=SATISFACTION_WEIGHTS)[0])
        without_help_youth = without_help()
    if own.random() < PARENT_ANSWERED:
        useful_parent = float(own.choices(range(1, 6), weights=SATISFACTION_WEIGHTS)[0])
        without_help_parent = without_help()
    return useful_youth, useful_parent, without_help_youth, without_help_parent, without_help()


ACCEPTED, TARIFF_DIFFERS = "0200", "0611"  # WJ001 return codes on a JW325 line


@dataclasses.dataclass(frozen=True, kw_only=True)
class Into:
    """Generate into one existing municipality and provider instead of a synthetic country (the
    demo's history, ``demo.seed``): no municipalities, providers, contracts or municipal staff are
    created; the young people live in ``municipality_id``, are served under ``contract_id`` (its
    products per module in catalogue order) and decided on by ``toegang_id``. Coaches are created
    (``<username_prefix>-coach-<n>``, unusable password) in ``team_id`` with ``lead_id`` as their
    team lead. ``status_choices`` replaces the national status mix (``plan.STATUS_MIX``)."""

    municipality_id: int
    municipality_code: str
    provider_id: int
    team_id: int
    lead_id: int
    toegang_id: int
    contract_id: int
    mandate: bool
    products: list[tuple[int, int]]  # per module (catalogue order): product id, tariff in cents
    username_prefix: str
    status_choices: tuple[tuple[str, int], ...] = STATUS_CHOICES


@dataclasses.dataclass(frozen=True, kw_only=True)
class PopulationResult:
    municipalities: int
    providers: int
    teams: int
    coaches: int
    clients: int
    trajectories: int
    #: Rows created per model ("app.Model"), in the order they were first written.
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    #: Seconds per phase, in order.
    phases: list[tuple[str, float]] = dataclasses.field(default_factory=list)


# --- the rows -------------------------------------------------------------------------------------

FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    User: ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
           "is_staff", "is_active", "date_joined", "role", "provider_id", "team_id", "municipality_id"),
    Provider: ("id", "agb_code", "name"),
    Team: ("id", "provider_id", "name"),
    Client: ("id", "public_id", "bsn", "bsn_hash", "given_name", "family_name", "birth_date", "municipality_id",
             "provider_id", "team_id", "coach_id", "user_id", "referred_on", "created_at"),
    Trajectory: ("id", "public_id", "client_id", "municipality_id", "coach_id", "status", "referrer_kind",
                 "referrer_name", "referred_on", "method_version_id", "gas_convention", "plan_revision", "next_action",
                 "next_action_due", "end_reason", "closed_on", "final_gas_t", "final_gbo_mean",
                 "satisfaction_score", "useful_youth", "useful_parent", "without_help_youth", "without_help_parent",
                 "without_help_professional", "not_answered_reason", "version", "created_at"),
    TrajectoryTransition: ("trajectory_id", "name", "from_status", "to_status", "by_id", "by_role", "at", "reason"),
    Allocation: ("id", "public_id", "client_id", "contract_id", "product_id", "status", "toewijzing_nummer",
                 "volume", "volume_used", "start_date", "end_date", "budget_cents", "requested_by_id",
                 "requested_at", "decided_by_id", "decided_at", "rejection_reason", "via_mandate"),
    AllocationNotice: ("allocation_id", "kind", "created_at", "sent_at"),
    ModuleRun: ("id", "trajectory_id", "module_id", "sequence", "allocation_id", "state", "started_on", "due_on",
                "finished_on"),
    Goal: ("id", "trajectory_id", "order", "kind", "domain", "text", "scale", "weight", "created_at"),
    GoalScore: ("goal_id", "module_run_id", "gas", "gbo", "gbo_informant", "convention", "scored_by_id", "scored_at"),
    GoalRating: ("goal_id", "module_run_id", "informant", "rating", "rated_by_id", "rated_at"),
    GoalRatingSkipped: ("trajectory_id", "module_run_id", "reason", "note", "recorded_by_id", "recorded_at"),
    Evaluation: ("module_run_id", "advice", "advice_next_module_code", "advice_rule", "advice_gas_t",
                 "advice_gbo_mean", "decision", "decision_next_module_code", "decision_reason", "decided_by_id",
                 "decided_at", "deviates", "approval", "approved_by_id", "approved_at", "approval_note"),
    FollowUp: ("trajectory_id", "months", "due_on", "state", "needed_care_again", "recorded_by_id", "recorded_at"),
    Agreement: ("trajectory_id", "kind", "plan_revision", "given_by_id", "given_as", "recorded_by_id", "given_at",
                "revoked_at"),
    CareStart: ("allocation_id", "product_id", "module_run_id", "begindatum", "status_aanlevering", "created_at",
                "sent_at"),
    CareStop: ("allocation_id", "product_id", "module_run_id", "begindatum", "einddatum", "reden",
               "status_aanlevering", "created_at", "sent_at"),
    DeclarationLine: ("declaration_id", "reference", "module_run_id", "allocation_id", "client_id", "product_id",
                      "begindatum", "einddatum", "volume", "unit", "tariff_cents", "amount_cents", "retourcode",
                      "awarded_cents"),
    Thread: ("id", "public_id", "client_id", "kind", "parent_id", "created_at"),
    ThreadRead: ("thread_id", "user_id", "last_read_at"),
    ClientNote: ("client_id", "author_id", "text", "created_at"),
    Appointment: activity.APPOINTMENT_FIELDS,
    Message: activity.MESSAGE_FIELDS,
    DiaryEntry: activity.DIARY_FIELDS,
    Declaration: ("id", "public_id", "declaratienummer", "municipality_id", "provider_id", "period_start",
                  "period_end", "status", "total_cents", "awarded_cents", "created_by_id", "created_at",
                  "submitted_at", "answered_at"),
    Contract: ("id", "municipality_id", "region_id", "part_of_id", "provider_id", "mandate", "valid_from", "valid_to",
               "yearly_budget_cents", "created_at"),
    ContractProduct: ("id", "contract_id", "module_code", "ijw_product_category", "ijw_product_code", "unit",
                      "tariff_cents", "funding_model", "frequency", "volume_per_module"),
    ContractBudgetYear: ("contract_id", "year", "planned_cents"),
    LumpSumInstalment: ("contract_id", "period_start", "period_end", "amount_cents", "status", "paid_on"),
    RegionalBudgetShare: ("contract_id", "municipality_id", "year", "amount_cents", "percentage"),
}  # fmt: skip
#: Tables whose secondary indexes and foreign keys are rebuilt after a big load on PostgreSQL.
BULK_MODELS: list[type[models.Model]] = [
    User, Client, Trajectory, TrajectoryTransition, Allocation, AllocationNotice, ModuleRun, Goal, GoalScore,
    GoalRating, GoalRatingSkipped, Evaluation, FollowUp, Agreement, CareStart, CareStop, DeclarationLine, Thread,
    ThreadRead, ClientNote,
]  # fmt: skip
#: The same for the activity tables (filled set-based on the server).
ACTIVITY_MODELS: list[type[models.Model]] = [Appointment, Message, DiaryEntry]


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


@dataclasses.dataclass
class _Contract:
    id: int
    municipality_id: int
    provider_id: int
    mandate: bool
    funding: str  # FundingModel value of all its products
    products: list[tuple[int, int]]  # per module (catalogue order): product id, tariff in cents (per module)
    part_of: int | None = None  # the regional contract this municipality's contract is a part of


@dataclasses.dataclass
class _Regional:
    """A regional contract (jeugdregio) of one provider: one tariff list, its members' parts."""

    id: int
    region_id: int
    provider_id: int
    mandate: bool
    funding: str  # FundingModel value of all its products (taken from its first member's contract)
    products: list[tuple[int, int]]
    parts: list[_Contract]


#: The synthetic country's jeugdregio's: (name, municipality indices in code order; the first one
#: leads). The largest municipality (index 0) contracts on its own.
REGIONS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("Synthetische jeugdregio Noord", (1, 3, 5, 7)),
    ("Synthetische jeugdregio Zuid", (2, 4, 6, 8, 10)),
)
#: Added to the seed for the regions' own random stream (their mandate and budget margins).
REGION_SEED_OFFSET = 18


def _funding_of(draw: float) -> str:
    """The funding model of a contract from one random draw in [0, 1) (one draw, as before issue 18.1)."""
    if draw < TASK_BASED_SHARE:
        return FundingModel.TASK.value
    if draw < TASK_BASED_SHARE + EFFORT_BASED_SHARE:
        return FundingModel.EFFORT.value
    return FundingModel.OUTPUT.value


def _hourly(module_tariff: int) -> int:
    """The hourly tariff of an effort-based product: the module's tariff over its hours, whole euros."""
    return max(100, round(module_tariff / EFFORT_HOURS_PER_MODULE / 100) * 100)


@dataclasses.dataclass
class _Declaration:
    id: int
    number: str
    municipality_id: int
    provider_id: int
    first: datetime.date
    draft: bool  # of the last month: not submitted yet
    lines: int = 0
    total: int = 0
    awarded: int = 0


@dataclasses.dataclass(frozen=True)
class _Block:
    """One provider's young people (indices) and the id ranges [first, end) reserved for them."""

    provider: int
    clients: list[int]
    ids: dict[type[models.Model], tuple[int, int]]
    toewijzing: int  # allocation numbers follow this one


class _BlockIds:
    """Hands out the ids of a block; models without a range come from ``fallback``."""

    def __init__(self, ranges: dict[type[models.Model], tuple[int, int]], *, fallback: IdBlocks) -> None:
        self.next = {model: first for model, (first, _end) in ranges.items()}
        self.end = {model: end for model, (_first, end) in ranges.items()}
        self.fallback = fallback

    def take(self, model: type[models.Model], count: int = 1) -> int:
        if model not in self.next:
            return self.fallback.take(model, count)
        first = self.next[model]
        self.next[model] = first + count
        if self.next[model] > self.end[model]:
            raise RuntimeError(f"The id range reserved for {model.__name__} is too small.")
        return first


@dataclasses.dataclass(frozen=True)
class _Coach:
    id: int
    team_id: int
    lead_id: int


class _Country:
    """One generation: the context, the row buffers and what is counted along the way."""

    #: Which gate deviations wait for the team lead (``Provider.gate_approval_required``): the
    #: default for generated providers (their column's database default), the provider's own
    #: setting when generating into an existing one (``_into_ensure``).
    gate_approvals: frozenset[str] = frozenset(DEFAULT_GATE_APPROVALS)

    def __init__(
        self,
        *,
        youths: int,
        seed: int,
        python_activity: bool,
        on: datetime.date | None = None,
        into: Into | None = None,
    ) -> None:
        self.youths, self.seed, self.python_activity, self.into = youths, seed, python_activity, into
        self.status_choices = into.status_choices if into is not None else STATUS_CHOICES
        self.rng = random.Random(seed)
        self.fake = Faker("nl_NL")
        self.fake.seed_instance(seed)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self._moments: dict[tuple[datetime.date, int, int], datetime.datetime] = {}
        self.on = on or today()  # the generated world's "today"
        self.until = self._at(self.on, 7)  # "now" of the generated world: 07:00 that day
        self.month = self.on.replace(day=1)
        self.reservation = IdBlocks()
        self.ids: IdBlocks | _BlockIds = self.reservation
        self.rows: dict[type[models.Model], list[tuple[Any, ...]]] = defaultdict(list)
        self.counts: dict[str, int] = {}
        self.granted: Counter[tuple[int, int]] = Counter()  # (contract id, year) -> cents granted
        #: task-based contracts: (contract id, year) -> the modules started at their tariff (notional cost)
        self.task_cost: Counter[tuple[int, int]] = Counter()
        self.declarations: dict[tuple[int, int, datetime.date], _Declaration] = {}
        self.runs_activity: list[activity.RunActivity] = []
        self.diary_activity: list[activity.DiaryActivity] = []

    # helpers

    def _at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        key = (day, hour, minute)
        moment = self._moments.get(key)
        if moment is None:
            moment = self._moments[key] = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)
        return moment

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.uuid_rng.getrandbits(128))

    def _past(self, moment: datetime.datetime) -> datetime.datetime | None:
        return moment if moment <= self.until else None

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        self.rows[model].append(row)

    def flush(self) -> None:
        for model in FIELDS:
            rows = self.rows.pop(model, None)
            if rows:
                written = rows_insert(model, FIELDS[model], rows)
                self.counts[_label(model)] = self.counts.get(_label(model), 0) + written

    # organisations

    def method(self) -> None:

        if method_version_current() is None:
            method_demo_package_install()
        version = method_version_current()
        if version is None:
            raise RuntimeError("No current method version: install a method package first.")
        self.method_version_id = version.pk
        self.modules = [
            ModulePlan(id=m.pk, code=m.code, days=m.expected_weeks * 7, is_final=m.is_final,
                    category=m.ijw_product_category, product_code=m.ijw_product_code, unit=m.unit)
            for m in version.modules.order_by("sequence", "id")
        ]  # fmt: skip
        if not self.modules:
            raise RuntimeError("The current method version has no modules.")
        self.codes = tuple(m.code for m in self.modules)
        #: The method's goal domains (issue 16.6); a goal gets one without drawing from ``rng``, so
        #: the generated history stays the same as before domains existed.
        self.domains: list[str] = [str(domain["code"]) for domain in version.goal_domains or []]
        self.planner = Planner(rng=self.rng, on=self.on, modules=self.modules)
        self.pools: TokenPools = token_pools(
            seed=self.seed,
            size=POOL_SIZE,
            module_codes=list(self.codes),
            end_reasons=[reason for reason, _weight in END_REASONS],
        )

    def municipalities_ensure(self) -> int:
        if self.into is not None:
            return self._into_ensure(self.into)
        existing = set(Municipality.objects.values_list("code", flat=True))
        created = Municipality.objects.bulk_create(
            [
                Municipality(code=str(SYNTHETIC_CODE_START + i), name=f"Synthetische gemeente {i + 1:03d}")
                for i in range(SYNTHETIC_MUNICIPALITIES)
                if str(SYNTHETIC_CODE_START + i) not in existing
            ]
        )
        self.municipalities: list[tuple[int, str]] = list(
            Municipality.objects.filter(code__gte=str(SYNTHETIC_CODE_START))
            .order_by("code")
            .values_list("id", "code")[:SYNTHETIC_MUNICIPALITIES]
        )
        self.codes_of = dict(self.municipalities)
        self.staff_existing = set(
            User.objects.filter(username__startswith="synth-").filter(
                role__in=[Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID]
            ).values_list("username", "id")
        )  # fmt: skip
        self.provider_offset = Provider.objects.filter(agb_code__startswith="97").count()
        self.existing_hashes = set(Client.objects.values_list("bsn_hash", flat=True))
        sequence, _created = NumberSequence.objects.get_or_create(name=TOEWIJZING_SEQUENCE)
        self.toewijzing = sequence.last_value
        self.declaration_counters: Counter[str] = Counter(
            number[:10]
            for number in Declaration.objects.filter(municipality__code__gte=str(SYNTHETIC_CODE_START)).values_list(
                "declaratienummer", flat=True
            )
        )
        return len(created)

    def _into_ensure(self, into: Into) -> int:
        """``municipalities_ensure`` for a generation into an existing municipality (creates none)."""
        provider = Provider.objects.filter(pk=into.provider_id).values_list("gate_approval_required", flat=True)
        self.gate_approvals = frozenset(provider.first() or [])
        self.municipalities = [(into.municipality_id, into.municipality_code)]
        self.codes_of = dict(self.municipalities)
        self.staff_existing = set()
        self.provider_offset = 0
        self.existing_hashes = set(Client.objects.values_list("bsn_hash", flat=True))
        sequence, _created = NumberSequence.objects.get_or_create(name=TOEWIJZING_SEQUENCE)
        self.toewijzing = sequence.last_value
        self.declaration_counters = Counter(
            number[:10]
            for number in Declaration.objects.filter(municipality_id=into.municipality_id).values_list(
                "declaratienummer", flat=True
            )
        )
        return 0

    def _user(self, *, username: str, role: str, joined: datetime.datetime, first: str = "", last: str = "",
              provider: int | None = None, team: int | None = None, municipality: int | None = None,
              user_id: int | None = None) -> int:  # fmt: skip
        user_id = user_id if user_id is not None else self.ids.take(User)
        self.add(User, (user_id, "!", None, False, username, first, last, "", False, True, joined, role, provider,
                        team, municipality))  # fmt: skip
        return user_id

    def staff(self) -> None:
        """Per municipality an access team (gemeente-toegang) and a policy officer (gemeente-beleid)."""
        self.toegang: dict[int, int] = {}
        if self.into is not None:
            self.toegang[self.into.municipality_id] = self.into.toegang_id
            return
        existing = dict(self.staff_existing)
        joined = self._at(self.on - ndays(800), 9)
        for municipality_id, code in self.municipalities:
            for number in range(1, TOEGANG_PER_MUNICIPALITY + 1):
                username = f"synth-toegang-{code}-{number}"
                user_id = existing.get(username) or self._user(
                    username=username, role=Role.GEMEENTE_TOEGANG, joined=joined, first=self.fake.first_name(),
                    last=self.fake.last_name(), municipality=municipality_id,
                )  # fmt: skip
                self.toegang.setdefault(municipality_id, user_id)
            if f"synth-beleid-{code}" not in existing:
                self._user(
                    username=f"synth-beleid-{code}", role=Role.GEMEENTE_BELEID, joined=joined,
                    first=self.fake.first_name(), last=self.fake.last_name(), municipality=municipality_id,
                )  # fmt: skip

    def organisations(self) -> tuple[int, int, int]:
        """Providers, teams with a team lead, coaches, contracts; returns (providers, teams, coaches)."""
        if self.into is not None:
            return self._into_organisation(self.into)
        rng = self.rng
        providers = max(1, round(self.youths / (CLIENTS_PER_COACH * COACHES_PER_TEAM * TEAMS_PER_PROVIDER)))
        self.assignment = assign(
            rng=rng, youths=self.youths, municipalities=len(self.municipalities), providers=providers
        )
        joined = self._at(self.on - ndays(800), 9)
        first_provider = self.ids.take(Provider, providers)
        self.provider_ids = [first_provider + p for p in range(providers)]
        self.coaches: list[list[_Coach]] = []
        teams_total = coaches_total = 0
        for p, provider_id in enumerate(self.provider_ids):
            number = self.provider_offset + p
            self.add(Provider, (provider_id, f"97{number:06d}", f"Synthetische aanbieder {number + 1}"))
            coach_count = max(1, math.ceil(self.assignment.load[p] / CLIENTS_PER_COACH))
            team_count = max(1, math.ceil(coach_count / COACHES_PER_TEAM))
            team_ids = [self.ids.take(Team) for _ in range(team_count)]
            leads = []
            for t, team_id in enumerate(team_ids):
                self.add(Team, (team_id, provider_id, f"Team {t + 1}"))
                lead = self.ids.take(User)
                self._user(user_id=lead, username=f"synth-teamleider-{lead}", role=Role.TEAMLEIDER, joined=joined,
                           first=self.fake.first_name(), last=self.fake.last_name(), provider=provider_id,
                           team=team_id)  # fmt: skip
                leads.append(lead)
            coaches = []
            for c in range(coach_count):
                t = min(c // COACHES_PER_TEAM, team_count - 1)
                coach = self.ids.take(User)
                self._user(user_id=coach, username=f"synth-coach-{coach}", role=Role.COACH, joined=joined,
                           first=self.fake.first_name(), last=self.fake.last_name(), provider=provider_id,
                           team=team_ids[t])  # fmt: skip
                coaches.append(_Coach(coach, team_ids[t], leads[t]))
            self.coaches.append(coaches)
            teams_total += team_count
            coaches_total += coach_count
        self.contracts: dict[tuple[int, int], _Contract] = {}
        self.contracts_of: list[list[_Contract]] = [[] for _ in self.provider_ids]
        self.rank: dict[tuple[int, int], int] = {}
        served: Counter[int] = Counter()
        for m, p in self.assignment.pairs:
            municipality_id = self.municipalities[m][0]
            contract_id = self.ids.take(Contract)
            first_product = self.ids.take(ContractProduct, len(self.modules))
            factor = rng.uniform(0.9, 1.1)
            products = [
                (first_product + i, round(TARIFFS[min(i, 1)] * factor / 100) * 100) for i in range(len(self.modules))
            ]
            self.contracts[(m, p)] = _Contract(
                id=contract_id, municipality_id=municipality_id, provider_id=self.provider_ids[p],
                mandate=rng.random() < MANDATE_SHARE, funding=_funding_of(rng.random()), products=products,
            )  # fmt: skip
            # the provider's rank among the municipality's: its declarations' number (see _declare)
            self.rank[(municipality_id, self.provider_ids[p])] = served[m]
            served[m] += 1
            self.contracts_of[p].append(self.contracts[(m, p)])
        self._regions_plan()
        return providers, teams_total, coaches_total

    def _regions_plan(self) -> None:
        """Two jeugdregio's (``REGIONS``, members since three years back): a provider that serves
        two or more members contracts with the region instead, with one tariff list for its members
        (the tariffs and funding model of its first member's contract), whose contracts become parts
        of it. The region's own choices (its mandate here, the budget margins in ``_regional_write``)
        come from a random stream of its own, so the main stream draws the same as without regions."""
        self.regionals_of: list[list[_Regional]] = [[] for _ in self.provider_ids]
        self.region_rng = random.Random(self.seed + REGION_SEED_OFFSET)
        if len(self.municipalities) <= max(max(members) for _name, members in REGIONS):
            return
        since = datetime.date(self.on.year - 3, 1, 1)
        for name, members in REGIONS:
            region, _created = Region.objects.get_or_create(
                name=name, defaults={"lead_municipality_id": self.municipalities[members[0]][0]}
            )
            for m in members:
                municipality_id = self.municipalities[m][0]
                if not RegionMembership.objects.filter(municipality_id=municipality_id).exists():
                    RegionMembership.objects.create(region=region, municipality_id=municipality_id, valid_from=since)
            # a municipality already in another region (not by this generator) keeps its own contracts
            ours = set(RegionMembership.objects.filter(region=region).values_list("municipality_id", flat=True))
            joined = [m for m in members if self.municipalities[m][0] in ours]
            for p, provider_id in enumerate(self.provider_ids):
                parts = [self.contracts[(m, p)] for m in joined if (m, p) in self.contracts]
                if len(parts) < 2:
                    continue
                first = parts[0]
                first_product = self.ids.take(ContractProduct, len(self.modules))
                products = [(first_product + i, tariff) for i, (_id, tariff) in enumerate(first.products)]
                mandate = self.region_rng.random() < MANDATE_SHARE and first.funding != FundingModel.TASK
                regional = _Regional(
                    id=self.ids.take(Contract), region_id=region.pk, provider_id=provider_id, mandate=mandate,
                    funding=first.funding, products=products, parts=parts,
                )  # fmt: skip
                for part in parts:
                    part.products, part.part_of = products, regional.id
                    part.mandate, part.funding = mandate, first.funding
                self.regionals_of[p].append(regional)

    def _into_organisation(self, into: Into) -> tuple[int, int, int]:
        """``organisations`` into the existing provider: only its new coaches (none created twice)."""
        self.assignment = assign(rng=self.rng, youths=self.youths, municipalities=1, providers=1)
        self.provider_ids = [into.provider_id]
        joined = self._at(self.on - ndays(800), 9)
        count = max(1, math.ceil(self.youths / CLIENTS_PER_COACH))
        coaches = []
        for c in range(count):
            username = f"{into.username_prefix}-coach-{c + 1}"
            coach = User.objects.filter(username=username).values_list("id", flat=True).first()
            if coach is None:
                coach = self._user(username=username, role=Role.COACH, joined=joined, first=self.fake.first_name(),
                                   last=self.fake.last_name(), provider=into.provider_id,
                                   team=into.team_id)  # fmt: skip
            coaches.append(_Coach(coach, into.team_id, into.lead_id))
        self.coaches = [coaches]
        contract = _Contract(id=into.contract_id, municipality_id=into.municipality_id, provider_id=into.provider_id,
                             mandate=into.mandate, funding=FundingModel.OUTPUT,
                             products=list(into.products))  # fmt: skip
        self.contracts = {(0, 0): contract}
        self.contracts_of = [[]]  # the contract exists: nothing to write
        self.regionals_of = [[]]
        self.rank = {(into.municipality_id, into.provider_id): 0}
        return 0, 0, count

    def blocks_reserve(self) -> list["_Block"]:
        """Per provider a block of its young people with id ranges (and allocation numbers) large
        enough for them, so that blocks can be generated independently, also in parallel."""
        runs = 2 * len(self.modules)  # at most two trajectories of every module
        bounds: dict[type[models.Model], int] = {
            Client: 1, User: 1, Thread: 1, Trajectory: 2, ModuleRun: runs, Goal: 6, Allocation: runs + 1,
            Declaration: runs,
        }  # fmt: skip
        clients_of: list[list[int]] = [[] for _ in self.provider_ids]
        for index, provider in enumerate(self.assignment.provider):
            clients_of[provider].append(index)
        firsts = {
            model: self.ids.take(model, sum(len(clients) * bound + 1 for clients in clients_of))
            for model, bound in bounds.items()
        }
        number = self.toewijzing
        blocks = []
        for provider, clients in enumerate(clients_of):
            ids = {}
            for model, bound in bounds.items():
                ids[model] = (firsts[model], firsts[model] + len(clients) * bound + 1)
                firsts[model] = ids[model][1]
            blocks.append(_Block(provider=provider, clients=clients, ids=ids, toewijzing=number))
            number += len(clients) * bounds[Allocation] + 1
        self.toewijzing_end = number
        return blocks

    def contracts_write(self, provider: int) -> None:
        """The provider's contracts (valid from three years back, open-ended) and products; a yearly
        budget (for a mandate) a fifth to a half above the most granted in any year. A task-based
        contract has a planned budget path (declining each year) and monthly lump-sum instalments,
        paid up to the last month; an effort-based one's products are bought in hours."""
        valid_from = datetime.date(self.on.year - 3, 1, 1)
        created = self._at(valid_from - ndays(30), 10)
        peak: dict[int, int] = defaultdict(int)
        for (contract_id, _year), cents in self.granted.items():
            peak[contract_id] = max(peak[contract_id], cents)
        for regional in self.regionals_of[provider]:
            self._regional_write(regional, valid_from=valid_from, created=created, peak=peak)
        for contract in self.contracts_of[provider]:
            if contract.part_of is not None:  # no products or budget: the regional list and a share
                self.add(Contract, (contract.id, contract.municipality_id, None, contract.part_of,
                                    contract.provider_id, contract.mandate, valid_from, None, None,
                                    created))  # fmt: skip
                continue
            budget = None
            if contract.mandate and contract.funding != FundingModel.TASK:
                wanted = peak[contract.id] * self.rng.uniform(1.2, 1.5) + 1_000_000
                budget = math.ceil(wanted / 1_000_000) * 1_000_000  # whole tens of thousands of euros
            mandate = contract.mandate and budget is not None
            self.add(Contract, (contract.id, contract.municipality_id, None, None, contract.provider_id, mandate,
                                valid_from, None, budget, created))  # fmt: skip
            self._products_write(contract.id, funding=contract.funding, products=contract.products)
            if contract.funding == FundingModel.TASK:
                self._lump_sum(contract.id, contract_ids=[contract.id], first_year=valid_from.year)

    def _products_write(self, contract_id: int, *, funding: str, products: list[tuple[int, int]]) -> None:
        """A contract's tariff list: every module under ``funding`` (effort-based: in hours)."""
        for module, (product_id, tariff) in zip(self.modules, products, strict=True):
            if funding == FundingModel.EFFORT:
                row = (Unit.HOUR.value, _hourly(tariff), funding, "6", EFFORT_HOURS_PER_MODULE)
            elif funding == FundingModel.TASK:
                row = (module.unit, 0, funding, "6", 1)
            else:
                row = (module.unit, tariff, funding, "6", 1)
            self.add(ContractProduct, (product_id, contract_id, module.code, module.category, module.product_code,
                                       *row))  # fmt: skip

    def _regional_write(
        self, regional: _Regional, *, valid_from: datetime.date, created: datetime.datetime, peak: dict[int, int]
    ) -> None:
        """A regional contract, its tariff list and per year its members' budget shares. The yearly
        budget: per member a fifth to a half above what it granted at most in a year (drawn from the
        region's stream), summed; task-based: the first year of its planned path (lump sums, from
        the notional cost of all members together). Each year's shares are in proportion to what each
        member granted (task-based: started) that year and add up to the yearly budget to the cent."""
        parts = regional.parts
        years = range(valid_from.year, self.on.year + 1)
        if regional.funding == FundingModel.TASK:
            budget = self._lump_sum(regional.id, contract_ids=[part.id for part in parts], first_year=valid_from.year)
            used = self.task_cost
        else:
            wanted = [peak[part.id] * self.region_rng.uniform(1.2, 1.5) + 1_000_000 for part in parts]
            budget = math.ceil(sum(wanted) / 1_000_000) * 1_000_000
            used = self.granted
        self.add(Contract, (regional.id, None, regional.region_id, None, regional.provider_id, regional.mandate,
                            valid_from, None, budget, created))  # fmt: skip
        self._products_write(regional.id, funding=regional.funding, products=regional.products)
        for year in years:
            weights = [used[(part.id, year)] + 100_000 for part in parts]
            amounts = [budget * weight // sum(weights) for weight in weights]
            amounts[0] += budget - sum(amounts)  # the rounding to the first member
            for part, amount in zip(parts, amounts, strict=True):
                self.add(RegionalBudgetShare, (regional.id, part.municipality_id, year, amount, None))

    def _lump_sum(self, contract_id: int, *, contract_ids: list[int], first_year: int) -> int:
        """The planned path (from the notional cost of the busiest year of ``contract_ids``' modules,
        a fifth above it, then declining) and the monthly instalments of each year up to this one,
        paid for past months. Returns the first year's planned budget."""
        years = range(first_year, self.on.year + 1)
        cost = {year: sum(self.task_cost.get((c, year), 0) for c in contract_ids) for year in years}
        peak = max(cost.values(), default=0)
        planned = first = math.ceil((peak * 1.2 + 1_000_000) / 1_000_000) * 1_000_000
        for year in years:
            self.add(ContractBudgetYear, (contract_id, year, planned))
            part = planned // 12
            for month in range(1, 13):
                start = datetime.date(year, month, 1)
                end = add_months_cached(start, 1) - ndays(1)
                amount = planned - part * 11 if month == 12 else part
                paid = end < self.on
                self.add(LumpSumInstalment, (contract_id, start, end, amount, "paid" if paid else "planned",
                                             end if paid else None))  # fmt: skip
            planned = round(planned * (100 + TASK_BUDGET_YEARLY_CHANGE) / 100)
        return first

    # young people

    def people_prepare(self) -> None:
        """Names and BSNs for everyone, drawn up front so that blocks can be generated in any order."""
        self.given_names = [self.fake.first_name() for _ in range(4000)]
        self.family_names = [self.fake.last_name() for _ in range(4000)]
        bsns = synthetic_bsns(self.rng)
        self.bsns: list[tuple[str, str] | None] = []
        for _index in range(self.youths):
            bsn = next(bsns)
            hashed = bsn_hash(bsn)
            self.bsns.append(None if hashed in self.existing_hashes else (bsn, hashed))
        self.first_run, self.first_trajectory = self.reservation.first(ModuleRun), self.reservation.first(Trajectory)
        self.clients_created = self.trajectories_created = 0

    def block_generate(self, block: "_Block") -> None:
        """Every young person of one provider with their care, and the provider's contracts and
        declarations. Deterministic per block: its own random generator, its own id ranges."""
        rng = self.rng = self.planner.rng = PlanRandom(f"{self.seed}:{block.provider}")
        # public ids: random-looking like uuid4, the same for the same seed and database state
        self.uuid_rng = random.Random(f"{self.seed}:{block.provider}:{block.ids[Client][0]}")
        self.ids = _BlockIds(block.ids, fallback=self.reservation)
        self.toewijzing = block.toewijzing
        for start in range(0, len(block.clients), BATCH):
            for index in block.clients[start : start + BATCH]:
                person = self.bsns[index]
                if person is None:  # the BSN is in use already
                    continue
                status = pick(rng, self.status_choices)
                plans = [self.planner.plan(status)]
                if rng.random() < EARLIER_TRAJECTORY_SHARE:
                    plans.insert(0, self.planner.closed_on(plans[0].referred - ndays(rng.randint(30, 400))))
                self._client(index, bsn=person[0], hashed=person[1], plans=plans,
                             given=rng.choice(self.given_names), family=rng.choice(self.family_names))  # fmt: skip
            self._activity_rows()
            self.flush()
        self.contracts_write(block.provider)
        self.declarations_write()
        self.flush()
        self.ids = self.reservation

    def _client(self, index: int, *, bsn: str, hashed: str, plans: list[Plan], given: str, family: str) -> None:
        rng = self.rng
        a = self.assignment
        m, p = a.municipality[index], a.provider[index]
        coaches = self.coaches[p]
        coach = coaches[a.ordinal[index] % len(coaches)]
        municipality_id = self.municipalities[m][0]
        provider_id = self.provider_ids[p]
        earliest = min(plan.referred for plan in plans)
        gap = (max(plan.referred for plan in plans) - earliest).days
        age = rng.randint(12, 23 - (gap // 365 + 1 if gap else 0))
        birth = years_before(earliest, age) - ndays(rng.randint(0, 364))
        client_id = self.ids.take(Client)
        intakes = [plan.intake for plan in plans if plan.intake is not None]
        user_id = None
        if intakes and rng.random() < ACCOUNT_SHARE:
            user_id = self._user(username=f"synth-jongere-{client_id}", role=Role.JONGERE,
                                 joined=self._at(min(intakes), 12), first=given, last=family)  # fmt: skip
        self.add(Client, (client_id, self._uuid(), encrypt_text(bsn), hashed, given,
                          family, birth, municipality_id, provider_id, coach.team_id, coach.id, user_id, earliest,
                          self._at(earliest, 9)))  # fmt: skip
        self.clients_created += 1
        starts = [plan.runs[0].started for plan in plans if plan.runs]
        thread_id = None
        if starts:
            thread_id = self.ids.take(Thread)
            self.add(Thread, (thread_id, self._uuid(), client_id, "youth", None,
                              self._at(min(starts), 9)))  # fmt: skip
            read = self.until - ndays(rng.randint(0, 3))
            self.add(ThreadRead, (thread_id, coach.id, read))
            if user_id is not None:
                self.add(ThreadRead, (thread_id, user_id, read - datetime.timedelta(hours=rng.randint(1, 48))))
        contract = self.contracts[(m, p)]
        for plan in plans:
            self._trajectory(plan, client_id=client_id, user_id=user_id, coach=coach, contract=contract,
                             municipality_id=municipality_id, thread_id=thread_id)  # fmt: skip

    def _domain(self, order: int, parenting: bool) -> str:
        """A goal's domain: a parenting goal is about home, the others take turns."""
        if not self.domains:
            return ""
        if parenting and "thuis" in self.domains:
            return "thuis"
        return self.domains[(order - 1) % min(2, len(self.domains))]

    def _trajectory(self, plan: Plan, *, client_id: int, user_id: int | None, coach: _Coach, contract: _Contract,
                    municipality_id: int, thread_id: int | None) -> None:  # fmt: skip
        rng, on, at = self.rng, self.on, self._at
        trajectory_id = self.ids.take(Trajectory)
        self.trajectories_created += 1
        pools = self.pools
        for run in plan.runs:
            run.id = self.ids.take(ModuleRun)
        # goals and their scores at intake and after every evaluated module
        goal_ids: list[int] = []
        written = at(min(on, (plan.intake or on) + ndays(1)), 11)
        if plan.goals and plan.intake is not None:
            count = pick(rng, GOAL_COUNTS)
            first_goal = self.ids.take(Goal, count)
            goal_ids = [first_goal + i for i in range(count)]
            for order, goal_id in enumerate(goal_ids, start=1):
                parenting = order == count and count > 1 and rng.random() < 0.15
                text = rng.choice(pools.parenting_goals if parenting else pools.goals)
                self.add(Goal, (goal_id, trajectory_id, order, "parenting" if parenting else "personal",
                                self._domain(order, parenting), text, rng.choice(pools.scales), 1.0,
                                written))  # fmt: skip
        gas = [-1] * len(goal_ids)
        gbo = [rng.randint(2, 5) for _ in goal_ids]
        history_gas, history_gbo = [tuple(gas)], [tuple(gbo)]
        if goal_ids:
            # The baseline: the coach's GAS level and the young person's own intake mark from the
            # portal ("hoe sta je er nu voor?", informant "jongere", the hour after the goals were
            # written). A young person without an account has no GBO baseline: the coach recorded why.
            for goal_id, g, b in zip(goal_ids, gas, gbo, strict=True):
                if user_id is not None:
                    self.add(GoalRating, (goal_id, None, "jongere", b, user_id, written + datetime.timedelta(hours=1)))
                self.add(GoalScore, (goal_id, None, g, b if user_id is not None else None,
                                     "jongere" if user_id is not None else "", "standard", coach.id,
                                     written + datetime.timedelta(hours=2)))  # fmt: skip
            if user_id is None:
                self.add(GoalRatingSkipped, (trajectory_id, None, "no_account", "", coach.id,
                                             written + datetime.timedelta(hours=2)))  # fmt: skip
        struggling = rng.random() < STRUGGLING_SHARE
        gas_steps = GAS_STEPS_STRUGGLING if struggling else GAS_STEPS
        gbo_steps = GBO_STEPS_STRUGGLING if struggling else GBO_STEPS
        # module runs, their allocations, the gate after each one
        for i, run in enumerate(plan.runs):
            module = self.modules[run.module]
            product_id, tariff = contract.products[run.module]
            if i == 0:
                requested, decided, mandate = plan.referred, plan.allocated, False
            else:
                requested = plan.runs[i - 1].decided or run.started
                mandate = contract.mandate
                decided = requested if mandate else min(run.started, requested + ndays(1))
            assert decided is not None
            task = contract.funding == FundingModel.TASK
            if task:  # paid from the lump sum: no allocation; the start and stop of care name the product
                run.allocation_id = None
                self.task_cost[(contract.id, run.started.year)] += tariff
            else:
                run.allocation_id = self._allocation(client_id=client_id, contract=contract, product_id=product_id,
                                                     tariff=tariff, coach=coach, municipality_id=municipality_id,
                                                     requested=requested, decided=decided, mandate=mandate,
                                                     end_at_least=run.due + ndays(28), used=1)  # fmt: skip
            event_product = product_id if task else None
            self.add(ModuleRun, (run.id, trajectory_id, module.id, i + 1, run.allocation_id, run.state, run.started,
                                 run.due, run.finished))  # fmt: skip
            self.add(CareStart, (run.allocation_id, event_product, run.id, run.started, "1", at(run.started, 12),
                                 self._past(at(run.started + ndays(1), 8))))  # fmt: skip
            stop: tuple[datetime.date, str] | None = None
            if run.finished is not None and run.finished <= on:
                stop = (run.finished, "31")
            elif plan.closed is not None:
                stop = (max(plan.closed, run.started), plan.end_reason or "34")
            if stop is not None:
                self.add(CareStop, (run.allocation_id, event_product, run.id, run.started, stop[0], stop[1], "1",
                                    at(stop[0], 12), self._past(at(stop[0] + ndays(1), 8))))  # fmt: skip
            if run.finished is not None and run.finished < self.month and not task:
                self._declare(run, client_id=client_id, contract=contract, product_id=product_id, tariff=tariff)
            if self._past(at(run.started + ndays(2), 15)):
                self.add(ClientNote, (client_id, coach.id, rng.choice(pools.notes), at(run.started + ndays(2), 15)))
            if run.state == ModuleRun.State.EVALUATED and goal_ids:
                gas = [min(2, max(-2, g + rng.choice(gas_steps))) for g in gas]
                gbo = [min(10, max(0, b + rng.choice(gbo_steps))) for b in gbo]
                history_gas.append(tuple(gas))
                history_gbo.append(tuple(gbo))
                assert run.finished is not None
                scored = at(min(on, run.finished + ndays(1)), 14)
                # The young person's own mark from the portal (informant "jongere"), the day before the
                # coach's evaluation; a young person without an account has none: the coach recorded why.
                for goal_id, g, b in zip(goal_ids, gas, gbo, strict=True):
                    if user_id is not None:
                        self.add(GoalRating, (goal_id, run.id, "jongere", b, user_id, scored - ndays(1)))
                        self.add(GoalScore, (goal_id, run.id, g, b, "jongere", "standard", coach.id, scored))
                    else:
                        self.add(GoalScore, (goal_id, run.id, g, None, "", "standard", coach.id, scored))
                if user_id is None:
                    self.add(GoalRatingSkipped, (trajectory_id, run.id, "no_account", "", coach.id, scored))
                self._evaluation(plan, i, run, coach=coach, gas=tuple(history_gas), gbo=tuple(history_gbo))
            if thread_id is not None:
                self._run_activity(run, plan, trajectory_id=trajectory_id, client_id=client_id, user_id=user_id,
                                   coach_id=coach.id, thread_id=thread_id)  # fmt: skip
        if not plan.runs and plan.status != "referred" and contract.funding != FundingModel.TASK:
            product_id, tariff = contract.products[0]
            assert plan.allocated is not None
            self._allocation(client_id=client_id, contract=contract, product_id=product_id, tariff=tariff,
                             coach=coach, municipality_id=municipality_id, requested=plan.referred,
                             decided=plan.allocated, mandate=False, end_at_least=plan.allocated, used=0)  # fmt: skip
        task_based = contract.funding == FundingModel.TASK
        if plan.status == "referred" and plan.first_allocation in {"requested", "rejected"} and not task_based:
            self._open_request(plan, client_id=client_id, contract=contract, coach=coach,
                               municipality_id=municipality_id)  # fmt: skip
        # closure, follow-ups, agreements, transitions and the trajectory itself
        final_gas_t = final_gbo = satisfaction = None
        if plan.closed is not None and goal_ids:
            final_gas_t, final_gbo = final_scores(history_gas[-1], history_gbo[-1])
        if plan.closed is not None and rng.random() < 0.7:
            satisfaction = round(sum(rng.choices(range(1, 6), weights=SATISFACTION_WEIGHTS, k=6)) / 6, 2)
        answers = _closure_answers(plan, trajectory_id=trajectory_id, youth_answered=satisfaction is not None)
        next_action, next_due = self._follow_ups(plan, trajectory_id=trajectory_id, coach=coach)
        if user_id is not None and plan.intake is not None:
            self.add(Agreement, (trajectory_id, "care", None, user_id, "jongere", coach.id, at(plan.intake, 10, 30),
                                 None))  # fmt: skip
            if goal_ids and (plan.runs or rng.random() < 0.5):
                agreed = plan.runs[0].started - ndays(1) if plan.runs else min(on, plan.intake + ndays(2))
                self.add(Agreement, (trajectory_id, "plan", 1, user_id, "jongere", coach.id, at(agreed, 10, 45),
                                     None))  # fmt: skip
        version = self._transitions(plan, trajectory_id=trajectory_id, coach=coach)
        if next_action is None:
            next_action, next_due = self._next_action(plan)
        if user_id is not None and plan.runs:
            self.diary_activity.append(
                activity.DiaryActivity(
                    ordinal=trajectory_id - self.first_trajectory, trajectory_id=trajectory_id, client_id=client_id,
                    user_id=user_id, first_day=plan.runs[0].started, last_day=min(plan.closed or on, on),
                )
            )  # fmt: skip
        self.add(Trajectory, (
            trajectory_id, self._uuid(), client_id, municipality_id, coach.id, plan.status,
            pick(rng, REFERRER_CHOICES), "", plan.referred,
            self.method_version_id, "standard", 1 if goal_ids else 0, next_action, next_due, plan.end_reason,
            plan.closed, final_gas_t, final_gbo, satisfaction, *answers, "", version, at(plan.referred, 9),
        ))  # fmt: skip

    def _allocation(self, *, client_id: int, contract: _Contract, product_id: int, tariff: int, coach: _Coach,
                    municipality_id: int, requested: datetime.date, decided: datetime.date, mandate: bool,
                    end_at_least: datetime.date, used: int) -> int:  # fmt: skip
        """A granted allocation of one module (volume 1; effort-based: its hours, none used at the
        start), by the municipality or under the mandate."""
        volume = 1
        if contract.funding == FundingModel.EFFORT:
            volume, used = EFFORT_HOURS_PER_MODULE, 0
            tariff = _hourly(tariff) * EFFORT_HOURS_PER_MODULE
        allocation_id = self.ids.take(Allocation)
        self.toewijzing += 1
        end = max(add_months_cached(decided, ALLOCATION_MONTHS), end_at_least)
        requested_at = self._at(requested, 10)
        decided_at = requested_at if mandate else self._at(decided, 11)
        self.add(Allocation, (
            allocation_id, self._uuid(), client_id, contract.id, product_id,
            "approved", f"{self.toewijzing:010d}", volume, used, decided, end, tariff, coach.id, requested_at,
            None if mandate else self.toegang[municipality_id], decided_at, "", mandate,
        ))  # fmt: skip
        if mandate:
            self.add(AllocationNotice, (allocation_id, "mandate_approval", decided_at,
                                        self._past(decided_at + ndays(1))))  # fmt: skip
        self.granted[(contract.id, decided.year)] += tariff
        return allocation_id

    def _open_request(self, plan: Plan, *, client_id: int, contract: _Contract, coach: _Coach,
                      municipality_id: int) -> None:  # fmt: skip
        """A new referral's first request (JW315): still open, or refused by the municipality."""
        allocation_id = self.ids.take(Allocation)
        product_id, _tariff = contract.products[0]
        requested_at = self._at(plan.referred, 10)
        rejected = plan.first_allocation == "rejected"
        self.add(Allocation, (
            allocation_id, self._uuid(), client_id, contract.id, product_id,
            "rejected" if rejected else "requested", None,
            EFFORT_HOURS_PER_MODULE if contract.funding == FundingModel.EFFORT else 1, 0, None, None, None,
            coach.id, requested_at,
            self.toegang[municipality_id] if rejected else None,
            self._at(plan.referred + ndays(2), 11) if rejected else None,
            self.rng.choice(REJECTION_REASONS) if rejected else "", False,
        ))  # fmt: skip

    def _declare(self, run: RunPlan, *, client_id: int, contract: _Contract, product_id: int, tariff: int) -> None:
        """A line on the declaration (JW323) of the month the module was delivered in."""
        assert run.finished is not None
        first = run.finished.replace(day=1)
        key = (contract.municipality_id, contract.provider_id, first)
        declaration = self.declarations.get(key)
        if declaration is None:
            # numbered per municipality and month: after the existing ones, by the provider's rank
            prefix = f"{first:%Y%m}{self.codes_of[contract.municipality_id]}"
            counter = self.declaration_counters[prefix] + self.rank[(contract.municipality_id, contract.provider_id)]
            declaration = _Declaration(id=self.ids.take(Declaration), number=f"{prefix}{counter + 1:02d}",
                                       municipality_id=contract.municipality_id, provider_id=contract.provider_id,
                                       first=first, draft=self.rng.random() < LAST_MONTH_DRAFT_SHARE)  # fmt: skip
            self.declarations[key] = declaration
        volume, unit, price = 1, Unit.PIECES_OUTPUT.value, tariff
        if contract.funding == FundingModel.EFFORT:  # the hours of the sessions held, at the hourly tariff
            volume, unit, price = (
                self.rng.randint(EFFORT_HOURS_PER_MODULE - 4, EFFORT_HOURS_PER_MODULE),
                "04",
                _hourly(tariff),
            )
        amount = volume * price
        declaration.lines += 1
        declaration.total += amount
        retourcode, awarded = "", None
        if self._answered(first):
            refused = self.rng.random() < REFUSED_LINE_SHARE
            retourcode, awarded = (TARIFF_DIFFERS, 0) if refused else (ACCEPTED, amount)
            declaration.awarded += awarded
        self.add(DeclarationLine, (
            declaration.id, f"{declaration.number}{declaration.lines:06d}", run.id, run.allocation_id, client_id,
            product_id, max(run.started, first), run.finished, volume, unit, price, amount, retourcode, awarded,
        ))  # fmt: skip

    def _answered(self, first: datetime.date) -> bool:
        """The municipality answered (JW325) the declarations of every month but the last one."""
        return add_months_cached(first, 2) <= self.on

    def declarations_write(self) -> None:
        declarations, self.declarations = self.declarations, {}
        for d in declarations.values():
            last = add_months_cached(d.first, 1) - ndays(1)
            answered = self._answered(d.first)
            submitted = answered or (not d.draft and last + ndays(2) <= self.on)
            status = "answered" if answered else ("submitted" if submitted else "draft")
            self.add(Declaration, (
                d.id, self._uuid(), d.number, d.municipality_id, d.provider_id, d.first,
                last, status, d.total, d.awarded if answered else None, None, self._at(last + ndays(1), 7),
                self._at(last + ndays(2), 9) if submitted else None,
                self._at(last + ndays(20), 10) if answered else None,
            ))  # fmt: skip

    def _evaluation(self, plan: Plan, index: int, run: RunPlan, *, coach: _Coach,
                    gas: tuple[tuple[int, ...], ...], gbo: tuple[tuple[int, ...], ...]) -> None:  # fmt: skip
        """The gate after a module: the system's advice and the coach's decision (as the plan goes on)."""
        module = self.modules[run.module]
        advice = gate_advice(gas[-3:], gbo[-3:], index + 1, module.is_final, self.codes)
        last = index == len(plan.runs) - 1
        decision, next_code = "", ""
        if not last:
            decision, next_code = "continue", self.codes[plan.runs[index + 1].module]
        elif plan.closed is not None:
            decision = "step_up" if advice.advice == "step_up" else "stop"
        elif plan.evaluation == "approval":  # a deviating decision waiting for the team lead
            decision, next_code = self._decision_needing_approval(advice.advice, advice.next_module_code, run.module)
            if not decision:  # no deviation needs the team lead under the provider's setting
                plan.evaluation = "undecided"
        # The same rule as the app (``trajectories.services.evaluation_decide``): a deviation waits
        # for the team lead only when the provider's setting names its kind.
        kinds = self._deviations(advice.advice, advice.next_module_code, decision, next_code)
        deviates = bool(kinds)
        approval = "not_needed"
        if kinds & self.gate_approvals:
            approval = "pending" if plan.evaluation == "approval" and last else "approved"
        decided_at = self._at(run.decided, 11) if decision and run.decided else None
        approved_at = self._at(run.decided, 16) if approval == "approved" and run.decided else None
        self.add(Evaluation, (
            run.id, advice.advice, advice.next_module_code, advice.rule, advice.gas_t, advice.gbo_mean, decision,
            next_code, self.rng.choice(self.pools.decision_reasons) if decision else "",
            coach.id if decision else None, decided_at, deviates, approval,
            coach.lead_id if approved_at else None, approved_at, "",
        ))  # fmt: skip

    @staticmethod
    def _deviations(advice: str, advice_next: str, decision: str, decision_next: str) -> set[str]:
        if not decision:
            return set()
        return gate_deviations(advice=advice, advice_next=advice_next, decision=decision, decision_next=decision_next)

    def _decision_needing_approval(self, advice: str, advice_next: str, module: int) -> tuple[str, str]:
        """A decision against ``advice`` that waits for the team lead under the provider's setting
        (stop first, as before), or ("", "") when none of them does."""
        other = self.codes[min(module + 1, len(self.codes) - 1)]
        for decision, next_code in (("stop", ""), ("continue", other), ("step_up", "")):
            if self._deviations(advice, advice_next, decision, next_code) & self.gate_approvals:
                return decision, next_code
        return "", ""

    def _follow_ups(self, plan: Plan, *, trajectory_id: int, coach: _Coach) -> tuple[str | None, datetime.date | None]:
        """Contacts 6 and 12 months after closure; returns the next action when they set it."""
        if plan.closed is None:
            return None, None
        rng, on = self.rng, self.on
        next_action: tuple[str | None, datetime.date | None] = ("", None)
        for months in (6, 12):
            due = add_months_cached(plan.closed, months)
            state, again, recorded_by, recorded_at = "scheduled", None, None, None
            if due <= on and plan.status != "closed":
                recorded = due + ndays(rng.randint(0, 20))
                done = plan.status == "archived" or (months == 6 and recorded <= on and rng.random() < 0.7)
                state = "done" if done else "due"
                if done:
                    again, recorded_by, recorded_at = rng.random() < 0.15, coach.id, self._at(min(recorded, on), 13)
            if state != "done" and next_action == ("", None):
                next_action = ("follow_up", due)
            self.add(FollowUp, (trajectory_id, months, due, state, again, recorded_by, recorded_at))
        return next_action

    def _next_action(self, plan: Plan) -> tuple[str, datetime.date | None]:
        status = plan.status
        if status == "referred":
            if plan.first_allocation == "requested":
                return "await_allocation", plan.referred + ndays(10)
            return "request_allocation", plan.referred + ndays(3)
        if status == "allocated":
            assert plan.allocated is not None
            return "intake", plan.allocated + ndays(10)
        if status == "intake":
            assert plan.intake is not None
            return "agree_plan", plan.intake + ndays(14)
        last = plan.runs[-1]
        if status == "module_running":
            return "evaluate_module", last.due
        assert last.finished is not None
        return ("await_approval" if plan.evaluation == "approval" else "decide"), last.finished + ndays(7)

    def _transitions(self, plan: Plan, *, trajectory_id: int, coach: _Coach) -> int:
        """Every status change the plan went through; returns how many (the trajectory's version)."""
        reasons = self.pools.reasons
        steps: list[tuple[str, str, str, datetime.datetime, int | None, str]] = []

        def step(name: str, source: str, target: str, moment: datetime.datetime, reason: str = "",
                 by: int | None = coach.id) -> None:  # fmt: skip
            steps.append((name, source, target, moment, by, reason))

        if plan.allocated is not None:
            step("allocate", "referred", "allocated", self._at(plan.allocated, 11, 5))
        if plan.intake is not None:
            step("start_intake", "allocated", "intake", self._at(plan.intake, 10))
        status = "intake"
        for i, run in enumerate(plan.runs):
            code = self.codes[run.module]
            step("start_module" if i == 0 else "continue_module", status, "module_running",
                 self._at(run.started, 10), reasons[f"module:{code}"])  # fmt: skip
            status = "module_running"
            if run.finished is not None:
                step("finish_module", status, "module_evaluation", self._at(run.finished, 16))
                status = "module_evaluation"
        if plan.closed is not None:
            step("close", status, "closed", self._at(plan.closed, 15), reasons[f"end:{plan.end_reason}"])
            six = add_months_cached(plan.closed, 6)
            if plan.status in {"follow_up", "archived"}:
                step("begin_follow_up", "closed", "follow_up", self._at(six, 7), reasons["follow_up"], by=None)
            if plan.status == "archived":
                step("archive", "follow_up", "archived", self._at(add_months_cached(plan.closed, 12) + ndays(21), 13))
        for name, source, target, moment, by, reason in steps:
            self.add(TrajectoryTransition, (trajectory_id, name, source, target, by,
                                            "coach" if by is not None else "system", moment, reason))  # fmt: skip
        return len(steps)

    # activity

    def _run_activity(self, run: RunPlan, plan: Plan, *, trajectory_id: int, client_id: int, user_id: int | None,
                      coach_id: int, thread_id: int) -> None:  # fmt: skip
        if self.python_activity:
            cut = plan.closed if run.state == ModuleRun.State.RUNNING and plan.closed is not None else None
            self.runs_activity.append(
                activity.RunActivity(
                    ordinal=run.id - self.first_run, run_id=run.id, trajectory_id=trajectory_id, client_id=client_id,
                    coach_id=coach_id, user_id=user_id, thread_id=thread_id, started_on=run.started,
                    planned_end=run.finished or run.due, cut=cut,
                )
            )  # fmt: skip

    def _activity_rows(self) -> None:
        """Python path: the sessions, messages and diary entries of this batch."""
        if self.python_activity:
            for run in self.runs_activity:
                self.rows[Appointment].extend(activity.sessions_rows(run, seed=self.seed, zone=self.zone))
                self.rows[Message].extend(
                    activity.message_rows(run, seed=self.seed, zone=self.zone, until=self.until, pools=self.pools)
                )
            for trajectory in self.diary_activity:
                self.rows[DiaryEntry].extend(
                    activity.diary_rows(trajectory, seed=self.seed, zone=self.zone, until=self.until, pools=self.pools)
                )
        self.runs_activity.clear()
        self.diary_activity.clear()


class _Phases:
    def __init__(self, report: Callable[[str], None] | None) -> None:
        self.items: list[tuple[str, float]] = []
        self.report = report
        self.mark = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.items.append((name, now - self.mark))
        if self.report is not None:
            self.report(f"{name}: {now - self.mark:.1f} s")
        self.mark = now


def _execute(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


SESSION_SETTINGS = ["SET maintenance_work_mem = '1GB'", "SET work_mem = '256MB'"]
WORKERS = 2  # processes for the young people of a big load: one per core of the benchmark machine
#: The activity tables' loads, one list per connection: messages are as many as the other two.
PIPELINES = [["messages"], ["sessions", "diary"]]
ACTIVITY_MODEL = {"messages": Message, "sessions": Appointment, "diary": DiaryEntry}


def _settings_local(*, replica: bool = False) -> None:
    statements = [statement.replace("SET", "SET LOCAL", 1) for statement in SESSION_SETTINGS]
    _execute([*statements, "SET LOCAL session_replication_role = replica"] if replica else statements)


def _activity_parallel(
    *,
    params: dict[str, Any],
    pools: TokenPools,
    skeleton_restore: list[str],
    restored: set[str],
    vacuum: list[str],
    report: Callable[[str], None] | None,
) -> dict[str, int]:
    """PostgreSQL, big loads, after the rest is committed: on separate connections at once, the
    messages; the sessions, then the diary entries; and the indexes and foreign keys of the rest
    (``skeleton_restore``), then ``VACUUM ANALYZE`` of those tables (``vacuum``).

    Each activity table is loaded in one transaction: emptied when it was empty (so its rows are
    frozen on COPY and need no VACUUM), its indexes dropped, the rows streamed in
    (``activity.activity_pipe``), the indexes built. A superuser loads with ``session_replication_role
    = replica``: foreign key triggers do not fire and the keys need no validation (every id the
    statements write comes from a join with the referenced rows). Otherwise the foreign keys are
    dropped and validated when added again. ``restored`` collects the statements of
    ``skeleton_restore`` that ran (the caller puts back the others if something fails)."""
    import psycopg

    superuser = is_superuser()
    counts: dict[str, int] = {}
    lines: list[str] = []

    def pipeline(kinds: list[str]) -> None:
        producer = connection.get_new_connection(connection.get_connection_params())
        try:
            producer.autocommit = True
            with psycopg.ClientCursor(producer) as cursor:
                for statement in SESSION_SETTINGS:
                    cursor.execute(statement)
                activity.activity_prepare(cursor, params=params, pools=pools)
            for name in kinds:
                kind = activity.KINDS[name]
                started = time.perf_counter()
                with transaction.atomic():
                    _settings_local(replica=superuser)
                    freeze = truncate_if_empty(kind.table)
                    restore = constraints_suspend([ACTIVITY_MODEL[name]], foreign_keys=not superuser)
                    counts[kind.label] = activity.activity_pipe(kind=kind, producer=producer, params=params,
                                                                freeze=freeze)  # fmt: skip
                    loaded = time.perf_counter()
                    constraints_restore(restore)
                frozen = " (frozen)" if freeze else ""
                indexed = time.perf_counter()
                with connection.cursor() as cursor:  # frozen pages are skipped: mostly the statistics
                    cursor.execute(f"VACUUM (ANALYZE) {kind.table}")
                took = f"{loaded - started:.1f} s{frozen}, indexed in {indexed - loaded:.1f} s"
                vacuumed = time.perf_counter() - indexed
                lines.append(f"  {name}: {counts[kind.label]:,} rows in {took}, vacuumed in {vacuumed:.1f} s")
        finally:
            producer.close()
            connection.close()

    def indexes() -> None:
        started = time.perf_counter()
        try:
            _execute(SESSION_SETTINGS)
            with connection.cursor() as cursor:
                for statement in skeleton_restore:
                    cursor.execute(statement)
                    restored.add(statement)
                indexed = time.perf_counter()
                cursor.execute(f"VACUUM (ANALYZE) {', '.join(vacuum)}")
        finally:
            connection.close()
        lines.append(
            f"  indexes and foreign keys of the other tables: {indexed - started:.1f} s, "
            f"vacuumed in {time.perf_counter() - indexed:.1f} s"
        )

    with ThreadPoolExecutor(len(PIPELINES) + 1) as pool:
        futures = [pool.submit(pipeline, kinds) for kinds in PIPELINES]
        futures.append(pool.submit(indexes))
        for future in futures:
            future.result()
    if report is not None:
        for line in lines:
            report(line)
    return counts


#: The generation that forked worker processes share (set just before forking).
_FORKED: list["_Country"] = []


def _blocks_worker(blocks: list[_Block]) -> tuple[dict[str, int], int, int]:
    """In a worker process: generate these blocks in one transaction of its own connection."""
    country = _FORKED[0]
    country.counts, country.clients_created, country.trajectories_created = {}, 0, 0
    try:
        with transaction.atomic():
            _settings_local()
            for block in blocks:
                country.block_generate(block)
        return country.counts, country.clients_created, country.trajectories_created
    finally:
        connections.close_all()


def _blocks_in_processes(country: "_Country", blocks: list[_Block]) -> None:
    """Generate the blocks in ``WORKERS`` processes (forked: they share everything prepared so far),
    the biggest providers first, each process taking every other one."""
    ordered = sorted(blocks, key=lambda block: -len(block.clients))
    groups = [ordered[worker::WORKERS] for worker in range(WORKERS)]
    connections.close_all()  # a forked process must not share the parent's connection
    _FORKED[:] = [country]
    try:
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            results = pool.map(_blocks_worker, groups)
    finally:
        _FORKED.clear()
    for counts, clients, trajectories in results:
        for label, rows in counts.items():
            country.counts[label] = country.counts.get(label, 0) + rows
        country.clients_created += clients
        country.trajectories_created += trajectories


def population_generate(
    *,
    youths: int,
    seed: int,
    on: datetime.date | None = None,
    bulk: bool | None = None,
    report: Callable[[str], None] | None = None,
    into: Into | None = None,
) -> PopulationResult:
    """Generate ``youths`` young people with their care, money and activity (see the module docstring).

    The world is built backwards from ``on`` (default: today): the same ``seed`` and ``on`` give the
    same data on any day; the same seed on another day gives a world of that day.

    ``bulk`` (PostgreSQL; default from ``BULK_FROM`` young people): rebuild indexes and foreign keys
    after the load. When not inside a transaction already, a bulk load is also split over
    ``WORKERS`` processes and connections, each in its own transaction: the organisations first,
    then the young people per provider, then sessions, messages and diary entries alongside the
    indexes. ``report`` receives a line per phase. ``into``: generate into an existing municipality
    and provider instead (see ``Into``; the demo's history).
    """
    postgres = connection.vendor == "postgresql"
    bulk = postgres and (bulk if bulk is not None else youths >= BULK_FROM)
    parallel = bulk and not connection.in_atomic_block
    superuser = parallel and is_superuser()  # then the other indexes are built alongside the activity load
    phases = _Phases(report)
    country = _Country(youths=youths, seed=seed, python_activity=not postgres, on=on, into=into)
    with transaction.atomic():
        if postgres:
            _settings_local()
        country.method()
        municipalities = country.municipalities_ensure()
        restore = constraints_suspend(BULK_MODELS) if bulk else []
        country.staff()
        providers, teams, coaches = country.organisations()
        blocks = country.blocks_reserve()
        country.people_prepare()
        country.flush()
        phases.done("organisations")
        if not parallel:
            for block in blocks:
                country.block_generate(block)
            phases.done("young people, trajectories, allocations, declarations")
    restored: set[str] = set()
    try:
        if parallel:
            _blocks_in_processes(country, blocks)
            phases.done(f"young people, trajectories, allocations, declarations ({WORKERS} processes)")
        reservation = country.reservation
        params = activity.activity_params(
            seed=seed, first_run=reservation.first(ModuleRun), end_run=reservation.end(ModuleRun),
            first_trajectory=reservation.first(Trajectory), end_trajectory=reservation.end(Trajectory),
            on=country.on, until=country.until, zone=settings.TIME_ZONE, pools=country.pools,
        )  # fmt: skip
        with transaction.atomic():
            if postgres and not parallel:
                country.counts.update(activity.activity_sql(params=params, pools=country.pools))
                phases.done("sessions, messages, diary (SQL)")
            if restore and not (parallel and superuser):
                constraints_restore(restore)
                restored.update(restore)
                phases.done("indexes and foreign keys")
            reservation.sequences_sync()
            NumberSequence.objects.filter(name=TOEWIJZING_SEQUENCE).update(last_value=country.toewijzing_end)
        if parallel:
            vacuum = [model._meta.db_table for model in FIELDS if model not in ACTIVITY_MODELS]
            country.counts.update(
                _activity_parallel(
                    params=params, pools=country.pools, skeleton_restore=restore if superuser else [],
                    restored=restored, vacuum=vacuum, report=report,
                )
            )  # fmt: skip
            phases.done("sessions, messages, diary, the indexes and VACUUM ANALYZE (3 connections)")
    finally:
        missing = [statement for statement in restore if statement not in restored]
        if parallel and missing:  # a big load failed after the first commit: at least put the indexes back
            with transaction.atomic():
                constraints_restore(missing)
    if postgres and not parallel:
        tables = ", ".join(model._meta.db_table for model in FIELDS)
        with connection.cursor() as cursor:
            if connection.in_atomic_block:  # inside the caller's transaction: no VACUUM
                cursor.execute(f"ANALYZE {tables}")
            else:  # fresh statistics and a visibility map (index-only scans) after the load
                cursor.execute(f"VACUUM (ANALYZE) {tables}")
        phases.done("vacuum and analyze")

    rebuild = getattr(monitoring_services, "trajectory_outcomes_rebuild", None)
    if rebuild is not None:
        rebuild()
        phases.done("trajectory outcomes rebuilt")
    # The nightly forecast check (``manage.py forecast_check``) as a running installation has done it:
    # the municipality dashboards read the stored forecast instead of computing it on every view
    # (three queries over all allocations and module runs: seconds for a large municipality).
    monitoring_services.forecast_check_run()
    phases.done("nightly forecast check")
    return PopulationResult(
        municipalities=municipalities,
        providers=providers,
        teams=teams,
        coaches=coaches,
        clients=country.clients_created,
        trajectories=country.trajectories_created,
        counts=dict(sorted(country.counts.items())),
        phases=phases.items,
    )


__all__ = ["Into", "PopulationResult", "population_generate"]

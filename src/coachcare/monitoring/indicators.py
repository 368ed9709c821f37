"""The outcome indicators of coachcare: every definition and every computation in one place.

outcomes.md leaves the exact formulas and time windows to the project; they are fixed here and
documented in ``docs/indicators.md``. The definition text of each indicator is shown on screen next
to its figure and printed in the evidence report.

How the figures are computed
----------------------------
- The population is the *closed* trajectories (``closed_on`` set: status closed, follow-up or
  archived) closed within the period, in scope (municipality of residence, provider or team of the
  client), optionally limited to trajectories that followed one module and to one age band (age at
  the referral date). Running trajectories never count in a rate (outcomes.md).
- One grouped query per page: ``outcome_rows`` returns one row per calendar quarter of closure with
  *additive* conditional aggregates (counts and sums), so the total over the period is the sum of
  the quarter rows and every figure keeps its numerator and denominator. It reads the outcome
  summary ``TrajectoryOutcome`` (one row per closed trajectory with its per-trajectory values:
  intake GBO mean, number of modules, cost, follow-up answers and open due dates), kept current
  by ``monitoring.services.trajectory_outcomes_refresh``. The gate statistics are the second
  grouped query (``gate_rows``).
- ``figures_from`` turns aggregates into ``Figure`` objects: value, numerator, denominator.
- Small-cell suppression (outside the provider) is a presentation matter with one rule for every
  output: ``core.suppression`` (primary and complementary suppression), applied by
  ``monitoring.selectors.figures_build``. The end-reason and age-band counts of the cohort tables
  are aggregates of the same grouped query, so the rule sees every published table at once.
"""

import dataclasses
import datetime
import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear, TruncQuarter
from django.db.models.lookups import GreaterThan
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coachcare.contracts.models import ContractBudgetYear
from coachcare.core import suppression
from coachcare.core.dates import today, working_days_between
from coachcare.core.prepared import PreparedQuery
from coachcare.declarations.models import CareStart, DeclarationStatus
from coachcare.monitoring.models import GateDecision, TrajectoryOutcome, TrajectoryWaiting
from coachcare.trajectories.models import Advice, EndReason, ModuleRun

#: JZ588 codes that mean "ended early" (CBS: uitval).
DROP_OUT_CODES = (
    EndReason.EARLY_BY_CLIENT,
    EndReason.EARLY_BY_PROVIDER,
    EndReason.EARLY_MUTUAL,
    EndReason.EARLY_EXTERNAL,
)
#: An answer at or above this (scale 1 to 5) to the usefulness item counts as satisfied with the help.
SATISFIED_FROM = 4.0
#: The indicators per CBS type informant: code -> (numerator, denominator) aggregate.
INFORMANT_RATES: dict[str, tuple[str, str]] = {
    "satisfied_youth": ("useful_youth_yes", "useful_youth_n"),
    "satisfied_parent": ("useful_parent_yes", "useful_parent_n"),
    "goal_3_1_youth": ("wh_youth_yes", "wh_youth_n"),
    "goal_3_1_parent": ("wh_parent_yes", "wh_parent_n"),
    "goal_3_1_professional": ("wh_pro_yes", "wh_pro_n"),
}
#: A final GAS T-score at or above this means the agreed goals were achieved (T = 50: as expected).
GOALS_ACHIEVED_FROM_T = 50.0
#: Counts below this are suppressed outside the provider (the rule: ``core.suppression``).
SUPPRESS_BELOW = suppression.COUNT_BELOW
#: z for a two-sided 95% interval.
Z_95 = 1.959963984540054

#: Age bands at the referral date: code -> (label, lowest age, highest age).
#: The labels are translated (Dutch says "12 tot 16": up to, not including, 16).
AGE_BANDS: dict[str, tuple[str | Promise, int, int]] = {
    "12-15": (_("12 to 15"), 12, 15),
    "16-17": (_("16 and 17"), 16, 17),
    "18-23": (_("18 to 23"), 18, 23),
}


#: The end reasons of the cohort table, "" (none recorded) included.
END_REASON_CODES: tuple[str, ...] = (*EndReason.values, "")


class Unit:
    RATE = "rate"  # a share, 0..1, shown as a percentage
    MEAN = "mean"  # a mean on the indicator's own scale
    DAYS = "days"
    WORKING_DAYS = "working_days"
    COUNT = "count"
    CENTS = "cents"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Indicator:
    """One indicator: what it means, and how its numerator and denominator are counted."""

    code: str
    name: str | Promise
    definition: str | Promise
    numerator: str | Promise
    denominator: str | Promise
    unit: str
    #: Where it comes from in the NJi/VNG set (outcomes.md), if anywhere.
    reference: str = ""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        code="closed",
        name=_("Closed trajectories"),
        definition=_("Trajectories closed in the period (any end reason). The base of every rate below."),
        numerator=_("closed trajectories"),
        denominator=_("not applicable"),
        unit=Unit.COUNT,
    ),
    Indicator(
        code="dropout",
        name=_("Drop-out"),
        definition=_(
            "Share of the trajectories closed in the period that ended early: iJw end reason (JZ588) 32, 33, "
            "34 or 35 (ended one-sidedly by the young person or the provider, by mutual agreement, or by "
            "external circumstances)."
        ),
        numerator=_("closed with end reason 32 to 35"),
        denominator=_("closed trajectories"),
        unit=Unit.RATE,
        reference="NJi/CBS 1",
    ),
    Indicator(
        code="satisfied_youth",
        name=_("Client satisfaction: the help was useful, young person (2)"),
        definition=_(
            "Share of the closed trajectories where the young person answered the satisfaction questionnaire "
            "at closure themself whose answer to the single item about the usefulness of the help ('Ik heb iets "
            "aan de hulp gehad') is 4 or 5 on the scale of 1 to 5 (type informant: young person). Answers a "
            "professional entered do not count."
        ),
        numerator=_("usefulness answered 4 or 5 by the young person"),
        denominator=_("closed trajectories with the young person's own answer"),
        unit=Unit.RATE,
        reference="NJi/CBS 2",
    ),
    Indicator(
        code="satisfied_parent",
        name=_("Client satisfaction: the help was useful, parent (2)"),
        definition=_(
            "Share of the closed trajectories where a parent answered the parents' satisfaction questionnaire "
            "at closure themself whose answer to the item about the usefulness of the help ('Mijn kind heeft "
            "iets aan de hulp gehad') is 4 or 5 on the scale of 1 to 5 (type informant: parent)."
        ),
        numerator=_("usefulness answered 4 or 5 by a parent"),
        denominator=_("closed trajectories with a parent's own answer"),
        unit=Unit.RATE,
        reference="NJi/CBS 2",
    ),
    Indicator(
        code="goal_3_1_youth",
        name=_("Continues without help at the end, young person (3.1)"),
        definition=_(
            "Share of the closed trajectories where the young person answered at closure whose answer to 'Ik "
            "kan nu zonder hulp verder' is 4 or 5 (agree): recorded at the end of the trajectory, not at the "
            "follow-up (type informant: young person)."
        ),
        numerator=_("the young person agrees to carry on without help"),
        denominator=_("closed trajectories with the young person's own answer"),
        unit=Unit.RATE,
        reference="NJi/CBS 3.1",
    ),
    Indicator(
        code="goal_3_1_parent",
        name=_("Continues without help at the end, parent (3.1)"),
        definition=_(
            "Share of the closed trajectories where a parent answered at closure whose answer to 'Mijn kind "
            "kan nu zonder hulp verder' is 4 or 5 (agree), recorded at the end (type informant: parent)."
        ),
        numerator=_("a parent agrees the young person carries on without help"),
        denominator=_("closed trajectories with a parent's own answer"),
        unit=Unit.RATE,
        reference="NJi/CBS 3.1",
    ),
    Indicator(
        code="goal_3_1_professional",
        name=_("Continues without help at the end, professional (3.1)"),
        definition=_(
            "Share of the closed trajectories where the coach recorded their own judgement at closure whose "
            "judgement is that the young person can carry on without help (type informant: professional)."
        ),
        numerator=_("the coach judges the young person carries on without help"),
        denominator=_("closed trajectories with the coach's judgement"),
        unit=Unit.RATE,
        reference="NJi/CBS 3.1",
    ),
    Indicator(
        code="goal_3_2_6",
        name=_("Renewed demand within 6 months (3.2)"),
        definition=_(
            "Share of the recorded 6-month follow-ups where the young person needed care again (herhaald "
            "beroep). Lower is better."
        ),
        numerator=_("follow-ups at 6 months with renewed care"),
        denominator=_("closed trajectories with a recorded 6-month follow-up"),
        unit=Unit.RATE,
        reference="NJi/CBS 3.2",
    ),
    Indicator(
        code="goal_3_2_12",
        name=_("Renewed demand within 12 months (3.2)"),
        definition=_(
            "Share of the recorded 12-month follow-ups where the young person needed care again. Lower is better."
        ),
        numerator=_("follow-ups at 12 months with renewed care"),
        denominator=_("closed trajectories with a recorded 12-month follow-up"),
        unit=Unit.RATE,
        reference="NJi/CBS 3.2",
    ),
    Indicator(
        code="goal_3_3",
        name=_("Problems reduced (3.3)"),
        definition=_(
            "Share of the closed trajectories with both an intake and a final GBO score whose final mean GBO "
            "(0 to 10, progress on the young person's own goals) is higher than the mean GBO at intake."
        ),
        numerator=_("final mean GBO higher than at intake"),
        denominator=_("closed trajectories with intake and final GBO"),
        unit=Unit.RATE,
        reference="NJi/CBS 3.3",
    ),
    Indicator(
        code="goal_3_4",
        name=_("Agreed goals achieved (3.4)"),
        definition=_(
            "Share of the closed trajectories with a final GAS T-score whose T-score is 50 or higher "
            "(goals met as expected or better, Kiresuk and Sherman)."
        ),
        numerator=_("final GAS T-score 50 or higher"),
        denominator=_("closed trajectories with a final GAS T-score"),
        unit=Unit.RATE,
        reference="NJi/CBS 3.4",
    ),
    Indicator(
        code="duration",
        name=_("Average duration"),
        definition=_("Mean number of days from the referral date to the closing date of the closed trajectories."),
        numerator=_("sum of the days from referral to closure"),
        denominator=_("closed trajectories"),
        unit=Unit.DAYS,
    ),
    Indicator(
        code="modules",
        name=_("Modules per trajectory"),
        definition=_("Mean number of modules started in the closed trajectories."),
        numerator=_("modules started"),
        denominator=_("closed trajectories"),
        unit=Unit.MEAN,
    ),
    Indicator(
        code="cost",
        name=_("Cost per trajectory"),
        definition=_(
            "Mean cost of a closed trajectory. The cost of a module is the amount declared to the "
            "municipality (submitted or answered declarations); a module not declared yet counts at the "
            "tariff of its contract product (delivered × tariff). A module without an allocation counts as 0."
        ),
        numerator=_("cost of the modules of the closed trajectories"),
        denominator=_("closed trajectories"),
        unit=Unit.CENTS,
    ),
    Indicator(
        code="cost_success",
        name=_("Cost per trajectory that reached its goals"),
        definition=_(
            "The cost of all closed trajectories (as in 'cost per trajectory') divided by the number of "
            "closed trajectories that achieved their agreed goals (3.4): what one success costs, failures "
            "included."
        ),
        numerator=_("cost of the modules of the closed trajectories"),
        denominator=_("closed trajectories with final GAS T-score 50 or higher"),
        unit=Unit.CENTS,
    ),
    Indicator(
        code="gate_stop",
        name=_("Gate advice: stop"),
        definition=_("Share of the module gate decisions taken in the period where the system advised to stop."),
        numerator=_("decisions with advice stop"),
        denominator=_("gate decisions taken"),
        unit=Unit.RATE,
    ),
    Indicator(
        code="gate_continue",
        name=_("Gate advice: continue"),
        definition=_(
            "Share of the module gate decisions taken in the period where the system advised the next module."
        ),
        numerator=_("decisions with advice continue"),
        denominator=_("gate decisions taken"),
        unit=Unit.RATE,
    ),
    Indicator(
        code="gate_step_up",
        name=_("Gate advice: step up"),
        definition=_(
            "Share of the module gate decisions taken in the period where the system advised more specialised care."
        ),
        numerator=_("decisions with advice step up"),
        denominator=_("gate decisions taken"),
        unit=Unit.RATE,
    ),
    Indicator(
        code="gate_deviated",
        name=_("Decision deviated from the advice"),
        definition=_("Share of the module gate decisions taken in the period that differ from the system's advice."),
        numerator=_("decisions that deviate"),
        denominator=_("gate decisions taken"),
        unit=Unit.RATE,
    ),
    Indicator(
        code="wait_contact",
        name=_("Waiting time to first contact (median)"),
        definition=_(
            "Median number of working days (Monday to Friday) from the referral date to the first "
            "appointment with the coach, of the trajectories referred in the period that had one."
        ),
        numerator=_("working days from referral to first appointment"),
        denominator=_("trajectories referred with a first appointment"),
        unit=Unit.WORKING_DAYS,
    ),
    Indicator(
        code="wait_contact_norm",
        name=_("First contact within the norm"),
        definition=_(
            "Share of the trajectories referred in the period whose first appointment was within the "
            "norm (working days after the referral, a setting). A trajectory without an appointment "
            "once the norm has passed counts as not within the norm."
        ),
        numerator=_("first appointment within the norm"),
        denominator=_("trajectories referred with a first appointment, or waiting past the norm"),
        unit=Unit.RATE,
    ),
    Indicator(
        code="wait_module",
        name=_("Waiting time to first module (median)"),
        definition=_(
            "Median number of working days from the referral date to the start of the first module, "
            "of the trajectories referred in the period that started one."
        ),
        numerator=_("working days from referral to first module"),
        denominator=_("trajectories referred with a first module"),
        unit=Unit.WORKING_DAYS,
    ),
    Indicator(
        code="wait_module_norm",
        name=_("First module within the norm"),
        definition=_(
            "Share of the trajectories referred in the period whose first module started within the "
            "norm. A trajectory without a module once the norm has passed counts as not within the norm."
        ),
        numerator=_("first module within the norm"),
        denominator=_("trajectories referred with a first module, or waiting past the norm"),
        unit=Unit.RATE,
    ),
)
BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}
_TRANSLATED: dict[str | None, dict[str, Indicator]] = {}


def by_code_translated() -> dict[str, Indicator]:
    """``BY_CODE`` with the texts translated into the active language, as plain strings: remembered
    per language (a lazy text costs a catalogue lookup, some 30 Python calls, every time a page
    prints it; the dashboards print every name and definition)."""
    language = translation.get_language()
    found = _TRANSLATED.get(language)
    if found is None:
        found = _TRANSLATED[language] = {
            code: dataclasses.replace(
                indicator,
                name=str(indicator.name),
                definition=str(indicator.definition),
                numerator=str(indicator.numerator),
                denominator=str(indicator.denominator),
            )
            for code, indicator in BY_CODE.items()
        }
    return found


def _translated_forget(*, setting: str, **kwargs: Any) -> None:
    """Cache upkeep (no rule): a test that changes the languages or catalogues gets fresh texts."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _TRANSLATED.clear()


setting_changed.connect(_translated_forget, dispatch_uid="coachcare-monitoring-indicators-translated")
WAITING_CODES = tuple(i.code for i in INDICATORS if i.code.startswith("wait_"))
OUTCOME_CODES = tuple(i.code for i in INDICATORS if not i.code.startswith(("gate_", "wait_")))
GATE_CODES = tuple(i.code for i in INDICATORS if i.code.startswith("gate_"))


# --- filters -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Scope:
    """Which trajectories a figure is about. ``None`` means: not limited on that."""

    date_from: datetime.date
    date_to: datetime.date
    municipality_id: int | None = None
    provider_id: int | None = None
    team_id: int | None = None
    module_code: str = ""
    age_band: str = ""


def age_at_referral(prefix: str = "") -> Combinable:
    """Age in whole years on the referral date, as a database expression (portable: no date maths).

    ``prefix`` is the path from the queried model to the trajectory ("" or "module_run__trajectory__").
    """
    referred = f"{prefix}referred_on"
    born = f"{prefix}client__birth_date"
    referred_md = ExtractMonth(referred) * 100 + ExtractDay(referred)
    born_md = ExtractMonth(born) * 100 + ExtractDay(born)
    birthday_not_yet = Case(When(GreaterThan(born_md, referred_md), then=Value(1)), default=Value(0))
    return ExtractYear(referred) - ExtractYear(born) - birthday_not_yet


def _scope_q(scope: Scope, prefix: str = "") -> Q:
    """The scope as a filter; ``prefix`` is the path to the columns ``municipality``, ``provider``
    and ``team`` (``""`` on the outcome summary, ``"...__client__"`` elsewhere)."""
    q = Q()
    if scope.municipality_id is not None:
        q &= Q(**{f"{prefix}municipality_id": scope.municipality_id})
    if scope.provider_id is not None:
        q &= Q(**{f"{prefix}provider_id": scope.provider_id})
    if scope.team_id is not None:
        q &= Q(**{f"{prefix}team_id": scope.team_id})
    return q


def closed_outcomes(scope: Scope) -> QuerySet[TrajectoryOutcome]:
    """The population of every outcome rate: trajectories closed in the period, in scope.

    Read from the outcome summary (``TrajectoryOutcome``, one row per closed trajectory, kept
    current by ``monitoring.services.trajectory_outcomes_refresh``); the scopes and the period use
    its indexes (municipality, provider or team, then ``closed_on``).
    """
    queryset = TrajectoryOutcome.objects.filter(
        _scope_q(scope), closed_on__gte=scope.date_from, closed_on__lte=scope.date_to
    )
    if scope.module_code:  # evaluated on the rows in scope only (no join: the codes are on the row)
        queryset = queryset.filter(module_codes__contains=f"|{scope.module_code}|")
    if scope.age_band in AGE_BANDS:
        _label, low, high = AGE_BANDS[scope.age_band]
        queryset = queryset.filter(age_at_referral__gte=low, age_at_referral__lte=high)
    return queryset


# --- prepared queries ------------------------------------------------------------------------------

#: The scope's columns that a prepared query takes as arguments (each one set or not: its shape).
_OWNERS = ("municipality_id", "provider_id", "team_id")
_PREPARED: dict[tuple[Any, ...], PreparedQuery[Any]] = {}


def _prepared_scope(
    kind: str, scope: Scope, build: Callable[[Scope, dict[str, Any]], QuerySet[Any, Any]]
) -> tuple[PreparedQuery[Any], dict[str, Any]] | None:
    """The prepared query (``coachcare.core.prepared``) of one grouped query of ``kind`` for the
    shape of ``scope`` (which owner columns it filters on, and its age band), with the scope's values
    as its arguments: the SQL is compiled once per shape and process, every request runs it with
    its own owner and period. ``build(scope, extra)`` builds the queryset as the unprepared read
    does (``extra``: the further arguments of ``kind``). ``None`` for a scope with a module code (a
    ``LIKE`` pattern: not a plain parameter): that one is read through the ORM."""
    if scope.module_code:
        return None
    owners = tuple(name for name in _OWNERS if getattr(scope, name) is not None)
    age_band = scope.age_band if scope.age_band in AGE_BANDS else ""  # its ages are constants of the SQL
    key = (kind, owners, age_band)
    prepared = _PREPARED.get(key)
    if prepared is None:

        def build_marked(**marked: Any) -> QuerySet[Any, Any]:
            marked_scope = Scope(
                date_from=marked["date_from"],
                date_to=marked["date_to"],
                age_band=age_band,
                **{name: marked[name] for name in owners},
            )
            return build(marked_scope, {name: marked[name] for name in _EXTRA_ARGUMENTS[kind]})

        arguments = dict.fromkeys(owners, int) | {"date_from": datetime.date, "date_to": datetime.date}
        prepared = _PREPARED.setdefault(key, PreparedQuery(build_marked, **arguments, **_EXTRA_ARGUMENTS[kind]))
    values = {name: getattr(scope, name) for name in owners} | {"date_from": scope.date_from, "date_to": scope.date_to}
    return prepared, values


#: The arguments of each kind of prepared query besides the scope's.
_EXTRA_ARGUMENTS: dict[str, dict[str, type]] = {
    "outcome": {"on": datetime.date},
    "gate": {},
    "waiting": {"cutoff": datetime.date, "started": datetime.datetime},
}


# --- per-trajectory values -------------------------------------------------------------------------


def task_budget_share(prefix: str = "") -> Subquery:
    """The budget share of a task-based (taakgericht) module run: the planned budget of its contract
    in the year the module started, divided by the task-based modules started under that contract in
    that year (correlated subqueries through the run's start of care, which names the product)."""
    year = ExtractYear(OuterRef(f"{prefix}started_on"))
    contract = OuterRef(f"{prefix}care_start__product__contract_id")
    started = (
        CareStart.objects.filter(
            allocation__isnull=True, product__contract_id=OuterRef("contract_id"), begindatum__year=OuterRef("year")
        )
        .order_by()
        .values("product__contract_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    share = ContractBudgetYear.objects.filter(contract_id=contract, year=year).annotate(
        share=ExpressionWrapper(
            F("planned_cents") / Subquery(started, output_field=IntegerField()), output_field=BigIntegerField()
        )
    )
    return Subquery(share.values("share")[:1], output_field=IntegerField())


def module_cost_expression(prefix: str = "") -> Case:
    """Cost of one module run: the declared amount, else its contract tariff (delivered × tariff,
    per module: the units asked per module for an effort-based product); a task-based module (no
    allocation) its share of the contract's planned budget of the year (``task_budget_share``)."""
    return Case(
        When(
            Q(
                **{
                    f"{prefix}declaration_line__declaration__status__in": [
                        DeclarationStatus.SUBMITTED,
                        DeclarationStatus.ANSWERED,
                    ]
                }
            ),
            then=Cast(F(f"{prefix}declaration_line__amount_cents"), IntegerField()),
        ),
        When(
            Q(**{f"{prefix}allocation__isnull": True, f"{prefix}care_start__product__isnull": False}),
            then=task_budget_share(prefix),
        ),
        default=Cast(
            F(f"{prefix}allocation__product__tariff_cents") * F(f"{prefix}allocation__product__volume_per_module"),
            IntegerField(),
        ),
        output_field=IntegerField(),
    )


def trajectory_cost() -> Coalesce:
    """Cost of a trajectory (correlated subquery on ``Trajectory``): the sum of its module costs.

    For reads of single trajectories outside the summary (the research export, which holds running
    trajectories too); the summary computes the same sum with ``module_cost_expression``.
    """
    runs = (
        ModuleRun.objects.filter(trajectory=OuterRef("pk"))
        .values("trajectory")
        .annotate(total=Sum(module_cost_expression()))
        .values("total")
    )
    return Coalesce(Subquery(runs, output_field=IntegerField()), Value(0))


def _aggregates(on: datetime.date) -> dict[str, Any]:
    """Additive aggregates over rows of the outcome summary (conditional aggregation)."""
    return {
        "closed": Count("pk"),
        "dropout": Count("pk", filter=Q(end_reason__in=DROP_OUT_CODES)),
        # 2 and 3.1 per type informant: only answers the informant gave themself (docs/indicators.md)
        "useful_youth_n": Count("useful_youth"),
        "useful_youth_yes": Count("pk", filter=Q(useful_youth__gte=SATISFIED_FROM)),
        "useful_parent_n": Count("useful_parent"),
        "useful_parent_yes": Count("pk", filter=Q(useful_parent__gte=SATISFIED_FROM)),
        "wh_youth_n": Count("without_help_youth"),
        "wh_youth_yes": Count("pk", filter=Q(without_help_youth=True)),
        "wh_parent_n": Count("without_help_parent"),
        "wh_parent_yes": Count("pk", filter=Q(without_help_parent=True)),
        "wh_pro_n": Count("without_help_professional"),
        "wh_pro_yes": Count("pk", filter=Q(without_help_professional=True)),
        "fu6_n": Count("fu6"),
        "fu6_again": Count("pk", filter=Q(fu6=True)),
        "fu12_n": Count("fu12"),
        "fu12_again": Count("pk", filter=Q(fu12=True)),
        "gbo_n": Count("pk", filter=Q(final_gbo_mean__isnull=False, intake_gbo_mean__isnull=False)),
        "gbo_up": Count("pk", filter=Q(final_gbo_mean__gt=F("intake_gbo_mean"))),
        "gas_n": Count("final_gas_t"),
        "gas_ok": Count("pk", filter=Q(final_gas_t__gte=GOALS_ACHIEVED_FROM_T)),
        "days": Sum("duration_days"),
        "modules": Sum("n_modules"),
        "cost": Sum("cost_cents"),
        # data quality
        "no_intake": Count("pk", filter=Q(has_intake=False)),
        "no_satisfaction": Count("pk", filter=Q(useful_youth__isnull=True)),
        # follow-ups past their date without an answer (at most one at 6 and one at 12 months)
        "fu_missing": Count("pk", filter=Q(fu6_open_due__lt=on)) + Count("pk", filter=Q(fu12_open_due__lt=on)),
        # the cohort tables: closed trajectories per end reason and per age band at referral
        **{f"er_{code}": Count("pk", filter=Q(end_reason=code)) for code in END_REASON_CODES},
        **{
            f"age_{code}": Count("pk", filter=Q(age_at_referral__gte=low, age_at_referral__lte=high))
            for code, (_label, low, high) in AGE_BANDS.items()
        },
    }


ADDITIVE_KEYS = tuple(_aggregates(datetime.date.min))


def _outcome_grouped(
    queryset: QuerySet[TrajectoryOutcome], *, on: datetime.date, by: tuple[str, ...] = ()
) -> QuerySet[TrajectoryOutcome, dict[str, Any]]:
    grouped: QuerySet[TrajectoryOutcome, dict[str, Any]] = (
        queryset.annotate(quarter=TruncQuarter("closed_on"))
        .order_by()
        .values(*by, "quarter")
        .annotate(**_aggregates(on))
        .order_by(*by, "quarter")
    )
    return grouped


def outcome_rows(scope: Scope, *, on: datetime.date | None = None) -> list[dict[str, Any]]:
    """ONE grouped query over the outcome summary: the additive outcome aggregates per quarter of
    closure (oldest first). ``on`` (default today) decides which follow-ups are overdue. Prepared
    (``_prepared_scope``) unless the scope has a module code: the same SQL, compiled once."""
    on = on or today()
    prepared = _prepared_scope("outcome", scope, lambda scope, extra: _outcome_grouped(closed_outcomes(scope), **extra))
    if prepared is None:
        return [_normalise(row) for row in _outcome_grouped(closed_outcomes(scope), on=on)]
    query, values = prepared
    return [_normalise(row) for row in query.all(**values, on=on)]


def _per_municipality(
    rows: Iterable[Mapping[str, Any]], ids: list[int], normalise: Callable[[Mapping[str, Any]], dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    result: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for row in rows:
        result[row["municipality_id"]].append(normalise(row))
    return result


def outcome_rows_per_municipality(
    scope: Scope, *, municipality_ids: Iterable[int], on: datetime.date | None = None
) -> dict[int, list[dict[str, Any]]]:
    """``outcome_rows`` of several municipalities in ONE grouped query (the region's dashboard):
    grouped by municipality and quarter; the scope's own municipality is replaced by ``municipality_ids``."""
    ids = list(municipality_ids)
    queryset = closed_outcomes(dataclasses.replace(scope, municipality_id=None)).filter(municipality_id__in=ids)
    return _per_municipality(_outcome_grouped(queryset, on=on or today(), by=("municipality_id",)), ids, _normalise)


def _normalise(row: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {"quarter": _as_date(row.get("quarter"))}
    for key in ADDITIVE_KEYS:
        value = row.get(key)
        if isinstance(value, datetime.timedelta):
            value = value.days + value.seconds / 86400
        clean[key] = value or 0
    return clean


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        return datetime.date.fromisoformat(value[:10])
    return None


def _gate_decisions(scope: Scope) -> QuerySet[GateDecision]:
    decisions = GateDecision.objects.filter(
        _scope_q(scope), decided_on__gte=scope.date_from, decided_on__lte=scope.date_to
    )
    if scope.module_code:
        decisions = decisions.filter(module_code=scope.module_code)
    if scope.age_band in AGE_BANDS:
        _label, low, high = AGE_BANDS[scope.age_band]
        decisions = decisions.filter(age_at_referral__gte=low, age_at_referral__lte=high)
    return decisions


GATE_ROW_KEYS = ("decided", "advice_stop", "advice_continue", "advice_step_up", "deviated")


def _gate_normalise(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"quarter": _as_date(row["quarter"]), **{k: row[k] or 0 for k in GATE_ROW_KEYS}}


def _gate_grouped(
    queryset: QuerySet[GateDecision], *, by: tuple[str, ...] = ()
) -> QuerySet[GateDecision, dict[str, Any]]:
    grouped: QuerySet[GateDecision, dict[str, Any]] = (
        queryset.annotate(quarter=TruncQuarter("decided_on"))
        .order_by()
        .values(*by, "quarter")
        .annotate(
            decided=Count("pk"),
            advice_stop=Count("pk", filter=Q(advice=Advice.STOP)),
            advice_continue=Count("pk", filter=Q(advice=Advice.CONTINUE)),
            advice_step_up=Count("pk", filter=Q(advice=Advice.STEP_UP)),
            deviated=Count("pk", filter=Q(deviated=True)),
        )
        .order_by(*by, "quarter")
    )
    return grouped


def gate_rows(scope: Scope) -> list[dict[str, Any]]:
    """The second grouped query: module gate decisions taken in the period, per quarter.

    Read from the gate summary (``GateDecision``, one row per decided evaluation with its scope,
    module code, age at referral and local decision date), by the index of the scope.
    """
    prepared = _prepared_scope("gate", scope, lambda scope, extra: _gate_grouped(_gate_decisions(scope)))
    if prepared is None:
        return [_gate_normalise(row) for row in _gate_grouped(_gate_decisions(scope))]
    query, values = prepared
    return [_gate_normalise(row) for row in query.all(**values)]


def gate_rows_per_municipality(scope: Scope, *, municipality_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """``gate_rows`` of several municipalities in ONE grouped query (the region's dashboard)."""
    ids = list(municipality_ids)
    queryset = _gate_decisions(dataclasses.replace(scope, municipality_id=None)).filter(municipality_id__in=ids)
    return _per_municipality(_gate_grouped(queryset, by=("municipality_id",)), ids, _gate_normalise)


# --- waiting times ---------------------------------------------------------------------------------


def waiting_norm() -> int:
    """The norm in working days (``COACHCARE_WAITING_NORM_WORKING_DAYS``, default 10)."""
    return int(getattr(settings, "COACHCARE_WAITING_NORM_WORKING_DAYS", 10))


WAITING_KEYS = ("wc_n", "wc_ok", "wm_n", "wm_ok")


def waiting_cutoff(*, on: datetime.date, norm: int) -> datetime.date:
    """The last referral date that is past the norm on ``on``: ``working_days_between(referred, on) > norm``
    holds exactly for the referrals on or before it (the working days only grow the earlier the referral)."""
    day = on
    while working_days_between(day, on) <= norm:
        day -= datetime.timedelta(days=1)
    return day


def _waiting_in_scope(scope: Scope) -> QuerySet[TrajectoryWaiting]:
    """The population of the waiting times: trajectories referred in the period, in scope, from the
    waiting summary (``TrajectoryWaiting``, one row per trajectory; by the index of the scope and
    the referral date). The filters as ``closed_outcomes``: module codes and age on the row."""
    queryset = TrajectoryWaiting.objects.filter(
        _scope_q(scope), referred_on__gte=scope.date_from, referred_on__lte=scope.date_to
    )
    if scope.module_code:
        queryset = queryset.filter(module_codes__contains=f"|{scope.module_code}|")
    if scope.age_band in AGE_BANDS:
        _label, low, high = AGE_BANDS[scope.age_band]
        queryset = queryset.filter(age_at_referral__gte=low, age_at_referral__lte=high)
    return queryset


def _waiting_query(
    queryset: QuerySet[TrajectoryWaiting],
    *,
    cutoff: datetime.date,
    started: datetime.datetime,
    by: tuple[str, ...] = (),
) -> QuerySet[TrajectoryWaiting, dict[str, Any]]:
    """ONE grouped query (two grouped halves joined by UNION ALL) over the waiting summary: per
    ``by`` column(s), quarter of referral, kind (``wc`` first contact, ``wm`` first module) and
    number of working days (NULL: not reached yet) the number of trajectories, split by "referred on
    or before the cut-off" (still waiting past the norm when not reached). The result is a histogram:
    its size follows the distinct day counts, never the number of trajectories. An appointment
    counts as the first contact once it has started (before ``started``)."""

    def half(kind: str, days: Combinable) -> QuerySet[TrajectoryWaiting, dict[str, Any]]:
        counted: QuerySet[TrajectoryWaiting, dict[str, Any]] = (
            queryset.annotate(
                quarter=TruncQuarter("referred_on"),
                kind=Value(kind),
                days=days,
                past=Case(When(referred_on__lte=cutoff, then=Value(1)), default=Value(0)),
            )
            .order_by()
            .values(*by, "quarter", "kind", "days", "past")
            .annotate(n=Count("pk"))
        )
        return counted

    contact = Case(When(first_contact_at__lte=started, then=F("contact_days")), output_field=IntegerField())
    return half("wc", contact).union(half("wm", F("module_days")), all=True)


def _waiting_grouped(
    rows: Iterable[Mapping[str, Any]], *, norm: int, by: tuple[str, ...] = ()
) -> dict[Any, list[dict[str, Any]]]:
    """The rows of ``_waiting_query`` per value of ``by`` (``()`` when not grouped): the quarter rows
    of ``waiting_rows``."""
    grouped: dict[Any, dict[datetime.date, dict[str, Any]]] = {}
    for row in rows:
        key = tuple(row[column] for column in by)
        quarter = _as_date(row["quarter"])
        assert quarter is not None
        target = grouped.setdefault(key, {}).setdefault(
            quarter, {"quarter": quarter, "wc_days": [], "wm_days": [], **dict.fromkeys(WAITING_KEYS, 0)}
        )
        prefix, days, n = row["kind"], row["days"], int(row["n"])
        if days is not None:
            target[f"{prefix}_days"] += [int(days)] * n
            target[f"{prefix}_n"] += n
            target[f"{prefix}_ok"] += n if days <= norm else 0
        elif row["past"]:
            target[f"{prefix}_n"] += n  # still waiting past the norm: not within it
    for by_quarter in grouped.values():
        for target in by_quarter.values():
            target["wc_days"].sort()
            target["wm_days"].sort()
    return {key: [by_quarter[q] for q in sorted(by_quarter)] for key, by_quarter in grouped.items()}


def waiting_rows(scope: Scope, *, on: datetime.date | None = None) -> list[dict[str, Any]]:
    """ONE query over the waiting summary: the trajectories referred in the period (in scope), per
    quarter of referral:

    - ``wc_days`` / ``wm_days``: working days from referral to first contact (the first appointment
      that was not cancelled, once it has started) / first module, of those that had one (for the
      median; sorted);
    - ``wc_n`` / ``wm_n``: those, plus the ones still waiting once the norm has passed (on ``on``);
    - ``wc_ok`` / ``wm_ok``: first contact / module within the norm.
    """
    norm = waiting_norm()
    cutoff = waiting_cutoff(on=on or today(), norm=norm)
    started = timezone.now()
    prepared = _prepared_scope(
        "waiting",
        scope,
        lambda scope, extra: _waiting_query(_waiting_in_scope(scope), **extra),
    )
    if prepared is None:
        rows = _waiting_query(_waiting_in_scope(scope), cutoff=cutoff, started=started)
        return _waiting_grouped(rows, norm=norm).get((), [])
    query, values = prepared
    return _waiting_grouped(query.all(**values, cutoff=cutoff, started=started), norm=norm).get((), [])


def waiting_rows_per_municipality(
    scope: Scope, *, municipality_ids: Iterable[int], on: datetime.date | None = None
) -> dict[int, list[dict[str, Any]]]:
    """``waiting_rows`` of several municipalities in ONE query (the region's dashboard): the scope's
    own municipality is replaced by ``municipality_ids``."""
    ids = list(municipality_ids)
    queryset = _waiting_in_scope(dataclasses.replace(scope, municipality_id=None)).filter(municipality_id__in=ids)
    norm = waiting_norm()
    by = ("municipality_id",)
    rows = _waiting_query(queryset, cutoff=waiting_cutoff(on=on or today(), norm=norm), started=timezone.now(), by=by)
    grouped = _waiting_grouped(rows, norm=norm, by=by)
    return {pk: grouped.get((pk,), []) for pk in ids}


def waiting_total(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {"quarter": None, "wc_days": [], "wm_days": [], **dict.fromkeys(WAITING_KEYS, 0)}
    for row in rows:
        for key in WAITING_KEYS:
            total[key] += row.get(key, 0)
        total["wc_days"] += row.get("wc_days", [])
        total["wm_days"] += row.get("wm_days", [])
    return total


def waiting_figures_from(row: Mapping[str, Any]) -> "dict[str, Figure]":
    """The waiting-time figures of one quarter (or ``waiting_total``): medians and shares within the norm."""
    contact_days, module_days = list(row.get("wc_days", [])), list(row.get("wm_days", []))
    figures = [
        Figure(
            code="wait_contact",
            value=float(statistics.median(contact_days)) if contact_days else None,
            numerator=0,
            denominator=len(contact_days),
        ),
        _rate("wait_contact_norm", int(row.get("wc_ok", 0)), int(row.get("wc_n", 0))),
        Figure(
            code="wait_module",
            value=float(statistics.median(module_days)) if module_days else None,
            numerator=0,
            denominator=len(module_days),
        ),
        _rate("wait_module_norm", int(row.get("wm_ok", 0)), int(row.get("wm_n", 0))),
    ]
    return {figure.code: figure for figure in figures}


def total_row(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sum of quarter rows: every aggregate is additive, so this is the figure over the period."""
    total: dict[str, Any] = {"quarter": None}
    for row in rows:
        for key, value in row.items():
            if key != "quarter":
                total[key] = total.get(key, 0) + (value or 0)
    return total


# --- figures ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Figure:
    """One computed figure: value (``None`` when the denominator is 0), numerator and denominator."""

    code: str
    value: float | None
    numerator: float
    denominator: int
    low: float | None = None  # 95% confidence interval, where computed
    high: float | None = None

    @property
    def indicator(self) -> Indicator:
        return BY_CODE[self.code]

    @property
    def unit(self) -> str:
        return self.indicator.unit


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _rate(code: str, numerator: int, denominator: int) -> Figure:
    low, high = wilson_interval(numerator, denominator) if denominator else (None, None)
    return Figure(
        code=code,
        value=_ratio(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        low=low,
        high=high,
    )


def figures_from(row: Mapping[str, Any]) -> dict[str, Figure]:
    """The outcome figures of one aggregate row (a quarter, or ``total_row``)."""
    closed = int(row.get("closed", 0))
    cost = float(row.get("cost", 0))
    gas_ok = int(row.get("gas_ok", 0))
    figures = [
        Figure(code="closed", value=closed, numerator=closed, denominator=closed),
        _rate("dropout", int(row.get("dropout", 0)), closed),
        *(
            _rate(code, int(row.get(numerator, 0)), int(row.get(denominator, 0)))
            for code, (numerator, denominator) in INFORMANT_RATES.items()
        ),
        _rate("goal_3_2_6", int(row.get("fu6_again", 0)), int(row.get("fu6_n", 0))),
        _rate("goal_3_2_12", int(row.get("fu12_again", 0)), int(row.get("fu12_n", 0))),
        _rate("goal_3_3", int(row.get("gbo_up", 0)), int(row.get("gbo_n", 0))),
        _rate("goal_3_4", gas_ok, int(row.get("gas_n", 0))),
        Figure(
            code="duration",
            value=_ratio(float(row.get("days", 0)), closed),
            numerator=float(row.get("days", 0)),
            denominator=closed,
        ),
        Figure(
            code="modules",
            value=_ratio(float(row.get("modules", 0)), closed),
            numerator=float(row.get("modules", 0)),
            denominator=closed,
        ),
        Figure(code="cost", value=_ratio(cost, closed), numerator=cost, denominator=closed),
        Figure(code="cost_success", value=_ratio(cost, gas_ok), numerator=cost, denominator=gas_ok),
    ]
    return {figure.code: figure for figure in figures}


def gate_figures_from(row: Mapping[str, Any]) -> dict[str, Figure]:
    decided = int(row.get("decided", 0))
    figures = [
        _rate("gate_stop", int(row.get("advice_stop", 0)), decided),
        _rate("gate_continue", int(row.get("advice_continue", 0)), decided),
        _rate("gate_step_up", int(row.get("advice_step_up", 0)), decided),
        _rate("gate_deviated", int(row.get("deviated", 0)), decided),
    ]
    return {figure.code: figure for figure in figures}


def wilson_interval(successes: int, trials: int, *, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default).

    centre = (p + z²/2n) / (1 + z²/n);  half width = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²).
    Example: 8 of 10 → (0.490, 0.943).
    """
    if trials <= 0:
        raise ValueError("The Wilson interval needs at least one trial.")
    if not 0 <= successes <= trials:
        raise ValueError("Successes must lie between 0 and the number of trials.")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def quarter_label(quarter: datetime.date | None) -> str:
    if quarter is None:
        return str(_("Period"))
    return f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def default_period(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The dashboards' period when none is chosen: the last four quarters, the current one included."""
    start = quarter_start(on)
    if start.month > 9:
        return datetime.date(start.year, start.month - 9, 1), on
    return datetime.date(start.year - 1, start.month + 3, 1), on

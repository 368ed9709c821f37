"""Writes of care starts and stops (JW305/JW307), monthly declarations (JW323) and their answers (JW325).

Design decisions (issue 5):

- Start and stop are derived, never typed: ``care_events_sync`` reads the module runs and the
  trajectories and creates what is missing. Running it twice creates nothing new. It runs from the
  ``care_events_sync_task`` (enqueued on commit by the trajectory services), at the start of every
  ``declaration_run`` and before every export, so nothing depends on the task having run.
- A module that ended normally (finished, to evaluate or evaluated) stops with reason 31
  (according to plan) on its ``finished_on``. A module still running when its trajectory closed
  stops on ``closed_on`` with the trajectory's end reason (JZ588). No stop without a start (OP072).
- A declaration line is one DELIVERED module: a run finished inside the declared calendar month,
  under an approved (or ended, never deleted: TR384) allocation whose period holds the whole
  delivery (TR307/TR308). Per funding model of the product (issue 18.1): output-based volume 1 of
  unit 82; effort-based the units of time of the sessions held (attended) from the module's start
  to its delivery, in the product's unit (``units_delivered``); task-based never (no allocation,
  so never a candidate: the lump sum pays). Amount = volume × contract tariff (TR346, TR418), within the
  allocation's volume (TR321/TR322) and budget (TR369), counting what was declared before. A run is
  declared at most once (unique constraint on ``DeclarationLine.module_run``). Nothing is declared
  under a number the municipality does not know: a module started under the mandate whose
  allocation has no number yet (the municipality's JW301 has not arrived) is *held*
  (``DeclarationRunResult.awaiting``, the provider's worklist "waiting for the municipality's
  allocation") and declared by the next run of its month once the number has arrived. The line's product
  period lies inside the month (TR388): from the later of the module's start and the first of the
  month, to the day the module was delivered (finished).
- Re-running a municipality and month is idempotent: modules delivered since the last run (e.g. a
  late evaluation) go into a NEW declaration with its own number; when there is nothing new, the
  run creates nothing and says so (``DeclarationRunResult.declarations`` is empty).
- The money flows one way (contracts → declarations → ijw): this app imports nothing of ``ijw``.
  The iJw export reads plain values (``selectors.declaration_values_for``) and builds the JW323;
  the import hands a JW325 over as plain per-line values (``AnswerLine``).
- Nothing clinical is read or stored: lines hold the client (for the BSN and the name on the
  municipality's screen), the allocation number, the product, dates, volume and amounts.
"""

import dataclasses
import datetime
from collections import defaultdict
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.accounts.models import User
from coachcare.coaching import selectors as coaching_selectors
from coachcare.contracts.models import GRANTED_STATUSES, ContractProduct, FundingModel
from coachcare.core.bulk import advisory_lock, bulk_insert, bulk_insert_rows
from coachcare.core.dates import month_bounds, today
from coachcare.declarations.models import (
    CareStart,
    CareStop,
    Declaration,
    DeclarationLine,
    DeclarationStatus,
)
from coachcare.method.codes import Unit
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import EndReason, ModuleRun
from coachcare.trajectories.outcome_inputs import outcome_inputs_changed

#: Module run states that mean the module was delivered (the coach finished it).
DELIVERED_STATES = (ModuleRun.State.FINISHED, ModuleRun.State.EVALUATED)
#: iJw eenheid (WJ756) 82: stuks (output). One module = one piece.
UNIT_PIECES_OUTPUT = "82"
LINE_BATCH_SIZE = 5000


# --- start and stop of care (JW305/JW307) ------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class CareEventsSyncResult:
    starts_created: int
    stops_created: int


#: Key of the PostgreSQL advisory lock that serialises ``care_events_sync``.
CARE_EVENTS_LOCK = 530_305_307


def care_events_sync(*, on: datetime.date | None = None) -> CareEventsSyncResult:
    """Create the missing starts and stops of care up to ``on`` (default today). Idempotent.

    Set-based: two reads and two bulk inserts whatever the number of module runs.
    """
    on = on or today()
    with transaction.atomic():
        advisory_lock(CARE_EVENTS_LOCK)  # two syncs at once would insert the same events twice
        new_starts = [
            CareStart(allocation_id=allocation_id, module_run_id=run_id, begindatum=started_on)
            for run_id, allocation_id, started_on in ModuleRun.objects.filter(
                allocation__isnull=False, started_on__lte=on, care_start__isnull=True
            ).values_list("pk", "allocation_id", "started_on")
        ]
        new_starts += _task_based_starts(on=on)
        bulk_insert(CareStart, new_starts)  # the filters leave out runs that have one already
        ended_normally = Q(state__in=DELIVERED_STATES, finished_on__isnull=False, finished_on__lte=on)
        closed_early = Q(
            state=ModuleRun.State.RUNNING, trajectory__closed_on__isnull=False, trajectory__closed_on__lte=on
        )
        # Interrupted by a temporary end (20) and resumed since: the stop is on the closure date.
        interrupted = Q(state=ModuleRun.State.INTERRUPTED, finished_on__isnull=False, finished_on__lte=on)
        new_stops = []
        for run_id, allocation_id, product_id, state, started_on, finished_on, closed_on, end_reason, stop_reason in (
            ModuleRun.objects.filter(care_start__isnull=False, care_stop__isnull=True)  # OP072
            .filter(ended_normally | closed_early | interrupted)
            .values_list(
                "pk",
                "care_start__allocation_id",
                "care_start__product_id",
                "state",
                "care_start__begindatum",
                "finished_on",
                "trajectory__closed_on",
                "trajectory__end_reason",
                "stop_reason",
            )
        ):
            if state in DELIVERED_STATES:
                end, reason = finished_on, EndReason.ACCORDING_TO_PLAN.value
            elif state == ModuleRun.State.INTERRUPTED:  # a temporary end (20), or a move (35)
                end, reason = finished_on, stop_reason or EndReason.TEMPORARILY.value
            else:
                end, reason = closed_on, end_reason or EndReason.EARLY_MUTUAL.value
            assert end is not None  # guarded by the filter above
            new_stops.append(
                CareStop(
                    allocation_id=allocation_id,
                    product_id=product_id,
                    module_run_id=run_id,
                    begindatum=started_on,
                    einddatum=max(end, started_on),
                    reden=reason,
                )
            )
        bulk_insert(CareStop, new_stops)
    return CareEventsSyncResult(starts_created=len(new_starts), stops_created=len(new_stops))


def _task_based_starts(*, on: datetime.date) -> list[CareStart]:
    """Starts of modules without an allocation that their contract pays from its lump sum
    (task-based, taakgericht): the product of the contract valid on the start date between the
    client's municipality and provider. Two reads whatever the number of runs."""
    runs = list(
        ModuleRun.objects.filter(allocation__isnull=True, started_on__lte=on, care_start__isnull=True).values_list(
            "pk",
            "started_on",
            "module__code",
            "trajectory__client__municipality_id",
            "trajectory__client__provider_id",
        )
    )
    if not runs:
        return []
    products: dict[tuple[int, int, str], list[tuple[datetime.date, datetime.date | None, int]]] = defaultdict(list)
    for product_id, municipality_id, provider_id, module_code, valid_from, valid_to in ContractProduct.objects.filter(
        funding_model=FundingModel.TASK,
        contract__municipality_id__in={run[3] for run in runs},
    ).values_list(
        "pk",
        "contract__municipality_id",
        "contract__provider_id",
        "module_code",
        "contract__valid_from",
        "contract__valid_to",
    ):
        products[(municipality_id, provider_id, module_code)].append((valid_from, valid_to, product_id))
    starts = []
    for run_id, started_on, module_code, municipality_id, provider_id in runs:
        for valid_from, valid_to, product_id in products.get((municipality_id, provider_id, module_code), []):
            if valid_from <= started_on and (valid_to is None or started_on <= valid_to):
                starts.append(CareStart(product_id=product_id, module_run_id=run_id, begindatum=started_on))
                break
    return starts


def care_events_mark_sent(*, start_ids: list[int], stop_ids: list[int]) -> None:
    """The export wrote JW305/JW307 messages for these starts and stops."""
    now = timezone.now()
    CareStart.objects.filter(pk__in=start_ids, sent_at__isnull=True).update(sent_at=now)
    CareStop.objects.filter(pk__in=stop_ids, sent_at__isnull=True).update(sent_at=now)


# --- monthly declaration (JW323) ---------------------------------------------------------------------


def period_parse(period: str) -> tuple[datetime.date, datetime.date]:
    """``"2026-03"`` → first and last day of that calendar month (TR387/TR388)."""
    try:
        return month_bounds(period)
    except ValueError as exc:
        raise ValidationError({"period": [_("Give the period as YYYY-MM.")]}) from exc


@dataclasses.dataclass(frozen=True, kw_only=True)
class Refusal:
    """A delivered module that could not be declared, with the iJw rule it would break."""

    module_run_id: int
    rule: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeclarationRunResult:
    municipality: Municipality
    period_start: datetime.date
    period_end: datetime.date
    declarations: list[Declaration]
    lines_created: int
    refusals: list[Refusal]
    #: delivered modules held until the municipality's allocation number arrives (module run ids)
    awaiting: list[int] = dataclasses.field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not self.declarations


_CANDIDATE_FIELDS = (
    "pk",
    "started_on",
    "finished_on",
    "allocation_id",
    "allocation__status",
    "allocation__toewijzing_nummer",
    "allocation__start_date",
    "allocation__end_date",
    "allocation__volume",
    "allocation__budget_cents",
    "allocation__client_id",
    "allocation__product_id",
    "allocation__product__tariff_cents",
    "allocation__product__unit",
    "allocation__product__funding_model",
    "allocation__contract__provider_id",
    "trajectory_id",
)


def _refusal_rule(row: dict[str, Any]) -> str:
    """The first iJw rule a delivered module breaks, or "" when it can be declared."""
    if row["allocation__status"] not in GRANTED_STATUSES:
        return "TR384"
    start, end = row["allocation__start_date"], row["allocation__end_date"]
    if start is None or row["started_on"] < start:
        return "TR307"
    if end is None or row["finished_on"] > end:
        return "TR308"
    output = row["allocation__product__funding_model"] == FundingModel.OUTPUT
    if output and row["allocation__product__unit"] != UNIT_PIECES_OUTPUT:
        return "TR339"
    if row["allocation__product__funding_model"] == FundingModel.EFFORT and row["volume"] < 1:
        return NO_DELIVERY  # no session held: no time delivered, so nothing to declare
    return ""


#: Not an iJw rule: an effort-based module without a session held has no volume to declare.
NO_DELIVERY = "NO_DELIVERY"
#: Minutes in one unit of time (WJ756) of an effort-based product.
MINUTES_PER_UNIT: dict[str, int] = {Unit.MINUTE.value: 1, Unit.HOUR.value: 60, Unit.DAY_PART.value: 240}


def units_delivered(*, unit: str, sessions: list[tuple[datetime.date, int]]) -> int:
    """The volume delivered in ``unit`` (WJ756) by these sessions held (date, minutes).

    Minutes, hours and day parts (4 hours): per session its length in the unit, rounded to the
    nearest whole unit (half up), at least 1; 24 hours (etmaal): one per day with a session;
    pieces of effort (84): one per session.
    """
    if unit == Unit.DAY_AND_NIGHT:
        return len({on for on, _minutes in sessions})
    if unit == Unit.PIECES_EFFORT:
        return len(sessions)
    size = MINUTES_PER_UNIT.get(unit)
    if size is None:
        return 0
    return sum(max(1, (minutes * 2 + size) // (size * 2)) for _on, minutes in sessions)


def _with_volumes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each candidate with its delivered ``volume``: 1 module (output-based), or the units of time of
    the sessions held from the module's start to its delivery (effort-based). One query for the
    sessions of all effort-based candidates."""
    effort = [row for row in rows if row["allocation__product__funding_model"] == FundingModel.EFFORT]
    held: dict[int, list[coaching_selectors.HeldSession]] = defaultdict(list)
    if effort:
        for session in coaching_selectors.sessions_held_of(
            trajectory_ids=sorted({row["trajectory_id"] for row in effort}),
            first=min(row["started_on"] for row in effort),
            last=max(row["finished_on"] for row in effort),
        ):
            held[session.trajectory_id].append(session)
    for row in rows:
        if row["allocation__product__funding_model"] != FundingModel.EFFORT:
            row["volume"] = 1
            continue
        sessions = [
            (session.on, session.minutes)
            for session in held.get(row["trajectory_id"], [])
            if row["started_on"] <= session.on <= row["finished_on"]
        ]
        row["volume"] = units_delivered(unit=row["allocation__product__unit"], sessions=sessions)
    return rows


def _next_numbers(*, municipality: Municipality, first: datetime.date, count: int) -> list[str]:
    """Declaration numbers ``YYYYMM`` + municipality code + a 2-digit counter (12 characters)."""
    prefix = f"{first:%Y%m}{municipality.code}"
    used = Declaration.objects.filter(declaratienummer__startswith=prefix).count()
    if used + count > 99:
        raise ValidationError(_("Too many declarations for this municipality and month."))
    return [f"{prefix}{used + index + 1:02d}" for index in range(count)]


def _declarable_period(period: str, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    first, last = period_parse(period)
    if first > on:
        raise ValidationError({"period": [_("A month that has not started cannot be declared.")]})
    return first, last


def declaration_run(
    *, municipality: Municipality, period: str, actor: User | None = None, on: datetime.date | None = None
) -> DeclarationRunResult:
    """Declare every module delivered in ``period`` ("YYYY-MM") on allocations of ``municipality``.

    One declaration per provider (in draft). See the module docstring for the rules. A fixed
    number of queries whatever the number of modules (lines are inserted in batches).
    """
    on = on or today()
    first, last = _declarable_period(period, on)
    care_events_sync(on=on)
    with transaction.atomic():
        candidates = _candidates(first=first, last=last, municipality=municipality)
        declared = _declared_so_far(first=first, last=last, municipality=municipality) if candidates else {}
        return _declare(
            municipality=municipality, first=first, last=last, actor=actor, rows=candidates, declared=declared
        )


def declaration_run_all(
    *, period: str, actor: User | None = None, on: datetime.date | None = None
) -> list[DeclarationRunResult]:
    """``declaration_run`` for every municipality with a contract, syncing starts and stops once.

    Set-based: one query for the candidate modules of all municipalities and one for what was
    declared before, grouped per municipality in Python; then per municipality the same rules and
    writes as ``declaration_run`` (each municipality in its own transaction).
    """
    on = on or today()
    first, last = _declarable_period(period, on)
    care_events_sync(on=on)
    municipalities = list(Municipality.objects.filter(contracts__isnull=False).distinct().order_by("code"))
    with transaction.atomic():
        by_municipality: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in _candidates(first=first, last=last):
            by_municipality[row.pop("allocation__contract__municipality_id")].append(row)
        declared = _declared_so_far(first=first, last=last) if by_municipality else {}
    results = []
    for item in municipalities:
        with transaction.atomic():
            results.append(
                _declare(
                    municipality=item,
                    first=first,
                    last=last,
                    actor=actor,
                    rows=by_municipality.get(item.pk, []),
                    declared=declared,
                )
            )
    return results


def _undeclared_delivered(
    *, first: datetime.date, last: datetime.date, municipality: Municipality | None = None
) -> QuerySet[ModuleRun]:
    runs = ModuleRun.objects.filter(
        state__in=DELIVERED_STATES,
        finished_on__gte=first,
        finished_on__lte=last,
        declaration_line__isnull=True,
        allocation__isnull=False,
    ).exclude(allocation__product__funding_model=FundingModel.TASK)  # the lump sum pays: nothing per client
    return runs.filter(allocation__contract__municipality=municipality) if municipality is not None else runs


def _candidates(
    *, first: datetime.date, last: datetime.date, municipality: Municipality | None = None
) -> list[dict[str, Any]]:
    """The undelivered-yet-undeclared modules of the month, in declaration order (per allocation,
    by delivery date). Without ``municipality``: of all municipalities, with their municipality id."""
    fields = (
        _CANDIDATE_FIELDS if municipality is not None else (*_CANDIDATE_FIELDS, "allocation__contract__municipality_id")
    )
    return list(
        _undeclared_delivered(first=first, last=last, municipality=municipality)
        .order_by("allocation_id", "finished_on", "pk")
        .values(*fields)
    )


def _declared_so_far(
    *, first: datetime.date, last: datetime.date, municipality: Municipality | None = None
) -> dict[int, tuple[int, int]]:
    """Per allocation with a candidate module: the volume and amount declared before."""
    lines = DeclarationLine.objects.filter(
        allocation__in=_undeclared_delivered(first=first, last=last, municipality=municipality).values("allocation_id")
    )
    return {
        item["allocation_id"]: (item["volume"] or 0, item["amount"] or 0)
        for item in lines.values("allocation_id").annotate(volume=Sum("volume"), amount=Sum("amount_cents"))
    }


_LINE_FIELDS = (
    "declaration_id",
    "reference",
    "module_run_id",
    "allocation_id",
    "client_id",
    "product_id",
    "begindatum",
    "einddatum",
    "volume",
    "unit",
    "tariff_cents",
    "amount_cents",
    "retourcode",
    "awarded_cents",
)


def _declare(
    *,
    municipality: Municipality,
    first: datetime.date,
    last: datetime.date,
    actor: User | None,
    rows: list[dict[str, Any]],
    declared: dict[int, tuple[int, int]],
) -> DeclarationRunResult:
    """The rules and writes for one municipality, given its candidate ``rows`` (in declaration
    order) and ``declared`` (volume and amount declared before, per allocation; updated in place).
    Runs inside the caller's transaction."""
    refusals: list[Refusal] = []
    awaiting: list[int] = []
    accepted: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _with_volumes(rows):
        if row["allocation__status"] in GRANTED_STATUSES and not row["allocation__toewijzing_nummer"]:
            awaiting.append(row["pk"])  # under the mandate, the municipality's number not yet here
            continue
        rule = _refusal_rule(row)
        volume_so_far, amount_so_far = declared.get(row["allocation_id"], (0, 0))
        amount = row["volume"] * row["allocation__product__tariff_cents"]
        if not rule and volume_so_far + row["volume"] > row["allocation__volume"]:
            rule = "TR321"
        budget = row["allocation__budget_cents"]
        if not rule and budget is not None and amount_so_far + amount > budget:
            rule = "TR369"
        if rule:
            refusals.append(Refusal(module_run_id=row["pk"], rule=rule))
            continue
        declared[row["allocation_id"]] = (volume_so_far + row["volume"], amount_so_far + amount)
        accepted[row["allocation__contract__provider_id"]].append(row)
    declarations: list[Declaration] = []
    numbers = _next_numbers(municipality=municipality, first=first, count=len(accepted)) if accepted else []
    lines: list[tuple[Any, ...]] = []
    for number, (provider_id, provider_rows) in zip(numbers, sorted(accepted.items()), strict=True):
        declaration = Declaration.objects.create(
            declaratienummer=number,
            municipality=municipality,
            provider_id=provider_id,
            period_start=first,
            period_end=last,
            total_cents=sum(row["volume"] * row["allocation__product__tariff_cents"] for row in provider_rows),
            created_by=actor,
        )
        declarations.append(declaration)
        declaration_id = declaration.pk
        lines.extend(
            (
                declaration_id,
                f"{number}{index:06d}",
                row["pk"],
                row["allocation_id"],
                row["allocation__client_id"],
                row["allocation__product_id"],
                max(row["started_on"], first),  # TR388: inside the declared month
                row["finished_on"],
                row["volume"],
                row["allocation__product__unit"],
                row["allocation__product__tariff_cents"],
                row["volume"] * row["allocation__product__tariff_cents"],
                "",
                None,
            )
            for index, row in enumerate(provider_rows, start=1)
        )
    try:
        bulk_insert_rows(DeclarationLine, _LINE_FIELDS, lines)
    except IntegrityError as exc:  # a concurrent run declared the same module
        raise ValidationError(_("Another declaration run is busy with this month; try again.")) from exc
    return DeclarationRunResult(
        municipality=municipality,
        period_start=first,
        period_end=last,
        declarations=declarations,
        lines_created=len(lines),
        refusals=refusals,
        awaiting=awaiting,
    )


def _outcomes_refresh(*, declaration: Declaration) -> None:
    """The cost of the declaration's trajectories changed (a declared amount replaces the tariff):
    refresh the monitoring summary in this transaction, with the lines as a subquery."""
    lines = DeclarationLine.objects.filter(declaration=declaration)
    outcome_inputs_changed(trajectory_ids=lines.values_list("module_run__trajectory_id", flat=True))


@transaction.atomic
def declaration_submit(*, declaration: Declaration) -> Declaration:
    """The JW323 file for this declaration has been written for sending: draft → submitted."""
    Declaration.objects.filter(pk=declaration.pk, status=DeclarationStatus.DRAFT).update(
        status=DeclarationStatus.SUBMITTED, submitted_at=timezone.now()
    )
    _outcomes_refresh(declaration=declaration)
    declaration.refresh_from_db()
    return declaration


def declaration_split(*, declaratienummer: str, references: list[str]) -> Declaration:
    """Move the lines ``references`` of the DRAFT declaration ``declaratienummer`` into a new draft
    declaration of the same provider, municipality and month (its own number), and return the new one.

    The iJw export does this when some lines break a rule (issue 18.5: a faulty line never holds
    back the rest): the valid lines stay and are written, the faulty ones wait in the new draft,
    which the next export validates again (and writes once fixed). A line moves, it is never copied:
    a module run stays declared at most once. Both totals follow their lines. Five queries whatever
    the number of lines. A submitted or answered declaration was sent as it is and is never split.
    """
    wanted = set(references)
    with transaction.atomic():
        try:
            source = Declaration.objects.select_for_update().get(declaratienummer=declaratienummer)
        except Declaration.DoesNotExist as exc:
            raise ValidationError(_("No declaration with number %(number)s.") % {"number": declaratienummer}) from exc
        if source.status != DeclarationStatus.DRAFT:
            raise ValidationError(_("Only a draft declaration can be split."))
        amounts = dict(DeclarationLine.objects.filter(declaration=source).values_list("reference", "amount_cents"))
        if not wanted or not wanted <= set(amounts) or wanted == set(amounts):
            raise ValidationError(_("Name some, not all, of the declaration's own lines to split off."))
        moved_cents = sum(amounts[reference] for reference in wanted)
        first = source.period_start
        number = _next_numbers(municipality=source.municipality, first=first, count=1)[0]
        target = Declaration.objects.create(
            declaratienummer=number,
            municipality_id=source.municipality_id,
            provider_id=source.provider_id,
            period_start=source.period_start,
            period_end=source.period_end,
            total_cents=moved_cents,
            created_by_id=source.created_by_id,
        )
        DeclarationLine.objects.filter(declaration=source, reference__in=sorted(wanted)).update(declaration=target)
        Declaration.objects.filter(pk=source.pk).update(total_cents=sum(amounts.values()) - moved_cents)
    return target


def declarations_submit(*, declaratienummers: list[str]) -> int:
    """The JW323 files of these declarations have been written (the iJw export): each draft becomes
    submitted. Returns how many were found (a submitted one is found again and stays submitted)."""
    found = 0
    with transaction.atomic():
        for declaration in Declaration.objects.filter(declaratienummer__in=declaratienummers).order_by("id"):
            declaration_submit(declaration=declaration)
            found += 1
    return found


# --- the municipality's answer (JW325) ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class AnswerApplied:
    declaration: Declaration
    lines_updated: int
    unknown_references: list[str]
    #: the clients whose lines were answered (for the access log of the import)
    client_public_ids: set[UUID]


@dataclasses.dataclass(frozen=True, kw_only=True)
class AnswerLine:
    """The municipality's answer on one declaration line, as plain values (the iJw import reads the
    JW325 and decides the code to keep: the first rejection, else the first code)."""

    reference: str
    retourcode: str
    awarded_cents: int


def declaration_answer_apply(*, declaratienummer: str, lines: list[AnswerLine]) -> AnswerApplied:
    """Store the municipality's answer (JW325): per line its return code (WJ001) and awarded amount;
    the declaration becomes answered. Idempotent: applying the same answer again writes the same values.
    """
    number = declaratienummer
    with transaction.atomic():
        try:
            declaration = Declaration.objects.select_for_update().get(declaratienummer=number)
        except Declaration.DoesNotExist as exc:
            raise ValidationError(_("No declaration with number %(number)s.") % {"number": number}) from exc
        stored = {
            line.reference: line
            for line in DeclarationLine.objects.filter(
                declaration=declaration, reference__in=[item.reference for item in lines]
            ).annotate(client_public_id=F("client__public_id"))
        }
        changed = []
        unknown = []
        for item in lines:
            line = stored.get(item.reference)
            if line is None:
                unknown.append(item.reference)
                continue
            line.retourcode = item.retourcode[:4]
            line.awarded_cents = int(item.awarded_cents)
            changed.append(line)
        DeclarationLine.objects.bulk_update(changed, ["retourcode", "awarded_cents"], batch_size=LINE_BATCH_SIZE)
        totals = DeclarationLine.objects.filter(declaration=declaration).aggregate(awarded=Sum("awarded_cents"))
        declaration.status = DeclarationStatus.ANSWERED
        declaration.awarded_cents = int(totals["awarded"] or 0)
        if declaration.answered_at is None:
            declaration.answered_at = timezone.now()
        declaration.save(update_fields=["status", "awarded_cents", "answered_at"])
        _outcomes_refresh(declaration=declaration)
    return AnswerApplied(
        declaration=declaration,
        lines_updated=len(changed),
        unknown_references=unknown,
        client_public_ids={line.client_public_id for line in changed},
    )

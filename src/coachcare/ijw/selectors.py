"""Reads for the iJw exchange: the validation context from the database, the worklist, the change requests."""

import datetime
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Value, When

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.contracts.models import Allocation as AllocationModel
from coachcare.contracts.models import AllocationChangeRequest, AllocationNotice, AllocationStatus
from coachcare.core.dates import local_date
from coachcare.core.dates import today as local_today
from coachcare.declarations import selectors as declaration_selectors
from coachcare.ijw import cbs
from coachcare.ijw.codes import VERWIJZER_TYPE
from coachcare.ijw.models import HeldMessage, IncomingMessage, OutgoingMessage, RetourRecord
from coachcare.ijw.schema import BERICHTCODES
from coachcare.ijw.validation import AllocationFacts, ValidationContext
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider
from coachcare.trajectories.models import ModuleRun


def _refused_records(berichtcode: str) -> dict[str, set[str]]:
    """Per identification of our messages of ``berichtcode``: the record keys the municipality
    refused in a retour ("" for the message as a whole)."""
    refused: dict[str, set[str]] = {}
    for identification, key in RetourRecord.objects.filter(
        answered_berichtcode=berichtcode, accepted=False
    ).values_list("answered_identification", "record_key"):
        refused.setdefault(identification, set()).add(key)
    return refused


def validation_context_from_db(
    *,
    direction: Literal["incoming", "outgoing"],
    municipality_code: str | None = None,
    provider_agb: str | None = None,
    today: datetime.date | None = None,
) -> ValidationContext:
    """The facts the validator needs, from contracts.Allocation and the message records.

    ``direction`` picks the identifications already used: the ones received (an incoming
    message) or the ones sent (an outgoing message) (TR056). Allocations without a number
    (requested, rejected) are not in the context. Volume and amounts already declared are left
    to the declarations app (it passes them in its own context); here they count as zero. A
    start (JW305) the municipality refused in a JW306 (the record or the whole message) does not
    count as sent (OP072).
    """
    allocations = AllocationModel.objects.filter(toewijzing_nummer__isnull=False).select_related(
        "client", "product", "contract__municipality", "contract__provider"
    )
    if municipality_code:
        allocations = allocations.filter(contract__municipality__code=municipality_code)
    if provider_agb:
        allocations = allocations.filter(contract__provider__agb_code=provider_agb)
    facts = {
        allocation.toewijzing_nummer: AllocationFacts(
            toewijzingnummer=allocation.toewijzing_nummer,
            bsn=allocation.client.bsn,
            start_date=allocation.start_date,
            end_date=allocation.end_date,
            volume=allocation.volume,
            budget_cents=allocation.budget_cents or 0,
            categorie=allocation.product.ijw_product_category,
            code=allocation.product.ijw_product_code,
            eenheid=allocation.product.unit,
            status=allocation.status,
            tariff_cents=allocation.product.tariff_cents,
        )
        for allocation in allocations
        if allocation.toewijzing_nummer and allocation.start_date and allocation.end_date
    }
    started: set[str] = set()
    refused = _refused_records(BERICHTCODES["JW305"])
    for identification, numbers in OutgoingMessage.objects.filter(berichtcode=BERICHTCODES["JW305"]).values_list(
        "identification", "toewijzing_nummers"
    ):
        refused_here = refused.get(identification, set())
        if "" not in refused_here:  # the whole JW305 refused (its header): none of it started
            started.update(number for number in numbers if number not in refused_here)
    if direction == "incoming":
        seen = frozenset(IncomingMessage.objects.values_list("identification", flat=True))
    else:
        seen = frozenset(OutgoingMessage.objects.values_list("identification", flat=True))
    return ValidationContext(
        today=today or local_today(),
        allocations=facts,
        started=frozenset(started),
        seen_identifications=seen,
        municipality_codes=frozenset(Municipality.objects.values_list("code", flat=True)),
    )


@dataclass(frozen=True)
class Worklist:
    """What the provider's administration must look at: messages held, records refused."""

    held: QuerySet[HeldMessage]
    refused: QuerySet[RetourRecord]


def ijw_worklist_for(*, actor: User) -> Worklist:
    """The held messages and refused retour records of the actor's provider (``policy.can_see_ijw_worklist``).

    Only codes, paths, identifications, allocation numbers and client public ids: nothing here
    names a person, so showing it is no access to a client file.
    """
    if not policy.can_see_ijw_worklist(actor) or actor.provider is None:
        return Worklist(held=HeldMessage.objects.none(), refused=RetourRecord.objects.none())
    agb = actor.provider.agb_code
    return Worklist(
        held=HeldMessage.objects.filter(provider_agb=agb),
        refused=RetourRecord.objects.filter(provider_agb=agb, accepted=False).select_related("incoming"),
    )


# --- modules started under the mandate: has the municipality's allocation arrived? ----------------

MANDATE_STARTS_PER_PAGE = 50


@dataclass(frozen=True, kw_only=True)
class MandateStartRow:
    """A module started under the mandate: whether the municipality's allocation (its number, JW301)
    has arrived, when the JW315 told it, and how many delivered modules wait to be declared."""

    allocation: AllocationModel
    told_at: datetime.datetime | None
    delivered_waiting: int

    @property
    def awaiting(self) -> bool:
        return self.allocation.awaits_municipality_number


def ijw_mandate_starts_for(*, actor: User, page: int = 1) -> tuple[Page[Any], list[MandateStartRow]]:
    """The modules the actor's provider started under the mandate, those still waiting for the
    municipality's allocation first, then newest first, a page at a time (``policy.can_see_ijw_worklist``).
    Only allocation numbers, products, dates and client public ids: no name or BSN. Three queries
    whatever the number of rows (count, page, delivered modules held)."""
    if not policy.can_see_ijw_worklist(actor) or actor.provider_id is None:
        allocations = AllocationModel.objects.none()
    else:
        allocations = AllocationModel.objects.filter(contract__provider_id=actor.provider_id, via_mandate=True)
    told = Subquery(
        AllocationNotice.objects.filter(allocation_id=OuterRef("pk"), sent_at__isnull=False)
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    ordered = (
        allocations.select_related("client", "product", "contract__municipality")
        .only(
            "public_id",
            "status",
            "toewijzing_nummer",
            "start_date",
            "end_date",
            "via_mandate",
            "requested_at",
            "client__public_id",
            "product__module_code",
            "product__ijw_product_category",
            "product__ijw_product_code",
            "contract__municipality__code",
            "contract__municipality__name",
        )
        .annotate(
            told_at=told,
            waiting=Case(
                When(status=AllocationStatus.APPROVED, toewijzing_nummer__isnull=True, then=Value(0)),
                default=Value(1),
            ),
        )
        .order_by("waiting", "-requested_at", "-id")
    )
    found = Paginator(ordered, MANDATE_STARTS_PER_PAGE).get_page(page)
    rows = list(found.object_list)
    held = declaration_selectors.delivered_awaiting_allocation(
        allocation_ids=[row.pk for row in rows if row.awaits_municipality_number]
    )
    return found, [
        MandateStartRow(allocation=row, told_at=row.told_at, delivered_waiting=held.get(row.pk, 0))  # type: ignore[attr-defined]
        for row in rows
    ]


# --- change requests (JW317) of the provider's administration --------------------------------------

CHANGE_REQUESTS_PER_PAGE = 50


@dataclass(frozen=True, kw_only=True)
class ChangeRequestRow:
    """A change request with what happened to it in the exchange: the JW317s that carried it
    (newest first) and the records of the municipality's JW318 retour on them."""

    change: AllocationChangeRequest
    sent: list[OutgoingMessage]
    retour: list[RetourRecord]

    @property
    def refused(self) -> bool:
        return any(not record.accepted for record in self.retour)


def _change_requests_of(actor: User) -> QuerySet[AllocationChangeRequest]:
    if not policy.can_see_ijw_change_requests(actor) or actor.provider_id is None:
        return AllocationChangeRequest.objects.none()
    return AllocationChangeRequest.objects.filter(allocation__contract__provider_id=actor.provider_id).select_related(
        "allocation__product", "allocation__contract__municipality", "allocation__client"
    )


def _rows(changes: list[AllocationChangeRequest]) -> list[ChangeRequestRow]:
    """The JW317s and JW318 records of ``changes`` in two queries, whatever their number."""
    if not changes:
        return []
    keys = {str(change.public_id) for change in changes}
    messages = OutgoingMessage.objects.filter(
        berichtcode=BERICHTCODES["JW317"],
        municipality_code__in={
            municipality.code for change in changes if (municipality := change.allocation.contract.municipality)
        },
        period__in={local_date(change.requested_at).strftime("%Y-%m") for change in changes},
    ).order_by("-created_at", "-id")
    sent: dict[str, list[OutgoingMessage]] = {}
    for message in messages:
        for key in message.toewijzing_nummers:
            if key in keys:
                sent.setdefault(key, []).append(message)
    identifications = {message.identification: key for key, found in sent.items() for message in found}
    retour: dict[str, list[RetourRecord]] = {}
    for record in (
        RetourRecord.objects.filter(answered_berichtcode=BERICHTCODES["JW317"])
        .filter(Q(record_key__in=keys) | Q(record_key="", answered_identification__in=list(identifications)))
        .select_related("incoming")
    ):
        key = record.record_key or identifications[record.answered_identification]
        retour.setdefault(key, []).append(record)
    return [
        ChangeRequestRow(
            change=change, sent=sent.get(str(change.public_id), []), retour=retour.get(str(change.public_id), [])
        )
        for change in changes
    ]


def ijw_change_requests_for(
    *, actor: User, page: int = 1
) -> tuple[Page[AllocationChangeRequest], list[ChangeRequestRow]]:
    """The change requests (JW317) of the actor's provider, newest first, a page at a time
    (``policy.can_see_ijw_change_requests``). Only allocation numbers, products, volumes, dates,
    statuses and message identifications: no name, no BSN, no reason, so the list is no access to
    a client file. The number of queries does not grow with the rows."""
    paginator = Paginator(_change_requests_of(actor).order_by("-requested_at", "-id"), CHANGE_REQUESTS_PER_PAGE)
    found = paginator.get_page(page)
    return found, _rows(list(found.object_list))


def ijw_change_request_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> ChangeRequestRow:
    """One change request with its reason (administrative, but free text about one young person):
    reading it is logged (NEN 7513). Raises ``AllocationChangeRequest.DoesNotExist`` outside the
    actor's provider."""
    change = _change_requests_of(actor).get(public_id=public_id)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="ijw.change_request",
        client_ids=[change.allocation.client.public_id],
        access_point=access_point,
    )
    [row] = _rows([change])
    return row


# --- CBS Beleidsinformatie Jeugd (issue 18.6, docs/cbs.md) -------------------------------------------

#: An answer of 4 or 5 (on 1 to 5) to "I/my child got something out of the help" counts as satisfied
#: (the same cut as the indicators, docs/indicators.md).
SATISFIED_FROM = 4


def _cbs_outcome(youth: object, parent: object, professional: object = None) -> tuple[str, str]:
    """(score, type informant): the young person's own answer first, then a parent's, then the professional's."""
    for answer, informant in [
        (youth, cbs.INFORMANT_YOUTH),
        (parent, cbs.INFORMANT_PARENT),
        (professional, cbs.INFORMANT_PROFESSIONAL),
    ]:
        if answer is None:
            continue
        positive = answer if isinstance(answer, bool) else float(str(answer)) >= SATISFIED_FROM
        return (cbs.YES if positive else cbs.NO), informant
    return "", ""


def cbs_records_for(*, provider: Provider, period: str) -> list[cbs.CbsRecord]:
    """One record per jeugdhulptraject of ``provider``'s clients that ran in ``period`` ("YYYY-H1"):
    a trajectory with a module started by the end of the period and not closed before its start,
    per hulpvorm of its modules' product categories (the allocation's product, else the module's;
    protocol 3.3: the modules of one plan and one hulpvorm are one record, from the first start).
    The end date, the CBS end reason (from the JZ588 reason) and outcome only when the trajectory
    closed within the period. One query.

    Carries the BSN: only ``services.cbs_export`` calls this (it validates, writes the file and
    the access log)."""
    first, last = cbs.cbs_period_parse(period)
    runs = (
        ModuleRun.objects.filter(trajectory__client__provider=provider, started_on__lte=last)
        .filter(Q(trajectory__closed_on__isnull=True) | Q(trajectory__closed_on__gte=first))
        .order_by("trajectory_id", "started_on", "sequence")
        .values_list(
            "trajectory_id",
            "trajectory__public_id",
            "trajectory__client__public_id",
            "trajectory__client__bsn",
            "trajectory__client__birth_date",
            "trajectory__municipality__code",
            "trajectory__referrer_kind",
            "trajectory__closed_on",
            "trajectory__end_reason",
            "trajectory__useful_youth",
            "trajectory__useful_parent",
            "trajectory__without_help_youth",
            "trajectory__without_help_parent",
            "trajectory__without_help_professional",
            "allocation__product__ijw_product_category",
            "module__ijw_product_category",
            "started_on",
        )
    )
    grouped: dict[tuple[int, str], list[tuple[object, ...]]] = {}
    for row in runs:
        category = str(row[14] or row[15])
        # one record per young person and hulpvorm (protocol 3.3); a category without one is its own
        # record, which the validation stops (HULPVORM)
        grouped.setdefault((int(str(row[0])), cbs.HULPVORM_BY_CATEGORY.get(category) or f"?{category}"), []).append(row)
    records = []
    for rows in grouped.values():
        (_id, trajectory, client, bsn, birth_date, municipality, referrer, closed_on, end_reason, *answers) = rows[0][
            :14
        ]
        category = str(rows[0][14] or rows[0][15])
        categories = {str(row[14] or row[15]) for row in rows}
        ended = closed_on if isinstance(closed_on, datetime.date) and closed_on <= last else None
        reason = str(end_reason or "") if ended else ""
        satisfied = _cbs_outcome(answers[0], answers[1]) if ended else ("", "")
        without_help = _cbs_outcome(answers[2], answers[3], answers[4]) if ended else ("", "")
        starts = [row[16] for row in rows if isinstance(row[16], datetime.date)]
        records.append(
            cbs.CbsRecord(
                client_public_id=UUID(str(client)),
                aanbieder_agb=provider.agb_code,
                verslagperiode=period,
                bsn=str(bsn or ""),
                geboortedatum=birth_date if isinstance(birth_date, datetime.date) else None,
                geslacht=cbs.GESLACHT_ONBEKEND,
                gemeentecode=str(municipality),
                traject_id=UUID(str(trajectory)),
                verwijzer=VERWIJZER_TYPE.get(str(referrer), ""),
                productcategorie=category,
                hulpvorm=cbs.HULPVORM_BY_CATEGORY.get(category, ""),
                gestart_met_crisis=cbs.YES if categories & cbs.CRISIS_CATEGORIES else cbs.NO,
                datum_aanvang=min(starts) if starts else None,
                datum_einde=ended,
                reden_beeindiging=cbs.reden_for(reason),
                beeindiging_volgens_plan=cbs.volgens_plan_for(reason) if ended else "",
                tevredenheid_nut=satisfied[0],
                tevredenheid_informant=satisfied[1],
                zonder_hulp_verder=without_help[0],
                zonder_hulp_verder_informant=without_help[1],
            )
        )
    return records

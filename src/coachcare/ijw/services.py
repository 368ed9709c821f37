"""Reading and writing iJw message files: ``ijw_import`` and ``ijw_export``.

- Import: the file is validated first with the context from the database; any violation and
  nothing is imported. The same file twice changes nothing (``IncomingMessage.sha256``).
  Everything happens in one transaction.
- Export: the provider's outgoing messages for one municipality and one month, each validated
  before it is written. Identifications come from one counter (TR056); a re-export of the same
  content reuses the identification and dagtekening of the first export (same file again).
  The export writes its NEN 7513 entries (EXPORT ``ijw.export.<JWxxx>``, one per client and message
  kind written) in the same transaction as its records, from the values in hand.
- The money flows one way, contracts → declarations → ijw: ``declarations`` hands over plain values
  (``declarations.selectors.DeclarationValues``, ``CareEventValues``) and takes the JW325 as plain
  per-line values (``declarations.services.AnswerLine``); every iJw message is built here.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import stat
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record_system
from coachcare.clients.models import Client as ClientModel
from coachcare.clients.services import bsn_hash
from coachcare.contracts.models import Allocation as AllocationModel
from coachcare.contracts.models import AllocationChangeRequest, AllocationStatus, ChangeRequestStatus, NumberSequence
from coachcare.contracts.services import (
    allocation_change_request,
    allocation_notices_mark_sent,
    change_request_apply,
)
from coachcare.core.dates import local_date, month_bounds
from coachcare.core.dates import today as local_today
from coachcare.declarations import selectors as declaration_selectors
from coachcare.declarations import services as declaration_services
from coachcare.declarations.selectors import CareEventValues, ClientValues, DeclarationValues
from coachcare.ijw import cbs
from coachcare.ijw import schema as s
from coachcare.ijw.codes import retour_code_for
from coachcare.ijw.messages import (
    AllocatedProduct,
    Allocation,
    AllocationRequest,
    CareStart,
    CareStop,
    ChangedProduct,
    ChangeRequest,
    Client,
    Declaration,
    DeclarationAnswer,
    DeclarationLine,
    Message,
    RequestAnswer,
    RequestedProduct,
    Retour,
    RetourItem,
    StartRecord,
    StopRecord,
    Verwijzer,
    header_for,
    message_name,
)
from coachcare.ijw.models import HeldMessage, IncomingMessage, OutgoingMessage, RetourRecord
from coachcare.ijw.selectors import cbs_records_for, validation_context_from_db
from coachcare.ijw.validation import ValidationContext, Violation, validate
from coachcare.ijw.xml import IjwParseError, parse, render
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider
from coachcare.trajectories import selectors as trajectory_selectors
from coachcare.trajectories.selectors import ReferrerValues

IDENTIFICATION_SEQUENCE = "ijw_identificatie"
IDENTIFICATION_PREFIX = "CC"


class IjwRejected(Exception):
    """The file was not imported (or a message not exported): the violations say why."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(str(v) for v in violations))
        self.violations = violations


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    name: str
    identification: str
    already_imported: bool = False
    notes: list[str] = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _retourcode(codes: list[str]) -> str:
    """The code to keep for a declaration line: the first rejection when there is one, else the first code."""
    rejections = [code for code in codes if code != s.RETOUR_ACCEPTED]
    return (rejections or codes or [""])[0][:4]


def _apply_declaration_answer(message: DeclarationAnswer, result: ImportResult) -> None:
    """JW325: hand the answer to the declarations app as plain per-line values."""
    try:
        applied = declaration_services.declaration_answer_apply(
            declaratienummer=message.declaratienummer,
            lines=[
                declaration_services.AnswerLine(
                    reference=item.referentie,
                    retourcode=_retourcode(item.retourcodes),
                    awarded_cents=int(item.toegekend_bedrag_cents),
                )
                for item in message.lines
            ],
        )
    except ValidationError as error:
        raise IjwRejected([Violation("IMPORT", "/Bericht/Header", "; ".join(error.messages))]) from None
    result.notes.append(f"{applied.lines_updated} declaration line(s) answered")
    if applied.unknown_references:
        result.notes.append(f"{len(applied.unknown_references)} answered line(s) unknown")


def ijw_import(*, data: bytes, context: ValidationContext | None = None) -> ImportResult:
    """Validate and read one incoming message file. Raises ``IjwRejected`` on any violation."""
    digest = _sha256(data)
    existing = IncomingMessage.objects.filter(sha256=digest).first()
    if existing is not None:
        return ImportResult(
            name=s.MESSAGE_BY_CODE.get(existing.berichtcode, existing.berichtcode),
            identification=existing.identification,
            already_imported=True,
        )
    if context is None:
        context = validation_context_from_db(direction="incoming")
    violations = validate(data, context=context)
    if violations:
        raise IjwRejected(violations)
    message = parse(data)
    name = message_name(message)
    if name not in s.FROM_MUNICIPALITY:
        raise IjwRejected([Violation("IMPORT", "/Bericht/Header/BerichtCode", f"{name} is not sent to a provider")])
    result = ImportResult(name=name, identification=message.header.identificatie)
    with transaction.atomic():
        parties_violations = _parties_violations(message)
        if parties_violations:
            raise IjwRejected(parties_violations)
        match message:
            case Allocation():
                _apply_allocation(message, result)
            case RequestAnswer():
                _apply_request_answer(message, result)
            case DeclarationAnswer():
                _apply_declaration_answer(message, result)
            case Retour():
                _apply_retour(message, name, result)
        try:
            with transaction.atomic():
                incoming = IncomingMessage.objects.create(
                    berichtcode=message.header.berichtcode,
                    identification=message.header.identificatie,
                    sender=message.header.afzender,
                    sha256=digest,
                    refers_to=message.referentie if isinstance(message, Retour) else "",
                    retour_codes=message.retourcodes if isinstance(message, Retour) else [],
                )
                if isinstance(message, Retour):
                    _retour_records_create(message, incoming)
        except IntegrityError:
            raise IjwRejected(
                [
                    Violation(
                        "TR056",
                        "/Bericht/Header/BerichtIdentificatie/Identificatie",
                        "a message with this identification was imported before",
                    )
                ]
            ) from None
    return result


def _matching_allocation(message: Allocation, item: AllocatedProduct, path: str) -> AllocationModel:
    found = AllocationModel.objects.filter(toewijzing_nummer=item.toewijzingnummer).first()
    if found is not None:
        return found
    if item.referentie_aanbieder:
        try:
            public_id = uuid.UUID(item.referentie_aanbieder)
        except ValueError:
            public_id = None
        if public_id is not None:
            found = AllocationModel.objects.filter(public_id=public_id).first()
            if found is not None:
                return found
    client = ClientModel.objects.filter(
        bsn_hash=bsn_hash(message.client.bsn), provider__agb_code=message.header.ontvanger
    ).first()
    if client is not None:
        found = (
            AllocationModel.objects.filter(_awaiting_municipality_decision())
            .filter(
                client=client,
                contract__municipality__code=message.header.afzender,
                product__ijw_product_category=item.categorie,
                product__ijw_product_code=item.code,
            )
            # The period: a module started under the mandate is answered by a JW301 whose period
            # holds its start; a plain request has no period of its own yet.
            .filter(Q(start_date__isnull=True) | Q(start_date__gte=item.ingangsdatum, start_date__lte=item.einddatum))
            .order_by("requested_at", "id")
            .first()
        )
        if found is not None:
            return found
    raise IjwRejected([Violation("IMPORT", path, f"no allocation request matches allocation {item.toewijzingnummer}")])


def _awaiting_municipality_decision() -> Q:
    """The allocations a JW301 (or a JW319 rejection) answers when it names no known number: the
    open requests, and the modules started under the mandate that wait for the municipality's number."""
    return Q(status=AllocationStatus.REQUESTED) | Q(
        status=AllocationStatus.APPROVED, via_mandate=True, toewijzing_nummer__isnull=True
    )


def _allocations_matched(message: Allocation) -> list[AllocationModel]:
    """The allocation each ToegewezenProduct of a JW301 is about, in order (``IMPORT`` when one has none)."""
    return [
        _matching_allocation(message, item, f"/Bericht/Client/ToegewezenProducten/ToegewezenProduct[{index}]")
        for index, item in enumerate(message.items, 1)
    ]


# --- who sent it and to whom (rule PARTY) -------------------------------------------------------

PARTY = "PARTY"


def _sent_message(identification: str, path: str, *, codes: Iterable[str] | None = None) -> OutgoingMessage:
    """The outgoing message an incoming one answers (``IMPORT`` when none was sent)."""
    sent = OutgoingMessage.objects.filter(identification=identification)
    if codes is not None:
        sent = sent.filter(berichtcode__in=list(codes))
    found = sent.first()
    if found is None:
        raise IjwRejected([Violation("IMPORT", path, f"no message {identification} was sent")])
    return found


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    result = []
    for value in values:
        try:
            result.append(uuid.UUID(value))
        except ValueError:
            continue
    return result


def _outgoing_parties(sent: OutgoingMessage) -> set[tuple[str, str | None]]:
    """(municipality code, provider AGB) of the contracts behind an outgoing message's allocations.

    The keys recorded with the message say which: allocation ids (JW315), change request ids
    (JW317) or allocation numbers (JW305, JW307, JW323). When none can be found any more, the
    provider is unknown (``None``) and cannot match.
    """
    keys = sent.toewijzing_nummers
    parties: set[tuple[str, str | None]]
    if sent.berichtcode == s.BERICHTCODES["JW315"]:
        parties = set(
            AllocationModel.objects.filter(public_id__in=_uuids(keys)).values_list(
                "contract__municipality__code", "contract__provider__agb_code"
            )
        )
    elif sent.berichtcode == s.BERICHTCODES["JW317"]:
        parties = set(
            AllocationChangeRequest.objects.filter(public_id__in=_uuids(keys)).values_list(
                "allocation__contract__municipality__code", "allocation__contract__provider__agb_code"
            )
        )
    else:
        parties = set(
            AllocationModel.objects.filter(toewijzing_nummer__in=keys).values_list(
                "contract__municipality__code", "contract__provider__agb_code"
            )
        )
    return parties or {(sent.municipality_code, None)}


def _declaration_parties(number: str) -> set[tuple[str, str | None]]:
    """(municipality code, provider AGB) of declaration ``number``; ``IMPORT`` when none was sent."""
    parties: set[tuple[str, str | None]] = set(declaration_selectors.declaration_parties(declaratienummer=number))
    if not parties:
        raise IjwRejected(
            [Violation("IMPORT", "/Bericht/Header/DeclaratieFactuurNummer", f"no declaration {number} was sent")]
        )
    return parties


def _parties_violations(message: Message) -> list[Violation]:
    """An incoming message must come from the municipality and be addressed to the provider of the
    contract of everything it touches: the allocations of a JW301, the request a JW319 answers, the
    declaration a JW325 answers, the message a retour answers. One line per mismatch (``PARTY``);
    nothing the message points at at all is ``IMPORT``.
    """
    header = message.header
    touched: list[tuple[str, set[tuple[str, str | None]]]] = []
    match message:
        case Allocation():
            for item, allocation in zip(message.items, _allocations_matched(message), strict=True):
                # an allocation is always under a municipality's contract (never a regional one itself)
                assert allocation.contract.municipality is not None
                pair: tuple[str, str | None] = (
                    allocation.contract.municipality.code,
                    allocation.contract.provider.agb_code,
                )
                touched.append((f"allocation {item.toewijzingnummer}", {pair}))
        case RequestAnswer():
            codes = [s.BERICHTCODES["JW315"], s.BERICHTCODES["JW317"]]
            sent = _sent_message(message.referentie, "/Bericht/Antwoord/Referentie", codes=codes)
            touched.append((f"the request {sent.identification}", _outgoing_parties(sent)))
        case DeclarationAnswer():
            touched.append((f"declaration {message.declaratienummer}", _declaration_parties(message.declaratienummer)))
        case Retour():
            sent = _sent_message(message.referentie, "/Bericht/Header/BerichtIdentificatie/Identificatie")
            touched.append((f"the message {sent.identification}", _outgoing_parties(sent)))
    violations: list[Violation] = []
    for what, parties in touched:
        for municipality, provider in sorted(parties, key=str):
            if municipality != header.afzender:
                violations.append(
                    Violation(
                        PARTY,
                        "/Bericht/Header/Afzender",
                        f"{what} is not under a contract of municipality {header.afzender}",
                    )
                )
            if provider != header.ontvanger:
                violations.append(
                    Violation(PARTY, "/Bericht/Header/Ontvanger", f"{what} is not of provider {header.ontvanger}")
                )
    return list(dict.fromkeys(violations))


def _retour_answered(message: Retour, name: str) -> OutgoingMessage:
    """The message a retour answers: sent by us, of the kind this retour answers (``IMPORT`` else)."""
    sent = _sent_message(
        message.referentie,
        "/Bericht/Header/BerichtIdentificatie/Identificatie",
        codes=[s.BERICHTCODES[s.RETOUR_FOR[name]]],
    )
    return sent


def _apply_retour(message: Retour, name: str, result: ImportResult) -> None:
    """JW306/308/316/318: every record named must be one of the message answered (``IMPORT`` else)."""
    sent = _retour_answered(message, name)
    answered = s.RETOUR_FOR[name]
    known = set(sent.toewijzing_nummers)
    for index, item in enumerate(message.items, 1):
        if item.sleutel not in known:
            container, element = s.ITEMS[answered]
            raise IjwRejected(
                [
                    Violation(
                        "IMPORT",
                        f"/Bericht/{container}/{element}[{index}]/{s.RETOUR_ITEM_KEY[answered]}",
                        f"the record {item.sleutel} is not in the message {sent.identification}",
                    )
                ]
            )
    refused = [item.sleutel for item in message.items if not _codes_accepted(item.retourcodes)]
    if not _codes_accepted(message.retourcodes):
        result.notes.append(f"{answered} {sent.identification} refused: {', '.join(message.retourcodes)}")
    elif refused:
        result.notes.append(f"{answered} {sent.identification}: {len(refused)} record(s) refused")
    else:
        result.notes.append(f"{answered} {sent.identification} accepted")


def _codes_accepted(codes: list[str]) -> bool:
    return all(code == s.RETOUR_ACCEPTED for code in codes)


def _retour_records_create(message: Retour, incoming: IncomingMessage) -> None:
    """One ``RetourRecord`` for the header and one per record: accepted or refused, with the codes."""
    sent = _retour_answered(message, s.MESSAGE_BY_CODE[message.header.berichtcode])
    common = {
        "incoming": incoming,
        "answered_berichtcode": sent.berichtcode,
        "answered_identification": sent.identification,
        "municipality_code": message.header.afzender,
        "provider_agb": message.header.ontvanger,
    }
    RetourRecord.objects.create(
        **common, record_key="", retour_codes=message.retourcodes, accepted=_codes_accepted(message.retourcodes)
    )
    RetourRecord.objects.bulk_create(
        RetourRecord(
            **common,
            record_key=item.sleutel,
            retour_codes=item.retourcodes,
            accepted=_codes_accepted(item.retourcodes),
        )
        for item in message.items
    )


def _apply_allocation(message: Allocation, result: ImportResult) -> None:
    """JW301: every allocated product updates its allocation (status, number, period, volume)."""
    now = timezone.now()
    for index, (item, allocation) in enumerate(zip(message.items, _allocations_matched(message), strict=True), 1):
        path = f"/Bericht/Client/ToegewezenProducten/ToegewezenProduct[{index}]"
        if allocation.client.bsn != message.client.bsn:
            raise IjwRejected([Violation("TR332", path, "the allocation belongs to another client")])
        if item.eenheid != allocation.product.unit:
            raise IjwRejected(
                [
                    Violation(
                        "TR339",
                        f"{path}/Omvang/Eenheid",
                        f"unit {item.eenheid} differs from the contract product's unit {allocation.product.unit}",
                    )
                ]
            )
        if item.volume < allocation.volume_used:
            raise IjwRejected([Violation("IMPORT", path, f"the volume {item.volume} is less than already used")])
        deleted = item.reden_wijziging == s.REDEN_VERWIJDERD
        allocation.status = AllocationStatus.DELETED if deleted else AllocationStatus.APPROVED
        allocation.toewijzing_nummer = item.toewijzingnummer
        allocation.start_date = item.ingangsdatum
        allocation.end_date = item.einddatum
        allocation.volume = item.volume
        allocation.budget_cents = item.budget_cents
        allocation.decided_at = allocation.decided_at or now
        allocation.save(
            update_fields=[
                "status",
                "toewijzing_nummer",
                "start_date",
                "end_date",
                "volume",
                "budget_cents",
                "decided_at",
            ]
        )
        result.notes.append(f"allocation {item.toewijzingnummer}: {allocation.status}")


def _apply_request_answer(message: RequestAnswer, result: ImportResult) -> None:
    """JW319: a rejection marks the requested allocations of that JW315 rejected; a grant waits for JW301."""
    codes = [s.BERICHTCODES["JW315"], s.BERICHTCODES["JW317"]]
    sent = _sent_message(message.referentie, "/Bericht/Antwoord/Referentie", codes=codes)
    if sent.berichtcode == s.BERICHTCODES["JW317"]:
        _apply_change_answer(message, sent.toewijzing_nummers, result)
        return
    if message.verzoek_antwoord == "2":
        public_ids = [uuid.UUID(value) for value in sent.toewijzing_nummers]
        count = AllocationModel.objects.filter(_awaiting_municipality_decision(), public_id__in=public_ids).update(
            status=AllocationStatus.REJECTED,
            rejection_reason=f"JW319: {message.reden_afwijzing or ''}".strip(),
            decided_at=timezone.now(),
        )
        result.notes.append(f"{count} requested allocation(s) rejected")
    else:
        result.notes.append("request granted: the JW301 follows")


def _apply_change_answer(message: RequestAnswer, public_ids: list[str], result: ImportResult) -> None:
    """JW319 answering a JW317: the change requests still open are granted or rejected."""
    approve = message.verzoek_antwoord == "1"
    changes = AllocationChangeRequest.objects.filter(
        public_id__in=_uuids(public_ids), status=ChangeRequestStatus.REQUESTED
    ).select_related("allocation")
    count = 0
    for change in changes:
        try:
            change_request_apply(change=change, approve=approve)
        except ValidationError as error:
            raise IjwRejected([Violation("IMPORT", "/Bericht/Antwoord", "; ".join(error.messages))]) from None
        count += 1
    result.notes.append(f"{count} change request(s) {'granted' if approve else 'rejected'}")


# --- export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """An outgoing message not written: its kind, the clients it is about (public ids) and why."""

    name: str
    client_public_ids: list[str]
    violations: list[Violation]


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: messages that broke a rule: not written, kept in ``HeldMessage`` (the worklist).
    held: list[Held] = field(default_factory=list)


def identification_next() -> str:
    """The next message identification ("CC0000000001"), unique for this sender (TR056)."""
    with transaction.atomic():
        sequence, _created = NumberSequence.objects.select_for_update().get_or_create(name=IDENTIFICATION_SEQUENCE)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
    return f"{IDENTIFICATION_PREFIX}{sequence.last_value:010d}"


def _client_block(client: ClientModel | ClientValues) -> Client:
    """Only administrative data: BSN (OP079), date of birth, name. Never clinical content."""
    return Client(
        bsn=client.bsn,
        geboortedatum=client.birth_date,
        geslacht="0",
        achternaam=client.family_name,
        voornamen=client.given_name,
    )


def _placeholder_header(name: str, provider_agb: str, municipality: Municipality) -> Any:
    return header_for(
        name,
        afzender=provider_agb,
        ontvanger=municipality.code,
        identificatie="",
        dagtekening=datetime.date(2000, 1, 1),
    )


#: An outgoing message built from the values in hand: the message, the keys it is recorded under
#: (``OutgoingMessage.toewijzing_nummers``) and the public ids of the clients it carries (access log).
Produced = tuple[Message, list[str], set[UUID]]


def _verwijzer(referrer: ReferrerValues | None) -> Verwijzer:
    """The JW315 Verwijzer from the trajectory's referrer. A client without a trajectory has no
    referrer: the type stays empty, so the message is held (JZ021) until one is recorded."""
    if referrer is None:
        return Verwijzer(type="")
    return Verwijzer(type=s.VERWIJZER_TYPE.get(referrer.kind, ""), naam=referrer.name)


def _requests(municipality: Municipality, first: datetime.date, last: datetime.date) -> Iterable[Produced]:
    allocations = (
        AllocationModel.objects.filter(
            contract__municipality=municipality,
            requested_at__date__gte=first,
            requested_at__date__lte=last,
        )
        .exclude(status=AllocationStatus.DELETED)
        .select_related("client", "product", "contract__provider")
        .order_by("client_id", "requested_at", "id")
    )
    grouped: dict[tuple[int, int], list[AllocationModel]] = {}
    for allocation in allocations:
        grouped.setdefault((allocation.contract.provider_id, allocation.client_id), []).append(allocation)
    referrers = trajectory_selectors.referrers_of(client_ids={client_id for _provider_id, client_id in grouped})
    for group in grouped.values():
        provider = group[0].contract.provider
        verwijzer = _verwijzer(referrers.get(group[0].client_id))
        items = [
            RequestedProduct(
                referentie_aanbieder=str(a.public_id),
                categorie=a.product.ijw_product_category,
                code=a.product.ijw_product_code,
                ingangsdatum=a.start_date or local_date(a.requested_at),
                einddatum=a.end_date,
                volume=a.volume,
                verwijzer=verwijzer,
                eenheid=a.product.unit,
                frequentie=a.product.frequency,
            )
            for a in group
        ]
        message = AllocationRequest(
            header=_placeholder_header("JW315", provider.agb_code, municipality),
            client=_client_block(group[0].client),
            items=items,
        )
        yield message, [str(a.public_id) for a in group], {group[0].client.public_id}


def _care_events(
    municipality: Municipality, first: datetime.date, last: datetime.date
) -> tuple[list[CareEventValues], list[CareEventValues]]:
    """The starts and stops of care of the month, as the declarations app derives them (one place)."""
    declaration_services.care_events_sync(on=last)
    return declaration_selectors.care_events_in_period(municipality=municipality, first=first, last=last)


def _grouped(events: list[CareEventValues]) -> list[list[CareEventValues]]:
    """One group per provider and client, in the order of their first event."""
    grouped: dict[tuple[int, int], list[CareEventValues]] = {}
    for event in events:
        grouped.setdefault((event.provider_id, event.client_id), []).append(event)
    return list(grouped.values())


def _starts(municipality: Municipality, starts: list[CareEventValues]) -> Iterable[Produced]:
    """JW305: one message per provider and client for the care starts begun in the month."""
    for group in _grouped(starts):
        items = [
            StartRecord(
                toewijzingnummer=start.toewijzing_nummer,
                categorie=start.product_category,
                code=start.product_code,
                begindatum=start.begindatum,
            )
            for start in group
        ]
        message = CareStart(
            header=_placeholder_header("JW305", group[0].provider_agb, municipality),
            client=_client_block(group[0].client),
            items=items,
        )
        yield message, _event_keys(items, group), {group[0].client.public_id}


def _event_keys(items: Sequence[StartRecord | StopRecord], group: list[CareEventValues]) -> list[str]:
    """The keys an outgoing JW305/JW307 is traced by: its allocation numbers; task-based care has
    none, so its product and start date (with the client's public id) stand in."""
    return [
        item.toewijzingnummer or f"{event.client.public_id}:{item.categorie}{item.code}:{item.begindatum.isoformat()}"
        for item, event in zip(items, group, strict=True)
    ]


def _stops(municipality: Municipality, stops: list[CareEventValues]) -> Iterable[Produced]:
    """JW307: one message per provider and client for the care stops of the month, with their JZ588 reason."""
    for group in _grouped(stops):
        items = []
        for stop in group:
            assert stop.einddatum is not None  # a stop always has its end date
            items.append(
                StopRecord(
                    toewijzingnummer=stop.toewijzing_nummer,
                    categorie=stop.product_category,
                    code=stop.product_code,
                    begindatum=stop.begindatum,
                    einddatum=stop.einddatum,
                    reden_beeindiging=stop.reden,
                )
            )
        message = CareStop(
            header=_placeholder_header("JW307", group[0].provider_agb, municipality),
            client=_client_block(group[0].client),
            items=items,
        )
        yield message, _event_keys(items, group), {group[0].client.public_id}


def _changes(municipality: Municipality, first: datetime.date, last: datetime.date) -> Iterable[Produced]:
    """JW317: one message per change request asked in the month (whatever its decision since).

    The item shows the allocation as asked: the requested volume and/or end date, the rest as it
    was when the change was asked (so a re-export after the decision writes the same file).
    """
    changes = (
        AllocationChangeRequest.objects.filter(
            allocation__contract__municipality=municipality,
            allocation__toewijzing_nummer__isnull=False,
            requested_at__date__gte=first,
            requested_at__date__lte=last,
        )
        .select_related(
            "allocation__client",
            "allocation__product",
            "allocation__contract__provider",
            "allocation__contract__municipality",
        )
        .order_by("requested_at", "id")
    )
    for change in changes:
        message = change_request_message_build(change=change)
        yield message, [str(change.public_id)], {change.allocation.client.public_id}


def change_request_message_build(*, change: AllocationChangeRequest) -> ChangeRequest:
    """The JW317 for one change request (identification and dagtekening are set by the export).

    The item shows the allocation as asked: the requested volume and/or end date, the rest as it
    was when the change was asked (so a re-export after the decision writes the same file).
    """
    allocation = change.allocation
    if allocation.toewijzing_nummer is None or allocation.start_date is None:
        raise ValidationError(_("A change can only be asked for an allocation the municipality numbered."))
    item = ChangedProduct(
        referentie_aanbieder=str(change.public_id),
        toewijzingnummer=allocation.toewijzing_nummer,
        categorie=allocation.product.ijw_product_category,
        code=allocation.product.ijw_product_code,
        ingangsdatum=allocation.start_date,
        einddatum=change.end_date or change.end_date_before,
        volume=change.volume or change.volume_before,
        eenheid=allocation.product.unit,
        frequentie=allocation.product.frequency,
    )
    assert allocation.contract.municipality is not None  # a municipality's contract, never a regional one itself
    return ChangeRequest(
        header=_placeholder_header("JW317", allocation.contract.provider.agb_code, allocation.contract.municipality),
        client=_client_block(allocation.client),
        items=[item],
    )


def ijw_change_request_ask(
    *,
    actor: User,
    toewijzing_nummer: str,
    volume: int | None = None,
    end_date: datetime.date | None = None,
    reason: str,
    access_point: AccessPoint,
) -> AllocationChangeRequest:
    """The provider's administration asks to change an allocation, named by its number (JW317).

    Only an allocation of the actor's own provider is found; the checks and the record are
    ``contracts.services.allocation_change_request`` (the client's coach or team lead, an approved
    allocation, at least one change, an administrative reason). The next ``ijw_export`` of the
    month writes its JW317.
    """
    number = toewijzing_nummer.strip()
    allocation = (
        AllocationModel.objects.filter(toewijzing_nummer=number, contract__provider_id=actor.provider_id)
        .select_related("client")
        .first()
        if actor.provider_id is not None and number
        else None
    )
    if allocation is None:
        raise ValidationError({"toewijzing_nummer": [_("No allocation of your organisation has this number.")]})
    return allocation_change_request(
        actor=actor,
        allocation=allocation,
        volume=volume,
        end_date=end_date,
        reason=reason,
        access_point=access_point,
    )


def declaration_message_build(*, declaration: DeclarationValues, on: datetime.date) -> Declaration:
    """JW323 from the declarations app's values: BSN, allocation number, product, dates, volume, amounts."""
    return Declaration(
        header=header_for(
            "JW323",
            afzender=declaration.provider_agb,
            ontvanger=declaration.municipality_code,
            identificatie=declaration.declaratienummer,
            dagtekening=on,
        ),
        declaratienummer=declaration.declaratienummer,
        periode_begin=declaration.period_start,
        periode_eind=declaration.period_end,
        totaal_bedrag_cents=declaration.total_cents,
        lines=[
            DeclarationLine(
                referentie=line.reference,
                bsn=line.bsn,
                toewijzingnummer=line.toewijzing_nummer,
                categorie=line.product_category,
                code=line.product_code,
                begindatum=line.begindatum,
                einddatum=line.einddatum,
                geleverd_volume=line.volume,
                eenheid=line.unit,
                product_tarief_cents=line.tariff_cents,
                ingediend_bedrag_cents=line.amount_cents,
            )
            for line in declaration.lines
        ],
    )


def declaration_messages_for(*, municipality: Municipality, period: str, on: datetime.date) -> list[Declaration]:
    """The JW323 messages of ``municipality``'s declarations for ``period`` that are not answered yet."""
    values = declaration_selectors.declaration_values_for(municipality=municipality, period=period)
    return [declaration_message_build(declaration=declaration, on=on) for declaration in values]


def _declarations(
    municipality: Municipality, period: str, on: datetime.date, line_clients: dict[str, UUID]
) -> Iterable[Produced]:
    """JW323: one per declaration of the month not answered yet; ``line_clients`` gets the client
    (public id) of every line, by its reference."""
    for declaration in declaration_selectors.declaration_values_for(municipality=municipality, period=period):
        line_clients.update((line.reference, line.client_public_id) for line in declaration.lines)
        message = declaration_message_build(declaration=declaration, on=on)
        yield message, _numbers_of(message), {line.client_public_id for line in declaration.lines}


def _content_key(message: Message) -> str:
    neutral = replace(message, header=replace(message.header, identificatie="X", dagtekening=datetime.date(2000, 1, 1)))
    return _sha256(render(neutral))


def _numbers_of(message: Message) -> list[str]:
    if isinstance(message, Declaration):
        return sorted({line.toewijzingnummer for line in message.lines})
    return []


#: The files carry BSNs: only the user who runs the export may read them (security.md, iJw files).
PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _private_directory(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700; an existing one is made 0700 too."""
    path.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != PRIVATE_DIRECTORY_MODE:
        path.chmod(PRIVATE_DIRECTORY_MODE)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as 0600 from the first byte on, also when the file exists (a re-export)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(data)


def _held_client_ids(message: Message) -> list[str]:
    """The public ids of the clients a held message is about (never the BSN)."""
    if isinstance(message, Declaration):
        bsns = {line.bsn for line in message.lines}
    elif isinstance(message, AllocationRequest | CareStart | CareStop | ChangeRequest):
        bsns = {message.client.bsn}
    else:
        return []
    hashes = set()
    for bsn in bsns:
        try:
            hashes.add(bsn_hash(bsn))
        except ValidationError:
            continue
    found = ClientModel.objects.filter(bsn_hash__in=hashes, provider__agb_code=message.header.afzender)
    return sorted(str(public_id) for public_id in found.values_list("public_id", flat=True))


def _subject_key(name: str, municipality: Municipality, period: str, message: Message, keys: list[str]) -> str:
    """What a message is about, without its content: the same message held twice is one row."""
    about = [message.declaratienummer] if isinstance(message, Declaration) else sorted(keys)
    return _sha256("|".join([name, municipality.code, period, message.header.afzender, *about]).encode())


def ijw_export(
    *,
    municipality: Municipality,
    period: str,
    out_dir: Path,
    access_point: AccessPoint,
    today: datetime.date | None = None,
) -> ExportResult:
    """Write the outgoing messages for ``municipality`` and month ``period`` ("YYYY-MM") to ``out_dir``.

    Order: JW315, JW305, JW307, JW317 (one per change request asked in the month), JW323. Every
    message is validated on its own before it is written: a message that breaks a rule is held
    (``HeldMessage``, in ``result.held``; no identification used, nothing recorded) and every
    other message is written. A JW307 whose JW305 is held is held too (OP072). The held messages
    of the month are replaced by this run's: a message fixed since is written and leaves the
    worklist. Files: ``<berichtcode>_<identificatie>.xml``.

    A JW323 is held per client, not as a whole (issue 18.5): when only some of its lines break a
    rule, the lines of those clients move to a new draft declaration of the same month
    (``declarations.services.declaration_split``), each of those clients gets its own held row with
    the rule codes of its lines, and the valid lines are written in a JW323 that passes the rules.
    The next export validates the split-off declaration again and writes it once it is fixed; a
    line is moved, never copied, so nothing is declared twice.

    NEN 7513: one EXPORT entry ``ijw.export.<JWxxx>`` per client and kind of message written (a
    re-export is an export too), in the same transaction as the records, from the clients of the
    messages in hand (``access_point``: who ran it, e.g. ``AccessPoint.system("ijw_export")``).
    The files are written after the commit; then the declarations written become submitted.
    """
    first, last = month_bounds(period)
    on = today or local_today()
    result = ExportResult()
    context = validation_context_from_db(direction="outgoing", municipality_code=municipality.code, today=on)
    started = set(context.started)
    starts, stops = _care_events(municipality, first, last)
    line_clients: dict[str, UUID] = {}
    produced: list[Produced] = [
        *_requests(municipality, first, last),
        *_starts(municipality, starts),
        *_stops(municipality, stops),
        *_changes(municipality, first, last),
        *_declarations(municipality, period, on, line_clients),
    ]
    exported: dict[str, set[UUID]] = {}
    _private_directory(out_dir)
    writes: list[tuple[Path, bytes]] = []
    written: list[Message] = []
    now = timezone.now()
    with transaction.atomic():
        earlier_held = dict(
            HeldMessage.objects.filter(municipality_code=municipality.code, period=period).values_list(
                "subject_key", "first_held_at"
            )
        )
        HeldMessage.objects.filter(municipality_code=municipality.code, period=period).delete()
        holds: dict[str, tuple[Message, Held]] = {}
        for message, keys, client_ids in produced:
            name = message_name(message)
            check = replace(context, started=frozenset(started))
            try:
                with transaction.atomic():  # a held message uses no identification
                    final, data, identification, split_off = _export_one(
                        message, keys, check, municipality, period, on, line_clients
                    )
            except IjwRejected as rejected:
                for held, subject in _held_items(
                    name, municipality, period, message, keys, rejected.violations, line_clients
                ):
                    _hold_add(holds, subject, message, held)
                continue
            for held, subject in split_off:
                _hold_add(holds, subject, message, held)
            if isinstance(final, Declaration):
                client_ids = {line_clients[line.referentie] for line in final.lines}
            if name == "JW305":
                started.update(keys)
            if name == "JW315":
                allocation_notices_mark_sent(allocation_public_ids=keys)
            written.append(final)
            exported.setdefault(name, set()).update(client_ids)
            writes.append((out_dir / f"{final.header.berichtcode}_{identification}.xml", data))
        for subject, (message, held) in holds.items():
            HeldMessage.objects.create(
                subject_key=subject,
                berichtcode=message.header.berichtcode,
                municipality_code=municipality.code,
                provider_agb=message.header.afzender,
                period=period,
                client_public_ids=held.client_public_ids,
                violations=[[v.rule, v.path] for v in held.violations],
                first_held_at=earlier_held.get(subject, now),
                held_at=now,
            )
            result.held.append(held)
        for name, exported_ids in sorted(exported.items()):
            access_log_record_system(
                event=Event.EXPORT,
                action=f"ijw.export.{name}",
                client_ids=sorted(exported_ids),
                access_point=access_point,
            )
    for path, data in writes:
        _write_private(path, data)
        result.files.append(path)
    numbers = [message.declaratienummer for message in written if isinstance(message, Declaration)]
    if numbers:
        declaration_services.declarations_submit(declaratienummers=numbers)
    return result


def _hold_add(holds: dict[str, tuple[Message, Held]], subject: str, message: Message, held: Held) -> None:
    """Keep ``held`` under ``subject``; the same subject held twice in one run (a client in two
    declarations of the month) is one row with the violations of both."""
    if subject in holds:
        _earlier_message, earlier = holds[subject]
        held = replace(earlier, violations=list(dict.fromkeys([*earlier.violations, *held.violations])))
    holds[subject] = (message, held)


def _export_one(
    message: Message,
    keys: list[str],
    check: ValidationContext,
    municipality: Municipality,
    period: str,
    on: datetime.date,
    line_clients: dict[str, UUID],
) -> tuple[Message, bytes, str, list[tuple[Held, str]]]:
    """Validate ``message`` and record it as sent (``OutgoingMessage``); raise ``IjwRejected`` when
    it is held. A JW323 whose faulty lines can be split off (``_declaration_split``) is written
    without them: the held clients come back as the last item. Runs inside a savepoint."""
    final, data, identification, known = _identified(message, check, on)
    violations = validate(data, context=_own_identification_allowed(check, identification))
    split_off: list[tuple[Held, str]] = []
    if violations and isinstance(final, Declaration):
        final, data, identification, known, split_off = _declaration_split(final, violations, check, on, line_clients)
        violations = []
    if violations:
        raise IjwRejected(violations)
    if not known:
        OutgoingMessage.objects.create(
            berichtcode=final.header.berichtcode,
            identification=identification,
            dagtekening=final.header.dagtekening,
            municipality_code=municipality.code,
            period=period,
            content_key=_content_key(final),
            sha256=_sha256(data),
            toewijzing_nummers=keys if not isinstance(final, Declaration) else _numbers_of(final),
        )
    if split_off:
        split_off = [
            (held, _client_subject_key("JW323", municipality, period, final.header.afzender, held))
            for held, _subject in split_off
        ]
    return final, data, identification, split_off


def _identified(message: Message, check: ValidationContext, on: datetime.date) -> tuple[Message, bytes, str, bool]:
    """The message with its identification and dagtekening: those of the first export when the same
    content was written before (a re-export writes the same file; the last item says so), else the
    next of the counter."""
    earlier = OutgoingMessage.objects.filter(content_key=_content_key(message)).first()
    if earlier is not None:
        identification, dagtekening = earlier.identification, earlier.dagtekening
    else:
        identification, dagtekening = identification_next(), on
    final = replace(message, header=replace(message.header, identificatie=identification, dagtekening=dagtekening))
    return final, render(final), identification, earlier is not None


def _own_identification_allowed(check: ValidationContext, identification: str) -> ValidationContext:
    return replace(check, seen_identifications=check.seen_identifications - {identification})


#: Where a JW323 line's violations are (``validation._check_declaration``): a line by its index, the
#: volume and budget per allocation number over all lines.
_LINE_PATH = re.compile(r"^/Bericht/Clienten/Client/Prestaties/Prestatie\[(\d+)\](?:/|$)")
_ALLOCATION_PATH = re.compile(r"^/Bericht/Clienten/Client/Prestaties \(ToewijzingNummer (.+)\)$")


def _violations_per_line(
    message: Declaration, violations: list[Violation]
) -> tuple[dict[int, list[Violation]], list[Violation]]:
    """The violations of each line (by its 0-based index) and the rest (header, file, structure)."""
    per_line: dict[int, list[Violation]] = {}
    rest: list[Violation] = []
    for violation in violations:
        line = _LINE_PATH.match(violation.path)
        allocation = _ALLOCATION_PATH.match(violation.path)
        if line is not None and 1 <= int(line.group(1)) <= len(message.lines):
            per_line.setdefault(int(line.group(1)) - 1, []).append(violation)
        elif allocation is not None:
            indexes = [i for i, item in enumerate(message.lines) if item.toewijzingnummer == allocation.group(1)]
            for index in indexes:
                per_line.setdefault(index, []).append(violation)
            if not indexes:
                rest.append(violation)
        else:
            rest.append(violation)
    return per_line, rest


def _declaration_split(
    message: Declaration,
    violations: list[Violation],
    check: ValidationContext,
    on: datetime.date,
    line_clients: dict[str, UUID],
) -> tuple[Declaration, bytes, str, bool, list[tuple[Held, str]]]:
    """The JW323 without the clients whose lines break a rule, when that is possible: every violation
    is in a line (none in the header or the file), some client has valid lines only, the rest passes
    the rules and the declaration is still a draft. The faulty clients' lines move to a new draft
    declaration (``declaration_split``); each of them is held with its lines' violations. Raises
    ``IjwRejected`` (the whole message held) otherwise. A changed identification comes from the
    counter (the reduced content is new)."""
    per_line, rest = _violations_per_line(message, violations)
    client_of = _line_client(line_clients)
    faulty = {client_of(message.lines[index]) for index in per_line}
    kept = [line for line in message.lines if client_of(line) not in faulty]
    if rest or not kept:
        raise IjwRejected(violations)
    total = sum(line.ingediend_bedrag_cents for line in kept)
    reduced = replace(message, lines=kept, totaal_bedrag_cents=abs(total), debet_credit="C" if total < 0 else "D")
    final, data, identification, known = _identified(reduced, check, on)
    if validate(data, context=_own_identification_allowed(check, identification)):
        raise IjwRejected(violations)
    moved = [line.referentie for line in message.lines if client_of(line) in faulty]
    try:
        declaration_services.declaration_split(declaratienummer=message.declaratienummer, references=moved)
    except ValidationError:
        raise IjwRejected(violations) from None
    held: list[tuple[Held, str]] = []
    for client in sorted(faulty):
        own = _violations_of(client, message, per_line, client_of)
        held.append((Held(name="JW323", client_public_ids=[client], violations=own), ""))
    assert isinstance(final, Declaration)
    return final, data, identification, known, held


def _held_items(
    name: str,
    municipality: Municipality,
    period: str,
    message: Message,
    keys: list[str],
    violations: list[Violation],
    line_clients: dict[str, UUID],
) -> list[tuple[Held, str]]:
    """What a held message puts on the worklist: one item per message, a JW323 one per client (the
    violations of its own lines and those of the header; a client without either is held with the
    message's violations)."""
    if not isinstance(message, Declaration):
        held = Held(name=name, client_public_ids=_held_client_ids(message), violations=violations)
        return [(held, _subject_key(name, municipality, period, message, keys))]
    per_line, rest = _violations_per_line(message, violations)
    client_of = _line_client(line_clients)
    items = []
    for client in sorted({client_of(line) for line in message.lines}):
        own = _violations_of(client, message, per_line, client_of)
        held = Held(name=name, client_public_ids=[client], violations=[*rest, *own] or violations)
        items.append((held, _client_subject_key(name, municipality, period, message.header.afzender, held)))
    if not items:  # a declaration without lines: held as a whole
        held = Held(name=name, client_public_ids=[], violations=violations)
        items.append((held, _subject_key(name, municipality, period, message, keys)))
    return items


def _line_client(line_clients: dict[str, UUID]) -> Callable[[DeclarationLine], str]:
    """The public id of a JW323 line's client (by the line's reference), never its BSN."""
    return lambda line: str(line_clients.get(line.referentie, ""))


def _client_subject_key(name: str, municipality: Municipality, period: str, provider_agb: str, held: Held) -> str:
    """A JW323 is held per client: the same client held again in the month (also after its lines
    moved to a split-off declaration with another number) is the same row."""
    about = [name, municipality.code, period, provider_agb, "client", *held.client_public_ids]
    return _sha256("|".join(about).encode())


def _violations_of(
    client: str,
    message: Declaration,
    per_line: dict[int, list[Violation]],
    client_of: Callable[[DeclarationLine], str],
) -> list[Violation]:
    """The violations of ``client``'s lines, in the order of the lines."""
    return [v for index, found in sorted(per_line.items()) if client_of(message.lines[index]) == client for v in found]


# --- replies: JW302 on a JW301, JW320 on a JW319 ----------------------------------------------------

#: The incoming messages the provider answers with a retour of its own (``codes.RETOUR_OF``).
REPLIED: frozenset[str] = frozenset({"JW301", "JW319"})


def _in_item(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(f"{prefix}/")


def _reply_for(message: Message, violations: list[Violation], *, identification: str, on: datetime.date) -> Retour:
    """The retour on ``message``: per record the codes of its violations (``"0200"`` when none), the
    rest (header, client, the file as a whole) in the header."""
    name = message_name(message)
    items: list[RetourItem] = []
    placed: set[Violation] = set()
    if isinstance(message, Allocation):
        for index, product in enumerate(message.items, 1):
            prefix = f"/Bericht/Client/ToegewezenProducten/ToegewezenProduct[{index}]"
            mine = [v for v in violations if _in_item(v.path, prefix)]
            placed.update(mine)
            items.append(
                RetourItem(
                    sleutel=product.toewijzingnummer,
                    retourcodes=list(dict.fromkeys(retour_code_for(v.rule) for v in mine)) or [s.RETOUR_ACCEPTED],
                )
            )
    header_codes = list(dict.fromkeys(retour_code_for(v.rule) for v in violations if v not in placed))
    return Retour(
        header=header_for(
            s.RETOUR_OF[name],
            afzender=message.header.ontvanger,
            ontvanger=message.header.afzender,
            identificatie=identification,
            dagtekening=on,
        ),
        referentie=message.header.identificatie,
        retourcodes=header_codes or [s.RETOUR_ACCEPTED],
        items=items,
    )


def ijw_reply_write(
    *, data: bytes, violations: list[Violation], out_dir: Path, today: datetime.date | None = None
) -> Path | None:
    """Write the provider's retour on an incoming JW301 (JW302) or JW319 (JW320) to ``out_dir``.

    ``violations`` are what the import found (empty: imported): each becomes the retour code of
    the record it is in, or of the header (``codes.retour_code_for``). ``None`` when the message
    is not answered this way (another kind, or no header to answer: the file cannot be read).
    Like the export: a new identification from the counter (TR056), recorded as an
    ``OutgoingMessage``; the same answer again reuses it (same file). Validated before it is
    written (``IjwRejected`` when the reply itself breaks a rule, e.g. a sender that is no
    municipality code); written 0600 in a 0700 directory. It carries no BSN or name.
    """
    try:
        message = parse(data)
        name = message_name(message)
    except (IjwParseError, ValueError):
        return None
    if name not in REPLIED:
        return None
    on = today or local_today()
    reply = _reply_for(message, violations, identification="", on=on)
    key = _content_key(reply)
    municipality_code = reply.header.ontvanger
    with transaction.atomic():
        earlier = OutgoingMessage.objects.filter(content_key=key).first()
        if earlier is not None:
            identification, dagtekening = earlier.identification, earlier.dagtekening
        else:
            identification, dagtekening = identification_next(), on
        final = replace(reply, header=replace(reply.header, identificatie=identification, dagtekening=dagtekening))
        context = validation_context_from_db(direction="outgoing", today=on)
        context = replace(context, seen_identifications=context.seen_identifications - {identification})
        rendered = render(final)
        problems = validate(rendered, context=context)
        if problems:
            raise IjwRejected(problems)
        if earlier is None:
            OutgoingMessage.objects.create(
                berichtcode=final.header.berichtcode,
                identification=identification,
                dagtekening=dagtekening,
                municipality_code=municipality_code,
                period=dagtekening.strftime("%Y-%m"),
                content_key=key,
                sha256=_sha256(rendered),
                toewijzing_nummers=[],
            )
    _private_directory(out_dir)
    path = out_dir / f"{final.header.berichtcode}_{identification}.xml"
    _write_private(path, rendered)
    return path


def ijw_validate_file(*, data: bytes) -> list[Violation]:
    """Validate a file with the context from the database (incoming or outgoing by its type).

    A file that was itself exported or imported (same sha256) is not blamed for its own
    identification (TR056). A valid incoming message is also checked against who sent it and
    to whom (``PARTY``, and ``IMPORT`` when what it answers was never sent), as the import does.
    """
    message: Message | None
    try:
        message = parse(data)
        direction = "outgoing" if message_name(message) in s.FROM_PROVIDER else "incoming"
        identification = message.header.identificatie
    except (IjwParseError, ValueError):
        message, direction, identification = None, "incoming", ""
    context = validation_context_from_db(direction=direction)  # type: ignore[arg-type]
    digest = _sha256(data)
    if OutgoingMessage.objects.filter(sha256=digest).exists() or IncomingMessage.objects.filter(sha256=digest).exists():
        context = replace(context, seen_identifications=context.seen_identifications - {identification})
    violations = validate(data, context=context)
    if not violations and message is not None and message_name(message) in s.FROM_MUNICIPALITY:
        try:
            violations = _parties_violations(message)
        except IjwRejected as rejected:
            violations = rejected.violations
    return violations


# --- CBS Beleidsinformatie Jeugd (issue 18.6, docs/cbs.md) -------------------------------------------


class CbsExportInvalid(Exception):
    """Some record breaks a rule: nothing was written, nothing logged."""

    def __init__(self, violations: list[cbs.CbsViolation]) -> None:
        super().__init__(f"{len(violations)} violations")
        self.violations = violations


@dataclass(frozen=True, kw_only=True)
class CbsExportResult:
    path: Path
    period: str
    first: datetime.date
    last: datetime.date
    records: int
    persons: int


def cbs_export(
    *,
    provider: Provider,
    period: str,
    out: Path,
    access_point: AccessPoint,
    on: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> CbsExportResult:
    """Write ``provider``'s CBS Beleidsinformatie Jeugd file for ``period`` ("YYYY-H1"/"YYYY-H2")
    to ``out``, all or nothing: every record is validated first (``cbs.cbs_validate``); one
    violation and ``CbsExportInvalid`` is raised with all of them, nothing written or logged.

    The file carries BSNs: it is written 0600 (like the iJw files), and every client in it gets an
    EXPORT entry ``cbs.export`` in the NEN 7513 access log in the same transaction; a failed write
    rolls the log back. A period that has not ended yet is refused (``cbs.CbsPeriodError``).
    """
    say = progress or (lambda _text: None)
    first, last = cbs.cbs_period_parse(period)
    if last >= (on or local_today()):
        raise cbs.CbsPeriodError(f"The period {period} has not ended yet.")
    say(f"1/4 selecting the jeugdhulptrajecten of {provider.agb_code} in {period} ({first} to {last})")
    records = cbs_records_for(provider=provider, period=period)
    say(f"2/4 validating {len(records)} records")
    violations = cbs.cbs_validate(records, first=first, last=last)
    if violations:
        raise CbsExportInvalid(violations)
    data = cbs.cbs_render(records)
    clients = sorted({record.client_public_id for record in records})
    say(f"3/4 recording the export of {len(clients)} clients in the access log")
    with transaction.atomic():
        access_log_record_system(event=Event.EXPORT, action="cbs.export", client_ids=clients, access_point=access_point)
        say(f"4/4 writing {out}")
        temporary = out.with_name(f".{out.name}.part")
        _write_private(temporary, data)
        try:
            os.replace(temporary, out)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
    return CbsExportResult(path=out, period=period, first=first, last=last, records=len(records), persons=len(clients))

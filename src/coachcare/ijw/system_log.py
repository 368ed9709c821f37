"""NEN 7513 access-log entries for the iJw commands, which run without a user (cron, an operator).

``ijw_import`` changes the allocations, change requests and declaration lines of the clients a
message is about; ``ijw_export`` writes their BSN, name and date of birth into files that leave
for the municipality. Both are accesses to client files, so both write one entry per client
(``audit.services.access_log_record_system``: who = ``system`` on behalf of the OS user that ran
the command, from ``manage.py <command>`` on the host, channel ``command``).

Which clients: read from the messages themselves — the BSN in the message (with the provider's
AGB code, as the import matches it), or for an answer the request or declaration it answers. A
retour message changes no client data and is not logged.
"""

import datetime
import importlib
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from coachcare.audit.services import AccessPoint, Event, access_log_record_system
from coachcare.clients.models import Client as ClientModel
from coachcare.clients.services import bsn_hash
from coachcare.contracts.models import Allocation as AllocationModel
from coachcare.contracts.models import AllocationChangeRequest
from coachcare.ijw import schema as s
from coachcare.ijw.messages import (
    Allocation,
    AllocationRequest,
    CareStart,
    CareStop,
    ChangeRequest,
    Declaration,
    DeclarationAnswer,
    Message,
    RequestAnswer,
    message_name,
)
from coachcare.ijw.models import OutgoingMessage
from coachcare.ijw.services import ExportResult, ImportResult, ijw_export, ijw_import
from coachcare.ijw.xml import parse
from coachcare.municipalities.models import Municipality

#: Values per ``IN (...)`` query (a JW323 of a large municipality holds many lines).
CHUNK = 1000


def _chunks[T](values: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _hashes(bsns: Iterable[str]) -> set[str]:
    hashes = set()
    for bsn in bsns:
        try:
            hashes.add(bsn_hash(bsn))
        except ValidationError:
            continue  # not a valid BSN: no client can have it
    return hashes


def _clients_by_bsn(bsns: Iterable[str], *, provider_agb: str) -> set[UUID]:
    found: set[UUID] = set()
    for chunk in _chunks(sorted(_hashes(bsns))):
        found.update(
            ClientModel.objects.filter(bsn_hash__in=chunk, provider__agb_code=provider_agb).values_list(
                "public_id", flat=True
            )
        )
    return found


def _uuids(values: Iterable[str]) -> list[UUID]:
    result = []
    for value in values:
        try:
            result.append(UUID(value))
        except ValueError:
            continue
    return result


def _answered_request_clients(message: RequestAnswer) -> set[UUID]:
    """JW319: the clients of the JW315 (allocation ids) or JW317 (change request ids) it answers."""
    sent = OutgoingMessage.objects.filter(
        identification=message.referentie, berichtcode__in=[s.BERICHTCODES["JW315"], s.BERICHTCODES["JW317"]]
    ).first()
    if sent is None:
        return set()
    ids = _uuids(sent.toewijzing_nummers)
    if sent.berichtcode == s.BERICHTCODES["JW317"]:
        return set(
            AllocationChangeRequest.objects.filter(public_id__in=ids).values_list(
                "allocation__client__public_id", flat=True
            )
        )
    return set(AllocationModel.objects.filter(public_id__in=ids).values_list("client__public_id", flat=True))


def _answered_declaration_clients(message: DeclarationAnswer) -> set[UUID]:
    """JW325: the clients of the declaration lines it answers (the declarations app sits above ijw:
    looked up when needed, as ``ijw.services`` does)."""
    try:
        models = importlib.import_module("coachcare.declarations.models")
    except ImportError:
        return set()
    found: set[UUID] = set()
    for chunk in _chunks(line.referentie for line in message.lines):
        found.update(
            models.DeclarationLine.objects.filter(
                declaration__declaratienummer=message.declaratienummer, reference__in=chunk
            ).values_list("client__public_id", flat=True)
        )
    return found


def ijw_message_client_ids(*, message: Message) -> set[UUID]:
    """The public ids of the clients (of this provider) a message is about; empty for a retour."""
    match message:
        case AllocationRequest() | Allocation() | CareStart() | CareStop() | ChangeRequest():
            incoming = message_name(message) in s.FROM_MUNICIPALITY
            agb = message.header.ontvanger if incoming else message.header.afzender
            return _clients_by_bsn([message.client.bsn], provider_agb=agb)
        case Declaration():
            return _clients_by_bsn({line.bsn for line in message.lines}, provider_agb=message.header.afzender)
        case RequestAnswer():
            return _answered_request_clients(message)
        case DeclarationAnswer():
            return _answered_declaration_clients(message)
    return set()


def ijw_import_logged(*, data: bytes, access_point: AccessPoint) -> ImportResult:
    """``ijw_import`` and its access-log entries (UPDATE ``ijw.import.<JWxxx>``) in one transaction.

    Nothing is logged for a file imported before (nothing changed) or a rejected file (the
    ``IjwRejected`` leaves the transaction, nothing was changed).
    """
    with transaction.atomic():
        result = ijw_import(data=data)
        if not result.already_imported:
            access_log_record_system(
                event=Event.UPDATE,
                action=f"ijw.import.{result.name}",
                client_ids=sorted(ijw_message_client_ids(message=parse(data))),
                access_point=access_point,
            )
    return result


def ijw_export_logged(
    *,
    municipality: Municipality,
    period: str,
    out_dir: Path,
    access_point: AccessPoint,
    today: datetime.date | None = None,
) -> ExportResult:
    """``ijw_export``, then an EXPORT entry (``ijw.export.<JWxxx>``) per client and message kind
    written, read back from the files themselves (a re-export is an export too).

    The export commits its records before it writes the files, so the entries are written right
    after, in their own transaction; a failure there fails the command loudly.
    """
    result = ijw_export(municipality=municipality, period=period, out_dir=out_dir, today=today)
    per_kind: dict[str, set[UUID]] = {}
    for path in result.files:
        message = parse(path.read_bytes())
        per_kind.setdefault(message_name(message), set()).update(ijw_message_client_ids(message=message))
    with transaction.atomic():
        for name, client_ids in sorted(per_kind.items()):
            access_log_record_system(
                event=Event.EXPORT,
                action=f"ijw.export.{name}",
                client_ids=sorted(client_ids),
                access_point=access_point,
            )
    return result

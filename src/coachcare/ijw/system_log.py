"""NEN 7513 access-log entries for ``ijw_import``, which runs without a user (cron, an operator).

``ijw_import`` changes the allocations, change requests and declaration lines of the clients a
message is about: an access to their files, so it writes one entry per client
(``audit.services.access_log_record_system``: who = ``system`` on behalf of the OS user that ran
the command, from ``manage.py ijw_import`` on the host, channel ``command``). The export logs
itself, in its own transaction, from the values it builds the messages from (``services.ijw_export``).

Which clients: read from the incoming message itself — the BSN in the message (with the provider's
AGB code, as the import matches it), or for an answer the request or declaration it answers. A
retour message changes no client data and is not logged.
"""

import itertools
from collections.abc import Iterable, Iterator
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from coachcare.audit.services import AccessPoint, Event, access_log_record_system
from coachcare.clients.models import Client as ClientModel
from coachcare.clients.services import bsn_hash
from coachcare.contracts.models import Allocation as AllocationModel
from coachcare.contracts.models import AllocationChangeRequest
from coachcare.declarations import selectors as declaration_selectors
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
from coachcare.ijw.services import ImportResult, ijw_import
from coachcare.ijw.xml import parse

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
    """JW325: the clients of the declaration lines it answers."""
    return declaration_selectors.declaration_line_client_ids(
        declaratienummer=message.declaratienummer, references=[line.referentie for line in message.lines]
    )


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

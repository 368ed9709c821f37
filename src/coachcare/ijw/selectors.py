"""Reads for the iJw exchange: the validation context from the database, the worklist."""

import datetime
from dataclasses import dataclass
from typing import Literal

from django.db.models import QuerySet

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.contracts.models import Allocation as AllocationModel
from coachcare.core.dates import today as local_today
from coachcare.ijw.models import HeldMessage, IncomingMessage, OutgoingMessage, RetourRecord
from coachcare.ijw.schema import BERICHTCODES
from coachcare.ijw.validation import AllocationFacts, ValidationContext
from coachcare.municipalities.models import Municipality


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

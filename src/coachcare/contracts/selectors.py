"""Reads of contracts, allocations and budgets.

Lists for the municipality carry administrative fields only (client name, date of birth, module,
status, dates and amounts): never the BSN, never anything said or written in care.
"""

import dataclasses
import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.contracts.models import (
    GRANTED_STATUSES,
    Allocation,
    AllocationStatus,
    Contract,
    ContractProduct,
    RegionalBudgetShare,
)
from coachcare.method.models import Module
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider

ALLOCATION_PAGE_SIZE = 50


def contract_valid_for(*, municipality: Municipality, provider: Provider, on: datetime.date) -> Contract | None:
    """The contract between a municipality and a provider valid on ``on`` (at most one exists)."""
    return (
        Contract.objects.filter(municipality=municipality, provider=provider, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )


def municipality_is_contracted(*, municipality: Municipality, provider: Provider, on: datetime.date) -> bool:
    return contract_valid_for(municipality=municipality, provider=provider, on=on) is not None


def contract_granted_cents(*, contract: Contract, year: int) -> int:
    """Budget granted under a contract to allocations starting in ``year`` (approved or ended)."""
    total = Allocation.objects.filter(contract=contract, status__in=GRANTED_STATUSES, start_date__year=year).aggregate(
        total=Sum("budget_cents")
    )["total"]
    return int(total or 0)


def contract_remaining_cents(*, contract: Contract, year: int) -> int | None:
    """What is left of the yearly budget in ``year``; ``None`` when the contract has no budget cap.

    A member's part of a regional contract has its budget share of the year; without a share for
    that year, what is left of the regional budget for the whole region. A regional contract
    itself: its budget less what its parts granted.
    """
    if contract.part_of_id is not None:
        regional = Contract.objects.get(pk=contract.part_of_id)
        assert contract.municipality_id is not None  # a part is a municipality's (contract_part_is_municipal)
        share = regional_budget_shares(contract=regional, year=year).get(contract.municipality_id)
        if share is not None:
            return share - contract_granted_cents(contract=contract, year=year)
        contract = regional
    if contract.yearly_budget_cents is None:
        return None
    if contract.region_id is not None:
        return contract.yearly_budget_cents - _granted(Allocation.objects.filter(contract__part_of=contract), year=year)
    return contract.yearly_budget_cents - contract_granted_cents(contract=contract, year=year)


def _granted(allocations: QuerySet[Allocation], *, year: int) -> int:
    total = allocations.filter(status__in=GRANTED_STATUSES, start_date__year=year).aggregate(total=Sum("budget_cents"))[
        "total"
    ]
    return int(total or 0)


def contract_tariff_list(*, contract: Contract) -> QuerySet[ContractProduct]:
    """The products (tariff list) under which ``contract`` grants: its own, or, for a member's part
    of a regional contract, the regional contract's one list."""
    return ContractProduct.objects.filter(contract_id=contract.part_of_id or contract.pk)


def shares_in_cents(
    *, budget_cents: int | None, shares: Mapping[int, tuple[int | None, Decimal | None]]
) -> dict[int, int]:
    """Budget shares (per municipality id: amount in cents or percentage) in cents. Percentages of
    the budget are rounded down and the cents left over go to the largest remainders, so that
    shares adding up to 100% add up to the budget to the cent (no budget: percentages count 0)."""
    result: dict[int, int] = {}
    remainders: list[tuple[Decimal, int]] = []
    for municipality_id, (amount, percentage) in shares.items():
        if amount is not None:
            result[municipality_id] = amount
        elif percentage is not None and budget_cents is not None:
            exact = Decimal(budget_cents) * percentage / 100
            result[municipality_id] = int(exact)
            remainders.append((exact - int(exact), municipality_id))
        else:
            result[municipality_id] = 0
    if budget_cents is not None and remainders:
        percent_total = sum((shares[m][1] or Decimal(0)) for _r, m in remainders)
        target = int(Decimal(budget_cents) * percent_total / 100 + Decimal("0.5"))
        left = target - sum(result[m] for _r, m in remainders)
        for _remainder, municipality_id in sorted(remainders, key=lambda item: (-item[0], item[1]))[: max(left, 0)]:
            result[municipality_id] += 1
    return result


def regional_budget_shares(*, contract: Contract, year: int) -> dict[int, int]:
    """Per member municipality id its share in cents of the regional contract's budget in ``year``
    (one query; empty when no shares were set for that year)."""
    rows = RegionalBudgetShare.objects.filter(contract=contract, year=year).values_list(
        "municipality_id", "amount_cents", "percentage"
    )
    return shares_in_cents(
        budget_cents=contract.yearly_budget_cents,
        shares={municipality_id: (amount, percentage) for municipality_id, amount, percentage in rows},
    )


def allocation_covering(*, client: Client, module_code: str, on: datetime.date) -> Allocation | None:
    """An approved allocation of ``module_code`` for ``client`` whose period covers ``on`` and that
    has volume and budget left: the guard before a module starts (then ``allocation_consume``).

    The one ending first is used first.
    """
    return (
        Allocation.objects.filter(
            client=client,
            product__module_code=module_code,
            status=AllocationStatus.APPROVED,
            start_date__lte=on,
            end_date__gte=on,
            volume_used__lt=F("volume"),
            budget_cents__gte=(F("volume_used") + 1) * F("product__tariff_cents"),
        )
        .select_related("product", "contract")
        .order_by("end_date", "id")
        .first()
    )


def allocation_list_for_client(*, client: Client) -> QuerySet[Allocation]:
    """A client's allocations, newest first (for the provider's own screens; no access check here)."""
    return Allocation.objects.filter(client=client).select_related("product").order_by("-requested_at", "-id")


def _module_name() -> Subquery:
    """The module's name from the catalogue (the current version first), in the same query."""
    return Subquery(
        Module.objects.filter(code=OuterRef("product__module_code"))
        .order_by("-method_version__is_current", "-method_version__imported_at", "-id")
        .values("name")[:1]
    )


def _administrative(allocations: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """Allocations with the administrative fields a municipality may see, in one query."""
    return (
        allocations.select_related("client", "product", "contract__provider", "requested_by", "decided_by")
        .defer("client__bsn", "client__bsn_hash")
        .annotate(module_name=_module_name())
    )


def allocation_list_for_municipality(
    *, actor: User, access_point: AccessPoint, status: str | None = None, page: int = 1
) -> Page[Any]:
    """A page of the allocations of the actor's residents, open requests first, then newest first.

    A fixed number of queries whatever the number of allocations: one count, one page (module
    names in a subquery), one access-log insert.
    """
    if not policy.can_decide_allocations(actor):
        raise policy.AccessDenied("Only a municipality access team sees allocation requests.")
    assert actor.municipality_id is not None
    allocations = Allocation.objects.filter(client__municipality_id=actor.municipality_id)
    if status in AllocationStatus.values:
        allocations = allocations.filter(status=status)
    allocations = _administrative(allocations).order_by(
        Case(When(status=AllocationStatus.REQUESTED, then=Value(0)), default=Value(1)),
        "-requested_at",
        "-id",
    )
    page_obj = Paginator(allocations, ALLOCATION_PAGE_SIZE).get_page(page)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="allocation.list",
        client_ids=[allocation.client.public_id for allocation in page_obj.object_list],
        access_point=access_point,
    )
    return page_obj


def allocation_get_for_decision(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Allocation:
    """One allocation of a resident of the actor's municipality; ``AccessDenied`` for anything else."""
    if not policy.can_decide_allocations(actor):
        raise policy.AccessDenied("No such allocation, or no access.")
    assert actor.municipality_id is not None
    allocation = (
        _administrative(Allocation.objects.filter(client__municipality_id=actor.municipality_id))
        .filter(public_id=public_id)
        .first()
    )
    if allocation is None or not policy.can_decide_allocations(actor, allocation.client):
        raise policy.AccessDenied("No such allocation, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="allocation.detail",
        client_ids=[allocation.client.public_id],
        access_point=access_point,
    )
    return allocation


@dataclasses.dataclass(frozen=True, kw_only=True)
class BudgetLine:
    """Granted against used under one contract in one calendar year, in cents."""

    contract: Contract
    yearly_budget_cents: int | None
    granted_cents: int
    used_cents: int

    @property
    def remaining_cents(self) -> int | None:
        """What can still be granted this year; ``None`` without a budget cap."""
        if self.yearly_budget_cents is None:
            return None
        return self.yearly_budget_cents - self.granted_cents


def budget_overview(*, actor: User, year: int) -> list[BudgetLine]:
    """Per contract valid in ``year``: yearly budget, granted (approved or ended allocations that
    start in ``year``) and used (modules started × tariff). One query; no personal data."""
    if not policy.can_see_budgets(actor):
        raise policy.AccessDenied("No access to budgets.")
    in_year = Q(allocations__status__in=GRANTED_STATUSES, allocations__start_date__year=year)
    contracts = (
        policy.contracts_visible_to(actor)
        .filter(valid_from__lte=datetime.date(year, 12, 31))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(year, 1, 1)))
        .select_related("municipality", "provider")
        .annotate(
            granted=Coalesce(
                Sum("allocations__budget_cents", filter=in_year), Value(0), output_field=models.BigIntegerField()
            ),
            used=Coalesce(
                Sum(F("allocations__volume_used") * F("allocations__product__tariff_cents"), filter=in_year),
                Value(0),
                output_field=models.BigIntegerField(),
            ),
        )
        .order_by("municipality__name", "provider__name", "valid_from")
    )
    return [
        BudgetLine(
            contract=contract,
            yearly_budget_cents=contract.yearly_budget_cents,
            granted_cents=int(contract.granted),
            used_cents=int(contract.used),
        )
        for contract in contracts
    ]

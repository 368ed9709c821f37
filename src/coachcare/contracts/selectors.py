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
    AllocationNotice,
    AllocationStatus,
    Contract,
    ContractBudgetYear,
    ContractProduct,
    FundingModel,
    InstalmentStatus,
    LumpSumInstalment,
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


def contract_year_budget_cents(*, contract: Contract, year: int) -> int | None:
    """The budget of ``year``: the planned budget of that year (budget path), else the yearly budget;
    ``None`` without either."""
    planned = ContractBudgetYear.objects.filter(contract=contract, year=year).values_list("planned_cents", flat=True)
    for cents in planned:
        return int(cents)
    return contract.yearly_budget_cents


def contract_remaining_cents(*, contract: Contract, year: int) -> int | None:
    """What is left of the year's budget in ``year`` (its planned path, else the yearly budget);
    ``None`` when the contract has no budget cap.

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
    budget = contract_year_budget_cents(contract=contract, year=year)
    if budget is None:
        return None
    if contract.region_id is not None:
        return budget - _granted(Allocation.objects.filter(contract__part_of=contract), year=year)
    return budget - contract_granted_cents(contract=contract, year=year)


def contract_product_for(
    *, client: Client, module_code: str, on: datetime.date, funding_model: FundingModel | None = None
) -> ContractProduct | None:
    """The product of ``module_code`` under the contract valid on ``on`` between the client's
    municipality and provider, of ``funding_model`` when given (any model otherwise). With
    ``FundingModel.TASK``: the task-based (taakgericht) product, under which a module starts
    without an allocation."""
    contract = contract_valid_for(municipality=client.municipality, provider=client.provider, on=on)
    if contract is None:
        return None
    products = contract_tariff_list(contract=contract).filter(module_code=module_code)
    if funding_model is not None:
        products = products.filter(funding_model=funding_model)
    return products.first()


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


def _mandate_told_at() -> Subquery:
    """When the municipality was told of a start under the mandate (its JW315 written), in the same query."""
    return Subquery(
        AllocationNotice.objects.filter(
            allocation_id=OuterRef("pk"), kind=AllocationNotice.Kind.MANDATE_APPROVAL, sent_at__isnull=False
        )
        .order_by("sent_at")
        .values("sent_at")[:1]
    )


def _administrative(allocations: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """Allocations with the administrative fields a municipality may see, in one query."""
    return (
        allocations.select_related("client", "product", "contract__provider", "requested_by", "decided_by")
        .defer("client__bsn", "client__bsn_hash")
        .annotate(module_name=_module_name(), mandate_told_at=_mandate_told_at())
    )


def allocation_list_for_municipality(
    *, actor: User, access_point: AccessPoint, status: str | None = None, via_mandate: bool = False, page: int = 1
) -> Page[Any]:
    """A page of the allocations under the actor's municipality's contracts (after a move the old
    municipality keeps its own period, never the new one's), open requests first, then newest first.

    ``via_mandate``: only the modules started under the mandate (the municipality was told of each
    with a JW315; ``mandate_told_at`` says when, empty until the export wrote it).

    A fixed number of queries whatever the number of allocations: one count, one page (module
    names in a subquery), one access-log insert.
    """
    if not policy.can_decide_allocations(actor):
        raise policy.AccessDenied("Only a municipality access team sees allocation requests.")
    assert actor.municipality_id is not None
    allocations = Allocation.objects.filter(contract__municipality_id=actor.municipality_id)
    if status in AllocationStatus.values:
        allocations = allocations.filter(status=status)
    if via_mandate:
        allocations = allocations.filter(via_mandate=True)
    allocations = _administrative(allocations).order_by(
        Case(
            When(status=AllocationStatus.REQUESTED, then=Value(0)),
            When(status=AllocationStatus.APPROVED, via_mandate=True, toewijzing_nummer__isnull=True, then=Value(0)),
            default=Value(1),
        ),
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


def allocations_visible(*, actor: User, status: str | None = None, client: UUID | None = None) -> QuerySet[Allocation]:
    """The allocations the actor may see (``policy.allocations_visible_to``) with their client,
    product and provider (never the BSN), optionally of one status or client; unordered, no log
    (the caller logs the rows it reads)."""
    allocations = policy.allocations_visible_to(actor).select_related("client", "product", "contract__provider")
    allocations = allocations.defer("client__bsn", "client__bsn_hash")
    if status:
        allocations = allocations.filter(status=status)
    if client:
        allocations = allocations.filter(client__public_id=client)
    return allocations


def allocation_rows_allowed(*, actor: User, rows: list[Allocation]) -> list[Allocation]:
    """Defence in depth after ``allocations_visible``: every row checked with ``policy.can_see_allocation``."""
    return [allocation for allocation in rows if policy.can_see_allocation(actor, allocation)]


def allocation_visible_get(*, actor: User, public_id: UUID) -> Allocation:
    """One allocation the actor may see; ``AccessDenied`` otherwise. No log: the caller logs."""
    allocation = (
        policy.allocations_visible_to(actor)
        .select_related("client", "product", "contract__provider")
        .filter(public_id=public_id)
        .first()
    )
    if allocation is None or not policy.can_see_allocation(actor, allocation):
        raise policy.AccessDenied("No such allocation, or no access.")
    return allocation


@dataclasses.dataclass(frozen=True, kw_only=True)
class AllocationDecision:
    """What the allocation screen offers its viewer, decided here and not in the template."""

    #: Grant or reject the request in coachcare.
    decide: bool
    #: Confirm a module that started under the mandate (it gets its allocation number).
    confirm_mandate_start: bool
    #: A decision is due, but it is made in the municipality's own system and arrives as a JW301.
    decided_elsewhere: bool
    #: An effort-based product: a tariff per unit and a requested volume (else a tariff per module).
    priced_per_unit: bool


def allocation_decision_for(*, actor: User, allocation: Allocation) -> AllocationDecision:
    """What ``actor`` may do with ``allocation`` on its screen (``policy.can_decide_allocation_in_app``)."""
    in_app = policy.can_decide_allocation_in_app(actor, allocation)
    requested = allocation.awaits_decision
    mandate_start = allocation.awaits_municipality_number
    return AllocationDecision(
        decide=in_app and requested,
        confirm_mandate_start=in_app and not requested and mandate_start,
        decided_elsewhere=not in_app and (requested or mandate_start),
        priced_per_unit=allocation.product.funding_model == FundingModel.EFFORT,
    )


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
    """One contract in one calendar year, in cents: the year's budget (planned path, else the yearly
    budget), granted against used for allocations, and what was spent per funding model."""

    contract: Contract
    yearly_budget_cents: int | None
    granted_cents: int
    used_cents: int
    #: spent per funding model: output-based (modules started × tariff), effort-based (declared
    #: units × tariff), task-based (lump-sum instalments paid in the year)
    spent_output_cents: int = 0
    spent_effort_cents: int = 0
    spent_task_cents: int = 0
    #: the funding models of the contract's products (FundingModel values, in the order of the choices)
    funding_models: tuple[str, ...] = ()

    @property
    def remaining_cents(self) -> int | None:
        """What can still be granted this year; ``None`` without a budget cap."""
        if self.yearly_budget_cents is None:
            return None
        return self.yearly_budget_cents - self.granted_cents

    @property
    def spent_cents(self) -> int:
        return self.spent_output_cents + self.spent_effort_cents + self.spent_task_cents

    @property
    def funding_model_labels(self) -> list[str]:
        return [str(FundingModel(value).label) for value in self.funding_models]


def _money(expression: Any) -> Coalesce:
    return Coalesce(expression, Value(0), output_field=models.BigIntegerField())


def budget_overview(*, actor: User, year: int) -> list[BudgetLine]:
    """Per contract valid in ``year``: the year's budget (planned path, else the yearly budget),
    granted (approved or ended allocations that start in ``year``), used (modules started × tariff)
    and spent per funding model. A fixed number of queries (contracts with their sums, planned
    budgets, products, paid instalments, declared effort); no personal data."""
    if not policy.can_see_budgets(actor):
        raise policy.AccessDenied("No access to budgets.")
    in_year = Q(allocations__status__in=GRANTED_STATUSES, allocations__start_date__year=year)
    output = in_year & Q(allocations__product__funding_model=FundingModel.OUTPUT)
    contracts = list(
        policy.contracts_visible_to(actor)
        .filter(valid_from__lte=datetime.date(year, 12, 31))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(year, 1, 1)))
        .select_related("municipality", "provider")
        .annotate(
            granted=_money(Sum("allocations__budget_cents", filter=in_year)),
            used=_money(Sum(F("allocations__volume_used") * F("allocations__product__tariff_cents"), filter=output)),
        )
        .order_by("municipality__name", "provider__name", "valid_from")
    )
    ids = [contract.pk for contract in contracts]
    planned = dict(
        ContractBudgetYear.objects.filter(contract_id__in=ids, year=year).values_list("contract_id", "planned_cents")
    )
    models_of: dict[int, set[str]] = {}
    for contract_id, funding_model in (
        ContractProduct.objects.filter(contract_id__in=ids).values_list("contract_id", "funding_model").distinct()
    ):
        models_of.setdefault(contract_id, set()).add(funding_model)
    paid = dict(
        LumpSumInstalment.objects.filter(contract_id__in=ids, status=InstalmentStatus.PAID, paid_on__year=year)
        .values("contract_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("contract_id", "total")
    )
    # Effort-based: the declared lines (``declarations`` refers to the allocation; read through the
    # relation, so nothing of that app is imported here), by the month they were delivered in.
    effort = dict(
        Allocation.objects.filter(contract_id__in=ids, product__funding_model=FundingModel.EFFORT)
        .filter(declaration_lines__einddatum__year=year)
        .values("contract_id")
        .annotate(total=Sum("declaration_lines__amount_cents"))
        .values_list("contract_id", "total")
    )
    order = list(FundingModel.values)
    return [
        BudgetLine(
            contract=contract,
            yearly_budget_cents=int(planned[contract.pk]) if contract.pk in planned else contract.yearly_budget_cents,
            granted_cents=int(contract.granted),
            used_cents=int(contract.used),
            spent_output_cents=int(contract.used),
            spent_effort_cents=int(effort.get(contract.pk) or 0),
            spent_task_cents=int(paid.get(contract.pk) or 0),
            funding_models=tuple(value for value in order if value in models_of.get(contract.pk, set())),
        )
        for contract in contracts
    ]


def budget_paths(*, actor: User) -> dict[int, list[ContractBudgetYear]]:
    """The planned budget path (one row per year) of every contract the actor sees, per contract
    id. One query; no personal data."""
    if not policy.can_see_budgets(actor):
        raise policy.AccessDenied("No access to budgets.")
    paths: dict[int, list[ContractBudgetYear]] = {}
    rows = (
        ContractBudgetYear.objects.filter(contract__in=policy.contracts_visible_to(actor))
        .select_related("contract__provider")
        .order_by("contract__provider__name", "contract_id", "year")
    )
    for row in rows:
        paths.setdefault(row.contract_id, []).append(row)
    return paths


def lump_sum_instalments_for(*, actor: User, year: int) -> list[LumpSumInstalment]:
    """The lump-sum instalments (planned and paid) of the task-based contracts the actor sees, in
    ``year``. One query; no personal data."""
    if not policy.can_see_budgets(actor):
        raise policy.AccessDenied("No access to budgets.")
    return list(
        LumpSumInstalment.objects.filter(contract__in=policy.contracts_visible_to(actor), period_start__year=year)
        .select_related("contract__provider", "contract__municipality")
        .order_by("contract__provider__name", "period_start")
    )

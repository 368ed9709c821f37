"""Writes on contracts and allocations (toewijzingen).

The iJw rules checked here (ijw.md): TR307/TR308 (care inside the allocation's period),
TR321/TR322 (volume not exceeded), TR369 (within the budget), TR384 (nothing on a deleted
allocation), TR332 (unique allocation number).
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.contracts.models import (
    EFFORT_UNITS,
    GRANTED_STATUSES,
    Allocation,
    AllocationChangeRequest,
    AllocationNotice,
    AllocationStatus,
    AllocationSystem,
    ChangeRequestStatus,
    Contract,
    ContractBudgetYear,
    ContractProduct,
    Frequency,
    FundingModel,
    InstalmentStatus,
    LumpSumInstalment,
    NumberSequence,
    RegionalBudgetShare,
)
from coachcare.contracts.money import format_euros
from coachcare.contracts.selectors import (
    contract_granted_cents,
    contract_remaining_cents,
    contract_tariff_list,
    contract_valid_for,
    contract_year_budget_cents,
    regional_budget_shares,
    shares_in_cents,
)
from coachcare.core.dates import add_months, today
from coachcare.method import selectors as method_selectors
from coachcare.method.codes import PRODUCT_CATEGORIES, Unit
from coachcare.municipalities.models import Municipality, Region, RegionMembership
from coachcare.providers.models import Provider

#: A mandate allocation runs from today for this many months (or until the contract ends).
MANDATE_PERIOD_MONTHS = 6
TOEWIJZING_SEQUENCE = "toewijzing_nummer"
REJECTION_REASON_MAX_LENGTH = 500


# --- contracts -------------------------------------------------------------------------------


def _periods_overlap(
    start_a: datetime.date, end_a: datetime.date | None, start_b: datetime.date, end_b: datetime.date | None
) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def contract_check(
    *,
    municipality: Municipality,
    provider: Provider,
    mandate: bool,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    yearly_budget_cents: int | None,
    exclude_pk: int | None = None,
) -> None:
    """Raise a ``ValidationError`` (per field) unless the contract can be saved like this.

    A municipality–provider pair has at most one contract valid on any date.
    """
    errors: dict[str, list[str]] = {}
    if valid_to is not None and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("The end date cannot be before the start date."))
    if mandate and yearly_budget_cents is None:
        errors.setdefault("yearly_budget_cents", []).append(
            _("A mandate only works within a yearly budget: fill in the budget.")
        )
    others = Contract.objects.filter(municipality=municipality, provider=provider)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others.only("valid_from", "valid_to"):
        if _periods_overlap(valid_from, valid_to, other.valid_from, other.valid_to):
            if other.valid_to is None:
                message = _(
                    "This municipality already has a contract with this provider from %(start)s without an "
                    "end date: contract periods cannot overlap."
                ) % {"start": other.valid_from.isoformat()}
            else:
                message = _(
                    "This municipality already has a contract with this provider from %(start)s "
                    "until %(end)s: contract periods cannot overlap."
                ) % {"start": other.valid_from.isoformat(), "end": other.valid_to.isoformat()}
            errors.setdefault("valid_from", []).append(message)
            break
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contract_create(
    *,
    municipality: Municipality,
    provider: Provider,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    mandate: bool = False,
    yearly_budget_cents: int | None = None,
    allocation_system: str = AllocationSystem.COACHCARE,
) -> Contract:
    # Lock the municipality row: two contracts for the same pair cannot be checked at the same time.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    contract_check(
        municipality=municipality,
        provider=provider,
        mandate=mandate,
        valid_from=valid_from,
        valid_to=valid_to,
        yearly_budget_cents=yearly_budget_cents,
    )
    return Contract.objects.create(
        municipality=municipality,
        provider=provider,
        mandate=mandate,
        valid_from=valid_from,
        valid_to=valid_to,
        yearly_budget_cents=yearly_budget_cents,
        allocation_system=allocation_system,
    )


def contract_product_check(
    *,
    module_code: str,
    ijw_product_category: str,
    tariff_cents: int | None,
    funding_model: str = FundingModel.OUTPUT,
    unit: str = Unit.PIECES_OUTPUT,
) -> None:
    """The product's module exists, its category is a JZ020 code, and unit and tariff fit its
    funding model: output-based in unit 82 with a tariff per module, effort-based in a unit of time
    (or 84) with a tariff per unit, task-based without a tariff (the lump sum pays for it)."""
    errors: dict[str, list[str]] = {}
    if funding_model == FundingModel.OUTPUT and unit != Unit.PIECES_OUTPUT:
        errors["unit"] = [_("An output-based product is bought per module: unit 82 (pieces, output).")]
    if funding_model == FundingModel.EFFORT and unit not in EFFORT_UNITS:
        errors["unit"] = [_("An effort-based product is bought in units of time (minute, hour, day part, 24 hours).")]
    if funding_model != FundingModel.TASK and not tariff_cents:
        errors["tariff_cents"] = [_("The tariff must be more than zero.")]
    if not method_selectors.module_list().filter(code=module_code).exists():
        errors["module_code"] = [
            _("There is no module with code %(code)s in the current method version.") % {"code": module_code}
        ]
    if ijw_product_category not in PRODUCT_CATEGORIES:
        errors["ijw_product_category"] = [
            _("%(category)s is not an iJw product category (JZ020).") % {"category": ijw_product_category}
        ]
    if errors:
        raise ValidationError(errors)


def contract_product_add(
    *,
    contract: Contract,
    module_code: str,
    tariff_cents: int,
    ijw_product_category: str | None = None,
    ijw_product_code: str | None = None,
    unit: str = Unit.PIECES_OUTPUT,
    funding_model: str = FundingModel.OUTPUT,
    frequency: str = Frequency.TOTAL,
    volume_per_module: int = 1,
) -> ContractProduct:
    """Buy a module under a contract. The iJw product defaults to the one in the method catalogue.

    ``funding_model``: output-based (unit 82, a tariff per module), effort-based (``unit`` a unit of
    time, ``tariff_cents`` per unit, ``volume_per_module`` units asked per module, ``frequency``
    per WMO757) or task-based (no tariff: the contract's lump sum pays; ``tariff_cents`` 0)."""
    module = method_selectors.module_list().filter(code=module_code).first()
    category = ijw_product_category or (module.ijw_product_category if module else "")
    code = ijw_product_code or (module.ijw_product_code if module else "")
    contract_product_check(
        module_code=module_code,
        ijw_product_category=category,
        tariff_cents=tariff_cents,
        funding_model=funding_model,
        unit=unit,
    )
    if volume_per_module < 1:
        raise ValidationError({"volume_per_module": [_("The volume must be at least 1.")]})
    if contract.part_of_id is not None:
        raise ValidationError(
            {"module_code": [_("A municipality's part of a regional contract uses the regional tariff list.")]}
        )
    if contract.products.filter(module_code=module_code).exists():
        raise ValidationError({"module_code": [_("This contract already includes this module.")]})
    return ContractProduct.objects.create(
        contract=contract,
        module_code=module_code,
        ijw_product_category=category,
        ijw_product_code=code,
        unit=unit,
        tariff_cents=tariff_cents,
        funding_model=funding_model,
        frequency=frequency,
        volume_per_module=volume_per_module if funding_model == FundingModel.EFFORT else 1,
    )


def _contract_lock(contract: Contract) -> Contract:
    """Lock the contract row: grants under one contract are checked against its budget one at a time.

    A member's part of a regional contract locks the regional contract first (always in this order:
    regional, then part): a member without a budget share of the year draws on what is left of the
    regional budget, which every member's part shares, so concurrent draws of different members are
    checked one at a time too (``contract_remaining_cents``), as are changes of the shares
    (``regional_budget_shares_set`` locks the regional row).
    """
    if contract.part_of_id is not None:  # a part never changes the contract it belongs to
        # no ``first()``: its ordering joins the (nullable) municipality, which FOR UPDATE refuses
        list(Contract.objects.select_for_update().filter(pk=contract.part_of_id).order_by().values_list("pk"))
    return Contract.objects.select_for_update().get(pk=contract.pk)


# --- regional contracts (jeugdregio) -----------------------------------------------------------


def regional_contract_check(
    *,
    region: Region,
    provider: Provider,
    mandate: bool,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    yearly_budget_cents: int | None,
    exclude_pk: int | None = None,
) -> None:
    """Raise a ``ValidationError`` (per field) unless the regional contract can be saved like this.

    As ``contract_check``: a region–provider pair has at most one contract valid on any date, and a
    member municipality cannot also have a contract of its own with the provider in that period.
    """
    errors: dict[str, list[str]] = {}
    if valid_to is not None and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("The end date cannot be before the start date."))
    if mandate and yearly_budget_cents is None:
        errors.setdefault("yearly_budget_cents", []).append(
            _("A mandate only works within a yearly budget: fill in the budget.")
        )
    others = Contract.objects.filter(region=region, provider=provider)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if any(
        _periods_overlap(valid_from, valid_to, o.valid_from, o.valid_to) for o in others.only("valid_from", "valid_to")
    ):
        errors.setdefault("valid_from", []).append(
            _("This region already has a contract with this provider in this period: contract periods cannot overlap.")
        )
    for membership, start, end in _member_periods(region=region, valid_from=valid_from, valid_to=valid_to):
        own = Contract.objects.filter(municipality=membership.municipality, provider=provider)
        if exclude_pk is not None:
            own = own.exclude(part_of_id=exclude_pk)
        if any(_periods_overlap(start, end, o.valid_from, o.valid_to) for o in own.only("valid_from", "valid_to")):
            errors.setdefault("valid_from", []).append(
                _("Member %(municipality)s already has a contract with this provider in this period.")
                % {"municipality": membership.municipality.name}
            )
    if errors:
        raise ValidationError(errors)


def _member_periods(
    *, region: Region, valid_from: datetime.date, valid_to: datetime.date | None
) -> list[tuple[RegionMembership, datetime.date, datetime.date | None]]:
    """Per membership of ``region`` overlapping the contract period: the overlap (from, until)."""
    result = []
    for membership in region.memberships.select_related("municipality").order_by("valid_from", "id"):
        if not _periods_overlap(valid_from, valid_to, membership.valid_from, membership.valid_to):
            continue
        start = max(valid_from, membership.valid_from)
        ends = [end for end in (valid_to, membership.valid_to) if end is not None]
        result.append((membership, start, min(ends) if ends else None))
    return result


@transaction.atomic
def regional_contract_create(
    *,
    region: Region,
    provider: Provider,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    mandate: bool = False,
    yearly_budget_cents: int | None = None,
) -> Contract:
    """A contract of a region (jeugdregio) with a provider: one tariff list (add products to it with
    ``contract_product_add``) for every member, each of which takes part through its own part
    (``regional_contract_parts_sync``): allocations, iJw messages and declarations stay the member
    municipality's, under its own code."""
    regional_contract_check(
        region=region,
        provider=provider,
        mandate=mandate,
        valid_from=valid_from,
        valid_to=valid_to,
        yearly_budget_cents=yearly_budget_cents,
    )
    contract = Contract.objects.create(
        region=region,
        provider=provider,
        mandate=mandate,
        valid_from=valid_from,
        valid_to=valid_to,
        yearly_budget_cents=yearly_budget_cents,
    )
    regional_contract_parts_sync(contract=contract)
    return contract


@transaction.atomic
def regional_contract_parts_sync(*, contract: Contract) -> list[Contract]:
    """Give every member of the region a part of the regional contract for the days it is a member
    within the contract's period (new members get one; a part follows a changed period). Refused when
    a member has a contract of its own with the provider in that period."""
    if contract.region_id is None or contract.region is None:
        raise ValidationError(_("This is not a regional contract."))
    parts = []
    existing = {(part.municipality_id, part.valid_from): part for part in contract.parts.all()}
    kept: set[int] = set()
    for membership, start, end in _member_periods(
        region=contract.region, valid_from=contract.valid_from, valid_to=contract.valid_to
    ):
        municipality = membership.municipality
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        part = existing.get((municipality.pk, start)) or next(
            (p for p in existing.values() if p.municipality_id == municipality.pk and p.pk not in kept), None
        )
        others = Contract.objects.filter(municipality=municipality, provider_id=contract.provider_id)
        if part is not None:
            others = others.exclude(pk=part.pk)
        for other in others.only("valid_from", "valid_to"):
            if _periods_overlap(start, end, other.valid_from, other.valid_to):
                raise ValidationError(
                    {
                        "valid_from": [
                            _("Member %(municipality)s already has a contract with this provider in this period.")
                            % {"municipality": municipality.name}
                        ]
                    }
                )
        fields = {
            "mandate": contract.mandate,
            "valid_from": start,
            "valid_to": end,
            "yearly_budget_cents": None,
        }
        if part is None:
            part = Contract.objects.create(
                municipality=municipality, provider_id=contract.provider_id, part_of=contract, **fields
            )
        else:
            Contract.objects.filter(pk=part.pk).update(**fields)
            part.refresh_from_db()
        kept.add(part.pk)
        parts.append(part)
    return parts


#: A share as given: an amount in cents or a percentage of the regional yearly budget.
Share = tuple[int | None, Decimal | None]


@transaction.atomic
def regional_budget_shares_set(*, contract: Contract, year: int, shares: Mapping[Municipality, Share]) -> None:
    """Set the members' shares of the regional contract's budget in ``year`` (replacing that year's).

    Only municipalities that take part in the contract in ``year`` get a share; each share is an
    amount or a percentage, never negative; together they are not more than the year's budget
    (100%; percentages of the budget are rounded as ``contracts.selectors.shares_in_cents`` does).
    What the shares leave is the regional remainder, on which the members without a share draw
    (``contracts.selectors.contract_remaining_cents``). An empty ``shares`` removes the year's shares.
    """
    if contract.region_id is None:
        raise ValidationError(_("Budget shares belong to a regional contract."))
    contract = _contract_lock(contract)
    budget = contract_year_budget_cents(contract=contract, year=year)
    if budget is None:
        raise ValidationError(
            {
                "yearly_budget_cents": [
                    _("Budget shares need the regional contract's budget of %(year)s.") % {"year": year}
                ]
            }
        )
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    members = {
        m.pk: m
        for m in Municipality.objects.filter(
            pk__in=contract.parts.filter(valid_from__lte=last)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
            .values("municipality_id")
        )
    }
    errors: list[str] = []
    given = {municipality.pk: share for municipality, share in shares.items()}
    for municipality in shares:
        if municipality.pk not in members:
            errors.append(
                _("%(municipality)s does not take part in this regional contract in %(year)s.")
                % {"municipality": municipality.name, "year": year}
            )
    for municipality, (amount, percentage) in shares.items():
        if (amount is None) == (percentage is None):
            errors.append(
                _("Give %(municipality)s an amount or a percentage, not both.") % {"municipality": municipality.name}
            )
        elif amount is not None and amount < 0:
            errors.append(_("The share of %(municipality)s cannot be negative.") % {"municipality": municipality.name})
        elif percentage is not None and not Decimal(0) <= percentage <= Decimal(100):
            errors.append(
                _("The percentage of %(municipality)s lies between 0 and 100.") % {"municipality": municipality.name}
            )
    if not errors:
        total = sum(shares_in_cents(budget_cents=budget, shares=given).values())
        if total > budget:
            errors.append(
                _(
                    "The shares add up to %(total)s, more than the budget of %(year)s (%(budget)s): together "
                    "they are at most 100%%."
                )
                % {"total": format_euros(total), "budget": format_euros(budget), "year": year}
            )
    if errors:
        raise ValidationError(errors)
    RegionalBudgetShare.objects.filter(contract=contract, year=year).delete()
    RegionalBudgetShare.objects.bulk_create(
        [
            RegionalBudgetShare(
                contract=contract,
                municipality_id=municipality_id,
                year=year,
                amount_cents=amount,
                percentage=percentage,
            )
            for municipality_id, (amount, percentage) in given.items()
        ]
    )


# --- allocations -----------------------------------------------------------------------------


def toewijzing_nummer_next() -> str:
    """The next allocation number (TR332: unique), from a counter row locked for the update.

    Only for a grant by the municipality's access team in coachcare (``allocation_approve``, a
    contract whose allocations are decided in coachcare): there coachcare is the municipality's
    system of record and this number IS the municipality's number. A module started under the
    mandate never gets one of these at the start (``allocation_request``).
    """
    with transaction.atomic():
        sequence, _created = NumberSequence.objects.select_for_update().get_or_create(name=TOEWIJZING_SEQUENCE)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
    return f"{sequence.last_value:010d}"


def mandate_applies(*, contract: Contract, client: Client, tariff_cents: int, on: datetime.date) -> bool:
    """Whether a request is granted at once under the contract's mandate.

    The mandate covers the *next* modules (method.md: they start on the coach's decision at the
    module evaluation without a new request): the client must already have had an allocation
    granted under this contract, so the first module of a trajectory is always decided by the
    municipality. And the remaining yearly budget must cover the tariff.
    """
    if not contract.mandate:
        return False
    has_earlier_grant = Allocation.objects.filter(
        client=client, contract=contract, status__in=GRANTED_STATUSES
    ).exists()
    if not has_earlier_grant:
        return False
    remaining = contract_remaining_cents(contract=contract, year=on.year)
    return remaining is not None and remaining >= tariff_cents


def allocation_request(*, actor: User, client: Client, module_code: str, access_point: AccessPoint) -> Allocation:
    """Ask the client's municipality for one module (iJw JW315), or grant it under the mandate.

    Under the mandate the module may start at once (approved, period and budget set), but the
    allocation gets no number of coachcare's own: the next ``ijw_export`` sends a JW315 for it
    (``AllocationNotice``) and the module is declared only under the number the municipality
    issues (an imported JW301, or the access team's grant in coachcare). Until then the
    declaration run holds it ("waiting for the municipality's allocation").

    Raises ``AccessDenied`` for anyone but the client's coach or team lead, and a
    ``ValidationError`` when there is no valid contract including the module.
    """
    if not policy.can_request_allocations(actor, client):
        raise policy.AccessDenied(_("Only the coach or team lead of this young person can request an allocation."))
    on = today()
    contract = contract_valid_for(municipality=client.municipality, provider=client.provider, on=on)
    if contract is None:
        raise ValidationError(
            _("%(municipality)s has no contract with %(provider)s on %(date)s: no allocation can be requested.")
            % {"municipality": client.municipality.name, "provider": client.provider.name, "date": on.isoformat()},
            code="no_contract",
        )
    product = contract_tariff_list(contract=contract).filter(module_code=module_code).first()
    if product is None:
        raise ValidationError(
            _("The contract of %(municipality)s with %(provider)s does not include module %(code)s.")
            % {"municipality": client.municipality.name, "provider": client.provider.name, "code": module_code},
            code="module_not_contracted",
        )
    if product.funding_model == FundingModel.TASK:
        raise ValidationError(
            _(
                "Module %(code)s is paid from the lump sum of the contract (task-based): no allocation is "
                "requested per young person; the start and stop of care are reported."
            )
            % {"code": module_code},
            code="task_funded",
        )
    volume = product.volume_per_module if product.funding_model == FundingModel.EFFORT else 1
    with transaction.atomic():
        contract = _contract_lock(contract)
        if Allocation.objects.filter(client=client, product=product, status=AllocationStatus.REQUESTED).exists():
            raise ValidationError(
                _("There is already an open request for this module for this young person."), code="duplicate"
            )
        now = timezone.now()
        allocation = Allocation(
            client=client,
            contract=contract,
            product=product,
            status=AllocationStatus.REQUESTED,
            volume=volume,
            requested_by=actor,
            requested_at=now,
        )
        if mandate_applies(contract=contract, client=client, tariff_cents=volume * product.tariff_cents, on=on):
            end = add_months(on, MANDATE_PERIOD_MONTHS)
            if contract.valid_to is not None:
                end = min(end, contract.valid_to)
            allocation.status = AllocationStatus.APPROVED
            allocation.via_mandate = True
            allocation.start_date = on
            allocation.end_date = end
            allocation.budget_cents = volume * product.tariff_cents
            allocation.decided_at = now
        allocation.save()
        if allocation.via_mandate:
            AllocationNotice.objects.create(allocation=allocation, kind=AllocationNotice.Kind.MANDATE_APPROVAL)
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="allocation.request",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return allocation


def _decided_in_coachcare_check(contract: Contract) -> None:
    """Refuse an in-app decision when the municipality decides in its own system (JW301 only)."""
    if contract.allocation_system != AllocationSystem.COACHCARE:
        raise ValidationError(
            _(
                "The allocations under this contract are decided in the municipality's own system: "
                "the decision arrives as a JW301 and cannot be made in coachcare."
            ),
            code="decided_elsewhere",
        )


def _locked_request(allocation: Allocation, *, mandate_start: bool = False) -> tuple[Contract, Allocation]:
    """Lock contract then allocation (always in this order), and insist the allocation is still a
    request (or, with ``mandate_start``, a module started under the mandate that awaits the
    municipality's number); and that the municipality decides in coachcare."""
    contract = _contract_lock(allocation.contract)
    _decided_in_coachcare_check(contract)
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if not (locked.status == AllocationStatus.REQUESTED or (mandate_start and locked.awaits_municipality_number)):
        raise ValidationError(
            _("This request has already been decided (%(status)s).") % {"status": locked.get_status_display()},
            code="not_requested",
        )
    return contract, locked


def allocation_approve(
    *,
    actor: User,
    allocation: Allocation,
    volume: int,
    start_date: datetime.date,
    end_date: datetime.date,
    budget_cents: int | None = None,
    access_point: AccessPoint,
) -> Allocation:
    """The municipality grants a request (iJw JW301). ``budget_cents`` defaults to volume × tariff.

    Also confirms a module started under the mandate (``Allocation.awaits_municipality_number``):
    the period must include its start and the volume what is used. Only where the municipality
    decides in coachcare (``Contract.allocation_system``); the number comes from coachcare's counter,
    which there is the municipality's own.
    """
    client = allocation.client
    if not policy.can_decide_allocations(actor, client):
        raise policy.AccessDenied(_("Only the access team of the young person's municipality decides on this."))
    tariff = allocation.product.tariff_cents
    budget = budget_cents if budget_cents is not None else volume * tariff
    errors: dict[str, list[str]] = {}
    if volume < 1:
        errors["volume"] = [_("The volume must be at least 1.")]
    if end_date < start_date:
        errors["end_date"] = [_("The end date cannot be before the start date.")]
    if budget < tariff:
        errors["budget_cents"] = [
            _("The budget must cover at least one module (%(tariff)s).") % {"tariff": format_euros(tariff)}
        ]
    with transaction.atomic():
        contract, locked = _locked_request(allocation, mandate_start=True)
        own_budget = 0
        if locked.awaits_municipality_number:
            own_budget = locked.budget_cents or 0  # already counted as granted
            assert locked.start_date is not None
            if start_date > locked.start_date:
                errors.setdefault("start_date", []).append(
                    _("The period must include the start of the module under the mandate (%(date)s).")
                    % {"date": locked.start_date.isoformat()}
                )
            if volume < locked.volume_used:
                errors.setdefault("volume", []).append(
                    _("The volume must be at least what is already used (%(used)s).") % {"used": locked.volume_used}
                )
        if contract.valid_to is None and start_date < contract.valid_from:
            errors.setdefault("start_date", []).append(
                _("The period must lie within the contract, which starts on %(start)s.")
                % {"start": contract.valid_from.isoformat()}
            )
        elif contract.valid_to is not None and (start_date < contract.valid_from or end_date > contract.valid_to):
            errors.setdefault("start_date", []).append(
                _("The period must lie within the contract (%(start)s to %(end)s).")
                % {"start": contract.valid_from.isoformat(), "end": contract.valid_to.isoformat()}
            )
        remaining = contract_remaining_cents(contract=contract, year=start_date.year)
        if remaining is not None and locked.start_date is not None and locked.start_date.year == start_date.year:
            remaining += own_budget
        if remaining is not None and budget > remaining:
            errors.setdefault("budget_cents", []).append(
                _("This exceeds the remaining yearly budget of the contract (%(remaining)s left in %(year)s).")
                % {"remaining": format_euros(max(remaining, 0)), "year": start_date.year}
            )
        if errors:
            raise ValidationError(errors)
        locked.status = AllocationStatus.APPROVED
        locked.volume = volume
        locked.start_date = start_date
        locked.end_date = end_date
        locked.budget_cents = budget
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.toewijzing_nummer = toewijzing_nummer_next()
        locked.save(
            update_fields=[
                "status",
                "volume",
                "start_date",
                "end_date",
                "budget_cents",
                "decided_by",
                "decided_at",
                "toewijzing_nummer",
            ]
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="allocation.approve",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return locked


def allocation_reject(*, actor: User, allocation: Allocation, reason: str, access_point: AccessPoint) -> Allocation:
    """The municipality refuses a request, with an administrative reason (never clinical content)."""
    client = allocation.client
    if not policy.can_decide_allocations(actor, client):
        raise policy.AccessDenied(_("Only the access team of the young person's municipality decides on this."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the rejection.")]})
    if len(reason) > REJECTION_REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": REJECTION_REASON_MAX_LENGTH}]}
        )
    with transaction.atomic():
        _contract, locked = _locked_request(allocation)
        locked.status = AllocationStatus.REJECTED
        locked.rejection_reason = reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="allocation.reject",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return locked


# --- change requests (iJw JW317) ---------------------------------------------------------------

CHANGE_REASON_MAX_LENGTH = 500


def allocation_change_request(
    *,
    actor: User,
    allocation: Allocation,
    volume: int | None = None,
    end_date: datetime.date | None = None,
    reason: str,
    access_point: AccessPoint,
) -> AllocationChangeRequest:
    """The coach asks the municipality to change an approved allocation (iJw JW317).

    At least one change (volume and/or end date); the reason is administrative, never clinical.
    """
    client = allocation.client
    if not policy.can_request_allocations(actor, client):
        raise policy.AccessDenied(_("Only the young person's coach or team leader asks for a change."))
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if volume is None and end_date is None:
        errors.setdefault("__all__", []).append(_("Ask for at least one change: the volume or the end date."))
    if not reason:
        errors["reason"] = [_("Give the reason for the change.")]
    elif len(reason) > CHANGE_REASON_MAX_LENGTH:
        errors["reason"] = [_("Keep the reason under %(max)s characters.") % {"max": CHANGE_REASON_MAX_LENGTH}]
    with transaction.atomic():
        locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if locked.status != AllocationStatus.APPROVED:
            raise ValidationError(
                _("Only an approved allocation can be changed (this one is %(status)s).")
                % {"status": locked.get_status_display()},
                code="not_approved",
            )
        if volume is not None and (volume < 1 or volume < locked.volume_used):
            errors["volume"] = [
                _("The volume must be at least 1 and at least what is already used (%(used)s).")
                % {"used": locked.volume_used}
            ]
        if volume == locked.volume and (end_date is None or end_date == locked.end_date):
            errors.setdefault("__all__", []).append(_("This is no change to the allocation."))
        if end_date is not None and locked.start_date is not None and end_date < locked.start_date:
            errors["end_date"] = [_("The end date cannot be before the start date.")]
        if errors:
            raise ValidationError(errors)
        assert locked.end_date is not None  # approved: complete (allocation_approved_is_complete)
        change = AllocationChangeRequest.objects.create(
            allocation=locked,
            volume=volume,
            end_date=end_date,
            volume_before=locked.volume,
            end_date_before=locked.end_date,
            reason=reason,
            requested_by=actor,
            requested_at=timezone.now(),
        )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="allocation.change_request",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return change


def change_request_apply(
    *, change: AllocationChangeRequest, approve: bool, actor: User | None = None
) -> AllocationChangeRequest:
    """Record the decision on an open change request; an approval updates the allocation.

    Runs inside the caller's transaction; locks contract, allocation, then the change request.
    Also used by the iJw import (JW319 answering a JW317), without an actor.
    """
    allocation = change.allocation
    contract = _contract_lock(allocation.contract)
    locked_allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    locked = AllocationChangeRequest.objects.select_for_update().get(pk=change.pk)
    if locked.status != ChangeRequestStatus.REQUESTED:
        raise ValidationError(
            _("This change request has already been decided (%(status)s).") % {"status": locked.get_status_display()},
            code="not_requested",
        )
    if approve:
        if locked_allocation.status != AllocationStatus.APPROVED:
            raise ValidationError(
                _("The allocation is %(status)s, no longer approved: it cannot be changed.")
                % {"status": locked_allocation.get_status_display()},
                code="not_approved",
            )
        tariff = ContractProduct.objects.values_list("tariff_cents", flat=True).get(pk=locked_allocation.product_id)
        volume = locked.volume if locked.volume is not None else locked_allocation.volume
        end_date = locked.end_date if locked.end_date is not None else locked_allocation.end_date
        assert locked_allocation.start_date is not None and end_date is not None
        errors: dict[str, list[str]] = {}
        if volume < locked_allocation.volume_used:
            errors["volume"] = [_("The volume is less than what is already used.")]
        if end_date < locked_allocation.start_date:
            errors["end_date"] = [_("The end date cannot be before the start date.")]
        if contract.valid_to is not None and end_date > contract.valid_to:
            errors.setdefault("end_date", []).append(
                _("The end date must lie within the contract (until %(end)s).") % {"end": contract.valid_to.isoformat()}
            )
        budget = volume * tariff
        extra = budget - (locked_allocation.budget_cents or 0)
        remaining = contract_remaining_cents(contract=contract, year=locked_allocation.start_date.year)
        if extra > 0 and remaining is not None and extra > remaining:
            errors.setdefault("volume", []).append(
                _("This exceeds the remaining yearly budget of the contract (%(remaining)s left in %(year)s).")
                % {"remaining": format_euros(max(remaining, 0)), "year": locked_allocation.start_date.year}
            )
        if errors:
            raise ValidationError(errors)
        locked_allocation.volume = volume
        locked_allocation.end_date = end_date
        locked_allocation.budget_cents = budget
        locked_allocation.save(update_fields=["volume", "end_date", "budget_cents"])
    locked.status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


def allocation_change_decide(
    *, actor: User, change: AllocationChangeRequest, approve: bool, access_point: AccessPoint
) -> AllocationChangeRequest:
    """The municipality grants or refuses a change request; a grant sets volume, end date and budget."""
    client = change.allocation.client
    if not policy.can_decide_allocations(actor, client):
        raise policy.AccessDenied(_("Only the access team of the young person's municipality decides on this."))
    with transaction.atomic():
        _decided_in_coachcare_check(change.allocation.contract)
        decided = change_request_apply(change=change, approve=approve, actor=actor)
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="allocation.change_approve" if approve else "allocation.change_reject",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return decided


def allocation_release(*, allocation: Allocation) -> Allocation:
    """Give back one unit of an allocation (a module interrupted by a temporary end, never
    delivered or declared: ``trajectories.services.trajectory_resume``). Under a row lock; never
    below zero."""
    with transaction.atomic():
        locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if locked.volume_used > 0:
            Allocation.objects.filter(pk=locked.pk).update(volume_used=F("volume_used") - 1)
    allocation.refresh_from_db()
    return allocation


def allocation_consume(
    *,
    allocation: Allocation,
    on: datetime.date,
    actor: User | None = None,
    access_point: AccessPoint | None = None,
) -> Allocation:
    """Use one unit (one module) of an approved allocation on date ``on``.

    For an effort-based product (volume in time units) only the status and period are checked:
    the time is used by the sessions held, declared per unit by ``declarations``.

    Checks, under a row lock so that concurrent starts cannot exceed the volume: approved and not
    deleted (TR384), ``on`` inside the period (TR307/TR308), volume left (TR321/TR322), budget left
    (TR369). Raises a ``ValidationError`` naming the rule otherwise. Updates ``allocation`` in place
    and returns it. With ``actor`` and ``access_point`` the change is also access-logged.
    """
    with transaction.atomic():
        locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
        tariff, funding_model = ContractProduct.objects.values_list("tariff_cents", "funding_model").get(
            pk=locked.product_id
        )
        if locked.status != AllocationStatus.APPROVED:
            raise ValidationError(
                _("This allocation is %(status)s, not approved: no module can start on it (TR384).")
                % {"status": locked.get_status_display()},
                code="not_approved",
            )
        assert locked.start_date is not None and locked.end_date is not None and locked.budget_cents is not None
        if not locked.start_date <= on <= locked.end_date:
            raise ValidationError(
                _("%(date)s is outside the allocation's period %(start)s to %(end)s (TR307/TR308).")
                % {"date": on.isoformat(), "start": locked.start_date.isoformat(), "end": locked.end_date.isoformat()},
                code="outside_period",
            )
        if funding_model == FundingModel.EFFORT:
            # Effort-based: the volume is time, used by the sessions held and declared per unit
            # (``declarations``: TR321/TR369 there); starting the module uses none of it.
            return allocation
        if locked.volume_used + 1 > locked.volume:
            raise ValidationError(
                _("The allocated volume (%(volume)s) has been used up (TR321/TR322).") % {"volume": locked.volume},
                code="volume_exceeded",
            )
        if (locked.volume_used + 1) * tariff > locked.budget_cents:
            raise ValidationError(
                _("The allocation's budget (%(budget)s) does not cover another module (TR369).")
                % {"budget": format_euros(locked.budget_cents)},
                code="budget_exceeded",
            )
        locked.volume_used += 1
        locked.save(update_fields=["volume_used"])
        if actor is not None and access_point is not None:
            access_log_record(
                actor=actor,
                event=Event.UPDATE,
                action="allocation.consume",
                client_ids=[allocation.client.public_id],
                access_point=access_point,
            )
    allocation.volume_used = locked.volume_used
    return allocation


def allocation_notices_mark_sent(*, allocation_public_ids: list[str]) -> int:
    """The iJw export wrote the JW315 for these allocations: their open mandate notices are sent."""
    return AllocationNotice.objects.filter(
        allocation__public_id__in=allocation_public_ids, sent_at__isnull=True
    ).update(sent_at=timezone.now())


# --- budgets over several years and task-based lump sums (issue 18.1) ------------------------------


def contract_budget_plan(*, contract: Contract, year: int, planned_cents: int) -> ContractBudgetYear:
    """Set the planned budget of ``contract`` in ``year`` (one step of the budget path)."""
    if year < contract.valid_from.year or (contract.valid_to is not None and year > contract.valid_to.year):
        raise ValidationError({"year": [_("The year must lie within the contract's period.")]})
    budget_year, _created = ContractBudgetYear.objects.update_or_create(
        contract=contract, year=year, defaults={"planned_cents": planned_cents}
    )
    return budget_year


def contract_budget_path_set(
    *, contract: Contract, first_year: int, first_cents: int, years: int, yearly_change_percent: int = 0
) -> list[ContractBudgetYear]:
    """A planned path over ``years`` years from ``first_year``: each year the previous year's budget
    changed by ``yearly_change_percent`` (e.g. -5: declining by 5% a year), rounded to whole cents."""
    if years < 1:
        raise ValidationError({"years": [_("Plan at least one year.")]})
    if yearly_change_percent <= -100:
        raise ValidationError({"yearly_change_percent": [_("A budget cannot decline by a hundred percent or more.")]})
    planned = []
    cents = first_cents
    with transaction.atomic():
        for offset in range(years):
            planned.append(contract_budget_plan(contract=contract, year=first_year + offset, planned_cents=cents))
            cents = round(cents * (100 + yearly_change_percent) / 100)
    return planned


#: Instalments per year a lump sum can be paid in (monthly, quarterly, half-yearly, yearly).
INSTALMENTS_PER_YEAR = (12, 4, 2, 1)


def lump_sum_schedule_create(*, contract: Contract, year: int, instalments: int = 12) -> list[LumpSumInstalment]:
    """The instalment schedule of a task-based contract for ``year``: the year's budget (planned
    path, else the yearly budget) in ``instalments`` equal parts (the last one takes the rounding),
    each for its period within the contract. Idempotent: an existing schedule of the year is
    returned unchanged (a paid instalment is never rewritten)."""
    if instalments not in INSTALMENTS_PER_YEAR:
        raise ValidationError({"instalments": [_("Pay in 12, 4, 2 or 1 instalments a year.")]})
    if not contract.products.filter(funding_model=FundingModel.TASK).exists():
        raise ValidationError(_("This contract has no task-based product: it has no lump sum."), code="not_task_based")
    budget = contract_year_budget_cents(contract=contract, year=year)
    if budget is None:
        raise ValidationError(_("Plan the budget of %(year)s first.") % {"year": year}, code="no_budget")
    existing = list(LumpSumInstalment.objects.filter(contract=contract, period_start__year=year))
    if existing:
        return existing
    months = 12 // instalments
    part = budget // instalments
    created = []
    with transaction.atomic():
        for index in range(instalments):
            start = datetime.date(year, 1 + index * months, 1)
            end = add_months(start, months) - datetime.timedelta(days=1)
            amount = budget - part * (instalments - 1) if index == instalments - 1 else part
            created.append(
                LumpSumInstalment.objects.create(
                    contract=contract, period_start=start, period_end=end, amount_cents=amount
                )
            )
    return created


def lump_sum_instalment_mark_paid(*, instalment: LumpSumInstalment, paid_on: datetime.date) -> LumpSumInstalment:
    """The municipality paid this instalment (recorded by the provider's administration)."""
    with transaction.atomic():
        locked = LumpSumInstalment.objects.select_for_update().get(pk=instalment.pk)
        if not locked.payable:
            raise ValidationError(_("This instalment has already been paid."), code="already_paid")
        locked.status = InstalmentStatus.PAID
        locked.paid_on = paid_on
        locked.save(update_fields=["status", "paid_on"])
    return locked


# --- the back office's budget screens (issue 18.1): checked, refused with a reason, logged ----------------


def _budget_manager_check(actor: User, contract: Contract) -> None:
    if not policy.can_manage_contract_budget(actor, contract):
        raise policy.AccessDenied(
            _("Only the policy staff of the contract's municipality (or of the region's lead municipality) do this.")
        )


def _budget_logged(*, actor: User, action: str, access_point: AccessPoint) -> None:
    """NEN 7513 as every write of a person: one entry, without a client (money, no personal data)."""
    access_log_record(actor=actor, event=Event.UPDATE, action=action, client_ids=[None], access_point=access_point)


def contract_budget_year_set(
    *, actor: User, contract: Contract, year: int, planned_cents: int, access_point: AccessPoint
) -> ContractBudgetYear:
    """The back office plans (or replans) the budget of ``contract`` in ``year``: one step of the
    budget path. Not negative; the year lies within the contract; a part of a regional contract has
    no budget of its own (its budget is its share)."""
    _budget_manager_check(actor, contract)
    errors: dict[str, list[str]] = {}
    if planned_cents < 0:
        errors["planned_cents"] = [_("A budget cannot be negative.")]
    if contract.part_of_id is not None:
        errors.setdefault("year", []).append(
            _("A member's part of a regional contract has no budget of its own: set its budget share.")
        )
    if year < contract.valid_from.year or (contract.valid_to is not None and year > contract.valid_to.year):
        errors.setdefault("year", []).append(_("The year must lie within the contract's period."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _contract_lock(contract)
        budget_year = contract_budget_plan(contract=locked, year=year, planned_cents=planned_cents)
        _budget_logged(actor=actor, action="contract.budget_year_set", access_point=access_point)
    return budget_year


def _task_based_check(contract: Contract) -> None:
    if not contract.products.filter(funding_model=FundingModel.TASK).exists():
        raise ValidationError(_("This contract has no task-based product: it has no lump sum."), code="not_task_based")


def lump_sum_instalment_add(
    *,
    actor: User,
    contract: Contract,
    period_start: datetime.date,
    period_end: datetime.date,
    amount_cents: int,
    access_point: AccessPoint,
) -> LumpSumInstalment:
    """Plan one instalment of a task-based contract's lump sum for a period: a positive amount, a
    period within the contract that overlaps no other instalment of the contract."""
    _budget_manager_check(actor, contract)
    _task_based_check(contract)
    errors: dict[str, list[str]] = {}
    if amount_cents <= 0:
        errors["amount_cents"] = [_("The amount must be more than zero.")]
    if period_end < period_start:
        errors["period_end"] = [_("The end date cannot be before the start date.")]
    elif period_start < contract.valid_from or (contract.valid_to is not None and period_end > contract.valid_to):
        errors["period_start"] = [_("The period must lie within the contract's period.")]
    with transaction.atomic():
        locked = _contract_lock(contract)
        if "period_end" not in errors:
            overlapping = (
                LumpSumInstalment.objects.filter(
                    contract=locked, period_start__lte=period_end, period_end__gte=period_start
                )
                .order_by("period_start")
                .first()
            )
            if overlapping is not None:
                errors.setdefault("period_start", []).append(
                    _("This period overlaps the instalment of %(start)s to %(end)s: periods cannot overlap.")
                    % {
                        "start": date_format(overlapping.period_start, "j F Y"),
                        "end": date_format(overlapping.period_end, "j F Y"),
                    }
                )
        if errors:
            raise ValidationError(errors)
        instalment = LumpSumInstalment.objects.create(
            contract=locked, period_start=period_start, period_end=period_end, amount_cents=amount_cents
        )
        _budget_logged(actor=actor, action="contract.instalment_add", access_point=access_point)
    return instalment


def lump_sum_schedule_plan(
    *, actor: User, contract: Contract, year: int, instalments: int, access_point: AccessPoint
) -> list[LumpSumInstalment]:
    """The back office plans a year's instalments at once (``lump_sum_schedule_create``); refused
    when the year already has instalments (a paid one is never rewritten)."""
    _budget_manager_check(actor, contract)
    with transaction.atomic():
        locked = _contract_lock(contract)
        if LumpSumInstalment.objects.filter(contract=locked, period_start__year=year).exists():
            raise ValidationError(
                _("%(year)s already has instalments: add or pay them one by one.") % {"year": year},
                code="already_planned",
            )
        if year < locked.valid_from.year or (locked.valid_to is not None and year > locked.valid_to.year):
            raise ValidationError({"year": [_("The year must lie within the contract's period.")]})
        created = lump_sum_schedule_create(contract=locked, year=year, instalments=instalments)
        _budget_logged(actor=actor, action="contract.instalments_plan", access_point=access_point)
    return created


def lump_sum_instalment_pay(
    *, actor: User, instalment: LumpSumInstalment, paid_on: datetime.date, access_point: AccessPoint
) -> LumpSumInstalment:
    """The back office records that an instalment was paid, on a day not in the future."""
    _budget_manager_check(actor, instalment.contract)
    if paid_on > today():
        raise ValidationError({"paid_on": [_("A payment cannot be recorded for a day in the future.")]})
    with transaction.atomic():
        paid = lump_sum_instalment_mark_paid(instalment=instalment, paid_on=paid_on)
        _budget_logged(actor=actor, action="contract.instalment_paid", access_point=access_point)
    return paid


def regional_budget_shares_save(
    *, actor: User, contract: Contract, year: int, shares: Mapping[Municipality, Share], access_point: AccessPoint
) -> None:
    """The lead municipality's back office sets the members' shares of a regional contract in
    ``year`` (``regional_budget_shares_set``: not over the budget, never negative)."""
    _budget_manager_check(actor, contract)
    with transaction.atomic():
        regional_budget_shares_set(contract=contract, year=year, shares=shares)
        _budget_logged(actor=actor, action="contract.budget_shares_set", access_point=access_point)


# --- a municipal merger (herindeling): the successor takes over the money -------------------------------


def _instalment_take_over(*, instalment: LumpSumInstalment, successor: Contract) -> None:
    """A planned instalment moves to ``successor``: added to its planned instalment whose period holds
    the same start, else as an instalment of its own."""
    into = (
        LumpSumInstalment.objects.select_for_update()
        .filter(
            contract=successor,
            status=InstalmentStatus.PLANNED,
            period_start__lte=instalment.period_start,
            period_end__gte=instalment.period_start,
        )
        .order_by("period_start")  # not the default ordering: it joins the contract, which FOR UPDATE refuses
        .first()
    )
    if into is not None:
        LumpSumInstalment.objects.filter(pk=into.pk).update(amount_cents=F("amount_cents") + instalment.amount_cents)
        if instalment.pk is not None:
            instalment.delete()
        return
    instalment.contract = successor
    instalment.save()


def contract_budget_take_over(*, old: Contract, successor: Contract, copied: bool, on: datetime.date) -> None:
    """At a merger the contract of the old municipality ends the day before ``on`` and ``successor``
    (the new municipality's contract with that provider: a copy of the old one, ``copied``, or its
    own) takes over from ``on``. The money follows, its total unchanged:

    - the budget of the merger's year: the old contract keeps what it granted and the instalments of
      the periods before ``on``; the rest goes to the successor (a copy gets it as its budget of that
      year; an existing contract adds it to its own, unless it has no budget cap). Later planned
      years move to the successor the same way;
    - the planned (unpaid) lump-sum instalments from ``on``: moved to the successor; one that runs
      across ``on`` is split by days (the old contract keeps the days before). Paid ones stay.
    """
    planned = LumpSumInstalment.objects.select_for_update().filter(
        contract=old, status=InstalmentStatus.PLANNED, period_end__gte=on
    )
    for instalment in list(planned.order_by("period_start")):
        if instalment.period_start >= on:
            _instalment_take_over(instalment=instalment, successor=successor)
            continue
        days = (instalment.period_end - instalment.period_start).days + 1
        before = instalment.amount_cents * (on - instalment.period_start).days // days
        rest = LumpSumInstalment(
            contract=successor,
            period_start=on,
            period_end=instalment.period_end,
            amount_cents=instalment.amount_cents - before,
        )
        LumpSumInstalment.objects.filter(pk=instalment.pk).update(
            period_end=on - datetime.timedelta(days=1), amount_cents=before
        )
        _instalment_take_over(instalment=rest, successor=successor)
    year = on.year
    old_budget = contract_year_budget_cents(contract=old, year=year)
    # what stays with the old contract (the periods before ``on``, after the split above)
    instalments_before = sum(
        LumpSumInstalment.objects.filter(contract=old, period_start__year=year).values_list("amount_cents", flat=True)
    )
    moving = {row.year: row.planned_cents for row in ContractBudgetYear.objects.filter(contract=old, year__gt=year)}
    if old_budget is not None:
        kept = min(old_budget, contract_granted_cents(contract=old, year=year) + instalments_before)
        ContractBudgetYear.objects.update_or_create(contract=old, year=year, defaults={"planned_cents": kept})
        moving[year] = old_budget - kept
    ContractBudgetYear.objects.filter(contract=old, year__gt=year).delete()
    for budget_year, cents in sorted(moving.items()):
        own = ContractBudgetYear.objects.filter(contract=successor, year=budget_year).first()
        if own is not None:
            ContractBudgetYear.objects.filter(pk=own.pk).update(planned_cents=F("planned_cents") + cents)
        elif copied:
            ContractBudgetYear.objects.create(contract=successor, year=budget_year, planned_cents=cents)
        elif successor.yearly_budget_cents is not None:
            ContractBudgetYear.objects.create(
                contract=successor, year=budget_year, planned_cents=successor.yearly_budget_cents + cents
            )


def regional_budget_shares_take_over(
    *, old_part: Contract, into: Municipality, new_member: bool, on: datetime.date
) -> None:
    """At a merger the old municipality's part of a regional contract ends the day before ``on``; its
    budget shares follow, the total unchanged: in the merger's year the old municipality keeps what
    it granted, later years it keeps nothing. What it does not keep goes to ``into``'s share (added to
    it; a municipality new to the region gets it as its share); a member of the region without a
    share leaves it in the regional remainder, on which it draws."""
    assert old_part.part_of_id is not None and old_part.municipality_id is not None
    regional = Contract.objects.select_for_update().get(pk=old_part.part_of_id)
    year = on.year
    years = sorted(
        set(
            RegionalBudgetShare.objects.filter(
                contract=regional, municipality_id=old_part.municipality_id, year__gte=year
            ).values_list("year", flat=True)
        )
    )
    for share_year in years:
        shares = regional_budget_shares(contract=regional, year=share_year)
        old_cents = shares.get(old_part.municipality_id, 0)
        kept = min(old_cents, contract_granted_cents(contract=old_part, year=share_year)) if share_year == year else 0
        if kept:
            RegionalBudgetShare.objects.filter(
                contract=regional, municipality_id=old_part.municipality_id, year=share_year
            ).update(amount_cents=kept, percentage=None)
        else:
            RegionalBudgetShare.objects.filter(
                contract=regional, municipality_id=old_part.municipality_id, year=share_year
            ).delete()
        left = old_cents - kept
        if into.pk in shares:
            RegionalBudgetShare.objects.filter(contract=regional, municipality=into, year=share_year).update(
                amount_cents=shares[into.pk] + left, percentage=None
            )
        elif new_member:
            RegionalBudgetShare.objects.create(contract=regional, municipality=into, year=share_year, amount_cents=left)

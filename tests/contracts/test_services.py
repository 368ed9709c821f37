"""Contracts, allocation requests and decisions, the mandate and the yearly budget."""

import datetime
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from coachcare.access import policy
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.contracts import selectors, services
from coachcare.contracts.models import Allocation, AllocationNotice, AllocationStatus
from coachcare.core.dates import add_months, today
from tests.conftest import World
from tests.contracts.conftest import FIRST, NEXT, TARIFF_FIRST, TARIFF_NEXT, Contracted
from tests.contracts.factories import AllocationFactory, ContractFactory
from tests.method.factories import MethodVersionFactory, ModuleFactory
from tests.providers.factories import ProviderFactory

WEB = AccessPoint(channel="web", address="127.0.0.1")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages are matched in English (the source language); Dutch is tested on the pages."""
    with translation.override("en"):
        yield


def _request(c: Contracted, module_code: str = FIRST) -> Allocation:
    return services.allocation_request(
        actor=c.world.coach, client=c.world.own, module_code=module_code, access_point=WEB
    )


def _approve(c: Contracted, allocation: Allocation, **overrides: object) -> Allocation:
    arguments: dict[str, object] = {
        "volume": 1,
        "start_date": today(),
        "end_date": today() + datetime.timedelta(days=180),
    }
    arguments.update(overrides)
    return services.allocation_approve(
        actor=c.world.toegang,
        allocation=allocation,
        access_point=WEB,
        **arguments,  # type: ignore[arg-type]
    )


# --- contracts ---------------------------------------------------------------------------------


def test_contract_valid_for_respects_the_period(world: World) -> None:
    contract = ContractFactory.create(
        municipality=world.municipality_a,
        provider=world.provider,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
    )
    a, provider = world.municipality_a, world.provider

    assert selectors.contract_valid_for(municipality=a, provider=provider, on=datetime.date(2026, 1, 1)) == contract
    assert selectors.contract_valid_for(municipality=a, provider=provider, on=datetime.date(2026, 12, 31)) == contract
    assert selectors.contract_valid_for(municipality=a, provider=provider, on=datetime.date(2025, 12, 31)) is None
    assert not selectors.municipality_is_contracted(municipality=a, provider=provider, on=datetime.date(2027, 1, 1))
    assert not selectors.municipality_is_contracted(
        municipality=world.municipality_b, provider=world.provider, on=datetime.date(2026, 6, 1)
    )


def test_contract_periods_of_one_pair_cannot_overlap(world: World) -> None:
    def create(valid_from: datetime.date, valid_to: datetime.date | None = None) -> None:
        services.contract_create(
            municipality=world.municipality_a,
            provider=world.provider,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    create(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))

    with pytest.raises(ValidationError, match="cannot overlap"):
        create(datetime.date(2026, 12, 31))
    with pytest.raises(ValidationError, match="cannot overlap"):
        create(datetime.date(2025, 1, 1))  # open-ended, covers 2026

    create(datetime.date(2027, 1, 1))  # adjacent is fine
    with pytest.raises(ValidationError, match="without an end date"):
        create(datetime.date(2028, 1, 1))
    other_provider = ProviderFactory.create()
    services.contract_create(
        municipality=world.municipality_a,
        provider=other_provider,
        valid_from=datetime.date(2026, 1, 1),
    )


def test_a_mandate_needs_a_yearly_budget(world: World) -> None:
    with pytest.raises(ValidationError) as mandate:
        services.contract_create(
            municipality=world.municipality_a,
            provider=world.provider,
            mandate=True,
            valid_from=datetime.date(2026, 1, 1),
        )

    assert "yearly_budget_cents" in mandate.value.message_dict


def test_contract_product_defaults_to_the_catalogue_and_checks_the_module(world: World) -> None:
    version = MethodVersionFactory.create(is_current=True)
    ModuleFactory.create(method_version=version, code="CC-X", ijw_product_category="45", ijw_product_code="45A09")
    contract = ContractFactory.create(municipality=world.municipality_a, provider=world.provider)

    product = services.contract_product_add(contract=contract, module_code="CC-X", tariff_cents=99_00)

    assert (product.ijw_product_category, product.ijw_product_code, product.unit) == ("45", "45A09", "82")
    with pytest.raises(ValidationError, match="already includes"):
        services.contract_product_add(contract=contract, module_code="CC-X", tariff_cents=99_00)
    with pytest.raises(ValidationError) as unknown:
        services.contract_product_add(contract=contract, module_code="CC-BESTAAT-NIET", tariff_cents=1)
    assert "module_code" in unknown.value.message_dict
    with pytest.raises(ValidationError) as category:
        services.contract_product_add(contract=contract, module_code="CC-X", tariff_cents=1, ijw_product_category="99")
    assert "ijw_product_category" in category.value.message_dict


# --- requests ----------------------------------------------------------------------------------


def test_coach_requests_an_allocation(contracted: Contracted) -> None:
    allocation = _request(contracted)

    assert allocation.status == AllocationStatus.REQUESTED
    assert allocation.product == contracted.first
    assert allocation.contract == contracted.contract
    assert allocation.toewijzing_nummer is None
    assert not allocation.via_mandate
    assert allocation.requested_by == contracted.world.coach
    entry = AccessLogEntry.objects.get(action="allocation.request")
    assert entry.client_public_id == contracted.world.own.public_id
    assert entry.event == AccessLogEntry.Event.CREATE


def test_teamleider_may_request_others_may_not(contracted: Contracted) -> None:
    world = contracted.world
    services.allocation_request(actor=world.teamleider, client=world.own, module_code=FIRST, access_point=WEB)

    for actor in (world.coach_other_team, world.toegang, world.beleid, world.jongere, world.ouder, world.beheerder):
        with pytest.raises(policy.AccessDenied):
            services.allocation_request(actor=actor, client=world.own, module_code=NEXT, access_point=WEB)


def test_request_without_contract_or_module_is_refused(contracted: Contracted) -> None:
    world = contracted.world

    # other_team lives in municipality B, which has no contract with the provider
    with pytest.raises(ValidationError, match="no contract"):
        services.allocation_request(
            actor=world.coach_other_team, client=world.other_team, module_code=FIRST, access_point=WEB
        )
    with pytest.raises(ValidationError, match="does not include module CC-ANDERS"):
        _request(contracted, "CC-ANDERS")
    assert not Allocation.objects.exists()


def test_request_outside_the_contract_period_is_refused(contracted: Contracted) -> None:
    contracted.contract.valid_to = today() - datetime.timedelta(days=1)
    contracted.contract.valid_from = today() - datetime.timedelta(days=30)
    contracted.contract.save()

    with pytest.raises(ValidationError, match="no contract"):
        _request(contracted)


def test_a_second_open_request_for_the_same_module_is_refused(contracted: Contracted) -> None:
    _request(contracted)

    with pytest.raises(ValidationError, match="already an open request"):
        _request(contracted)


# --- the mandate -------------------------------------------------------------------------------


def test_mandate_does_not_cover_the_first_module(mandated: Contracted) -> None:
    allocation = _request(mandated)

    assert allocation.status == AllocationStatus.REQUESTED
    assert not allocation.via_mandate
    assert not AllocationNotice.objects.exists()


def test_mandate_grants_the_next_module_at_once_and_informs_the_municipality(mandated: Contracted) -> None:
    _approve(mandated, _request(mandated))

    allocation = _request(mandated, NEXT)

    assert allocation.status == AllocationStatus.APPROVED
    assert allocation.via_mandate
    assert allocation.volume == 1
    assert allocation.start_date == today()
    assert allocation.end_date == add_months(today(), 6)
    assert allocation.budget_cents == TARIFF_NEXT
    # No number of coachcare's own: the municipality's arrives with its JW301 (or its grant in coachcare).
    assert allocation.toewijzing_nummer is None
    assert allocation.awaits_municipality_number
    assert allocation.decided_by is None
    notice = AllocationNotice.objects.get()
    assert notice.allocation == allocation
    assert notice.kind == AllocationNotice.Kind.MANDATE_APPROVAL
    assert notice.sent_at is None
    assert selectors.allocation_covering(client=mandated.world.own, module_code=NEXT, on=today()) == allocation


def test_mandate_period_ends_with_the_contract(mandated: Contracted) -> None:
    mandated.contract.valid_to = today() + datetime.timedelta(days=10)
    mandated.contract.save()
    _approve(mandated, _request(mandated), end_date=today() + datetime.timedelta(days=10))

    allocation = _request(mandated, NEXT)

    assert allocation.via_mandate
    assert allocation.end_date == today() + datetime.timedelta(days=10)


def test_mandate_stops_when_the_yearly_budget_is_used_up(mandated: Contracted) -> None:
    # Budget for the first module and exactly one next module.
    mandated.contract.yearly_budget_cents = TARIFF_FIRST + TARIFF_NEXT
    mandated.contract.save()
    _approve(mandated, _request(mandated))

    granted = _request(mandated, NEXT)
    services.allocation_consume(allocation=granted, on=today())
    after_budget = _request(mandated, NEXT)

    assert granted.via_mandate
    assert after_budget.status == AllocationStatus.REQUESTED
    assert not after_budget.via_mandate
    assert selectors.contract_remaining_cents(contract=mandated.contract, year=today().year) == 0
    # and the municipality cannot grant beyond the cap either
    with pytest.raises(ValidationError) as exceeded:
        _approve(mandated, after_budget)
    assert "budget_cents" in exceeded.value.message_dict


# --- decisions ---------------------------------------------------------------------------------


def test_toegang_approves_with_a_unique_allocation_number(contracted: Contracted) -> None:
    first = _approve(contracted, _request(contracted), volume=2)
    second = _approve(contracted, _request(contracted, NEXT), budget_cents=200_000)

    assert first.status == second.status == AllocationStatus.APPROVED
    assert first.volume == 2
    assert first.budget_cents == 2 * TARIFF_FIRST  # default: volume × tariff
    assert second.budget_cents == 200_000
    assert first.toewijzing_nummer and second.toewijzing_nummer
    assert first.toewijzing_nummer != second.toewijzing_nummer
    assert len(first.toewijzing_nummer) == 10
    assert int(second.toewijzing_nummer) == int(first.toewijzing_nummer) + 1
    assert first.decided_by == contracted.world.toegang
    assert first.decided_at is not None
    assert AccessLogEntry.objects.filter(action="allocation.approve").count() == 2


def test_approve_checks_period_budget_and_state(contracted: Contracted) -> None:
    allocation = _request(contracted)

    with pytest.raises(ValidationError) as bad:
        _approve(
            contracted,
            allocation,
            volume=0,
            start_date=today(),
            end_date=today() - datetime.timedelta(days=1),
            budget_cents=1,
        )
    assert {"volume", "end_date", "budget_cents"} <= set(bad.value.message_dict)
    with pytest.raises(ValidationError, match="within the contract"):
        _approve(contracted, allocation, start_date=contracted.contract.valid_from - datetime.timedelta(days=1))

    _approve(contracted, allocation)
    with pytest.raises(ValidationError, match="already been decided"):
        _approve(contracted, allocation)
    with pytest.raises(ValidationError, match="already been decided"):
        services.allocation_reject(actor=contracted.world.toegang, allocation=allocation, reason="x", access_point=WEB)


def test_reject_needs_an_administrative_reason(contracted: Contracted) -> None:
    allocation = _request(contracted)
    toegang = contracted.world.toegang

    with pytest.raises(ValidationError):
        services.allocation_reject(actor=toegang, allocation=allocation, reason="  ", access_point=WEB)
    rejected = services.allocation_reject(
        actor=toegang, allocation=allocation, reason="Module valt niet onder het contract.", access_point=WEB
    )

    assert rejected.status == AllocationStatus.REJECTED
    assert rejected.rejection_reason == "Module valt niet onder het contract."
    assert rejected.toewijzing_nummer is None
    assert AccessLogEntry.objects.filter(action="allocation.reject").exists()
    with pytest.raises(ValidationError, match="already been decided"):
        _approve(contracted, allocation)


@pytest.mark.parametrize("actor_key", ["toegang_other", "coach", "teamleider", "beleid", "beheerder", "jongere"])
def test_only_toegang_of_the_clients_municipality_decides(contracted: Contracted, actor_key: str) -> None:
    allocation = _request(contracted)
    actor = contracted.world.user(actor_key)

    assert not policy.can_decide_allocations(actor, contracted.world.own)
    with pytest.raises(policy.AccessDenied):
        services.allocation_approve(
            actor=actor,
            allocation=allocation,
            volume=1,
            start_date=today(),
            end_date=today(),
            access_point=WEB,
        )
    with pytest.raises(policy.AccessDenied):
        services.allocation_reject(actor=actor, allocation=allocation, reason="Nee.", access_point=WEB)
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.REQUESTED


def test_can_decide_allocations_without_client(world: World) -> None:
    assert policy.can_decide_allocations(world.toegang)
    assert policy.can_decide_allocations(world.toegang_other)
    assert not policy.can_decide_allocations(world.coach)
    assert not policy.can_decide_allocations(world.beleid)


# --- covering and consuming (TR rules) ---------------------------------------------------------


def test_allocation_covering(contracted: Contracted) -> None:
    client = contracted.world.own
    allocation = AllocationFactory.create(approved=True, product=contracted.first, client=client, volume=2)
    AllocationFactory.create(product=contracted.first, client=client)  # a request covers nothing
    on = today()

    assert selectors.allocation_covering(client=client, module_code=FIRST, on=on) == allocation
    assert selectors.allocation_covering(client=client, module_code=NEXT, on=on) is None
    assert selectors.allocation_covering(client=client, module_code=FIRST, on=on - datetime.timedelta(days=1)) is None
    assert selectors.allocation_covering(client=contracted.world.team, module_code=FIRST, on=on) is None

    services.allocation_consume(allocation=allocation, on=on)
    assert selectors.allocation_covering(client=client, module_code=FIRST, on=on) == allocation
    services.allocation_consume(allocation=allocation, on=on)
    assert selectors.allocation_covering(client=client, module_code=FIRST, on=on) is None


def test_covering_prefers_the_allocation_ending_first(contracted: Contracted) -> None:
    client = contracted.world.own
    later = AllocationFactory.create(
        approved=True, product=contracted.first, client=client, end_date=today() + datetime.timedelta(days=300)
    )
    sooner = AllocationFactory.create(
        approved=True, product=contracted.first, client=client, end_date=today() + datetime.timedelta(days=30)
    )

    assert selectors.allocation_covering(client=client, module_code=FIRST, on=today()) == sooner
    assert later != sooner


def test_consume_counts_one_module(contracted: Contracted) -> None:
    allocation = AllocationFactory.create(approved=True, product=contracted.first, volume=3)

    result = services.allocation_consume(allocation=allocation, on=today())

    assert result is allocation
    assert allocation.volume_used == 1
    allocation.refresh_from_db()
    assert allocation.volume_used == 1


@pytest.mark.parametrize("status", [AllocationStatus.REQUESTED, AllocationStatus.REJECTED, AllocationStatus.DELETED])
def test_consume_needs_an_approved_allocation(contracted: Contracted, status: str) -> None:
    allocation = AllocationFactory.create(product=contracted.first, status=status)

    with pytest.raises(ValidationError, match="not approved"):
        services.allocation_consume(allocation=allocation, on=today())


def test_consume_inside_the_period_tr307_tr308(contracted: Contracted) -> None:
    allocation = AllocationFactory.create(approved=True, product=contracted.first, volume=5)
    assert allocation.start_date is not None and allocation.end_date is not None
    before = allocation.start_date - datetime.timedelta(days=1)
    after = allocation.end_date + datetime.timedelta(days=1)

    for on in (before, after):
        with pytest.raises(ValidationError, match="TR307/TR308"):
            services.allocation_consume(allocation=allocation, on=on)
    services.allocation_consume(allocation=allocation, on=allocation.start_date)
    services.allocation_consume(allocation=allocation, on=allocation.end_date)
    assert allocation.volume_used == 2


def test_consume_within_the_volume_tr321_tr322(contracted: Contracted) -> None:
    allocation = AllocationFactory.create(approved=True, product=contracted.first, volume=1)
    services.allocation_consume(allocation=allocation, on=today())

    with pytest.raises(ValidationError, match="TR321/TR322"):
        services.allocation_consume(allocation=allocation, on=today())
    allocation.refresh_from_db()
    assert allocation.volume_used == 1


def test_consume_within_the_budget_tr369(contracted: Contracted) -> None:
    allocation = AllocationFactory.create(
        approved=True, product=contracted.first, volume=2, budget_cents=TARIFF_FIRST + TARIFF_FIRST // 2
    )
    services.allocation_consume(allocation=allocation, on=today())

    with pytest.raises(ValidationError, match="TR369"):
        services.allocation_consume(allocation=allocation, on=today())
    assert selectors.allocation_covering(client=allocation.client, module_code=FIRST, on=today()) is None


def test_consume_with_actor_writes_the_access_log(contracted: Contracted) -> None:
    allocation = AllocationFactory.create(approved=True, product=contracted.first, client=contracted.world.own)

    services.allocation_consume(allocation=allocation, on=today(), actor=contracted.world.coach, access_point=WEB)

    entry = AccessLogEntry.objects.get(action="allocation.consume")
    assert entry.client_public_id == contracted.world.own.public_id


# --- budgets -----------------------------------------------------------------------------------


def test_budget_overview_granted_against_used(mandated: Contracted) -> None:
    world = mandated.world
    year = today().year
    first = _approve(mandated, _request(mandated), volume=2)
    services.allocation_consume(allocation=first, on=today())
    _request(mandated, NEXT)  # via the mandate: granted at once
    ContractFactory.create(municipality=world.municipality_b, provider=world.provider)

    [line] = selectors.budget_overview(actor=world.toegang, year=year)

    assert line.contract == mandated.contract
    assert line.yearly_budget_cents == 25_000_000
    assert line.granted_cents == 2 * TARIFF_FIRST + TARIFF_NEXT
    assert line.used_cents == TARIFF_FIRST
    assert line.remaining_cents == 25_000_000 - (2 * TARIFF_FIRST + TARIFF_NEXT)
    assert [line.contract for line in selectors.budget_overview(actor=world.beleid, year=year)] == [mandated.contract]
    assert len(selectors.budget_overview(actor=world.beheerder, year=year)) == 2
    assert len(selectors.budget_overview(actor=world.teamleider, year=year)) == 2
    assert selectors.budget_overview(actor=world.toegang, year=year + 1)[0].granted_cents == 0
    with pytest.raises(policy.AccessDenied):
        selectors.budget_overview(actor=world.coach, year=year)


def test_allocation_list_is_only_for_toegang(contracted: Contracted) -> None:
    _request(contracted)
    world = contracted.world

    page = selectors.allocation_list_for_municipality(actor=world.toegang, access_point=WEB)
    other = selectors.allocation_list_for_municipality(actor=world.toegang_other, access_point=WEB)

    assert [allocation.client for allocation in page.object_list] == [world.own]
    assert page.object_list[0].module_name == "Kennismaken"
    assert list(other.object_list) == []
    with pytest.raises(policy.AccessDenied):
        selectors.allocation_list_for_municipality(actor=world.coach, access_point=WEB)


def test_list_shows_open_requests_first_and_filters_by_status(contracted: Contracted) -> None:
    world = contracted.world
    approved = _approve(contracted, _request(contracted))
    pending = _request(contracted, NEXT)

    page = selectors.allocation_list_for_municipality(actor=world.toegang, access_point=WEB)
    only_approved = selectors.allocation_list_for_municipality(
        actor=world.toegang, access_point=WEB, status=AllocationStatus.APPROVED
    )

    assert list(page.object_list) == [pending, approved]
    assert list(only_approved.object_list) == [approved]


# --- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "months", "expected"),
    [
        (datetime.date(2026, 1, 15), 6, datetime.date(2026, 7, 15)),
        (datetime.date(2026, 8, 31), 6, datetime.date(2027, 2, 28)),
        (datetime.date(2027, 8, 31), 6, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 1), 1, datetime.date(2027, 1, 1)),
    ],
)
def test_add_months(on: datetime.date, months: int, expected: datetime.date) -> None:
    assert add_months(on, months) == expected

"""Regional contracts (jeugdregio): one tariff list for the members, a budget share per member and year."""

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from coachcare.audit.services import AccessPoint
from coachcare.contracts import selectors, services
from coachcare.contracts.models import AllocationStatus, Contract
from coachcare.core.dates import today
from coachcare.municipalities import services as municipality_services
from coachcare.municipalities.models import Region
from tests.conftest import World
from tests.contracts.conftest import FIRST, NEXT, TARIFF_FIRST
from tests.contracts.factories import ContractFactory
from tests.method.factories import MethodVersionFactory, ModuleFactory
from tests.municipalities.factories import MunicipalityFactory, RegionFactory

WEB = AccessPoint(channel="web", address="127.0.0.1")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _region(world: World) -> Region:
    region = RegionFactory.create(name="Regio Midden", lead_municipality=world.municipality_a)
    start = datetime.date(today().year - 1, 1, 1)
    for municipality in (world.municipality_a, world.municipality_b):
        municipality_services.region_membership_add(region=region, municipality=municipality, valid_from=start)
    return region


def _regional(world: World, *, budget: int | None = 1_000_000) -> Contract:
    version = MethodVersionFactory.create(version="2026.1", is_current=True)
    ModuleFactory.create(method_version=version, code=FIRST, ijw_product_code="45A01")
    ModuleFactory.create(method_version=version, code=NEXT, ijw_product_code="45A02")
    contract = services.regional_contract_create(
        region=_region(world),
        provider=world.provider,
        valid_from=datetime.date(today().year, 1, 1),
        yearly_budget_cents=budget,
    )
    services.contract_product_add(contract=contract, module_code=FIRST, tariff_cents=TARIFF_FIRST)
    services.contract_product_add(contract=contract, module_code=NEXT, tariff_cents=145_000)
    return contract


def test_every_member_takes_part_with_the_one_tariff_list(world: World) -> None:
    contract = _regional(world)

    parts = {part.municipality: part for part in contract.parts.all()}
    assert set(parts) == {world.municipality_a, world.municipality_b}
    part = parts[world.municipality_a]
    assert part.valid_from == contract.valid_from and part.yearly_budget_cents is None
    assert selectors.contract_valid_for(municipality=world.municipality_a, provider=world.provider, on=today()) == part
    assert list(selectors.contract_tariff_list(contract=part)) == list(contract.products.all())
    with pytest.raises(ValidationError, match="regional tariff list"):
        services.contract_product_add(contract=part, module_code=FIRST, tariff_cents=1)


def test_a_request_of_a_member_uses_the_regional_contract_as_its_municipality(world: World) -> None:
    contract = _regional(world)
    allocation = services.allocation_request(actor=world.coach, client=world.own, module_code=FIRST, access_point=WEB)

    # the municipality still decides, and its iJw messages and declarations go under its own code
    assert allocation.contract.municipality == world.municipality_a
    assert allocation.contract.part_of == contract
    assert allocation.product.contract == contract and allocation.product.tariff_cents == TARIFF_FIRST


def test_a_member_with_a_contract_of_its_own_cannot_take_part(world: World) -> None:
    ContractFactory.create(municipality=world.municipality_b, provider=world.provider)
    with pytest.raises(ValidationError, match="Amsterdam already has a contract"):
        _regional(world)
    # and the other way round: a member's own contract overlapping its part
    Contract.objects.filter(municipality=world.municipality_b).delete()
    _regional_contract = _regional_no_catalogue(world)
    with pytest.raises(ValidationError, match="cannot overlap"):
        services.contract_create(
            municipality=world.municipality_b,
            provider=world.provider,
            valid_from=_regional_contract.valid_from,
        )


def _regional_no_catalogue(world: World) -> Contract:
    return services.regional_contract_create(
        region=Region.objects.get(name="Regio Midden"),
        provider=world.provider,
        valid_from=datetime.date(today().year, 1, 1),
    )


def test_shares_are_amounts_or_percentages_and_not_over_the_budget(world: World) -> None:
    contract = _regional(world, budget=1_000_001)
    year = today().year
    a, b = world.municipality_a, world.municipality_b

    with pytest.raises(ValidationError, match="more than the budget of"):
        services.regional_budget_shares_set(
            contract=contract, year=year, shares={a: (600_000, None), b: (400_002, None)}
        )
    with pytest.raises(ValidationError, match="more than the budget of"):
        services.regional_budget_shares_set(
            contract=contract, year=year, shares={a: (None, Decimal(60)), b: (None, Decimal("40.01"))}
        )
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.regional_budget_shares_set(contract=contract, year=year, shares={a: (-1, None)})
    with pytest.raises(ValidationError, match="does not take part"):
        services.regional_budget_shares_set(
            contract=contract,
            year=year,
            shares={a: (500_000, None), b: (500_001, None), MunicipalityFactory.create(name="Ede"): (0, None)},
        )
    with pytest.raises(ValidationError, match="not both"):
        services.regional_budget_shares_set(
            contract=contract, year=year, shares={a: (500_000, Decimal(50)), b: (500_001, None)}
        )

    services.regional_budget_shares_set(
        contract=contract, year=year, shares={a: (None, Decimal("33.33")), b: (None, Decimal("66.67"))}
    )
    shares = selectors.regional_budget_shares(contract=contract, year=year)
    assert sum(shares.values()) == 1_000_001 and shares[a.pk] == 333_300
    # an amount for one and a percentage for the other is fine as long as they are not over the budget
    services.regional_budget_shares_set(
        contract=contract, year=year, shares={a: (400_000, None), b: (None, Decimal(60))}
    )
    assert selectors.regional_budget_shares(contract=contract, year=year) == {a.pk: 400_000, b.pk: 600_001}
    # one member without a share: it draws on the remainder (what the shares leave)
    services.regional_budget_shares_set(contract=contract, year=year, shares={a: (400_000, None)})
    part_b = contract.parts.get(municipality=b)
    assert selectors.contract_remaining_cents(contract=part_b, year=year) == 600_001


def test_shares_follow_the_budget_path_of_their_year(world: World) -> None:
    contract = _regional(world, budget=1_000_000)
    year = today().year
    services.contract_budget_plan(contract=contract, year=year, planned_cents=500_000)
    services.regional_budget_shares_set(
        contract=contract, year=year, shares={world.municipality_a: (None, Decimal(50))}
    )
    assert selectors.regional_budget_shares(contract=contract, year=year) == {world.municipality_a.pk: 250_000}
    with pytest.raises(ValidationError, match="more than the budget"):
        services.regional_budget_shares_set(
            contract=contract, year=year, shares={world.municipality_a: (500_001, None)}
        )


def test_budget_checks_use_the_municipality_s_share(world: World) -> None:
    contract = _regional(world, budget=10 * TARIFF_FIRST)
    year = today().year
    services.regional_budget_shares_set(
        contract=contract,
        year=year,
        shares={world.municipality_a: (TARIFF_FIRST, None), world.municipality_b: (9 * TARIFF_FIRST, None)},
    )
    part_a = contract.parts.get(municipality=world.municipality_a)
    assert selectors.contract_remaining_cents(contract=part_a, year=year) == TARIFF_FIRST

    def request_and_approve(client_key: str, volume: int = 1) -> None:
        client = world.client(client_key)
        allocation = services.allocation_request(
            actor=world.coach if client_key != "other_team" else world.user("coach_other_team"),
            client=client,
            module_code=FIRST,
            access_point=WEB,
        )
        services.allocation_approve(
            actor=world.toegang if client_key != "other_team" else world.toegang_other,
            allocation=allocation,
            volume=volume,
            start_date=today(),
            end_date=today() + datetime.timedelta(days=90),
            access_point=WEB,
        )

    request_and_approve("own")
    assert selectors.contract_remaining_cents(contract=part_a, year=year) == 0
    with pytest.raises(ValidationError, match="remaining yearly budget"):
        request_and_approve("team")  # Utrecht's share is used up ...
    request_and_approve("other_team", volume=2)  # ... Amsterdam's is not
    part_b = contract.parts.get(municipality=world.municipality_b)
    assert selectors.contract_remaining_cents(contract=part_b, year=year) == 7 * TARIFF_FIRST
    # without shares for a year, a member may use what is left of the region's budget
    assert selectors.contract_remaining_cents(contract=part_a, year=year + 1) == 10 * TARIFF_FIRST
    assert selectors.contract_remaining_cents(contract=contract, year=year) == 7 * TARIFF_FIRST
    assert part_a.allocations.filter(status=AllocationStatus.APPROVED).count() == 1


def test_a_new_member_gets_its_part_from_the_day_it_joins(world: World) -> None:
    contract = _regional(world)
    ede = MunicipalityFactory.create(name="Ede")
    joined = datetime.date(today().year, 7, 1)
    municipality_services.region_membership_add(region=contract.region, municipality=ede, valid_from=joined)  # type: ignore[arg-type]
    services.regional_contract_parts_sync(contract=contract)
    services.regional_contract_parts_sync(contract=contract)  # twice: nothing doubles

    assert contract.parts.get(municipality=ede).valid_from == joined
    assert contract.parts.count() == 3

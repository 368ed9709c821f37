"""A municipal merger (herindeling): ``municipality_merge --from CODES --into CODE --on DATE`` moves
residents, active trajectories, contracts and open allocations to the new municipality, all or
nothing (docs/legal-basis.md, "Herindeling")."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client, MunicipalityChange
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import Allocation, AllocationStatus, Contract, ContractBudgetYear, LumpSumInstalment
from coachcare.core.dates import today
from coachcare.municipalities import services as municipality_services
from coachcare.municipalities.models import Municipality, MunicipalityMerger, RegionMembership
from coachcare.providers.models import Provider
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.conftest import World
from tests.contracts.factories import AllocationFactory, ContractFactory, ContractProductFactory
from tests.municipalities.factories import MunicipalityFactory, RegionFactory
from tests.providers.factories import ProviderFactory
from tests.trajectories.test_temporary_end import running

DAY = datetime.timedelta(days=1)


def _merge(*args: str) -> str:
    out = io.StringIO()
    call_command("municipality_merge", *args, stdout=out)
    return out.getvalue()


def test_a_merger_moves_residents_trajectories_contracts_and_open_allocations(contracted: World) -> None:
    world = contracted
    trajectory = running(world)
    run = ModuleRun.objects.get(trajectory=trajectory)
    old = world.municipality_a
    new = MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    old_contract = Contract.objects.get(municipality=old)

    output = _merge("--from", old.code, "--into", new.code, "--on", today().isoformat())

    assert f"{old.code} {old.name} -> 1999 Nieuwgemeente: 2 clients, 1 active trajectories" in output
    assert "Merged 1 municipalities into 1999" in output and "1 open allocations moved" in output
    assert set(Client.objects.filter(municipality=new).values_list("pk", flat=True)) == {world.own.pk, world.team.pk}
    assert Client.objects.get(pk=world.other_team.pk).municipality == world.municipality_b  # not merged
    change = MunicipalityChange.objects.get(client=world.own)
    assert (change.kind, change.from_municipality, change.to_municipality, change.effective_on) == (
        "merger",
        old,
        new,
        today(),
    )
    assert Trajectory.objects.get(pk=trajectory.pk).municipality == new
    old_contract.refresh_from_db()
    assert old_contract.valid_to == today() - DAY
    successor = Contract.objects.get(municipality=new)
    assert (successor.valid_from, successor.mandate) == (today(), old_contract.mandate)
    assert sorted(successor.products.values_list("module_code", "tariff_cents")) == sorted(
        old_contract.products.values_list("module_code", "tariff_cents")
    )
    assert run.allocation is not None
    allocation = Allocation.objects.select_related("product").get(pk=run.allocation.pk)
    assert (allocation.contract, allocation.product.contract) == (successor, successor)
    assert allocation.toewijzing_nummer == run.allocation.toewijzing_nummer  # the successor takes it over
    assert MunicipalityMerger.objects.get(old=old).new == new
    assert not Municipality.objects.get(pk=old.pk).is_active
    assert AccessLogEntry.objects.filter(action="client.municipality_merge").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "0344", "9998", "--into", "1999"], "9998 is unknown"),
        (["--from", "0344", "--into", "0344"], "cannot be one of the old ones"),
        (["--from", "34x", "--into", "1999"], "is not a CBS municipality code"),
    ],
)
def test_a_wrong_merger_changes_nothing(contracted: World, args: list[str], message: str) -> None:
    world = contracted
    MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    assert world.municipality_a.code == "0344"

    with pytest.raises(CommandError) as exc_info:
        _merge(*args, "--on", today().isoformat())

    assert message in str(exc_info.value)
    assert not MunicipalityMerger.objects.exists() and not MunicipalityChange.objects.exists()
    assert Client.objects.filter(municipality=world.municipality_a).count() == 2


def test_a_merger_in_the_future_is_refused(contracted: World) -> None:
    MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    with pytest.raises(CommandError, match="not in advance"):
        _merge("--from", "0344", "--into", "1999", "--on", (today() + DAY).isoformat())


def test_the_successor_takes_over_the_budget_path_and_the_planned_instalments(contracted: World) -> None:
    """The merger year's budget splits (the old contract keeps what it granted and paid), later
    planned years and the planned instalments move; an instalment across the day is split by days."""
    world = contracted
    on, year = today(), today().year
    old_contract = Contract.objects.get(municipality=world.municipality_a)
    ContractBudgetYear.objects.create(contract=old_contract, year=year, planned_cents=8_000_000)
    ContractBudgetYear.objects.create(contract=old_contract, year=year + 1, planned_cents=7_000_000)
    product = old_contract.products.first()
    assert product is not None
    AllocationFactory.create(
        client=world.own,
        contract=old_contract,
        product=product,
        approved=True,
        status=AllocationStatus.ENDED,
        start_date=on,
        end_date=on,
    )  # granted by the old contract: 125,000
    paid = LumpSumInstalment.objects.create(
        contract=old_contract,
        period_start=on - 2 * DAY,
        period_end=on - 2 * DAY,
        amount_cents=5_000,
        status="paid",
        paid_on=on,
    )
    across = LumpSumInstalment.objects.create(
        contract=old_contract, period_start=on - DAY, period_end=on + 28 * DAY, amount_cents=30_000
    )
    later = LumpSumInstalment.objects.create(
        contract=old_contract, period_start=on + 29 * DAY, period_end=on + 58 * DAY, amount_cents=30_000
    )
    new = MunicipalityFactory.create(code="1999", name="Nieuwgemeente")

    _merge("--from", world.municipality_a.code, "--into", new.code, "--on", on.isoformat())

    successor = Contract.objects.get(municipality=new)
    across.refresh_from_db()
    assert (across.contract, across.period_end, across.amount_cents) == (old_contract, on - DAY, 1_000)  # 1 of 30 days
    assert LumpSumInstalment.objects.get(pk=paid.pk).contract == old_contract  # paid: stays
    assert LumpSumInstalment.objects.get(pk=later.pk).contract == successor
    assert sorted(successor.instalments.values_list("period_start", "amount_cents")) == [
        (on, 29_000),
        (on + 29 * DAY, 30_000),
    ]
    kept = 125_000 + (1_000 if (on - DAY).year == year else 0) + (5_000 if (on - 2 * DAY).year == year else 0)
    assert dict(old_contract.budget_years.values_list("year", "planned_cents")) == {year: kept}
    assert dict(successor.budget_years.values_list("year", "planned_cents")) == {
        year: 8_000_000 - kept,
        year + 1: 7_000_000,
    }
    total = sum(ContractBudgetYear.objects.filter(year=year).values_list("planned_cents", flat=True))
    assert total == 8_000_000  # nothing lost, nothing doubled


def test_an_existing_successor_adds_the_rest_to_its_own_budget(contracted: World) -> None:
    world = contracted
    on, year = today(), today().year
    new = MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    own = ContractFactory.create(
        municipality=new, provider=world.provider, valid_from=on - 60 * DAY, yearly_budget_cents=1_000_000
    )
    for product in Contract.objects.get(municipality=world.municipality_a).products.all():
        ContractProductFactory.create(contract=own, module_code=product.module_code)

    _merge("--from", world.municipality_a.code, "--into", new.code, "--on", on.isoformat())

    # the old contract had 10,000,000 a year and granted nothing: all of it goes on top of the new one's
    assert dict(own.budget_years.values_list("year", "planned_cents")) == {year: 11_000_000}
    old_contract = Contract.objects.get(municipality=world.municipality_a)
    assert dict(old_contract.budget_years.values_list("year", "planned_cents")) == {year: 0}


def _region_with_shares(world: World) -> tuple[Contract, Provider]:
    provider = ProviderFactory.create()
    region = RegionFactory.create(name="Regio Midden", lead_municipality=world.municipality_b)
    for municipality in (world.municipality_a, world.municipality_b):
        municipality_services.region_membership_add(
            region=region, municipality=municipality, valid_from=datetime.date(today().year - 1, 1, 1)
        )
    regional = contract_services.regional_contract_create(
        region=region,
        provider=provider,
        valid_from=datetime.date(today().year, 1, 1),
        yearly_budget_cents=1_000_000,
    )
    contract_services.regional_budget_shares_set(
        contract=regional,
        year=today().year,
        shares={world.municipality_a: (600_000, None), world.municipality_b: (None, Decimal(40))},
    )
    return regional, provider


def test_the_new_municipality_joins_the_region_with_the_old_one_s_share(contracted: World) -> None:
    world = contracted
    regional, provider = _region_with_shares(world)
    on, year = today(), today().year
    new = MunicipalityFactory.create(code="1999", name="Nieuwgemeente")

    _merge("--from", world.municipality_a.code, "--into", new.code, "--on", on.isoformat())

    memberships = RegionMembership.objects.filter(region=regional.region)
    assert memberships.get(municipality=world.municipality_a).valid_to == on - DAY
    assert (memberships.get(municipality=new).valid_from, memberships.get(municipality=new).valid_to) == (on, None)
    assert regional.parts.get(municipality=world.municipality_a).valid_to == on - DAY
    new_part = regional.parts.get(municipality=new)
    assert (new_part.valid_from, new_part.provider) == (on, provider)
    # the old municipality granted nothing this year: its whole share goes to the new one
    assert contract_selectors.regional_budget_shares(contract=regional, year=year) == {
        new.pk: 600_000,
        world.municipality_b.pk: 400_000,
    }


def test_a_merger_into_a_municipality_of_another_region_is_refused(contracted: World) -> None:
    world = contracted
    _region_with_shares(world)
    new = MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    municipality_services.region_membership_add(
        region=RegionFactory.create(name="Regio Oost", lead_municipality=new),
        municipality=new,
        valid_from=datetime.date(today().year - 1, 1, 1),
    )

    with pytest.raises(CommandError, match="Nieuwgemeente belongs to region Regio Oost"):
        _merge("--from", world.municipality_a.code, "--into", new.code, "--on", today().isoformat())
    assert not MunicipalityMerger.objects.exists()

"""The administrator keeps contracts and tariffs; allocations are read-only in the admin."""

import datetime
from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.accounts.services import role_permissions_apply
from coachcare.contracts.models import Contract
from coachcare.municipalities.services import region_membership_add
from tests.contracts.conftest import FIRST, Contracted
from tests.contracts.factories import AllocationFactory
from tests.municipalities.factories import RegionFactory

Login = Callable[[User], HttpClient]


def _contract_post(contracted: Contracted, **overrides: str) -> dict[str, str]:
    data = {
        "municipality": str(contracted.world.municipality_b.pk),
        "provider": str(contracted.world.provider.pk),
        "valid_from": "2026-01-01",
        "valid_to": "",
        "yearly_budget_cents": "",
        "products-TOTAL_FORMS": "1",
        "products-INITIAL_FORMS": "0",
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "1000",
        "products-0-module_code": FIRST,
        "products-0-ijw_product_category": "45",
        "products-0-ijw_product_code": "45A01",
        "products-0-unit": "82",
        "products-0-tariff_cents": "125000",
        "products-0-funding_model": "outputgericht",
        "products-0-frequency": "6",
        "products-0-volume_per_module": "1",
        "budget_years-TOTAL_FORMS": "1",
        "budget_years-INITIAL_FORMS": "0",
        "budget_years-MIN_NUM_FORMS": "0",
        "budget_years-MAX_NUM_FORMS": "1000",
        "budget_years-0-year": "2027",
        "budget_years-0-planned_cents": "9500000",
        "instalments-TOTAL_FORMS": "0",
        "instalments-INITIAL_FORMS": "0",
        "instalments-MIN_NUM_FORMS": "0",
        "instalments-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_administrator_adds_a_contract_with_products(contracted: Contracted, login: Login) -> None:
    beheerder = contracted.world.beheerder
    role_permissions_apply(user=beheerder)
    http = login(beheerder)

    response = http.post(reverse("admin:contracts_contract_add"), _contract_post(contracted))

    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get(municipality=contracted.world.municipality_b)
    assert contract.products.get().tariff_cents == 125_000
    assert contract.products.get().funding_model == "outputgericht"
    assert list(contract.budget_years.values_list("year", "planned_cents")) == [(2027, 9_500_000)]


def test_admin_refuses_overlap_and_unknown_modules(contracted: Contracted, login: Login) -> None:
    beheerder = contracted.world.beheerder
    role_permissions_apply(user=beheerder)
    http = login(beheerder)

    overlap = http.post(
        reverse("admin:contracts_contract_add"),
        _contract_post(contracted, municipality=str(contracted.world.municipality_a.pk), valid_from="2020-01-01"),
    )
    unknown = http.post(
        reverse("admin:contracts_contract_add"), _contract_post(contracted, **{"products-0-module_code": "CC-NEE"})
    )

    assert overlap.status_code == 200
    assert "cannot overlap" in overlap.content.decode() or "overlappen" in overlap.content.decode()
    assert unknown.status_code == 200
    assert Contract.objects.count() == 1


def test_allocations_are_read_only_in_the_admin(contracted: Contracted, login: Login) -> None:
    beheerder = contracted.world.beheerder
    role_permissions_apply(user=beheerder)
    allocation = AllocationFactory.create(approved=True, product=contracted.first, client=contracted.world.own)
    http = login(beheerder)

    changelist = http.get(reverse("admin:contracts_allocation_changelist"))
    change = http.get(reverse("admin:contracts_allocation_change", args=[allocation.pk]))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert contracted.world.own.bsn not in change.content.decode()
    assert http.get(reverse("admin:contracts_allocation_add")).status_code == 403
    assert http.post(reverse("admin:contracts_allocation_change", args=[allocation.pk]), {}).status_code == 403


def test_administrator_makes_a_regional_contract_and_every_member_gets_its_part(
    contracted: Contracted, login: Login
) -> None:
    world = contracted.world
    beheerder = world.beheerder
    role_permissions_apply(user=beheerder)
    http = login(beheerder)
    contracted.contract.products.all().delete()
    Contract.objects.filter(pk=contracted.contract.pk).delete()
    region = RegionFactory.create(name="Regio Midden", lead_municipality=world.municipality_a)
    for municipality in (world.municipality_a, world.municipality_b):
        region_membership_add(region=region, municipality=municipality, valid_from=datetime.date(2025, 1, 1))

    both = http.post(reverse("admin:contracts_contract_add"), _contract_post(contracted, region=str(region.pk)))
    assert both.status_code == 200  # a municipality and a region: refused
    response = http.post(
        reverse("admin:contracts_contract_add"), _contract_post(contracted, municipality="", region=str(region.pk))
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    regional = Contract.objects.get(region=region)
    assert regional.products.get().tariff_cents == 125_000
    assert {part.municipality for part in regional.parts.all()} == {world.municipality_a, world.municipality_b}
    assert http.get(reverse("admin:municipalities_region_change", args=[region.pk])).status_code == 200

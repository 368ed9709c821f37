"""The demo data: two contracts with the four demo modules, and one open request for Utrecht."""

import pytest
from django.core.management import call_command

from coachcare.contracts.models import Allocation, AllocationStatus, Contract, ContractProduct, FundingModel
from coachcare.core.dates import today

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    call_command("seed_demo", "--force", "--history", "0")


def test_demo_contracts(seeded: None) -> None:
    utrecht = Contract.objects.get(municipality__code="0344")
    amsterdam = Contract.objects.get(municipality__code="0363")

    assert utrecht.provider.name == amsterdam.provider.name == "Coach & Care Demo"
    assert set(
        ContractProduct.objects.filter(contract__in=[utrecht, amsterdam]).values_list("funding_model", flat=True)
    ) == {FundingModel.OUTPUT}
    assert utrecht.mandate and not amsterdam.mandate
    assert utrecht.yearly_budget_cents == 180_000_000
    assert utrecht.valid_from == today().replace(year=today().year - 3, month=1, day=1)
    for contract in (utrecht, amsterdam):
        products = {
            product.module_code: (product.ijw_product_category, product.ijw_product_code, product.tariff_cents)
            for product in contract.products.all()
        }
        assert products == {
            "CC-KENNISMAKING": ("45", "45A01", 125_000),
            "CC-DAGRITME": ("45", "45A02", 145_000),
            "CC-COMMUNICATIE-THUIS": ("45", "45A03", 145_000),
            "CC-ZELFSTANDIG-VERDER": ("45", "45A04", 145_000),
        }


def test_demo_has_one_open_request_in_utrecht(seeded: None) -> None:
    [allocation] = Allocation.objects.all()

    assert allocation.status == AllocationStatus.REQUESTED
    assert allocation.client.municipality.code == "0344"
    assert allocation.product.module_code == "CC-KENNISMAKING"


def test_running_twice_adds_nothing(seeded: None) -> None:
    before = (Contract.objects.count(), ContractProduct.objects.count(), Allocation.objects.count())

    call_command("seed_demo", "--force", "--history", "0")

    assert (Contract.objects.count(), ContractProduct.objects.count(), Allocation.objects.count()) == before

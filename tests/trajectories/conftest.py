import datetime
from collections.abc import Iterator

import pytest
from django.utils import translation

from coachcare.contracts import services as contract_services
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from tests.conftest import World

#: The demo method package's modules, in their suggested order.
MODULES = ["CC-KENNISMAKING", "CC-DAGRITME", "CC-COMMUNICATIE-THUIS", "CC-ZELFSTANDIG-VERDER"]


@pytest.fixture(autouse=True)
def _english_reasons() -> Iterator[None]:
    """The service tests match the reasons in English; the Dutch screens are tested through HTTP
    (where the locale middleware picks the language) and in the browser tests."""
    with translation.override("en"):
        yield


@pytest.fixture
def contracted(world: World) -> World:
    """The demo method and a contract with a mandate between municipality A and the provider."""
    method_demo_package_install()
    contract = contract_services.contract_create(
        municipality=world.municipality_a,
        provider=world.provider,
        valid_from=today() - datetime.timedelta(days=30),
        mandate=True,
        yearly_budget_cents=10_000_000,
    )
    for code in MODULES:
        contract_services.contract_product_add(contract=contract, module_code=code, tariff_cents=125_000)
    return world

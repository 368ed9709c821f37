"""A contracted world: municipality A buys two modules of the current method version from the provider."""

import dataclasses

import pytest

from coachcare.contracts.models import Contract, ContractProduct
from coachcare.method.models import Module
from tests.conftest import World
from tests.contracts.factories import ContractFactory, ContractProductFactory
from tests.method.factories import MethodVersionFactory, ModuleFactory

FIRST = "CC-EERSTE"
NEXT = "CC-VOLGENDE"
TARIFF_FIRST = 125_000
TARIFF_NEXT = 145_000


@dataclasses.dataclass
class Contracted:
    world: World
    contract: Contract
    first: ContractProduct
    next: ContractProduct
    modules: list[Module]


def _contracted(world: World, **contract_fields: object) -> Contracted:
    version = MethodVersionFactory.create(version="2026.1", is_current=True)
    modules = [
        ModuleFactory.create(method_version=version, code=FIRST, name="Kennismaken", ijw_product_code="45A01"),
        ModuleFactory.create(method_version=version, code=NEXT, name="Dagritme", ijw_product_code="45A02"),
    ]
    contract = ContractFactory.create(municipality=world.municipality_a, provider=world.provider, **contract_fields)
    return Contracted(
        world=world,
        contract=contract,
        first=ContractProductFactory.create(contract=contract, module_code=FIRST, tariff_cents=TARIFF_FIRST),
        next=ContractProductFactory.create(contract=contract, module_code=NEXT, tariff_cents=TARIFF_NEXT),
        modules=modules,
    )


@pytest.fixture
def contracted(world: World) -> Contracted:
    """Per module, no mandate, no budget cap."""
    return _contracted(world)


@pytest.fixture
def mandated(world: World) -> Contracted:
    """Per module with a mandate and a yearly budget of € 250.000."""
    return _contracted(world, with_mandate=True)

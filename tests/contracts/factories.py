import datetime

import factory
from django.utils import timezone

from coachcare.contracts.models import Allocation, AllocationStatus, Contract, ContractProduct, FundingModel
from coachcare.core.dates import today
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory
from tests.municipalities.factories import MunicipalityFactory
from tests.providers.factories import ProviderFactory


class ContractFactory(factory.django.DjangoModelFactory[Contract]):
    """A contract valid from 1 January this year, without an end date or a budget."""

    class Meta:
        model = Contract

    class Params:
        with_mandate = factory.Trait(mandate=True, yearly_budget_cents=25_000_000)

    municipality = factory.SubFactory(MunicipalityFactory)
    provider = factory.SubFactory(ProviderFactory)
    mandate = False
    valid_from = factory.LazyFunction(lambda: datetime.date(today().year, 1, 1))
    valid_to = None
    yearly_budget_cents = None


class ContractProductFactory(factory.django.DjangoModelFactory[ContractProduct]):
    class Meta:
        model = ContractProduct

    contract = factory.SubFactory(ContractFactory)
    module_code = factory.Sequence(lambda n: f"CC-PRODUCT-{n + 1}")
    ijw_product_category = "45"
    ijw_product_code = factory.Sequence(lambda n: f"45P{n % 100:02d}")
    funding_model = FundingModel.OUTPUT
    unit = "82"
    tariff_cents = 125_000


class AllocationFactory(factory.django.DjangoModelFactory[Allocation]):
    """An open request (JW315); ``approved=True`` for a granted allocation of today + 180 days."""

    class Meta:
        model = Allocation

    class Params:
        approved = factory.Trait(
            status=AllocationStatus.APPROVED,
            toewijzing_nummer=factory.Sequence(lambda n: f"{9_000_000_000 + n:010d}"),
            start_date=factory.LazyFunction(today),
            end_date=factory.LazyFunction(lambda: today() + datetime.timedelta(days=180)),
            budget_cents=factory.LazyAttribute(lambda o: o.volume * o.product.tariff_cents),
            decided_at=factory.LazyFunction(timezone.now),
        )

    product = factory.SubFactory(ContractProductFactory)
    contract = factory.SelfAttribute("product.contract")
    client = factory.SubFactory(
        ClientFactory,
        municipality=factory.SelfAttribute("..contract.municipality"),
    )
    status = AllocationStatus.REQUESTED
    volume = 1
    volume_used = 0
    requested_by = factory.SubFactory(UserFactory, coach=True)
    requested_at = factory.LazyFunction(timezone.now)

"""Issue 18.1: three funding models per contract product, budgets over several years, lump sums."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.contracts import selectors, services
from coachcare.contracts.models import AllocationStatus, FundingModel, InstalmentStatus
from coachcare.core.dates import today
from coachcare.method.codes import Unit
from tests.clients.factories import ClientFactory
from tests.contracts.conftest import FIRST, NEXT, Contracted
from tests.contracts.factories import AllocationFactory

AP = AccessPoint(channel="web", address="127.0.0.1")
HOURLY = 12_500


def _effort(contracted: Contracted) -> None:
    """The first module bought per hour: 10 hours per module at € 125,00 an hour, per week."""
    product = contracted.first
    product.funding_model = FundingModel.EFFORT
    product.unit = Unit.HOUR
    product.tariff_cents = HOURLY
    product.volume_per_module = 10
    product.frequency = "2"
    product.save()


def _task(contracted: Contracted) -> None:
    product = contracted.first
    product.funding_model = FundingModel.TASK
    product.tariff_cents = 0
    product.save()


def test_product_checks_its_unit_and_tariff_against_its_funding_model(contracted: Contracted) -> None:
    contract = contracted.contract
    with pytest.raises(ValidationError) as output:
        services.contract_product_add(
            contract=contract, module_code="CC-X", tariff_cents=100, unit=Unit.HOUR, ijw_product_category="45"
        )
    assert "unit" in output.value.message_dict
    with pytest.raises(ValidationError) as effort:
        services.contract_product_check(
            module_code=NEXT, ijw_product_category="45", tariff_cents=100, funding_model=FundingModel.EFFORT, unit="82"
        )
    assert "unit" in effort.value.message_dict
    with pytest.raises(ValidationError) as no_tariff:
        services.contract_product_check(
            module_code=NEXT, ijw_product_category="45", tariff_cents=0, funding_model=FundingModel.EFFORT, unit="04"
        )
    assert "tariff_cents" in no_tariff.value.message_dict
    # a task-based product needs no tariff: the lump sum pays
    services.contract_product_check(
        module_code=NEXT, ijw_product_category="45", tariff_cents=0, funding_model=FundingModel.TASK, unit="82"
    )


def test_effort_based_request_carries_the_volume_in_the_products_unit(contracted: Contracted) -> None:
    _effort(contracted)
    world = contracted.world
    client = ClientFactory.create(municipality=world.municipality_a, coach=world.coach)

    allocation = services.allocation_request(actor=world.coach, client=client, module_code=FIRST, access_point=AP)

    assert allocation.volume == 10
    approved = services.allocation_approve(
        actor=world.toegang,
        allocation=allocation,
        volume=10,
        start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2026, 6, 30),
        access_point=AP,
    )
    assert approved.budget_cents == 10 * HOURLY
    # starting the module uses no time: the sessions held are declared per hour
    consumed = services.allocation_consume(allocation=approved, on=datetime.date(2026, 2, 1))
    assert consumed.volume_used == 0
    with pytest.raises(ValidationError, match="TR307"):
        services.allocation_consume(allocation=approved, on=datetime.date(2025, 12, 1))


def test_task_based_product_needs_no_allocation(contracted: Contracted) -> None:
    _task(contracted)
    world = contracted.world
    client = ClientFactory.create(municipality=world.municipality_a, coach=world.coach)

    with pytest.raises(ValidationError) as refused:
        services.allocation_request(actor=world.coach, client=client, module_code=FIRST, access_point=AP)

    assert refused.value.code == "task_funded"
    on = datetime.date(today().year, 3, 1)  # inside this year's contract
    task = FundingModel.TASK
    assert (
        selectors.contract_product_for(client=client, module_code=FIRST, on=on, funding_model=task) == contracted.first
    )
    assert selectors.contract_product_for(client=client, module_code=NEXT, on=on, funding_model=task) is None
    # One function: without a funding model it answers the product of any model.
    assert selectors.contract_product_for(client=client, module_code=NEXT, on=on) == contracted.next
    assert not hasattr(selectors, "task_funded_product")


def test_budget_path_declines_and_caps_the_grants_of_each_year(contracted: Contracted) -> None:
    contract = contracted.contract
    year = contract.valid_from.year

    path = services.contract_budget_path_set(
        contract=contract, first_year=year, first_cents=1_000_000, years=3, yearly_change_percent=-10
    )

    assert [(row.year, row.planned_cents) for row in path] == [
        (year, 1_000_000),
        (year + 1, 900_000),
        (year + 2, 810_000),
    ]
    assert selectors.contract_year_budget_cents(contract=contract, year=year + 1) == 900_000
    AllocationFactory.create(
        product=contracted.first,
        status=AllocationStatus.APPROVED,
        approved=True,
        start_date=datetime.date(year + 1, 2, 1),
        end_date=datetime.date(year + 1, 6, 1),
        budget_cents=125_000,
    )
    assert selectors.contract_remaining_cents(contract=contract, year=year + 1) == 775_000
    with pytest.raises(ValidationError):
        services.contract_budget_plan(contract=contract, year=year - 1, planned_cents=1)


def test_lump_sum_schedule_and_budget_overview_per_funding_model(contracted: Contracted) -> None:
    _task(contracted)
    contract = contracted.contract
    year = contract.valid_from.year
    services.contract_budget_plan(contract=contract, year=year, planned_cents=1_200_001)

    schedule = services.lump_sum_schedule_create(contract=contract, year=year, instalments=4)

    assert [item.amount_cents for item in schedule] == [300_000, 300_000, 300_000, 300_001]
    assert [item.period_start.month for item in schedule] == [1, 4, 7, 10]
    assert schedule[0].period_end == datetime.date(year, 3, 31)
    assert services.lump_sum_schedule_create(contract=contract, year=year, instalments=4) == schedule  # idempotent
    paid = services.lump_sum_instalment_mark_paid(instalment=schedule[0], paid_on=datetime.date(year, 1, 15))
    assert paid.status == InstalmentStatus.PAID
    with pytest.raises(ValidationError):
        services.lump_sum_instalment_mark_paid(instalment=schedule[0], paid_on=datetime.date(year, 1, 16))

    [line] = selectors.budget_overview(actor=contracted.world.toegang, year=year)

    assert line.yearly_budget_cents == 1_200_001  # the planned budget of the year
    assert line.spent_task_cents == 300_000
    assert line.spent_output_cents == line.spent_effort_cents == 0
    assert line.funding_models == (FundingModel.OUTPUT, FundingModel.TASK)
    instalments = selectors.lump_sum_instalments_for(actor=contracted.world.toegang, year=year)
    assert [item.amount_cents for item in instalments] == [300_000, 300_000, 300_000, 300_001]


def test_lump_sum_needs_a_task_based_product_and_a_budget(contracted: Contracted) -> None:
    year = contracted.contract.valid_from.year
    with pytest.raises(ValidationError) as not_task_based:
        services.lump_sum_schedule_create(contract=contracted.contract, year=year)
    assert not_task_based.value.code == "not_task_based"
    _task(contracted)
    with pytest.raises(ValidationError) as no_budget:
        services.lump_sum_schedule_create(contract=contracted.contract, year=year)
    assert no_budget.value.code == "no_budget"


def test_budget_screen_shows_the_models_the_path_and_the_instalments(
    contracted: Contracted, login: Callable[[User], HttpClient]
) -> None:
    _task(contracted)
    contract = contracted.contract
    year = today().year
    services.contract_budget_path_set(
        contract=contract, first_year=year, first_cents=1_200_000, years=2, yearly_change_percent=-5
    )
    [first, *_rest] = services.lump_sum_schedule_create(contract=contract, year=year)
    services.lump_sum_instalment_mark_paid(instalment=first, paid_on=datetime.date(year, 1, 20))

    page = login(contracted.world.toegang).get(reverse("contracts:allocation_list")).content.decode()

    assert "taakgericht (een vast bedrag per periode)" in page
    assert "outputgericht (een tarief per module)" in page
    assert "Budgetpad" in page and "€\u00a011.400,00" in page  # the second year: 5% less
    assert "Termijnen van de lumpsum" in page and "betaald" in page
    assert "€\u00a01.000,00" in page  # one monthly instalment, paid: spent from the lump sum


def test_effort_based_request_shows_its_unit_and_frequency_to_the_access_team(
    contracted: Contracted, login: Callable[[User], HttpClient]
) -> None:
    _effort(contracted)
    world = contracted.world
    allocation = services.allocation_request(actor=world.coach, client=world.own, module_code=FIRST, access_point=AP)

    page = (
        login(world.toegang)
        .get(reverse("contracts:allocation_detail", kwargs={"public_id": allocation.public_id}))
        .content.decode()
    )

    assert "inspanningsgericht (een tarief per tijdseenheid)" in page
    assert "10 × uur, per week" in page
    volume_input = re.search(r'<input[^>]*name="volume"[^>]*>', page)
    assert volume_input is not None and 'value="10"' in volume_input.group(0)  # as requested

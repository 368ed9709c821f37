"""The back office's budget screens (issue 18.1): a contract's budget per year, the lump-sum
instalments of a task-based product and a region's budget shares, outside the Django admin."""

import datetime
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.contracts import selectors, services
from coachcare.contracts.models import (
    Contract,
    ContractBudgetYear,
    FundingModel,
    InstalmentStatus,
    LumpSumInstalment,
    RegionalBudgetShare,
)
from coachcare.core.dates import today
from coachcare.municipalities import services as municipality_services
from coachcare.providers.models import Provider
from tests.accounts.factories import UserFactory
from tests.conftest import World
from tests.contracts.factories import AllocationFactory, ContractFactory, ContractProductFactory
from tests.municipalities.factories import MunicipalityFactory, RegionFactory
from tests.providers.factories import ProviderFactory

WEB = AccessPoint(channel="web", address="127.0.0.1")
YEAR = today().year


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _task_based(world: World, **fields: object) -> Contract:
    contract = ContractFactory.create(
        municipality=world.municipality_a, provider=world.provider, yearly_budget_cents=1_200_000, **fields
    )
    ContractProductFactory.create(contract=contract, funding_model=FundingModel.TASK, tariff_cents=0)
    return contract


def _regional(world: World, *, budget: int = 1_000_000, provider: Provider | None = None) -> Contract:
    region = RegionFactory.create(name="Regio Midden", lead_municipality=world.municipality_a)
    for municipality in (world.municipality_a, world.municipality_b):
        municipality_services.region_membership_add(
            region=region, municipality=municipality, valid_from=datetime.date(YEAR - 1, 1, 1)
        )
    return services.regional_contract_create(
        region=region,
        provider=provider or world.provider,
        valid_from=datetime.date(YEAR, 1, 1),
        yearly_budget_cents=budget,
    )


# --- services: the rules, with a reason each -------------------------------------------------------


def test_only_the_contract_s_policy_staff_plan_its_budget(world: World) -> None:
    contract = _task_based(world)
    for outsider in (world.toegang, world.toegang_other, world.teamleider, world.beheerder):
        with pytest.raises(policy.AccessDenied):
            services.contract_budget_year_set(
                actor=outsider, contract=contract, year=YEAR, planned_cents=1, access_point=WEB
            )
    other = UserFactory.create(beleid=True, municipality=world.municipality_b, username="beleid_other")
    with pytest.raises(policy.AccessDenied):
        services.contract_budget_year_set(actor=other, contract=contract, year=YEAR, planned_cents=1, access_point=WEB)
    assert policy.can_manage_contract_budget(world.beleid, contract)
    assert policy.can_see_contract_budget(world.toegang, contract)  # the access team sees the figures


def test_a_budget_year_is_never_negative_and_lies_within_the_contract(world: World) -> None:
    contract = _task_based(world, valid_to=datetime.date(YEAR + 1, 12, 31))

    with pytest.raises(ValidationError, match="cannot be negative"):
        services.contract_budget_year_set(
            actor=world.beleid, contract=contract, year=YEAR, planned_cents=-1, access_point=WEB
        )
    with pytest.raises(ValidationError, match="within the contract's period"):
        services.contract_budget_year_set(
            actor=world.beleid, contract=contract, year=YEAR + 2, planned_cents=1, access_point=WEB
        )
    services.contract_budget_year_set(
        actor=world.beleid, contract=contract, year=YEAR + 1, planned_cents=900_000, access_point=WEB
    )

    assert ContractBudgetYear.objects.get(contract=contract, year=YEAR + 1).planned_cents == 900_000
    entry = AccessLogEntry.objects.filter(action="contract.budget_year_set").get()
    assert (entry.username, entry.client_public_id) == ("beleid", None)


def test_an_instalment_has_a_positive_amount_and_no_overlapping_period(world: World) -> None:
    contract = _task_based(world)

    def add(start: datetime.date, end: datetime.date, amount: int) -> LumpSumInstalment:
        return services.lump_sum_instalment_add(
            actor=world.beleid,
            contract=contract,
            period_start=start,
            period_end=end,
            amount_cents=amount,
            access_point=WEB,
        )

    first = add(datetime.date(YEAR, 1, 1), datetime.date(YEAR, 3, 31), 300_000)
    with pytest.raises(ValidationError, match="more than zero"):
        add(datetime.date(YEAR, 4, 1), datetime.date(YEAR, 6, 30), -5)
    with pytest.raises(ValidationError, match="overlaps the instalment of 1 January"):
        add(datetime.date(YEAR, 3, 1), datetime.date(YEAR, 5, 31), 300_000)
    with pytest.raises(ValidationError, match="before the start date"):
        add(datetime.date(YEAR, 6, 30), datetime.date(YEAR, 4, 1), 300_000)
    with pytest.raises(ValidationError, match="within the contract's period"):
        add(datetime.date(YEAR - 1, 12, 1), datetime.date(YEAR - 1, 12, 31), 300_000)
    add(datetime.date(YEAR, 4, 1), datetime.date(YEAR, 6, 30), 300_000)

    paid = services.lump_sum_instalment_pay(actor=world.beleid, instalment=first, paid_on=today(), access_point=WEB)
    assert (paid.status, paid.paid_on) == (InstalmentStatus.PAID, today())
    with pytest.raises(ValidationError, match="already been paid"):
        services.lump_sum_instalment_pay(actor=world.beleid, instalment=first, paid_on=today(), access_point=WEB)
    second = LumpSumInstalment.objects.get(contract=contract, period_start=datetime.date(YEAR, 4, 1))
    with pytest.raises(ValidationError, match="in the future"):
        services.lump_sum_instalment_pay(
            actor=world.beleid, instalment=second, paid_on=today() + datetime.timedelta(days=1), access_point=WEB
        )
    assert AccessLogEntry.objects.filter(action__startswith="contract.instalment").count() == 3


def test_an_output_based_contract_has_no_instalments(world: World) -> None:
    contract = ContractFactory.create(municipality=world.municipality_a, provider=world.provider)
    ContractProductFactory.create(contract=contract)
    with pytest.raises(ValidationError, match="no task-based product"):
        services.lump_sum_instalment_add(
            actor=world.beleid,
            contract=contract,
            period_start=datetime.date(YEAR, 1, 1),
            period_end=datetime.date(YEAR, 1, 31),
            amount_cents=1,
            access_point=WEB,
        )


def test_a_year_is_planned_in_equal_instalments_once(world: World) -> None:
    contract = _task_based(world)
    planned = services.lump_sum_schedule_plan(
        actor=world.beleid, contract=contract, year=YEAR, instalments=4, access_point=WEB
    )
    assert [i.amount_cents for i in planned] == [300_000] * 4
    with pytest.raises(ValidationError, match="already has instalments"):
        services.lump_sum_schedule_plan(
            actor=world.beleid, contract=contract, year=YEAR, instalments=4, access_point=WEB
        )


def test_the_lead_municipality_sets_the_shares_of_its_region(world: World) -> None:
    contract = _regional(world)
    a, b = world.municipality_a, world.municipality_b
    with pytest.raises(policy.AccessDenied):
        services.regional_budget_shares_save(
            actor=world.toegang, contract=contract, year=YEAR, shares={a: (1, None)}, access_point=WEB
        )
    with pytest.raises(ValidationError, match="at most 100%"):
        services.regional_budget_shares_save(
            actor=world.beleid,
            contract=contract,
            year=YEAR,
            shares={a: (None, Decimal(70)), b: (None, Decimal("30.5"))},
            access_point=WEB,
        )
    services.regional_budget_shares_save(
        actor=world.beleid, contract=contract, year=YEAR, shares={a: (None, Decimal(70))}, access_point=WEB
    )
    lines = {line.municipality: line for line in selectors.regional_share_lines(contract=contract, year=YEAR)}
    assert (lines[a].share_cents, lines[b].share_cents) == (700_000, None)
    # Amsterdam has no share: it draws on the regional remainder
    part_b = contract.parts.get(municipality=b)
    assert selectors.contract_remaining_cents(contract=part_b, year=YEAR) == 300_000
    assert AccessLogEntry.objects.filter(action="contract.budget_shares_set").count() == 1


def test_spent_against_planned_per_year_and_funding_model(world: World) -> None:
    contract = ContractFactory.create(
        municipality=world.municipality_a, provider=world.provider, yearly_budget_cents=5_000_000
    )
    output = ContractProductFactory.create(contract=contract, tariff_cents=100_000)
    ContractProductFactory.create(contract=contract, funding_model=FundingModel.TASK, tariff_cents=0)
    AllocationFactory.create(
        client=world.own, contract=contract, product=output, approved=True, volume=2, volume_used=1
    )
    services.contract_budget_plan(contract=contract, year=YEAR + 1, planned_cents=4_000_000)
    instalment = LumpSumInstalment.objects.create(
        contract=contract,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 1, 31),
        amount_cents=50_000,
    )
    services.lump_sum_instalment_mark_paid(instalment=instalment, paid_on=datetime.date(YEAR, 1, 15))

    lines = {line.year: line for line in selectors.contract_budget_years(contract=contract, last_year=YEAR + 1)}

    this, next_year = lines[YEAR], lines[YEAR + 1]
    assert (this.yearly_budget_cents, this.planned, this.granted_cents) == (5_000_000, False, 200_000)
    assert (this.spent_output_cents, this.spent_effort_cents, this.spent_task_cents) == (100_000, 0, 50_000)
    assert this.spent_cents == 150_000 and this.remaining_cents == 4_800_000
    assert (next_year.yearly_budget_cents, next_year.planned, next_year.spent_cents) == (4_000_000, True, 0)
    assert next_year.funding_models == (FundingModel.OUTPUT, FundingModel.TASK)


# --- the screens -----------------------------------------------------------------------------------


def test_the_contracts_page_lists_own_and_regional_contracts_in_fixed_queries(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    own = _task_based(world)
    regional = _regional(world, provider=ProviderFactory.create())
    ContractFactory.create(municipality=world.municipality_b)  # another municipality's
    http = login(world.beleid)
    http.get(reverse("contracts:contract_budget_list"))  # the session's identity is cached from the first request on
    with CaptureQueriesContext(connection) as few:
        response = http.get(reverse("contracts:contract_budget_list"))
    assert response.status_code == 200
    for number in range(3):
        ContractFactory.create(
            municipality=world.municipality_a,
            valid_from=datetime.date(2000 + number, 1, 1),
            valid_to=datetime.date(2000 + number, 12, 31),
        )
    with CaptureQueriesContext(connection) as more:
        response = http.get(reverse("contracts:contract_budget_list"))
    assert len(more) == len(few)
    body = response.content.decode()
    assert reverse("contracts:contract_budget", kwargs={"pk": own.pk}) in body
    assert reverse("contracts:contract_budget", kwargs={"pk": regional.pk}) in body
    assert "regio Regio Midden" in body  # the pages are Dutch
    # the navigation and the municipality's dashboard link to it
    assert reverse("contracts:contract_budget_list") in http.get(reverse("monitoring:municipality")).content.decode()


def test_an_officer_plans_a_year_and_an_instalment_and_marks_it_paid(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    contract = _task_based(world)
    http = login(world.beleid)
    page = reverse("contracts:contract_budget", kwargs={"pk": contract.pk})
    assert "Eén termijn plannen" in http.get(page).content.decode()

    response = http.post(
        reverse("contracts:contract_budget_year", kwargs={"pk": contract.pk}), {"year": YEAR, "planned": "-3"}
    )
    assert response.status_code == 400 and "Een budget kan niet negatief zijn." in response.content.decode()
    response = http.post(
        reverse("contracts:contract_budget_year", kwargs={"pk": contract.pk}), {"year": YEAR, "planned": "9600"}
    )
    assert response.status_code == 302
    assert ContractBudgetYear.objects.get(contract=contract, year=YEAR).planned_cents == 960_000

    add = reverse("contracts:contract_instalment_add", kwargs={"pk": contract.pk})
    fields = {"period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-03-31", "amount": "2400"}
    assert http.post(add, fields).status_code == 302
    response = http.post(add, {**fields, "period_start": f"{YEAR}-02-01"})
    assert response.status_code == 400 and "periodes mogen niet overlappen" in response.content.decode()
    instalment = LumpSumInstalment.objects.get(contract=contract)
    pay = reverse("contracts:contract_instalment_pay", kwargs={"pk": contract.pk, "instalment_pk": instalment.pk})
    assert http.post(pay, {"paid_on": today().isoformat()}).status_code == 302
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID


def test_the_access_team_sees_the_figures_but_no_forms(world: World, login: Callable[[User], HttpClient]) -> None:
    contract = _task_based(world)
    http = login(world.toegang)
    body = http.get(reverse("contracts:contract_budget", kwargs={"pk": contract.pk})).content.decode()
    assert "Budget per jaar" in body and "Eén termijn plannen" not in body
    response = http.post(
        reverse("contracts:contract_budget_year", kwargs={"pk": contract.pk}), {"year": YEAR, "planned": "1"}
    )
    assert response.status_code == 403
    assert not ContractBudgetYear.objects.filter(contract=contract).exists()


def test_another_municipality_s_contract_is_not_found(world: World, login: Callable[[User], HttpClient]) -> None:
    contract = ContractFactory.create(municipality=world.municipality_b)
    http = login(world.beleid)
    assert http.get(reverse("contracts:contract_budget", kwargs={"pk": contract.pk})).status_code == 404
    assert login(world.coach).get(reverse("contracts:contract_budget_list")).status_code == 403


def test_a_region_maintains_its_shares_on_the_screen(world: World, login: Callable[[User], HttpClient]) -> None:
    contract = _regional(world)
    a, b = world.municipality_a, world.municipality_b
    http = login(world.beleid)
    assert (
        reverse("contracts:contract_shares", kwargs={"pk": contract.pk, "year": YEAR})
        in http.get(reverse("contracts:contract_budget", kwargs={"pk": contract.pk})).content.decode()
    )
    url = reverse("contracts:contract_shares", kwargs={"pk": contract.pk, "year": YEAR})

    response = http.post(url, {f"amount_{a.pk}": "6000", f"amount_{b.pk}": "4000,01"})
    assert response.status_code == 400 and "hoogstens 100%" in response.content.decode()
    response = http.post(url, {f"amount_{a.pk}": "6000", f"percentage_{b.pk}": "40"})
    assert response.status_code == 302
    assert selectors.regional_budget_shares(contract=contract, year=YEAR) == {a.pk: 600_000, b.pk: 400_000}
    assert RegionalBudgetShare.objects.filter(contract=contract, year=YEAR).count() == 2
    # a member municipality that does not lead the region sees neither the contract nor its shares
    member = UserFactory.create(beleid=True, municipality=b, username="beleid_b")
    assert login(member).get(url).status_code == 404
    # the lead municipality's region dashboard links to its contracts
    assert (
        reverse("contracts:contract_budget_list")
        in login(world.beleid).get(reverse("monitoring:region")).content.decode()
    )


def test_a_contract_of_another_region_s_member_is_not_managed(world: World) -> None:
    other_lead = MunicipalityFactory.create(name="Ede")
    region = RegionFactory.create(lead_municipality=other_lead)
    contract = ContractFactory.create(municipality=None, region=region, provider=world.provider)
    assert not policy.can_see_contract_budget(world.beleid, contract)

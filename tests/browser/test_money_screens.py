"""The money screens reached by clicking (issue 18.1, 18.2, 18.7 and the mandate): the region
dashboard, a municipality officer maintaining a budget year and a lump-sum instalment, a region
maintaining its budget shares, the production statement downloaded, and the mandate worklist used.
Each page is checked with axe (nothing serious or critical)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import (
    Allocation,
    AllocationNotice,
    AllocationStatus,
    Contract,
    ContractBudgetYear,
    ContractProduct,
    FundingModel,
    InstalmentStatus,
    LumpSumInstalment,
    RegionalBudgetShare,
)
from coachcare.core.dates import today
from coachcare.demo.seed import DEMO_MUNICIPALITY_CODE, DEMO_PROVIDER_AGB
from coachcare.municipalities.models import Municipality, Region, RegionMembership
from coachcare.providers.models import Provider
from tests.browser.conftest import Login, assert_accessible, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = today().year


@pytest.fixture(autouse=True)
def _patient(page: Page) -> None:
    """The region dashboard and the statement do real work: allow a busy shared machine more time."""
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)


def _utrecht() -> Municipality:
    return Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)


def _task_based_contract() -> Contract:
    """A task-based (taakgericht) contract of the demo municipality with a second provider."""
    provider = Provider.objects.create(agb_code="98000077", name="Wijkteam Taak")
    contract = Contract.objects.create(
        municipality=_utrecht(), provider=provider, valid_from=datetime.date(YEAR, 1, 1), yearly_budget_cents=1_200_000
    )
    module = ContractProduct.objects.filter(contract__municipality=_utrecht()).first()
    assert module is not None
    ContractProduct.objects.create(
        contract=contract,
        module_code=module.module_code,
        ijw_product_category=module.ijw_product_category,
        ijw_product_code=module.ijw_product_code,
        funding_model=FundingModel.TASK,
        tariff_cents=0,
    )
    return contract


def _region() -> Contract:
    """Region "Regio Utrecht" led by the demo municipality, with Zeist, and a regional contract."""
    utrecht = _utrecht()
    zeist, _created = Municipality.objects.get_or_create(code="0355", defaults={"name": "Zeist"})
    region = Region.objects.create(name="Regio Utrecht", lead_municipality=utrecht)
    for member in (utrecht, zeist):
        RegionMembership.objects.create(region=region, municipality=member, valid_from=datetime.date(YEAR - 1, 1, 1))
    provider = Provider.objects.create(agb_code="98000078", name="Regioaanbieder")
    return contract_services.regional_contract_create(
        region=region, provider=provider, valid_from=datetime.date(YEAR, 1, 1), yearly_budget_cents=1_000_000
    )


def _nav(page: Page, name: str) -> None:
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_load_state()


def test_the_region_dashboard_is_reached_by_clicking(login: Login) -> None:
    _region()
    page = login("beleid")
    _nav(page, "Resultaten")
    page.get_by_role("link", name="De gemeenten van regio Regio Utrecht naast elkaar").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regio Utrecht")
    assert "/monitoring/region/" in page.url
    assert_accessible(page)


def test_an_officer_maintains_a_budget_year_and_an_instalment(login: Login) -> None:
    contract = _task_based_contract()
    page = login("beleid")
    _nav(page, "Contracten en budgetten")
    assert_accessible(page)
    page.get_by_role("link", name="Wijkteam Taak", exact=False).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Budget van het contract")
    assert_accessible(page)

    # a budget year: a negative amount is refused with a Dutch reason, then a right one is saved
    page.fill("#id_year", str(YEAR))
    page.fill("#id_planned", "-10")
    page.get_by_role("button", name="Budget opslaan").click()
    expect(page.locator("#error-summary")).to_contain_text("Een budget kan niet negatief zijn.")
    assert_accessible(page)
    page.fill("#id_planned", "9600")
    page.get_by_role("button", name="Budget opslaan").click()
    expect(page.get_by_text(f"Het budget van {YEAR} is gepland.")).to_be_visible()
    assert ContractBudgetYear.objects.get(contract=contract, year=YEAR).planned_cents == 960_000
    expect(page.locator("table").first).to_contain_text("9.600,00")

    # an instalment: planned, then marked as paid
    page.fill("#id_period_start", f"{YEAR}-01-01")
    page.fill("#id_period_end", f"{YEAR}-03-31")
    page.fill("#id_amount", "2400")
    page.get_by_role("button", name="Termijn plannen").click()
    expect(page.get_by_text("De termijn is gepland.")).to_be_visible()
    page.get_by_role("button", name="Als betaald boeken").click()
    expect(page.get_by_text("De termijn staat op betaald.")).to_be_visible()
    instalment = LumpSumInstalment.objects.get(contract=contract)
    assert (instalment.amount_cents, instalment.status) == (240_000, InstalmentStatus.PAID)
    assert_accessible(page)


def test_a_region_maintains_its_budget_shares(login: Login) -> None:
    contract = _region()
    utrecht, zeist = _utrecht(), Municipality.objects.get(code="0355")
    page = login("beleid")
    _nav(page, "Resultaten")
    page.get_by_role("link", name="De gemeenten van regio Regio Utrecht naast elkaar").click()
    page.get_by_role("link", name="De contracten van de regio", exact=False).click()
    page.get_by_role("link", name="regio Regio Utrecht", exact=False).click()
    page.get_by_role("link", name=f"Aandelen {YEAR}").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Budgetaandelen {YEAR}")
    assert_accessible(page)

    page.fill(f"#id_percentage_{utrecht.pk}", "70")
    page.fill(f"#id_percentage_{zeist.pk}", "40")
    page.get_by_role("button", name="Aandelen opslaan").click()
    expect(page.locator("#error-summary")).to_contain_text("samen zijn ze hoogstens 100%")
    assert_accessible(page)
    page.fill(f"#id_percentage_{zeist.pk}", "")
    page.fill(f"#id_amount_{zeist.pk}", "2500")
    page.get_by_role("button", name="Aandelen opslaan").click()
    expect(page.get_by_text(f"De budgetaandelen van {YEAR} zijn opgeslagen.")).to_be_visible()
    shares = dict(
        RegionalBudgetShare.objects.filter(contract=contract, year=YEAR).values_list("municipality", "amount_cents")
    )
    assert shares == {utrecht.pk: None, zeist.pk: 250_000}
    expect(page.locator("table")).to_contain_text("7.000,00")  # 70% of € 10.000,00


def test_the_production_statement_is_downloaded_by_clicking(login: Login) -> None:
    page = login("teamleider")
    _nav(page, "Declaraties")
    page.get_by_role("link", name="Productieverantwoording", exact=False).click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.select_option("#id_municipality", DEMO_MUNICIPALITY_CODE)
    page.fill("#id_year", str(YEAR))
    page.select_option("#id_format", "csv")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Verantwoording downloaden", exact=False).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    assert DEMO_MUNICIPALITY_CODE in download.suggested_filename


def _mandate_start() -> Allocation:
    """A module started under the mandate for a demo young person, waiting for Utrecht's number."""
    contract = Contract.objects.get(municipality=_utrecht(), provider__agb_code=DEMO_PROVIDER_AGB, part_of=None)
    product = contract.products.order_by("module_code").first()
    client = Client.objects.filter(municipality=_utrecht(), provider=contract.provider).order_by("pk").first()
    assert product is not None and client is not None
    allocation = Allocation.objects.create(
        client=client,
        contract=contract,
        product=product,
        status=AllocationStatus.APPROVED,
        via_mandate=True,
        volume=1,
        volume_used=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=180),
        budget_cents=product.tariff_cents,
        requested_by=User.objects.get(username="coach"),
        requested_at=timezone.now(),
        decided_at=timezone.now(),
    )
    AllocationNotice.objects.create(allocation=allocation, kind=AllocationNotice.Kind.MANDATE_APPROVAL)
    return allocation


def test_the_mandate_worklist_is_reached_and_used_by_clicking(login: Login, live_server: LiveServer) -> None:
    allocation = _mandate_start()
    page = login("toegang")
    _nav(page, "Toewijzingsverzoeken")
    page.select_option("#status-filter", "mandate")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_load_state()
    assert "status=mandate" in page.url
    expect(page.locator("main table").first).to_contain_text("Gestart; wacht op uw toewijzing")
    assert_accessible(page)
    page.locator("main table").first.get_by_role("link", name=allocation.client.full_name).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Toewijzing bevestigen")).to_be_visible()
    page.get_by_role("button", name="Toewijzing toekennen").click()
    page.wait_for_load_state()
    allocation.refresh_from_db()
    assert allocation.toewijzing_nummer and not allocation.awaits_municipality_number
    # the provider's side: the team lead's iJw worklist shows the module with its number now
    page.context.clear_cookies()
    from tests.browser.conftest import log_in

    page = log_in(page, live_server.url, "teamleider")
    _nav(page, "iJw-werklijst")
    expect(page.locator("#mandate-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text(allocation.toewijzing_nummer)
    assert_accessible(page)

"""A region's pilot (issue 17.4) in a real browser: the policy officer of the region's lead
municipality (Utrecht, ``beleid``) clicks from the dashboard to the region and its pilots, proposes
a pilot for the region, confirms and starts it (fixed in advance), uploads a comparison CSV (a
valid one; then an invalid one: clear errors and nothing stored) and downloads the report. Dutch,
axe clean on every page."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from coachcare.accounts.models import User
from coachcare.core.dates import today
from coachcare.demo.seed import DEMO_MUNICIPALITY_CODE
from coachcare.monitoring import services
from coachcare.monitoring.models import ComparisonTrajectory, Pilot
from coachcare.municipalities import services as municipality_services
from coachcare.municipalities.models import Municipality, Region
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VALID = "start,end,end_reason,product_category,cost\n" + "".join(
    f"2025-0{1 + i % 9}-01,2025-10-{10 + i % 18},{'33' if i % 3 == 0 else '31'},45,{3000 + i}.50\n" for i in range(24)
)
INVALID = (
    "start,end,end_reason,product_category,cost\n"
    "2025-03-01,2025-02-01,31,45,1000.00\n"  # ends before it starts
    "2025-03-01,2025-06-01,77,4,duur\n"  # no JZ588 reason, no category, no amount
)


def test_a_region_s_policy_officer_runs_a_region_pilot_by_clicking(page: Page, login: Login, tmp_path: Path) -> None:
    page.set_default_timeout(60_000)  # a long walk with a PDF at the end, on a shared machine
    utrecht = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
    region = Region.objects.create(name="Regio Utrecht (demo)", lead_municipality=utrecht)
    municipality_services.region_membership_add(
        region=region, municipality=utrecht, valid_from=today() - datetime.timedelta(days=800)
    )

    login("beleid")
    page.get_by_role("link", name="Resultaten", exact=True).first.click()
    page.get_by_role("link", name="De gemeenten van regio Regio Utrecht (demo) naast elkaar").click()
    page.get_by_role("link", name="Pilots van regio Regio Utrecht (demo)").click()
    expect(page.locator("h1")).to_have_text("Pilots van regio Regio Utrecht (demo)")
    assert_accessible(page)

    page.get_by_label("Aanbieder").select_option(index=1)
    page.get_by_label("Naam van de pilot").fill("Regiopilot Coach & Care")
    page.get_by_label("Periode van", exact=True).fill((today() - datetime.timedelta(days=730)).isoformat())
    page.get_by_label("Periode tot en met").fill(today().isoformat())
    page.get_by_label("Doelgroep").fill("Jongeren van 12 tot 18 jaar in de regio")
    page.get_by_label("Beoogd aantal jongeren").fill("200")
    page.get_by_role("group", name="Primaire uitkomsten").get_by_label("Uitval", exact=True).check()
    page.get_by_role("button", name="Pilot voorstellen").click()
    expect(page.locator("main")).to_contain_text("Regiopilot Coach & Care")
    assert_accessible(page)
    pilot = Pilot.objects.get(name="Regiopilot Coach & Care")
    assert pilot.region == region and pilot.municipality is None

    page.get_by_role("button", name="Deze opzet bevestigen").click()
    expect(page.locator("main")).to_contain_text("Bevestigd door de regio.")
    # the provider's side confirms on its own screen (its team lead): here through the service
    services.pilot_confirm(actor=User.objects.get(username="teamleider"), pilot=pilot)
    page.reload()
    page.get_by_role("button", name="De pilot starten").click()
    pilot.refresh_from_db()
    assert pilot.started_at is not None
    expect(page.locator("main")).to_contain_text(pilot.definition_sha256)
    assert_accessible(page)

    page.get_by_role("link", name="Vergelijkingsgroep uploaden (CSV)").click()
    expect(page.locator("h1")).to_contain_text("Vergelijkingsgroep van Regiopilot Coach & Care")
    assert_accessible(page)
    valid = tmp_path / "gebruikelijke-zorg.csv"
    valid.write_text(VALID, encoding="utf-8")
    page.get_by_label("CSV-bestand met de vergelijkingsgroep").set_input_files(str(valid))
    page.get_by_role("button", name="Vergelijkingsgroep inlezen").click()
    expect(page.locator("main")).to_contain_text("24 trajecten van de vergelijkingsgroep ingelezen")
    assert ComparisonTrajectory.objects.filter(pilot=pilot).count() == 24
    assert_accessible(page)

    invalid = tmp_path / "fout.csv"
    invalid.write_text(INVALID, encoding="utf-8")
    page.get_by_label("CSV-bestand met de vergelijkingsgroep").set_input_files(str(invalid))
    page.get_by_role("button", name="Vergelijkingsgroep inlezen").click()
    problems = page.get_by_role("table", name="4 problemen in het bestand")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("end_reason")
    expect(page.locator("main")).to_contain_text("Er is niets ingelezen")
    assert ComparisonTrajectory.objects.filter(pilot=pilot).count() == 24  # nothing of the bad file stored
    assert_accessible(page)

    page.get_by_role("link", name="Terug naar de pilots").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Rapport van de pilot downloaden (PDF)").click()
    report = tmp_path / "rapport.pdf"
    download.value.save_as(report)
    assert report.read_bytes().startswith(b"%PDF")

"""A pilot owned by a jeugdregio (issue 17.4): the region's staff define, confirm, start it, upload
its comparison group and get its report; its pilot group is the trajectories of the region's
members during their membership; aggregated figures only."""

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.contracts import services as contract_services
from coachcare.method.models import MethodVersion
from coachcare.monitoring import selectors, services
from coachcare.monitoring.models import ComparisonTrajectory, Pilot, TrajectoryOutcome
from coachcare.municipalities import services as municipality_services
from coachcare.municipalities.models import Region
from coachcare.providers.models import Provider
from coachcare.trajectories.models import Trajectory
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory
from tests.conftest import World
from tests.method.factories import MethodVersionFactory
from tests.municipalities.factories import RegionFactory
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

D = datetime.date
#: Amsterdam (municipality B) joins the region only from this day.
B_JOINS = D(2025, 4, 1)
GOOD = "start,end,end_reason,product_category,cost\n" + "\n".join(
    f"2025-01-0{1 + i % 9},2025-06-01,{'33' if i < 12 else '31'},45,4000.00" for i in range(30)
)


@pytest.fixture
def region(world: World) -> Region:
    """Regio Midden, led by Utrecht (A, member throughout) with Amsterdam (B) from 1 April 2025,
    and a regional contract with the provider."""
    region = RegionFactory.create(name="Regio Midden", lead_municipality=world.municipality_a)
    municipality_services.region_membership_add(
        region=region, municipality=world.municipality_a, valid_from=D(2024, 1, 1)
    )
    municipality_services.region_membership_add(region=region, municipality=world.municipality_b, valid_from=B_JOINS)
    contract_services.regional_contract_create(
        region=region, provider=world.provider, valid_from=D(2025, 1, 1), yearly_budget_cents=1_000_000
    )
    return region


def _values(**overrides: object) -> dict[str, Any]:
    return {
        "name": "Regiopilot Coach & Care Midden",
        "period_from": D(2025, 1, 1),
        "period_to": D(2025, 12, 31),
        "target_group": "Jongeren van 12 tot 18 jaar in de regio",
        "planned_young_people": 120,
        "primary_outcomes": ["dropout"],
        "secondary_outcomes": ["duration", "cost"],
        "planned_effects": {"dropout": -0.10},
    } | overrides


def _started(world: World, region: Region) -> Pilot:
    pilot = services.pilot_create(actor=world.beleid, region=region, provider=world.provider, **_values())
    services.pilot_confirm(actor=world.beleid, pilot=pilot)
    services.pilot_confirm(actor=world.teamleider, pilot=pilot)
    return services.pilot_start(actor=world.beleid, pilot=pilot)


def _outcome(
    world: World, *, municipality: str, referred: datetime.date, end_reason: str, provider: Provider | None = None
) -> None:
    method = MethodVersion.objects.first() or MethodVersionFactory.create()
    owner = world.municipality_a if municipality == "a" else world.municipality_b
    trajectory = Trajectory.objects.create(
        client=ClientFactory.create(municipality=owner),
        municipality=owner,
        coach=world.coach,
        referrer_kind="gemeente",
        referred_on=referred,
        method_version=method,
    )
    TrajectoryOutcome.objects.create(
        trajectory=trajectory,
        municipality=owner,
        provider=provider or world.provider,
        team=world.team_1,
        age_at_referral=14,
        referred_on=referred,
        closed_on=referred + datetime.timedelta(days=90),
        duration_days=90,
        end_reason=end_reason,
        has_intake=True,
        n_modules=1,
        cost_cents=300_000,
    )


def test_the_region_s_policy_staff_sign_for_it_and_nobody_else(world: World, region: Region) -> None:
    lead = region.lead_municipality_id
    assert policy.can_confirm_pilot_for_region(world.beleid, lead)
    beleid_b = UserFactory.create(beleid=True, municipality=world.municipality_b)
    for user in (world.toegang, world.toegang_other, beleid_b, world.teamleider, world.coach):
        assert not policy.can_confirm_pilot_for_region(user, lead)
    for user in (world.toegang, beleid_b, world.coach):
        with pytest.raises(policy.Refused):
            services.pilot_create(actor=user, region=region, provider=world.provider, **_values())
    # the access staff of the lead municipality read the region's pilots (as its dashboard); a member does not
    pilot = services.pilot_create(actor=world.beleid, region=region, provider=world.provider, **_values())
    assert pilot in selectors.pilots_visible_to(world.toegang)
    assert pilot not in selectors.pilots_visible_to(beleid_b)
    assert pilot not in selectors.pilots_visible_to(world.toegang_other)
    assert pilot in selectors.pilots_visible_to(world.teamleider)


def test_a_pilot_has_exactly_one_owner(world: World, region: Region) -> None:
    with pytest.raises(TypeError):
        services.pilot_create(
            actor=world.beleid, municipality=world.municipality_a, region=region, provider=world.provider, **_values()
        )
    with pytest.raises(TypeError):
        services.pilot_create(actor=world.beleid, provider=world.provider, **_values())
    pilot = services.pilot_create(actor=world.beleid, region=region, provider=world.provider, **_values())
    with pytest.raises(IntegrityError), transaction.atomic():
        Pilot.objects.filter(pk=pilot.pk).update(municipality=world.municipality_a)


def test_the_region_s_pilot_freezes_with_the_region_in_its_definition(world: World, region: Region) -> None:
    pilot = _started(world, region)
    definition = json.loads(pilot.definition_json)
    assert definition["region"] == str(region.public_id) and "municipality" not in definition
    assert services.pilot_frozen_intact(pilot=pilot)
    assert pilot.municipality_confirmed_by == world.beleid  # the owner's side: signed for the region


def test_the_pilot_group_is_the_members_during_their_membership(world: World, region: Region) -> None:
    pilot = _started(world, region)
    for day in range(12):  # Utrecht, member all year: all count; 4 of 12 dropped out
        _outcome(world, municipality="a", referred=D(2025, 2, 1) + datetime.timedelta(days=day * 20),
                 end_reason="32" if day < 4 else "31")  # fmt: skip
    for day in range(6):  # Amsterdam before it joined: none count
        _outcome(world, municipality="b", referred=D(2025, 1, 10) + datetime.timedelta(days=day), end_reason="32")
    for day in range(8):  # Amsterdam after it joined: all count; 2 of 8 dropped out
        _outcome(world, municipality="b", referred=B_JOINS + datetime.timedelta(days=day * 10),
                 end_reason="33" if day < 2 else "31")  # fmt: skip
    other = ProviderFactory.create()
    for day in range(5):  # another provider's young people in the region: usual care, not the pilot
        _outcome(world, municipality="a", referred=D(2025, 3, 1) + datetime.timedelta(days=day), end_reason="31",
                 provider=other)  # fmt: skip

    services.pilot_comparison_import(pilot=pilot, data=GOOD.encode())
    dropout = {o.code: o for o in selectors.pilot_outcomes(pilot=pilot)}["dropout"]

    assert dropout.shown and dropout.n_pilot == 20  # 12 of Utrecht + 8 of Amsterdam as a member
    assert dropout.pilot_value == "30.0%"  # 6 of 20
    assert dropout.comparison_value == "40.0%" and dropout.n_comparison == 30


def test_the_region_s_staff_walk_the_screens_from_the_region_dashboard(
    world: World, region: Region, login: Callable[[User], HttpClient], tmp_path: Path
) -> None:
    beleid = login(world.beleid)
    dashboard = beleid.get("/monitoring/region/").content.decode()
    assert f"/monitoring/region/pilots/?region={region.public_id}" in dashboard
    page = beleid.get(f"/monitoring/region/pilots/?region={region.public_id}")
    assert page.status_code == 200 and 'name="primary_outcomes"' in page.content.decode()
    response = beleid.post(
        f"/monitoring/region/pilots/?region={region.public_id}",
        {"counterpart": world.provider.pk, "name": "Regiopilot scherm", "period_from": "2025-01-01",
         "period_to": "2025-12-31", "target_group": "12-17 jaar", "planned_young_people": "80",
         "primary_outcomes": ["dropout"], "secondary_outcomes": ["cost"], "planned_effect": "-10"},
    )  # fmt: skip
    assert response.status_code == 302 and f"region={region.public_id}" in response["Location"]
    pilot = Pilot.objects.get()
    assert pilot.region == region and pilot.municipality is None
    assert beleid.post(f"/monitoring/pilots/{pilot.pk}/confirm/")["Location"].startswith("/monitoring/region/pilots/")
    lead = login(world.teamleider)
    assert "Regiopilot scherm" in lead.get("/monitoring/pilots/").content.decode()
    assert lead.post(f"/monitoring/pilots/{pilot.pk}/confirm/")["Location"] == "/monitoring/pilots/"
    beleid = login(world.beleid)
    beleid.post(f"/monitoring/pilots/{pilot.pk}/start/")
    pilot.refresh_from_db()
    assert pilot.started_at is not None
    listing = beleid.get(f"/monitoring/region/pilots/?region={region.public_id}").content.decode()
    assert pilot.definition_sha256 in listing and f"/monitoring/pilots/{pilot.pk}/report.pdf" in listing
    # the comparison group, all or nothing
    upload = beleid.post(
        f"/monitoring/pilots/{pilot.pk}/comparison/",
        {"file": _file("usual.csv", "start,end,end_reason,product_category,cost\n2025-02-01,2025-01-01,99,4,x\n")},
    )
    assert upload.status_code == 400 and not ComparisonTrajectory.objects.exists()
    upload = beleid.post(f"/monitoring/pilots/{pilot.pk}/comparison/", {"file": _file("usual.csv", GOOD)})
    assert upload.status_code == 302 and ComparisonTrajectory.objects.filter(pilot=pilot).count() == 30
    # the report, for the region's staff and the provider's leads; nobody else
    report = beleid.get(f"/monitoring/pilots/{pilot.pk}/report.pdf")
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    assert report.content.startswith(b"%PDF")
    table = beleid.get(f"/monitoring/pilots/{pilot.pk}/report.pdf?format=csv").content.decode()
    assert "dropout" in table and ",x," in table  # no pilot trajectory closed yet: nothing shown
    assert login(world.toegang_other).get(f"/monitoring/pilots/{pilot.pk}/report.pdf").status_code == 404
    assert login(world.toegang_other).get("/monitoring/region/pilots/").status_code == 403
    # and the command writes the same report
    out = tmp_path / "pilot.pdf"
    call_command("evidence_report", "--pilot", str(pilot.pk), "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF") and (tmp_path / "pilot.csv").exists()


def test_the_pilot_report_says_who_fixed_it_and_what_it_can_show(world: World, region: Region) -> None:
    pilot = _started(world, region)
    services.pilot_comparison_import(pilot=pilot, data=GOOD.encode())
    report = services.pilot_report_build(pilot=pilot)
    assert "region Regio Midden and" in report.html
    assert pilot.definition_sha256 in report.html
    assert "not assigned to the pilot or to usual care by chance" in report.html
    assert "Too few data to tell" in report.html
    # the municipality's own evidence report carries its own pilots only
    from coachcare.monitoring.services.evidence_report import _report_context

    context = _report_context(
        municipality=world.municipality_a, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), module_code="", age_band=""
    )
    assert context["pilots"] == []


def test_the_region_s_pilot_list_query_count_does_not_grow(
    world: World, region: Region, login: Callable[[User], HttpClient]
) -> None:
    http = login(world.beleid)
    url = f"/monitoring/region/pilots/?region={region.public_id}"
    services.pilot_create(actor=world.beleid, region=region, provider=world.provider, **_values())
    http.get(url)
    with CaptureQueriesContext(connection) as small:
        assert http.get(url).status_code == 200
    for number in range(4):
        services.pilot_create(
            actor=world.beleid, region=region, provider=world.provider, **_values(name=f"Pilot {number}")
        )
    with CaptureQueriesContext(connection) as large:
        assert http.get(url).status_code == 200
    assert len(large) == len(small)


def _file(name: str, text: str) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")

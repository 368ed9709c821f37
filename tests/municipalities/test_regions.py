"""Youth care regions (jeugdregio's): a municipality belongs to at most one region on any date."""

import datetime
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from coachcare.municipalities import selectors, services
from tests.municipalities.factories import MunicipalityFactory, RegionFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_a_municipality_joins_a_region_for_a_period() -> None:
    region = RegionFactory.create(name="Regio Midden")
    utrecht = MunicipalityFactory.create(name="Utrecht")
    zeist = MunicipalityFactory.create(name="Zeist")
    services.region_membership_add(region=region, municipality=utrecht, valid_from=D(2025, 1, 1))
    services.region_membership_add(region=region, municipality=zeist, valid_from=D(2025, 1, 1), valid_to=D(2025, 6, 30))

    assert list(selectors.region_members(region=region, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31))) == [
        utrecht,
        zeist,
    ]
    assert list(selectors.region_members(region=region, date_from=D(2025, 7, 1), date_to=D(2025, 12, 31))) == [utrecht]
    assert selectors.region_of(municipality_id=zeist.pk, on=D(2025, 6, 30)) == region
    assert selectors.region_of(municipality_id=zeist.pk, on=D(2025, 7, 1)) is None


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [(D(2025, 6, 30), None), (D(2024, 1, 1), D(2025, 1, 1)), (D(2024, 1, 1), None), (D(2025, 3, 1), D(2025, 3, 2))],
)
def test_overlapping_memberships_are_refused_whatever_the_region(
    valid_from: datetime.date, valid_to: datetime.date | None
) -> None:
    municipality = MunicipalityFactory.create(name="Zeist")
    services.region_membership_add(
        region=RegionFactory.create(name="Regio Midden"),
        municipality=municipality,
        valid_from=D(2025, 1, 1),
        valid_to=D(2025, 6, 30),
    )
    with pytest.raises(ValidationError) as error:
        services.region_membership_add(
            region=RegionFactory.create(), municipality=municipality, valid_from=valid_from, valid_to=valid_to
        )
    assert "Zeist already belongs to region Regio Midden from 2025-01-01 until 2025-06-30" in str(error.value)


def test_a_membership_after_the_last_one_ended_is_accepted_and_the_error_is_dutch() -> None:
    municipality = MunicipalityFactory.create(name="Zeist")
    first = RegionFactory.create(name="Regio Midden")
    services.region_membership_add(region=first, municipality=municipality, valid_from=D(2025, 1, 1))
    with translation.override("nl"), pytest.raises(ValidationError) as error:
        services.region_membership_add(
            region=RegionFactory.create(), municipality=municipality, valid_from=D(2026, 1, 1)
        )
    assert "hoort al bij regio Regio Midden" in str(error.value)
    membership = first.memberships.get()
    membership.valid_to = D(2025, 12, 31)
    membership.save()
    services.region_membership_add(region=RegionFactory.create(), municipality=municipality, valid_from=D(2026, 1, 1))


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(ValidationError):
        services.region_membership_add(
            region=RegionFactory.create(),
            municipality=MunicipalityFactory.create(),
            valid_from=D(2025, 2, 1),
            valid_to=D(2025, 1, 1),
        )


def test_region_names_are_unique_and_not_empty() -> None:
    lead = MunicipalityFactory.create()
    services.region_create(name="Regio Midden", lead_municipality=lead)
    with pytest.raises(ValidationError):
        services.region_create(name="Regio Midden", lead_municipality=lead)
    with pytest.raises(ValidationError):
        services.region_create(name=" ", lead_municipality=lead)
    assert list(selectors.regions_led_by(municipality_id=lead.pk)) == [lead.led_regions.get()]

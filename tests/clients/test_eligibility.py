"""Jeugdwet eligibility (docs/legal-basis.md, "Youth care from 18"): under 18 always (within the
method's 12 to 23); from 18 only verlengde jeugdhulp (care started or decided before 18 that still
runs, or resumes within half a year of its end); from 23 never. One function decides:
``clients.services.client_youth_care_eligibility``."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from coachcare.clients import services
from coachcare.clients.services import EarlierCare, EligibilityReason, client_youth_care_eligibility
from coachcare.core.dates import add_months
from tests.clients.factories import ClientFactory
from tests.contracts.factories import AllocationFactory
from tests.factories import years_before

ON = datetime.date(2026, 3, 10)
DAY = datetime.timedelta(days=1)


def born(years: int, *, days: int = 0) -> datetime.date:
    """A birth date so that the person is ``years`` old and ``days`` days on ``ON``."""
    return years_before(ON, years) - datetime.timedelta(days=days)


def started_at_15(birth_date: datetime.date, *, ended_on: datetime.date | None = None) -> EarlierCare:
    return EarlierCare(
        kind="started", on=birth_date.replace(year=birth_date.year + 15), ended_on=ended_on, source="beschikking"
    )


def test_17_years_364_days_is_a_minor_without_evidence() -> None:
    birth_date = born(17, days=364)
    result = client_youth_care_eligibility(birth_date=birth_date, on=ON)
    assert (result.eligible, result.reason, result.age) == (True, EligibilityReason.MINOR, 17)


def test_18_today_without_earlier_care_is_refused_with_the_way_to_wmo_and_zvw() -> None:
    with translation.override("nl"):
        result = client_youth_care_eligibility(birth_date=born(18), on=ON)
    assert (result.eligible, result.reason) == (False, EligibilityReason.NO_EARLIER_CARE)
    assert "verlengde jeugdhulp" in result.message
    assert "Wmo" in result.message and "Zvw" in result.message
    assert "huisarts" in result.message  # Dutch words, not the English msgid


def test_18_today_with_care_started_before_18_still_running_continues() -> None:
    birth_date = born(18)
    result = client_youth_care_eligibility(birth_date=birth_date, on=ON, earlier_care=started_at_15(birth_date))
    assert (result.eligible, result.reason) == (True, EligibilityReason.CONTINUED)


def test_care_decided_before_18_counts_and_care_from_the_18th_birthday_does_not() -> None:
    birth_date = born(19)
    decided = EarlierCare(kind="decided", on=ON - datetime.timedelta(days=400), source="beschikking")
    assert client_youth_care_eligibility(birth_date=birth_date, on=ON, earlier_care=decided).eligible
    on_birthday = EarlierCare(kind="decided", on=born(1), source="beschikking")  # = the 18th birthday
    assert born(19).replace(year=born(19).year + 18) == on_birthday.on
    result = client_youth_care_eligibility(birth_date=birth_date, on=ON, earlier_care=on_birthday)
    assert result.reason == EligibilityReason.NO_EARLIER_CARE


def test_ended_care_resumes_until_the_last_day_of_half_a_year_and_not_after() -> None:
    birth_date = born(19)
    ended = ON - datetime.timedelta(days=300)
    care = started_at_15(birth_date, ended_on=ended)
    last_day = add_months(ended, services.VERLENGDE_JEUGDHULP_RESUME_MONTHS)
    within = client_youth_care_eligibility(birth_date=birth_date, on=last_day, earlier_care=care)
    assert (within.eligible, within.reason) == (True, EligibilityReason.RESUMED)
    after = client_youth_care_eligibility(birth_date=birth_date, on=last_day + DAY, earlier_care=care)
    assert (after.eligible, after.reason) == (False, EligibilityReason.RESUMED_TOO_LATE)
    assert after.evidence == care


@pytest.mark.parametrize(("years", "days", "eligible"), [(22, 364, True), (23, 0, False), (24, 0, False)])
def test_the_jeugdwet_ends_on_the_23rd_birthday(years: int, days: int, eligible: bool) -> None:
    birth_date = born(years, days=days)
    result = client_youth_care_eligibility(birth_date=birth_date, on=ON, earlier_care=started_at_15(birth_date))
    assert result.eligible is eligible
    if years == 23:
        assert result.reason == EligibilityReason.JEUGDWET_ENDED


@pytest.mark.parametrize(("years", "reason"), [(11, EligibilityReason.TOO_YOUNG), (12, EligibilityReason.MINOR)])
def test_the_method_starts_at_12(years: int, reason: EligibilityReason) -> None:
    assert client_youth_care_eligibility(birth_date=born(years), on=ON).reason == reason


@pytest.mark.django_db
def test_a_trajectory_before_18_in_coachcare_is_evidence() -> None:
    client = ClientFactory.create(birth_date=born(18, days=30))
    assert not client_youth_care_eligibility(birth_date=client.birth_date, on=ON, client=client).eligible
    allocation = AllocationFactory.create(
        client=client,
        approved=True,
        start_date=ON - datetime.timedelta(days=100),
        end_date=ON - datetime.timedelta(days=40),
    )
    result = client_youth_care_eligibility(birth_date=client.birth_date, on=ON, client=client)
    assert (result.eligible, result.reason) == (True, EligibilityReason.RESUMED)
    assert result.evidence is not None and result.evidence.on == allocation.start_date


@pytest.mark.django_db
def test_the_evidence_recorded_at_referral_is_read_from_the_file() -> None:
    birth_date = born(20)
    client = ClientFactory.create(
        birth_date=birth_date,
        earlier_care_kind="started",
        earlier_care_on=birth_date.replace(year=birth_date.year + 16),
        earlier_care_source="beschikking gemeente",
    )
    result = client_youth_care_eligibility(birth_date=birth_date, on=ON, client=client)
    assert (result.eligible, result.reason) == (True, EligibilityReason.CONTINUED)


def test_the_evidence_entered_at_referral_is_checked() -> None:
    birth_date = born(19)
    assert services.earlier_care_clean(kind="", on=None, ended_on=None, source=" ", birth_date=birth_date) is None
    with pytest.raises(ValidationError) as exc_info:
        services.earlier_care_clean(kind="started", on=ON, ended_on=None, source="", birth_date=birth_date)
    assert {"earlier_care_on", "earlier_care_source"} <= set(exc_info.value.message_dict)
    with pytest.raises(ValidationError) as exc_info:
        services.earlier_care_clean(kind="x", on=born(3), ended_on=born(4), source="beschikking", birth_date=birth_date)
    assert {"earlier_care_kind", "earlier_care_ended_on"} <= set(exc_info.value.message_dict)
    care = services.earlier_care_clean(
        kind="decided", on=born(3), ended_on=None, source=" beschikking ", birth_date=birth_date
    )
    assert care == EarlierCare(kind="decided", on=born(3), ended_on=None, source="beschikking")


def test_the_check_raises_on_the_birth_date_with_the_reason_as_code() -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.client_eligibility_check(birth_date=born(19), on=ON)
    assert "birth_date" in exc_info.value.message_dict
    assert exc_info.value.error_dict["birth_date"][0].code == "no_earlier_care"

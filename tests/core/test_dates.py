"""Every date is the Amsterdam date: at 00:30 in Amsterdam (23:30 UTC the day before) and around
the DST switches (last Sunday of March and of October)."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from coachcare.core import dates
from coachcare.core.dates import local_date, today

UTC = datetime.UTC

# (moment in UTC, its date in Amsterdam)
MOMENTS = [
    pytest.param(datetime.datetime(2026, 12, 5, 23, 30, tzinfo=UTC), datetime.date(2026, 12, 6), id="00:30-winter"),
    pytest.param(datetime.datetime(2026, 12, 5, 22, 59, tzinfo=UTC), datetime.date(2026, 12, 5), id="23:59-winter"),
    pytest.param(datetime.datetime(2026, 6, 5, 22, 30, tzinfo=UTC), datetime.date(2026, 6, 6), id="00:30-summer"),
    pytest.param(datetime.datetime(2026, 6, 5, 21, 59, tzinfo=UTC), datetime.date(2026, 6, 5), id="23:59-summer"),
    # DST starts on Sunday 29 March 2026 at 02:00 (CET, UTC+1 -> CEST, UTC+2)
    pytest.param(datetime.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime.date(2026, 3, 29), id="march-before"),
    pytest.param(datetime.datetime(2026, 3, 29, 22, 30, tzinfo=UTC), datetime.date(2026, 3, 30), id="march-after"),
    pytest.param(datetime.datetime(2026, 3, 29, 21, 59, tzinfo=UTC), datetime.date(2026, 3, 29), id="march-late"),
    # DST ends on Sunday 25 October 2026 at 03:00 (CEST, UTC+2 -> CET, UTC+1)
    pytest.param(datetime.datetime(2026, 10, 24, 22, 30, tzinfo=UTC), datetime.date(2026, 10, 25), id="october-before"),
    pytest.param(datetime.datetime(2026, 10, 25, 23, 30, tzinfo=UTC), datetime.date(2026, 10, 26), id="october-after"),
    pytest.param(datetime.datetime(2026, 10, 25, 22, 59, tzinfo=UTC), datetime.date(2026, 10, 25), id="october-late"),
]


@pytest.mark.parametrize(("moment", "expected"), MOMENTS)
def test_today_is_the_amsterdam_date(moment: datetime.datetime, expected: datetime.date) -> None:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        assert today() == expected


@pytest.mark.parametrize(("moment", "expected"), MOMENTS)
def test_local_date_is_the_amsterdam_date(moment: datetime.datetime, expected: datetime.date) -> None:
    assert local_date(moment) == expected


def test_today_stays_in_amsterdam_when_another_zone_is_active() -> None:
    moment = datetime.datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment), timezone.override(UTC):
        assert today() == datetime.date(2026, 12, 6)
        assert local_date(moment) == datetime.date(2026, 12, 6)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError):
        local_date(datetime.datetime(2026, 12, 5, 23, 30))


@pytest.mark.parametrize(
    ("on", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 15), 3, datetime.date(2027, 2, 15)),
        (datetime.date(2026, 3, 1), -3, datetime.date(2025, 12, 1)),
        (datetime.date(2026, 5, 31), -1, datetime.date(2026, 4, 30)),
        (datetime.date(2026, 6, 10), 0, datetime.date(2026, 6, 10)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(
    on: datetime.date, months: int, expected: datetime.date
) -> None:
    assert dates.add_months(on, months) == expected


def test_month_bounds_gives_the_first_and_last_day() -> None:
    assert dates.month_bounds("2028-02") == (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29))
    assert dates.month_bounds("2026-12") == (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "2026-3", "26-03", "2026-03-01", "2026/03", "", "٢٠٢٦-٠٣"])
def test_month_bounds_refuses_what_is_not_a_month(period: str) -> None:
    with pytest.raises(ValueError, match="not a month"):
        dates.month_bounds(period)


def test_add_working_days_skips_the_weekend() -> None:
    monday, friday, saturday = datetime.date(2026, 11, 30), datetime.date(2026, 12, 4), datetime.date(2026, 12, 5)
    assert dates.add_working_days(monday, 0) == monday
    assert dates.add_working_days(monday, 4) == friday
    assert dates.add_working_days(monday, 5) == datetime.date(2026, 12, 7)  # next Monday
    assert dates.add_working_days(friday, 1) == datetime.date(2026, 12, 7)
    assert dates.add_working_days(saturday, 1) == datetime.date(2026, 12, 7)
    assert dates.add_working_days(saturday, 5) == datetime.date(2026, 12, 11)
    with pytest.raises(ValueError, match="0 or more"):
        dates.add_working_days(monday, -1)


def test_working_days_between() -> None:
    friday = datetime.date(2025, 1, 3)
    assert dates.working_days_between(friday, friday) == 0
    assert dates.working_days_between(friday, datetime.date(2025, 1, 6)) == 1  # the Monday after
    assert dates.working_days_between(friday, datetime.date(2025, 1, 17)) == 10  # two weeks later
    assert dates.working_days_between(friday, datetime.date(2025, 1, 5)) == 0  # a weekend
    assert dates.working_days_between(datetime.date(2025, 1, 6), friday) == 0  # before the referral
    # the inverse of add_working_days for a working day
    assert dates.working_days_between(friday, dates.add_working_days(friday, 7)) == 7

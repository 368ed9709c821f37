"""Every date is the Amsterdam date: at 00:30 in Amsterdam (23:30 UTC the day before) and around
the DST switches (last Sunday of March and of October)."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

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

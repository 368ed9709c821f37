"""Dates and ages. Ages are always computed on the date of the action (rules.md)."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Age in whole years on a date; someone born on 29 February turns a year older on 1 March."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def years_before(on: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier; 29 February falls back to 28 February.

    Someone born on or before ``years_before(on, n)`` is at least ``n`` years old on ``on``
    (consistent with ``age_on``).
    """
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)

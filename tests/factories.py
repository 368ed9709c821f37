"""Helpers shared by the factories of every app: Dutch fake data, valid BSNs, dates of birth."""

import datetime
import itertools
from collections.abc import Iterator
from typing import Any

import factory
from stdnum.nl import bsn as stdnum_bsn

LOCALE = "nl_NL"


def nl(provider: str, **kwargs: Any) -> Any:
    """A Faker declaration in Dutch (names, cities, companies as in the Netherlands)."""
    return factory.Faker(provider, locale=LOCALE, **kwargs)


def _valid_bsns() -> Iterator[str]:
    """Every 11-proof BSN from 100000000 upwards, in order: unique and reproducible."""
    for number in itertools.count(100_000_000):
        candidate = str(number)
        if stdnum_bsn.is_valid(candidate):
            yield candidate


_BSNS = _valid_bsns()


def next_bsn() -> str:
    return next(_BSNS)


def years_before(on: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def birth_date_for_age(age: int, on: datetime.date, *, days_after_birthday: int = 100) -> datetime.date:
    """A date of birth so that the person is ``age`` on ``on``, well away from a birthday."""
    return years_before(on, age) - datetime.timedelta(days=days_after_birthday)

"""Dates and ages. Ages are always computed on the date of the action.

Every date the application derives from the clock or from a moment is the date in Amsterdam
(``settings.TIME_ZONE``), never the server's or UTC's: at 00:30 in Amsterdam (23:30 UTC the day
before) "today" is already the new day, also across the DST switches. ``today()`` for the clock,
``local_date(moment)`` for a stored moment (``created_at``, ``decided_at``, ...). Never
``date.today()``, ``datetime.now()`` or ``moment.date()`` (ruff's DTZ rules catch the first two).
"""

import calendar
import datetime
import re

from django.utils import timezone


def today() -> datetime.date:
    """The date in Amsterdam now."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def local_date(moment: datetime.datetime) -> datetime.date:
    """The date in Amsterdam of an aware moment (``ValueError`` for a naive one)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


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


def add_months(on: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier, when negative); the last day of the month when
    that day does not exist (31 January + 1 month is 28 or 29 February)."""
    month_index = on.month - 1 + months
    year, month = on.year + month_index // 12, month_index % 12 + 1
    return on.replace(year=year, month=month, day=min(on.day, calendar.monthrange(year, month)[1]))


_PERIOD = re.compile(r"[0-9]{4}-[0-9]{2}")


def month_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of the calendar month ``period`` ("YYYY-MM", as in iJw TR387/TR388);
    ``ValueError`` when it is not a month."""
    if not _PERIOD.fullmatch(period) or not 1 <= int(period[5:]) <= 12 or int(period[:4]) < 1:
        raise ValueError(f"{period!r} is not a month (YYYY-MM)")
    first = datetime.date(int(period[:4]), int(period[5:]), 1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days (Monday to Friday) after ``start``; ``start`` itself when 0.
    Public holidays are not taken out (the step norms, ``trajectories.deadlines``)."""
    if days < 0:
        raise ValueError("days must be 0 or more.")
    moment, left = start, days
    while left:
        moment += datetime.timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days (Monday to Friday) after ``start`` up to and including ``end``; 0 when ``end``
    is not after ``start``. Public holidays are not taken out (the waiting times,
    ``monitoring.indicators``). The inverse of ``add_working_days`` for a working day ``end``."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    extra = sum(1 for day in range(1, rest + 1) if (start + datetime.timedelta(days=weeks * 7 + day)).weekday() < 5)
    return weeks * 5 + extra

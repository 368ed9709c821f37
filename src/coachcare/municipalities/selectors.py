"""Reads on municipalities and youth care regions (jeugdregio's)."""

import datetime

from django.db.models import Q, QuerySet

from coachcare.municipalities.models import Municipality, Region, RegionMembership


def _in_period(date_from: datetime.date, date_to: datetime.date) -> Q:
    """Memberships whose period overlaps ``date_from`` to ``date_to`` (inclusive)."""
    return Q(valid_from__lte=date_to) & (Q(valid_to__isnull=True) | Q(valid_to__gte=date_from))


def region_members(*, region: Region, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Municipality]:
    """The municipalities that belong to ``region`` on some day of the period, by name (one query)."""
    memberships = RegionMembership.objects.filter(_in_period(date_from, date_to), region=region)
    return Municipality.objects.filter(pk__in=memberships.values("municipality_id")).order_by("name", "code")


def region_of(*, municipality_id: int, on: datetime.date) -> Region | None:
    """The region ``municipality_id`` belongs to on ``on`` (at most one), or ``None``."""
    membership = (
        RegionMembership.objects.filter(_in_period(on, on), municipality_id=municipality_id)
        .select_related("region")
        .first()
    )
    return membership.region if membership is not None else None


def regions_led_by(*, municipality_id: int) -> QuerySet[Region]:
    """The regions whose lead municipality (centrumgemeente) is ``municipality_id``, by name."""
    return Region.objects.filter(lead_municipality_id=municipality_id).order_by("name")


def region_membership_periods(
    *, region: Region, date_from: datetime.date, date_to: datetime.date
) -> list[tuple[int, datetime.date, datetime.date]]:
    """Who belonged to ``region`` when, within ``date_from`` to ``date_to``: one (municipality id,
    first day, last day) per membership, clipped to the period (one query). A municipality that
    left and came back has two rows."""
    rows = RegionMembership.objects.filter(_in_period(date_from, date_to), region=region).values_list(
        "municipality_id", "valid_from", "valid_to"
    )
    return [
        (municipality_id, max(valid_from, date_from), min(valid_to or date_to, date_to))
        for municipality_id, valid_from, valid_to in rows.order_by("municipality_id", "valid_from")
    ]

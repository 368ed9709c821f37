"""Writes on municipalities: importing the CBS list; youth care regions (jeugdregio's) and their members."""

import csv
import dataclasses
import datetime
import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coachcare.municipalities.models import Municipality, Region, RegionMembership

_CODE = re.compile(r"^(?:GM)?(\d{1,4})$", re.IGNORECASE)
CODE_HEADERS = ("code", "gemeentecode", "cbs_code", "GemeentecodeGM")
NAME_HEADERS = ("name", "naam", "gemeentenaam", "Gemeentenaam")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _column(header: list[str], candidates: tuple[str, ...]) -> int:
    lowered = [h.strip().lower() for h in header]
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered.index(candidate.lower())
    raise ValidationError(f"The CSV has no column named one of: {', '.join(candidates)}.")


def municipalities_import_csv(*, text: str) -> ImportResult:
    """Import the CBS municipality list (CSV with a code and a name column; ',' or ';').

    Codes may be written as '344', '0344' or 'GM0344'. Every row is checked before anything is
    saved: one bad row and nothing is imported.
    """
    sample = text[:2048]
    dialect: type[csv.Dialect] = csv.excel
    if sample.strip():
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:  # one column, or no separator in the sample: the columns check says what is wrong
            dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise ValidationError("The CSV is empty.")
    header, body = rows[0], rows[1:]
    code_col, name_col = _column(header, CODE_HEADERS), _column(header, NAME_HEADERS)
    parsed: dict[str, str] = {}
    errors: list[str] = []
    for line_no, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            raw_code, name = row[code_col].strip(), row[name_col].strip()
        except IndexError:
            errors.append(f"line {line_no}: too few columns")
            continue
        match = _CODE.match(raw_code)
        if not match or not name:
            errors.append(f"line {line_no}: '{raw_code}' is not a municipality code, or the name is empty")
            continue
        code = match.group(1).zfill(4)
        if code in parsed and parsed[code] != name:
            errors.append(f"line {line_no}: code {code} appears twice with different names")
        parsed[code] = name
    if errors:
        raise ValidationError(errors)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {m.code: m for m in Municipality.objects.filter(code__in=parsed)}
        to_create = []
        for code, name in parsed.items():
            municipality = existing.get(code)
            if municipality is None:
                to_create.append(Municipality(code=code, name=name))
                created += 1
            elif municipality.name != name:
                municipality.name = name
                municipality.save(update_fields=["name"])
                updated += 1
            else:
                unchanged += 1
        Municipality.objects.bulk_create(to_create)
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


# --- regions (jeugdregio's) ------------------------------------------------------------------------


def region_create(*, name: str, lead_municipality: Municipality) -> Region:
    """A new region; its members are added with ``region_membership_add`` (the lead is not a member
    by itself: it joins like any other municipality)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the region a name.")]})
    if Region.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("There already is a region with this name.")]})
    return Region.objects.create(name=name, lead_municipality=lead_municipality)


def _overlap(
    start_a: datetime.date, end_a: datetime.date | None, start_b: datetime.date, end_b: datetime.date | None
) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def region_membership_check(
    *,
    municipality: Municipality,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    exclude_pk: int | None = None,
) -> None:
    """Raise a ``ValidationError`` (per field) unless ``municipality`` can belong to a region in this
    period: a municipality belongs to at most one region on any date (also not twice to the same)."""
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": [_("The end date cannot be before the start date.")]})
    others = RegionMembership.objects.filter(municipality=municipality).select_related("region")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others:
        if not _overlap(valid_from, valid_to, other.valid_from, other.valid_to):
            continue
        if other.valid_to is None:
            message = _(
                "%(municipality)s already belongs to region %(region)s from %(start)s without an end date: "
                "a municipality belongs to one region at a time."
            ) % {"municipality": municipality.name, "region": other.region.name, "start": other.valid_from.isoformat()}
        else:
            message = _(
                "%(municipality)s already belongs to region %(region)s from %(start)s until %(end)s: "
                "a municipality belongs to one region at a time."
            ) % {
                "municipality": municipality.name,
                "region": other.region.name,
                "start": other.valid_from.isoformat(),
                "end": other.valid_to.isoformat(),
            }
        raise ValidationError({"valid_from": [message]})


@transaction.atomic
def region_membership_add(
    *, region: Region, municipality: Municipality, valid_from: datetime.date, valid_to: datetime.date | None = None
) -> RegionMembership:
    """``municipality`` joins ``region`` for the period; refused when it overlaps another membership."""
    # Lock the municipality row: two memberships of one municipality are never checked at once.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    region_membership_check(municipality=municipality, valid_from=valid_from, valid_to=valid_to)
    return RegionMembership.objects.create(
        region=region, municipality=municipality, valid_from=valid_from, valid_to=valid_to
    )


@transaction.atomic
def region_memberships_merge(*, old: Municipality, into: Municipality, on: datetime.date) -> Region | None:
    """A municipal merger: the old municipality's memberships end the day before ``on`` (one that
    would only start on or after ``on`` is removed), and the new municipality belongs, from ``on``,
    to the region the old one belonged to then, unless it already does. Refused when the new
    municipality belongs to another region on ``on`` (a municipality belongs to one region at a
    time: settle the membership first). Returns the region ``into`` joined, or ``None``."""
    last_day = on - datetime.timedelta(days=1)
    list(Municipality.objects.select_for_update().filter(pk__in=[old.pk, into.pk]).order_by("pk").values_list("pk"))
    running = (
        RegionMembership.objects.filter(municipality=old, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("region")
        .first()
    )
    RegionMembership.objects.filter(municipality=old, valid_from__gte=on).delete()
    RegionMembership.objects.filter(municipality=old).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).update(
        valid_to=last_day
    )
    if running is None:
        return None
    own = (
        RegionMembership.objects.filter(municipality=into, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("region")
        .first()
    )
    if own is not None:
        if own.region_id == running.region_id:
            return None
        raise ValidationError(
            _(
                "%(new)s belongs to region %(region)s and %(old)s to region %(other)s on %(date)s: settle the "
                "region membership before the merger (a municipality belongs to one region at a time)."
            )
            % {
                "new": into.name,
                "region": own.region.name,
                "old": old.name,
                "other": running.region.name,
                "date": date_format(on, "j F Y"),
            }
        )
    region_membership_check(municipality=into, valid_from=on, valid_to=running.valid_to)
    RegionMembership.objects.create(region=running.region, municipality=into, valid_from=on, valid_to=running.valid_to)
    return running.region

"""Writes on municipalities: importing the CBS list."""

import csv
import dataclasses
import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from coachcare.municipalities.models import Municipality

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

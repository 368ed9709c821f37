"""Pilots: define, confirm on both sides, freeze at the start; import the comparison group (docs/pilots.md)."""

import csv
import datetime
import decimal
import hashlib
import io
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.monitoring import indicators as ind
from coachcare.monitoring.models import ComparisonTrajectory, Pilot, ReferenceFigure, ReferenceFigureSet
from coachcare.monitoring.selectors import PilotOwner, pilot_owner
from coachcare.municipalities.models import Municipality, Region
from coachcare.providers.models import Provider
from coachcare.trajectories.models import EndReason

#: Outcomes a pilot can be judged on: the shares and means of the indicator set.
PILOT_OUTCOME_UNITS = frozenset({ind.Unit.RATE, ind.Unit.MEAN, ind.Unit.DAYS, ind.Unit.CENTS})
#: The columns of a comparison file, in this order (docs/pilots.md). Nothing else is accepted.
COMPARISON_COLUMNS = ("start", "end", "end_reason", "product_category", "cost")
_PRODUCT_CATEGORY = re.compile(r"^\d{2}$")
_COST = re.compile(r"^\d+(\.\d{1,2})?$")

#: The fields of the definition, as frozen (every one of them is refused a change after the start).
DEFINITION_FIELDS = (
    "name",
    "period_from",
    "period_to",
    "target_group",
    "age_min",
    "age_max",
    "planned_young_people",
    "primary_outcomes",
    "secondary_outcomes",
    "planned_effects",
    "reference_cost_cents",
)


def pilot_outcome_codes() -> list[str]:
    return [i.code for i in ind.INDICATORS if i.unit in PILOT_OUTCOME_UNITS]


def pilot_definition(*, pilot: Pilot) -> dict[str, Any]:
    """The definition as plain JSON values (dates as ISO strings), with both parties by code: the
    municipality by its CBS code or the region by its number (``"region"``), the provider by AGB."""
    owner = (
        {"region": str(pilot.region.public_id)}
        if pilot.region is not None
        else {"municipality": pilot.municipality.code if pilot.municipality is not None else ""}
    )
    definition: dict[str, Any] = owner | {"provider": pilot.provider.agb_code}
    for field in DEFINITION_FIELDS:
        value = getattr(pilot, field)
        definition[field] = value.isoformat() if isinstance(value, datetime.date) else value
    return definition


def canonical_json(definition: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8: the same definition always gives the same text (and hash)."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def definition_hash(*, pilot: Pilot) -> str:
    return hashlib.sha256(canonical_json(pilot_definition(pilot=pilot)).encode("utf-8")).hexdigest()


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if values["period_to"] < values["period_from"]:
        errors["period_to"] = _("The end of the period cannot be before its start.")
    if values["planned_young_people"] is None or values["planned_young_people"] < 1:
        errors["planned_young_people"] = _("Plan at least one young person.")
    age_min, age_max = values.get("age_min"), values.get("age_max")
    if age_min is not None and age_max is not None and age_max < age_min:
        errors["age_max"] = _("The maximum age cannot be below the minimum age.")
    allowed = set(pilot_outcome_codes())
    primary, secondary = list(values["primary_outcomes"]), list(values.get("secondary_outcomes") or [])
    if not primary:
        errors["primary_outcomes"] = _("Choose at least one primary outcome.")
    elif any(code not in allowed for code in primary) or len(set(primary)) != len(primary):
        errors["primary_outcomes"] = _("Choose primary outcomes from the indicator set, each once.")
    if any(code not in allowed or code in primary for code in secondary) or len(set(secondary)) != len(secondary):
        errors["secondary_outcomes"] = _("Choose secondary outcomes from the indicator set, not also primary.")
    effects = values.get("planned_effects") or {}
    for code, effect in effects.items():
        if code not in primary or not isinstance(effect, int | float) or effect == 0:
            errors["planned_effects"] = _("A planned effect belongs to a primary outcome and is not zero.")
        elif ind.BY_CODE[code].unit == ind.Unit.RATE and not -1 < effect < 1:
            errors["planned_effects"] = _("The planned effect on a share lies between −1 and 1.")
    cost = values.get("reference_cost_cents")
    if cost is not None and cost <= 0:
        errors["reference_cost_cents"] = _("The reference cost must be more than zero.")
    if errors:
        raise ValidationError(errors)


def pilot_create(
    *,
    actor: User,
    municipality: Municipality | None = None,
    region: Region | None = None,
    provider: Provider,
    **values: Any,
) -> Pilot:
    """Propose a pilot of a municipality or of a region (exactly one) with a provider. ``values``:
    the fields of ``DEFINITION_FIELDS`` (optional ones may be left out)."""
    if (municipality is None) == (region is None):
        raise TypeError("A pilot belongs to one municipality or to one region.")
    owner = PilotOwner(
        municipality_id=municipality.pk if municipality is not None else None,
        region_lead_id=region.lead_municipality_id if region is not None else None,
    )
    if not policy.can_define_pilot(actor, provider_id=provider.pk, **owner):
        raise policy.Refused(_("You cannot define a pilot."))
    unknown = set(values) - set(DEFINITION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown pilot fields: {sorted(unknown)}")
    values.setdefault("secondary_outcomes", [])
    values.setdefault("planned_effects", {})
    _validate(values)
    return Pilot.objects.create(municipality=municipality, region=region, provider=provider, created_by=actor, **values)


def _locked(pilot: Pilot) -> Pilot:
    return (
        Pilot.objects.select_related("municipality", "region", "provider")
        .select_for_update(of=("self",))
        .get(pk=pilot.pk)
    )


@transaction.atomic
def pilot_update(*, actor: User, pilot: Pilot, **values: Any) -> Pilot:
    """Change the definition before the start; both confirmations lapse (they named the old hash)."""
    pilot = _locked(pilot)
    if not policy.can_define_pilot(actor, provider_id=pilot.provider_id, **pilot_owner(pilot=pilot)):
        raise policy.Refused(_("You cannot define a pilot."))
    if pilot.started_at is not None:
        raise ValidationError(_("This pilot has started: its definition was fixed in advance and cannot change."))
    unknown = set(values) - set(DEFINITION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown pilot fields: {sorted(unknown)}")
    merged = {field: getattr(pilot, field) for field in DEFINITION_FIELDS} | values
    _validate(merged)
    for field, value in values.items():
        setattr(pilot, field, value)
    pilot.municipality_confirmed_by = pilot.provider_confirmed_by = None
    pilot.municipality_confirmed_sha256 = pilot.provider_confirmed_sha256 = ""
    pilot.save()
    return pilot


@transaction.atomic
def pilot_confirm(*, actor: User, pilot: Pilot) -> Pilot:
    """Confirm the current definition on behalf of one's own side (the hash it had is recorded).
    The owner's side (``municipality_confirmed_*``) is the municipality, or for a region's pilot
    the region (signed by its lead municipality's policy staff)."""
    pilot = _locked(pilot)
    # the owner's policy staff sign for it (the same people who upload its comparison group)
    for_owner = policy.can_import_pilot_comparison(actor, **pilot_owner(pilot=pilot))
    if not for_owner and not policy.can_confirm_pilot_for_provider(actor, pilot.provider_id):
        raise policy.Refused(_("Only the municipality's policy staff or the provider's leads do this."))
    if pilot.started_at is not None:
        raise ValidationError(_("This pilot has already started."))
    digest = definition_hash(pilot=pilot)
    if for_owner:
        pilot.municipality_confirmed_by, pilot.municipality_confirmed_sha256 = actor, digest
    else:
        pilot.provider_confirmed_by, pilot.provider_confirmed_sha256 = actor, digest
    pilot.save()
    return pilot


@transaction.atomic
def pilot_start(*, actor: User, pilot: Pilot) -> Pilot:
    """Start the pilot: both sides confirmed this very definition; store its canonical JSON and SHA-256."""
    pilot = _locked(pilot)
    if not policy.can_define_pilot(actor, provider_id=pilot.provider_id, **pilot_owner(pilot=pilot)):
        raise policy.Refused(_("Only the municipality's policy staff or the provider's leads do this."))
    if pilot.started_at is not None:
        raise ValidationError(_("This pilot has already started."))
    text = canonical_json(pilot_definition(pilot=pilot))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if pilot.municipality_confirmed_sha256 != digest or pilot.provider_confirmed_sha256 != digest:
        owner = _("the region") if pilot.region_id is not None else _("the municipality")
        raise ValidationError(
            _("Both %(owner)s and the provider must confirm this definition first.") % {"owner": owner}
        )
    pilot.definition_json, pilot.definition_sha256 = text, digest
    pilot.started_at = timezone.now()
    pilot.save()
    return pilot


def pilot_frozen_intact(*, pilot: Pilot) -> bool:
    """The stored definition still hashes to the stored SHA-256 and matches the pilot's fields."""
    if pilot.started_at is None:
        return False
    stored = hashlib.sha256(pilot.definition_json.encode("utf-8")).hexdigest()
    return stored == pilot.definition_sha256 == definition_hash(pilot=pilot)


# --- the comparison group ------------------------------------------------------------------------


class ComparisonImportError(ValidationError):
    """The file was refused; ``problems`` lists (line, column, message), line 1 being the header."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        super().__init__([f"line {line}, column {column}: {message}" for line, column, message in problems])


def _parse_row(line: int, row: dict[str, str], problems: list[tuple[int, str, str]]) -> ComparisonTrajectory | None:
    count = len(problems)
    dates: dict[str, datetime.date] = {}
    for column in ("start", "end"):
        try:
            dates[column] = datetime.date.fromisoformat(row[column].strip())
        except ValueError:
            problems.append((line, column, _("not a date (YYYY-MM-DD)")))
    if len(dates) == 2 and dates["end"] < dates["start"]:
        problems.append((line, "end", _("before the start")))
    end_reason = row["end_reason"].strip()
    if end_reason not in EndReason.values:
        problems.append(
            (line, "end_reason", _("not a JZ588 end reason (%(codes)s)") % {"codes": ", ".join(EndReason.values)})
        )
    category = row["product_category"].strip()
    if not _PRODUCT_CATEGORY.match(category):
        problems.append((line, "product_category", _("not a two-digit iJw product category")))
    cost = row["cost"].strip()
    if not _COST.match(cost):
        problems.append((line, "cost", _("not an amount in euros (for example 1234.50)")))
    if len(problems) > count:
        return None
    return ComparisonTrajectory(
        line=line,
        started_on=dates["start"],
        ended_on=dates["end"],
        end_reason=end_reason,
        product_category=category,
        cost_cents=int(decimal.Decimal(cost) * 100),
    )


def pilot_comparison_import(*, pilot: Pilot, data: bytes) -> int:
    """Replace the pilot's comparison group with the trajectories in a CSV file: all or nothing.

    Raises ``ComparisonImportError`` with every problem by line and column; stores nothing then.
    Returns the number of trajectories imported. The file's SHA-256 is kept (shown in the report).
    """
    problems: list[tuple[int, str, str]] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ComparisonImportError([(1, "-", _("the file is not UTF-8"))]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(name.strip() for name in (reader.fieldnames or ()))
    if header != COMPARISON_COLUMNS:
        raise ComparisonImportError(
            [
                (
                    1,
                    "-",
                    _("the columns must be exactly: %(expected)s (found: %(found)s)")
                    % {"expected": ",".join(COMPARISON_COLUMNS), "found": ",".join(header)},
                )
            ]
        )
    reader.fieldnames = list(header)
    rows: list[ComparisonTrajectory] = []
    for record in reader:
        line = reader.line_num
        if None in record or any(value is None for value in record.values()):
            problems.append((line, "-", _("expected %(count)s values") % {"count": len(COMPARISON_COLUMNS)}))
            continue
        parsed = _parse_row(line, record, problems)
        if parsed is not None:
            rows.append(parsed)
    if not rows and not problems:
        problems.append((2, "-", _("the file holds no trajectories")))
    if problems:
        raise ComparisonImportError(problems)
    with transaction.atomic():
        locked = Pilot.objects.select_for_update().get(pk=pilot.pk)
        ComparisonTrajectory.objects.filter(pilot=locked).delete()
        for row in rows:
            row.pilot = locked
        ComparisonTrajectory.objects.bulk_create(rows, batch_size=1000)
        locked.comparison_sha256 = hashlib.sha256(data).hexdigest()
        locked.comparison_imported_at = timezone.now()
        locked.reference_set = None  # the comparison is the imported group or reference figures
        locked.save(update_fields=["comparison_sha256", "comparison_imported_at", "reference_set"])
    return len(rows)


# --- national reference figures (docs/pilots.md, "National reference figures") -------------------

#: The keys of a reference-figure file and of each of its figures (nothing else is accepted).
#: ``about`` and a figure's ``table``, ``url``, ``definition`` and ``maps_to`` document the source
#: and how it maps onto the indicator; a figure without a verified number has ``"value": null`` and
#: says why under ``missing`` (docs/pilots.md): it is checked but not loaded.
REFERENCE_KEYS = frozenset({"publisher", "title", "url", "year", "example", "about", "figures"})
REFERENCE_FIGURE_KEYS = frozenset(
    {"indicator", "value", "denominator", "table", "url", "definition", "maps_to", "missing"}
)
_FIGURE_TEXTS = {"table": 300, "url": 500, "definition": 2000, "maps_to": 2000, "missing": 1000}


class ReferenceFiguresError(ValidationError):
    """The file was refused; ``problems`` lists (where, message); nothing was stored."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__([f"{where}: {message}" for where, message in problems])


def _text(source: dict[str, Any], key: str, problems: list[tuple[str, str]], limit: int) -> str:
    value = source.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        problems.append((key, f"a text of 1 to {limit} characters is required"))
        return ""
    return value.strip()


def _reference_figure(
    number: int, figure: Any, seen: set[str], problems: list[tuple[str, str]]
) -> ReferenceFigure | None:
    where = f"figures[{number}]"
    if not isinstance(figure, dict) or set(figure) - REFERENCE_FIGURE_KEYS or not {"indicator", "value"} <= set(figure):
        problems.append(
            (
                where,
                "an object with indicator and value, optionally denominator, table, url, definition, maps_to "
                "and missing (no other keys)",
            )
        )
        return None
    for key, limit in _FIGURE_TEXTS.items():
        text = figure.get(key)
        if text is not None and (not isinstance(text, str) or not text.strip() or len(text) > limit):
            problems.append((f"{where}.{key}", f"a text of 1 to {limit} characters"))
            return None
    code = figure["indicator"]
    if code not in pilot_outcome_codes():
        problems.append((f"{where}.indicator", "not a share or mean of the indicator set (docs/indicators.md)"))
        return None
    if code in seen:
        problems.append((f"{where}.indicator", "this indicator is given twice"))
        return None
    seen.add(code)
    value, denominator = figure["value"], figure.get("denominator")
    unit = ind.BY_CODE[code].unit
    if value is None:
        # no verified number: the file says why, and nothing is loaded for this indicator
        if "missing" not in figure:
            problems.append((f"{where}.missing", "a figure without a value says why under 'missing'"))
        elif denominator is not None:
            problems.append((f"{where}.denominator", "a figure without a value has no denominator"))
        return None
    if "missing" in figure:
        problems.append((f"{where}.missing", "only a figure without a value (null) says what is missing"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append((f"{where}.value", "not a number of 0 or more"))
        return None
    if unit == ind.Unit.RATE and value > 1:
        problems.append((f"{where}.value", "a share is a fraction between 0 and 1 (0.21 is 21%)"))
        return None
    whole = isinstance(denominator, int) and not isinstance(denominator, bool)
    if denominator is not None and (not whole or denominator < 1):
        problems.append((f"{where}.denominator", "a whole number of 1 or more, or left out when unknown"))
        return None
    stored = float(value) * 100 if unit == ind.Unit.CENTS else float(value)  # money in the file is in euros
    return ReferenceFigure(indicator_code=code, value=stored, denominator=denominator)


def reference_figures_load(*, data: bytes) -> tuple[ReferenceFigureSet, bool]:
    """Load a set of national reference figures from a JSON file: all or nothing, one set per
    publisher, title and year (loading the same source and year again replaces its figures).

    Raises ``ReferenceFiguresError`` listing every problem; stores nothing then. Returns the set and
    whether it was new.
    """
    try:
        source = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReferenceFiguresError([("-", f"not a UTF-8 JSON file ({error})")]) from None
    if not isinstance(source, dict):
        raise ReferenceFiguresError([("-", "the file holds one JSON object")])
    problems: list[tuple[str, str]] = []
    unknown = set(source) - REFERENCE_KEYS
    if unknown:
        problems.append(("-", f"unknown keys: {', '.join(sorted(unknown))}"))
    publisher = _text(source, "publisher", problems, 200)
    title = _text(source, "title", problems, 300)
    url = _text(source, "url", problems, 500)
    if url and not url.startswith("https://"):
        problems.append(("url", "the address of the publication, starting with https://"))
    given = source.get("year")
    year = given if isinstance(given, int) and not isinstance(given, bool) else 0
    if not 1990 <= year <= timezone.now().year:
        problems.append(("year", "the year the figures are about, 1990 up to this year"))
    example = source.get("example", False)
    if not isinstance(example, bool):
        problems.append(("example", "true or false"))
    if "about" in source:
        _text(source, "about", problems, 4000)
    figures: list[ReferenceFigure] = []
    listed = source.get("figures")
    if not isinstance(listed, list) or not listed:
        problems.append(("figures", "a list of at least one figure"))
    else:
        seen: set[str] = set()
        for number, figure in enumerate(listed):
            parsed = _reference_figure(number, figure, seen, problems)
            if parsed is not None:
                figures.append(parsed)
        if not problems and not figures:
            problems.append(
                (
                    "figures",
                    "no figure has a verified value (each says why under 'missing'): there is nothing to "
                    "compare with, so nothing is loaded",
                )
            )
    if problems:
        raise ReferenceFiguresError(problems)
    with transaction.atomic():
        figure_set, created = ReferenceFigureSet.objects.select_for_update().update_or_create(
            publisher=publisher,
            title=title,
            year=year,
            defaults={
                "url": url,
                "example": example,
                "file_sha256": hashlib.sha256(data).hexdigest(),
                "loaded_at": timezone.now(),
            },
        )
        ReferenceFigure.objects.filter(figure_set=figure_set).delete()
        for figure in figures:
            figure.figure_set = figure_set
        ReferenceFigure.objects.bulk_create(figures)
    return figure_set, created


def reference_figures_unverified(*, data: bytes) -> list[tuple[str, str]]:
    """The figures of a reference file that have no verified value: (indicator, why), as the file
    says under ``missing``. Nothing is loaded for them (``reference_figures_load``)."""
    try:
        source = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return []
    listed = source.get("figures") if isinstance(source, dict) else None
    return [
        (str(figure.get("indicator")), str(figure.get("missing", "")))
        for figure in (listed if isinstance(listed, list) else [])
        if isinstance(figure, dict) and figure.get("value") is None
    ]


@transaction.atomic
def pilot_reference_choose(*, pilot: Pilot, figure_set: ReferenceFigureSet) -> Pilot:
    """Compare the pilot with a set of national reference figures instead of an imported group
    (the imported group, if any, is removed: the comparison is one or the other)."""
    locked = Pilot.objects.select_for_update().get(pk=pilot.pk)
    ComparisonTrajectory.objects.filter(pilot=locked).delete()
    locked.comparison_sha256, locked.comparison_imported_at = "", None
    locked.reference_set = figure_set
    locked.save(update_fields=["comparison_sha256", "comparison_imported_at", "reference_set"])
    return locked

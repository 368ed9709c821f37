"""CBS Beleidsinformatie Jeugd (issue 18.6): the record per jeugdhulptraject a provider delivers to
CBS twice a year, its code lists, the checks every field must pass and the file format. Pure: no
database; ``ijw.selectors.cbs_records_for`` builds the records and ``ijw.services.cbs_export``
validates them (all or nothing), writes the file and the access log.

Source: the Informatieprotocol Beleidsinformatie Jeugd (bijlage 2 bij de Regeling Jeugdwet),
version 5 (Staatscourant 2018, 53554, in force 1 January 2019): the chapters on the young person
(BSN, municipality), on jeugdhulp (verwijzer, hulpvorm, started with a crisis, start, end, end
reason) and on outcome (the national outcome criteria 1, 2 and 3.1 with type informant). The
protocol's exact code values and file layout were not available to the project: the values below
are the project's reading of it, each marked as an assumption in docs/cbs.md, in one place so a
correction is made here once.
"""

import dataclasses
import datetime
import re
from uuid import UUID

from stdnum.nl import bsn as stdnum_bsn

from coachcare.ijw.codes import CATEGORIES, END_REASONS, VERWIJZER_TYPES

PROTOCOL = "Informatieprotocol Beleidsinformatie Jeugd, versie 5 (Regeling Jeugdwet, bijlage 2; Stcrt. 2018, 53554)"
PROTOCOL_VERSION = "5"

#: Hulpvorm (protocol 3.3), assumption: the project's numbering of the protocol's categories.
HULPVORMEN: dict[str, str] = {
    "1": "jeugdhulp zonder verblijf: ambulant",
    "2": "jeugdhulp zonder verblijf: daghulp",
    "3": "jeugdhulp met verblijf: pleegzorg",
    "4": "jeugdhulp met verblijf: gezinsgericht",
    "5": "jeugdhulp met verblijf: gesloten plaatsing",
    "6": "jeugdhulp met verblijf: overig",
}
#: The hulpvorm per iJw product category (JZ020) of the products this project delivers; a product
#: of another category has no known hulpvorm and stops the export (rule HULPVORM) until added here.
HULPVORM_BY_CATEGORY: dict[str, str] = {"45": "1", "46": "1", "54": "1"}
#: Product categories that are crisis care: the trajectory "started with a crisis" (protocol 3.4).
CRISIS_CATEGORIES = frozenset({"46"})
YES, NO = "1", "2"
#: Type informant (protocol 4.5), assumption: 1 the young person, 2 a parent, 3 the professional.
INFORMANT_YOUTH, INFORMANT_PARENT, INFORMANT_PROFESSIONAL = "1", "2", "3"
INFORMANTS = frozenset({INFORMANT_YOUTH, INFORMANT_PARENT, INFORMANT_PROFESSIONAL})
#: JZ588 codes that count for outcome criterion 1 (beëindiging volgens plan): 31 yes, 32-35 no.
ACCORDING_TO_PLAN = "31"
NOT_ACCORDING_TO_PLAN = frozenset({"32", "33", "34", "35"})

#: The file's columns, in order (one header row, then one row per record; ``;``, UTF-8).
COLUMNS = [
    "aanbieder_agb",
    "verslagperiode",
    "bsn",
    "gemeentecode",
    "traject_id",
    "verwijzer",
    "productcategorie",
    "hulpvorm",
    "gestart_met_crisis",
    "datum_aanvang",
    "datum_einde",
    "reden_beeindiging",
    "beeindiging_volgens_plan",
    "tevredenheid_nut",
    "tevredenheid_informant",
    "zonder_hulp_verder",
    "zonder_hulp_verder_informant",
]

_PERIOD = re.compile(r"(?P<year>\d{4})-H(?P<half>[12])")


class CbsPeriodError(ValueError):
    pass


def cbs_period_parse(period: str) -> tuple[datetime.date, datetime.date]:
    """``"2025-H1"`` → 1 January to 30 June 2025; ``"2025-H2"`` → 1 July to 31 December."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise CbsPeriodError(f"Not a period (YYYY-H1 or YYYY-H2): {period}")
    year = int(match["year"])
    if match["half"] == "1":
        return datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    return datetime.date(year, 7, 1), datetime.date(year, 12, 31)


@dataclasses.dataclass(frozen=True, kw_only=True)
class CbsRecord:
    """One jeugdhulptraject of one young person at the provider in the period (a Coach & Care
    trajectory, per product category). Codes as strings, dates or None, "" for "not applicable"."""

    client_public_id: UUID
    aanbieder_agb: str
    verslagperiode: str
    bsn: str
    gemeentecode: str
    traject_id: UUID
    verwijzer: str
    productcategorie: str
    hulpvorm: str
    gestart_met_crisis: str
    datum_aanvang: datetime.date | None
    datum_einde: datetime.date | None
    reden_beeindiging: str
    beeindiging_volgens_plan: str
    tevredenheid_nut: str
    tevredenheid_informant: str
    zonder_hulp_verder: str
    zonder_hulp_verder_informant: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class CbsViolation:
    """A field that breaks a rule. Never carries the field's value (it may be a BSN)."""

    rule: str
    index: int
    traject_id: UUID
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule} record {self.index} (traject {self.traject_id}) {self.field}: {self.message}"


def volgens_plan_for(end_reason: str) -> str:
    """Outcome criterion 1: 1 ended according to plan (31), 2 not (32-35), "" neither."""
    if end_reason == ACCORDING_TO_PLAN:
        return YES
    return NO if end_reason in NOT_ACCORDING_TO_PLAN else ""


def _outcome_violations(
    record: CbsRecord, *, value_field: str, informant_field: str, rule: str
) -> list[tuple[str, str, str]]:
    value, informant = getattr(record, value_field), getattr(record, informant_field)
    found: list[tuple[str, str, str]] = []
    if value not in {"", YES, NO}:
        found.append((rule, value_field, "not 1 (yes), 2 (no) or empty"))
    if value and record.datum_einde is None:
        found.append((rule, value_field, "an outcome only for a trajectory that ended in the period"))
    if bool(value) != bool(informant):
        found.append(("INFORMANT", informant_field, "a type informant with every outcome score, and only then"))
    elif informant and informant not in INFORMANTS:
        found.append(("INFORMANT", informant_field, "not a type informant code (1, 2 or 3)"))
    return found


def cbs_record_problems(record: CbsRecord, *, first: datetime.date, last: datetime.date) -> list[tuple[str, str, str]]:
    """(rule, field, message) for every rule ``record`` breaks in the period ``first``-``last``."""
    found: list[tuple[str, str, str]] = []
    if not stdnum_bsn.is_valid(record.bsn):
        found.append(("BSN", "bsn", "not a valid BSN (9 digits, elfproef)"))
    if not re.fullmatch(r"\d{8}", record.aanbieder_agb):
        found.append(("AGB", "aanbieder_agb", "not an AGB code (8 digits)"))
    if not re.fullmatch(r"\d{4}", record.gemeentecode):
        found.append(("GEMEENTE", "gemeentecode", "not a municipality code (4 digits)"))
    if record.verwijzer not in VERWIJZER_TYPES:
        found.append(("VERWIJZER", "verwijzer", "not a code of the verwijzer list"))
    if record.productcategorie not in CATEGORIES:
        found.append(("CATEGORIE", "productcategorie", "not a product category (JZ020)"))
    if record.hulpvorm not in HULPVORMEN or HULPVORM_BY_CATEGORY.get(record.productcategorie) != record.hulpvorm:
        found.append(("HULPVORM", "hulpvorm", "no hulpvorm known for this product category"))
    if record.gestart_met_crisis not in {YES, NO}:
        found.append(("CRISIS", "gestart_met_crisis", "not 1 (yes) or 2 (no)"))
    if record.datum_aanvang is None or record.datum_aanvang > last:
        found.append(("AANVANG", "datum_aanvang", "missing, or after the period"))
    if record.datum_einde is not None and not (
        first <= record.datum_einde <= last
        and (record.datum_aanvang is None or record.datum_einde >= record.datum_aanvang)
    ):
        found.append(("EINDE", "datum_einde", "outside the period or before the start"))
    if (record.datum_einde is None) != (record.reden_beeindiging == ""):
        found.append(("REDEN", "reden_beeindiging", "an end reason with every end date, and only then"))
    elif record.reden_beeindiging and record.reden_beeindiging not in END_REASONS:
        found.append(("REDEN", "reden_beeindiging", "not an end reason (JZ588)"))
    if record.beeindiging_volgens_plan != (volgens_plan_for(record.reden_beeindiging) if record.datum_einde else ""):
        found.append(("VOLGENS_PLAN", "beeindiging_volgens_plan", "does not follow from the end reason"))
    found += _outcome_violations(
        record, value_field="tevredenheid_nut", informant_field="tevredenheid_informant", rule="TEVREDENHEID"
    )
    found += _outcome_violations(
        record, value_field="zonder_hulp_verder", informant_field="zonder_hulp_verder_informant", rule="ZONDER_HULP"
    )
    return found


def cbs_validate(records: list[CbsRecord], *, first: datetime.date, last: datetime.date) -> list[CbsViolation]:
    """Every violation of every record (numbered from 1), never with a value."""
    return [
        CbsViolation(rule=rule, index=index, traject_id=record.traject_id, field=field, message=message)
        for index, record in enumerate(records, start=1)
        for rule, field, message in cbs_record_problems(record, first=first, last=last)
    ]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def cbs_render(records: list[CbsRecord]) -> bytes:
    """The file: a header row with ``COLUMNS`` and one row per record, ``;``-separated, UTF-8."""
    lines = [";".join(COLUMNS)]
    lines += [";".join(_text(getattr(record, column)) for column in COLUMNS) for record in records]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")

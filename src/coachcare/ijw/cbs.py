"""CBS Beleidsinformatie Jeugd (issue 18.6): the record per jeugdhulptraject a provider delivers to
CBS twice a year, its code lists, the checks every field must pass and the file format. Pure: no
database; ``ijw.selectors.cbs_records_for`` builds the records and ``ijw.services.cbs_export``
validates them (all or nothing), writes the file and the access log.

Source: the Informatieprotocol Beleidsinformatie Jeugd, bijlage 2 bij de Regeling Jeugdwet
(BWBR0036007, https://wetten.overheid.nl/BWBR0036007, "Bijlage 2 behorende bij artikel 7").

- **Verified** against the protocol's text as first published with the Regeling Jeugdwet
  (regeling of 12 December 2014, kenmerk 694624-130150-WJZ; in force 1 January 2015), read in the
  public mirror ``statengeneraal/laws-markdown``, file
  ``ministeriele-regeling/regeling/jeugdwet/BWBR0036007/README.md`` (commit 60628a82): the
  verwijzer codes 01-05 (3.2), the hulpvorm codes 01-04 and 11-14 (3.3, ``HULPVORMEN``), the
  reasons for ending 01-05 (3.6, ``REDENEN``), dates as JJJJMMDD (2.3, 3.4, 3.5), gender V/M/O
  (2.4), date of birth and gender with every BSN (6.5), one record per young person and hulpvorm
  with the start of the first and the end of the last module (3.3), half-year periods (6.3).
- **Not verifiable** (only the table of contents of version 5, Stcrt. 2018, 53554, in force
  1 January 2019, was available, and CBS's berichtspecificatie is published on cbs.nl only):
  verwijzer 08, "gestart met crisis", the outcome criteria with type informant, the column names
  and the file layout. These stay the project's reading, marked as assumptions in docs/cbs.md.
"""

import dataclasses
import datetime
import re
from uuid import UUID

from stdnum.nl import bsn as stdnum_bsn

from coachcare.ijw.codes import CATEGORIES, VERWIJZER_TYPES

PROTOCOL = "Informatieprotocol Beleidsinformatie Jeugd, versie 5 (Regeling Jeugdwet, bijlage 2; Stcrt. 2018, 53554)"
PROTOCOL_VERSION = "5"

#: Hulpvorm (protocol 3.3, verified): the codes of the protocol's text.
HULPVORMEN: dict[str, str] = {
    "01": "jeugdhulp zonder verblijf: uitgevoerd door het wijk- of buurtteam",
    "02": "jeugdhulp zonder verblijf: ambulante jeugdhulp op locatie van de aanbieder",
    "03": "jeugdhulp zonder verblijf: daghulp op locatie van de aanbieder",
    "04": "jeugdhulp zonder verblijf: jeugdhulp in het netwerk van de jeugdige",
    "11": "jeugdhulp met verblijf: pleegzorg",
    "12": "jeugdhulp met verblijf: gezinsgericht",
    "13": "jeugdhulp met verblijf: gesloten plaatsing",
    "14": "jeugdhulp met verblijf: verblijf bij een jeugdhulpaanbieder anders dan bovenstaand",
}
#: The hulpvorm per iJw product category (JZ020) of the products this project delivers; a product
#: of another category has no known hulpvorm and stops the export (rule HULPVORM) until added here.
#: Assumption: Coach & Care is coaching without stay where the young person lives, goes to school or
#: works (04); a provider whose sessions are held at its own office delivers 02 instead.
HULPVORM_BY_CATEGORY: dict[str, str] = {"45": "04", "46": "04", "54": "04"}
#: Product categories that are crisis care: the trajectory "started with a crisis" (protocol 3.4).
CRISIS_CATEGORIES = frozenset({"46"})
YES, NO = "1", "2"
#: Type informant (protocol 4.5), assumption: 1 the young person, 2 a parent, 3 the professional.
INFORMANT_YOUTH, INFORMANT_PARENT, INFORMANT_PROFESSIONAL = "1", "2", "3"
INFORMANTS = frozenset({INFORMANT_YOUTH, INFORMANT_PARENT, INFORMANT_PROFESSIONAL})
#: Reden beëindiging jeugdhulp (protocol 3.6, verified): CBS's own list, not JZ588.
REDENEN: dict[str, str] = {
    "01": "beëindigd volgens plan",
    "02": "voortijdig afgesloten: in overeenstemming",
    "03": "voortijdig afgesloten: eenzijdig door de cliënt",
    "04": "voortijdig afgesloten: eenzijdig door de aanbieder",
    "05": "voortijdig afgesloten: wegens externe omstandigheden",
}
#: The CBS reason per JZ588 end reason (``trajectories.EndReason``). The protocol names death and a
#: move as external circumstances (05) and a change to another type of help agreed with the young
#: person and parents as "in overeenstemming" (02); the rest is the project's reading (assumption):
#: 20 temporarily ended, 37 change request, 38 another provider, 39 another domain → 02;
#: 36 initiated by the municipality → 05.
REDEN_BY_END_REASON: dict[str, str] = {
    "31": "01",
    "34": "02",
    "32": "03",
    "33": "04",
    "35": "05",
    "02": "05",
    "20": "02",
    "36": "05",
    "37": "02",
    "38": "02",
    "39": "02",
}
#: Gender (protocol 2.4, verified): V, M or O. Coach & Care records no gender: always O (onbekend).
GESLACHT_ONBEKEND = "O"
GESLACHTEN = frozenset({"V", "M", GESLACHT_ONBEKEND})
#: JZ588 codes that count for outcome criterion 1 (beëindiging volgens plan): 31 yes, 32-35 no.
ACCORDING_TO_PLAN = "31"
NOT_ACCORDING_TO_PLAN = frozenset({"32", "33", "34", "35"})

#: The file's columns, in order (one header row, then one row per record; ``;``, UTF-8).
COLUMNS = [
    "aanbieder_agb",
    "verslagperiode",
    "bsn",
    "geboortedatum",
    "geslacht",
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
    geboortedatum: datetime.date | None
    geslacht: str
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


def reden_for(end_reason: str) -> str:
    """The CBS reason (3.6) for a JZ588 end reason; "" when there is none."""
    return REDEN_BY_END_REASON.get(end_reason, "")


def volgens_plan_for(end_reason: str) -> str:
    """Outcome criterion 1: 1 ended according to plan (31), 2 not (32-35), "" neither."""
    if end_reason == ACCORDING_TO_PLAN:
        return YES
    return NO if end_reason in NOT_ACCORDING_TO_PLAN else ""


#: Outcome criterion 1 per CBS reason: 01 is "according to plan"; 03 and 04 are not; 02 and 05
#: are not when the JZ588 reason was an early end (34, 35), and count for neither otherwise (a
#: step-up, a move, death: ``volgens_plan_for``).
_VOLGENS_PLAN_ALLOWED: dict[str, set[str]] = {"01": {YES}, "02": {NO, ""}, "03": {NO}, "04": {NO}, "05": {NO, ""}}


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
    if record.geboortedatum is None or (record.datum_aanvang and record.geboortedatum > record.datum_aanvang):
        found.append(("GEBOORTEDATUM", "geboortedatum", "missing, or after the start of the help"))
    if record.geslacht not in GESLACHTEN:
        found.append(("GESLACHT", "geslacht", "not V, M or O"))
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
    elif record.reden_beeindiging and record.reden_beeindiging not in REDENEN:
        found.append(("REDEN", "reden_beeindiging", "not a reason of the protocol (01-05)"))
    if record.beeindiging_volgens_plan not in _VOLGENS_PLAN_ALLOWED.get(record.reden_beeindiging, {""}):
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
        return value.strftime("%Y%m%d")  # JJJJMMDD (protocol 2.3, 3.4, 3.5)
    return str(value)


def cbs_render(records: list[CbsRecord]) -> bytes:
    """The file: a header row with ``COLUMNS`` and one row per record, ``;``-separated, UTF-8."""
    lines = [";".join(COLUMNS)]
    lines += [";".join(_text(getattr(record, column)) for column in COLUMNS) for record in records]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")

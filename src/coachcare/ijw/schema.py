"""The iJw 3.2 schema knowledge in ONE place: message codes, namespaces, element names, code lists
and field formats. ``coachcare.ijw.xml`` builds and reads XML with these names only, and
``coachcare.ijw.validation`` checks values against these lists only.

No licensed public copy of the official XSDs was available (docs/ijw.md); the checks here are
written from the specification. A deployment that has the official XSDs sets ``IJW_XSD_DIR`` (a
directory holding ``basisschema.xsd`` and ``jw301.xsd``, ``jw305.xsd``, ...): ``validate_with_xsd``
then validates every file against the official schema as well, before the rule checks.
"""

from __future__ import annotations

import datetime
import re
from functools import cache
from pathlib import Path
from typing import Any

from stdnum.nl import bsn as stdnum_bsn

from coachcare.method.codes import PRODUCT_CATEGORIES, Unit

#: BerichtCode per message (codelist COD002-VEKT, iJw release 3.2). Verified against a published
#: transcription of the "Codelijst iJw release 3.2" (not the Vektis original): re-check against
#: the official code list before production. Note JW305 is 438, not 440 (440 is JW307).
BERICHTCODES: dict[str, str] = {
    "JW301": "436",
    "JW302": "437",
    "JW305": "438",
    "JW306": "439",
    "JW307": "440",
    "JW308": "441",
    "JW315": "446",
    "JW316": "447",
    "JW317": "486",
    "JW318": "487",
    "JW319": "488",
    "JW320": "489",
    "JW323": "490",
    "JW325": "491",
}
MESSAGE_BY_CODE: dict[str, str] = {code: name for name, code in BERICHTCODES.items()}

#: Retour messages and the message each one answers.
RETOUR_FOR: dict[str, str] = {
    "JW302": "JW301",
    "JW306": "JW305",
    "JW308": "JW307",
    "JW316": "JW315",
    "JW318": "JW317",
    "JW320": "JW319",
}
#: Who sends what: provider -> municipality or municipality -> provider (sets the header formats).
FROM_PROVIDER = frozenset({"JW305", "JW307", "JW315", "JW317", "JW323", "JW302", "JW320"})
FROM_MUNICIPALITY = frozenset({"JW301", "JW319", "JW325", "JW306", "JW308", "JW316", "JW318"})

VERSION = 3
SUBVERSION = 2
XSD_VERSION = "1.0.0"  # BasisschemaXsdVersie and BerichtXsdVersie written in every header

BASIS_NS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
BASIS_PREFIX = "ijw"
ROOT = "Bericht"


def namespace(name: str) -> str:
    """The target namespace of message ``name`` ("JW301")."""
    return f"http://www.istandaarden.nl/ijw/3_2/{name.lower()}/schema"


#: Message name from a root element's namespace.
MESSAGE_BY_NAMESPACE: dict[str, str] = {namespace(name): name for name in BERICHTCODES}

# --- element names (message namespace unless listed in BASIS_ELEMENTS) ------------------------
# The order of the tuples is the order in the XML.
HEADER = ("BerichtCode", "BerichtVersie", "BerichtSubversie", "Afzender", "Ontvanger", "BerichtIdentificatie")
IDENTIFICATION = ("Identificatie", "Dagtekening")
XSD_VERSIONS = ("BasisschemaXsdVersie", "BerichtXsdVersie")
CLIENT = ("Bsn", "Geboortedatum", "Geslacht", "Naam")
NAME = ("Geslachtsnaam", "Voornamen")
PRODUCT = ("Categorie", "Code")
OMVANG = ("Volume", "Eenheid", "Frequentie")
RETOUR_HEADER = ("IdentificatieRetour", "DagtekeningRetour", "XsdVersieRetour", "RetourCodes")
#: Children defined by basisschema types: these live in the basisschema namespace.
BASIS_ELEMENTS = frozenset(
    {
        "BerichtCode",
        "BerichtVersie",
        "BerichtSubversie",
        *IDENTIFICATION,
        *XSD_VERSIONS,
        "Datum",
        "Achternaam",
        *NAME[1:],
        *PRODUCT,
        *OMVANG,
        "Begindatum",
        "Einddatum",
        "Bedrag",
        "DebetCredit",
    }
)
#: Container and item element per message.
ITEMS: dict[str, tuple[str, str]] = {
    "JW301": ("ToegewezenProducten", "ToegewezenProduct"),
    "JW305": ("StartProducten", "StartProduct"),
    "JW307": ("StopProducten", "StopProduct"),
    "JW315": ("AangevraagdeProducten", "AangevraagdProduct"),
    "JW317": ("TeWijzigenProducten", "TeWijzigenProduct"),
    "JW323": ("Prestaties", "Prestatie"),
    "JW325": ("Prestaties", "Prestatie"),
}

# --- code lists (values as published, ijw.md) --------------------------------------------------
UNITS: frozenset[str] = frozenset(unit.value for unit in Unit)  # WJ756
FREQUENCIES: frozenset[str] = frozenset({"1", "2", "4", "6"})  # WMO757
CATEGORIES: frozenset[str] = PRODUCT_CATEGORIES  # JZ020
#: JZ588 reden beëindiging (the same codes as trajectories.models.EndReason).
END_REASONS: frozenset[str] = frozenset({"02", "20", "31", "32", "33", "34", "35", "36", "37", "38", "39"})
GENDERS: frozenset[str] = frozenset({"0", "1", "2"})  # COD046
#: StatusAanlevering: 1 new, 2 change (not used: OP033), 3 delete.
STATUS_AANLEVERING: frozenset[str] = frozenset({"1", "2", "3"})
STATUS_ALLOWED: frozenset[str] = frozenset({"1", "3"})
REDEN_VERWIJDERD = "13"  # JZ002 RedenWijziging: verwijderd
DEBET_CREDIT: frozenset[str] = frozenset({"D", "C"})  # COD043
VERZOEK_ANTWOORD: frozenset[str] = frozenset({"1", "2"})  # 1 granted, 2 rejected
RETOUR_ACCEPTED = "0200"  # WJ001: no errors found
RETOUR_TARIFF_DIFFERS = "0611"  # WJ001

# --- formats ------------------------------------------------------------------------------------
MUNICIPALITY_CODE = re.compile(r"^\d{4}$")
AGB_CODE = re.compile(r"^\d{8}$")
IDENTIFICATION_FORMAT = re.compile(r"^[A-Za-z0-9\-]{1,12}$")
TOEWIJZINGNUMMER_FORMAT = re.compile(r"^[A-Za-z0-9\-]{1,10}$")
REFERENCE_FORMAT = re.compile(r"^[\w\-]{1,36}$")
RETOURCODE_FORMAT = re.compile(r"^\d{4}$")
PRODUCT_CODE_FORMAT = re.compile(r"^[A-Za-z0-9]{1,5}$")
MAX_FILE_BYTES = 25 * 1024 * 1024  # OP179
BOM = b"\xef\xbb\xbf"  # OP192
MAX_AMOUNT_CENTS = 99_999_999  # LDT_Bedrag: at most 8 digits of cents


def bsn_is_valid(value: str) -> bool:
    """9 digits, 11-proof (python-stdnum; no hand-written checksum)."""
    return len(value) == 9 and value.isdigit() and stdnum_bsn.is_valid(value)


def date_text(value: datetime.date) -> str:
    return value.isoformat()


def date_parse(value: str) -> datetime.date:
    """An XML date without a time zone (RS: dates are written as YYYY-MM-DD)."""
    return datetime.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _bad_date(value)


def _bad_date(value: str) -> datetime.date:
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


# --- official XSDs (optional) -------------------------------------------------------------------


def xsd_dir() -> Path | None:
    """The directory with the official XSDs, from the ``IJW_XSD_DIR`` setting or environment."""
    import os

    from django.conf import settings

    configured = getattr(settings, "IJW_XSD_DIR", None) or os.environ.get("IJW_XSD_DIR")
    return Path(configured) if configured else None


@cache
def _load_xsd(path: str) -> Any:
    from lxml import etree

    # The XSDs are the operator's configuration; still read without entities and without network.
    return etree.XMLSchema(etree.parse(path, parser=etree.XMLParser(resolve_entities=False, no_network=True)))


def validate_with_xsd(data: bytes, *, name: str, directory: Path | None = None) -> list[str] | None:
    """Errors of the official XSD for message ``name``; ``None`` when no XSD is configured.

    Looks for ``<directory>/<name lowercase>.xsd`` (e.g. ``jw301.xsd``, which imports
    ``basisschema.xsd`` from the same directory, as iStandaarden publishes them).
    """
    from coachcare.ijw.xml import read_document  # xml imports this module: looked up when needed

    directory = directory or xsd_dir()
    if directory is None:
        return None
    path = directory / f"{name.lower()}.xsd"
    if not path.is_file():
        return None
    schema = _load_xsd(str(path))
    document = read_document(data)  # the one hardened reader: no DOCTYPE, no entities, no network
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]

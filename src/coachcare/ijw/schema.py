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

# Re-exported (``X as X``): the one code table.
from coachcare.ijw.codes import (
    BERICHTCODES as BERICHTCODES,
)
from coachcare.ijw.codes import (
    CATEGORIES as CATEGORIES,
)
from coachcare.ijw.codes import (
    DEBET_CREDIT as DEBET_CREDIT,
)
from coachcare.ijw.codes import (
    END_REASONS as END_REASONS,
)
from coachcare.ijw.codes import (
    FREQUENCIES as FREQUENCIES,
)
from coachcare.ijw.codes import (
    FROM_MUNICIPALITY as FROM_MUNICIPALITY,
)
from coachcare.ijw.codes import (
    FROM_PROVIDER as FROM_PROVIDER,
)
from coachcare.ijw.codes import (
    GENDERS as GENDERS,
)
from coachcare.ijw.codes import (
    MESSAGE_BY_CODE as MESSAGE_BY_CODE,
)
from coachcare.ijw.codes import (
    REDEN_VERWIJDERD as REDEN_VERWIJDERD,
)
from coachcare.ijw.codes import (
    RETOUR_ACCEPTED as RETOUR_ACCEPTED,
)
from coachcare.ijw.codes import (
    RETOUR_FOR as RETOUR_FOR,
)
from coachcare.ijw.codes import (
    RETOUR_OF as RETOUR_OF,
)
from coachcare.ijw.codes import (
    RETOUR_TARIFF_DIFFERS as RETOUR_TARIFF_DIFFERS,
)
from coachcare.ijw.codes import (
    RULE_CODE_FORMAT as RULE_CODE_FORMAT,
)
from coachcare.ijw.codes import (
    STATUS_AANLEVERING as STATUS_AANLEVERING,
)
from coachcare.ijw.codes import (
    STATUS_ALLOWED as STATUS_ALLOWED,
)
from coachcare.ijw.codes import (
    UNITS as UNITS,
)
from coachcare.ijw.codes import (
    VERWIJZER_TYPE as VERWIJZER_TYPE,
)
from coachcare.ijw.codes import (
    VERWIJZER_TYPES as VERWIJZER_TYPES,
)
from coachcare.ijw.codes import (
    VERZOEK_ANTWOORD as VERZOEK_ANTWOORD,
)

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
#: The element naming a record in a retour, per message answered (its container and item: ``ITEMS``).
RETOUR_ITEM_KEY: dict[str, str] = {
    "JW301": "ToewijzingNummer",
    "JW305": "ToewijzingNummer",
    "JW307": "ToewijzingNummer",
    "JW315": "ReferentieAanbieder",
    "JW317": "ReferentieAanbieder",
}

# --- formats ------------------------------------------------------------------------------------
MUNICIPALITY_CODE = re.compile(r"^\d{4}$")
AGB_CODE = re.compile(r"^\d{8}$")
IDENTIFICATION_FORMAT = re.compile(r"^[A-Za-z0-9\-]{1,12}$")
TOEWIJZINGNUMMER_FORMAT = re.compile(r"^[A-Za-z0-9\-]{1,10}$")
REFERENCE_FORMAT = re.compile(r"^[\w\-]{1,36}$")
RETOURCODE_FORMAT = re.compile(rf"^(?:\d{{4}}|{RULE_CODE_FORMAT})$")  # WJ001, or a rule code (codes.py)
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

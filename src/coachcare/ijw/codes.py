"""THE table of iJw 3.2 codes: BerichtCodes and every code-list value the project writes or checks.

``coachcare.ijw.schema`` re-exports these names; ``validation``, ``xml`` and ``services`` use them
only through this table, so a correction is made here once.

Source and version (docs/ijw.md, "Code table"):

- Standard: iJw release 3.2 (``VERSION``/``SUBVERSION`` 3.2 in every header).
- BerichtCodes: code list COD002-VEKT as transcribed in a published "Codelijst iJw release 3.2"
  summary (i-Sociaal-Lab), not the Vektis original: re-check against the official list before
  production. JW301 = 436 also matches the domain notes.
- WJ756 (unit), JZ020 (product category): from ``coachcare.method.codes`` (the method's own table).
- JZ021 (Verwijzer type): the codes of the legal referrers (01-05, 08).
- WMO757, JZ588, COD046, COD043, JZ002, WJ001: the values the iJw 3.2 specification lists for the
  cases this project uses (a subset of each list, not the whole list).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coachcare.method.codes import PRODUCT_CATEGORIES, Unit

SOURCE = "iJw release 3.2 (iStandaarden); BerichtCodes COD002-VEKT via the i-Sociaal-Lab summary"
RELEASE = "3.2"

#: BerichtCode per message (COD002-VEKT). Note JW305 is 438, not 440 (440 is JW307).
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

#: Retour messages and the message each one answers (JW325 answers JW323: a message of its own).
RETOUR_FOR: dict[str, str] = {
    "JW302": "JW301",
    "JW306": "JW305",
    "JW308": "JW307",
    "JW316": "JW315",
    "JW318": "JW317",
    "JW320": "JW319",
}
#: The retour message answering each message.
RETOUR_OF: dict[str, str] = {answered: retour for retour, answered in RETOUR_FOR.items()}
#: Who sends what: provider -> municipality or municipality -> provider (sets the header formats).
FROM_PROVIDER = frozenset({"JW305", "JW307", "JW315", "JW317", "JW323", "JW302", "JW320"})
FROM_MUNICIPALITY = frozenset({"JW301", "JW319", "JW325", "JW306", "JW308", "JW316", "JW318"})

# --- code lists -----------------------------------------------------------------------------------
UNITS: frozenset[str] = frozenset(unit.value for unit in Unit)  # WJ756
FREQUENCIES: frozenset[str] = frozenset({"1", "2", "4", "6"})  # WMO757
CATEGORIES: frozenset[str] = PRODUCT_CATEGORIES  # JZ020
#: JZ588 reden beëindiging (the same codes as trajectories.models.EndReason).
END_REASONS: frozenset[str] = frozenset({"02", "20", "31", "32", "33", "34", "35", "36", "37", "38", "39"})
#: JZ021 Verwijzer (type): the legal referrers of the Jeugdwet. 06 (zelfverwijzer) and 07 (onbekend) of
#: the 2.x lists are not used: a young person reaches youth care through one of these.
VERWIJZER_TYPES: dict[str, str] = {
    "01": "gemeente",
    "02": "huisarts",
    "03": "jeugdarts",
    "04": "gecertificeerde instelling",
    "05": "medisch specialist",
    "08": "rechter, Raad voor de Kinderbescherming of officier van justitie",
}
#: The JZ021 code per ``trajectories.ReferrerKind`` value (``tests/ijw/test_codes.py`` checks both ways).
VERWIJZER_TYPE: dict[str, str] = {
    "gemeente": "01",
    "huisarts": "02",
    "jeugdarts": "03",
    "gi": "04",
    "medisch_specialist": "05",
    "rechter": "08",
}
#: COD046 geslacht: 0 onbekend, 1 man, 2 vrouw, 9 niet gespecificeerd (``messages.Client``).
GENDERS: frozenset[str] = frozenset({"0", "1", "2", "9"})
#: StatusAanlevering: 1 new, 2 change (not used: OP033), 3 delete.
STATUS_AANLEVERING: frozenset[str] = frozenset({"1", "2", "3"})
STATUS_ALLOWED: frozenset[str] = frozenset({"1", "3"})
REDEN_VERWIJDERD = "13"  # JZ002 RedenWijziging: verwijderd
DEBET_CREDIT: frozenset[str] = frozenset({"D", "C"})  # COD043
VERZOEK_ANTWOORD: frozenset[str] = frozenset({"1", "2"})  # 1 granted, 2 rejected

#: WJ001 retour codes this project writes or gives a meaning to (4 digits).
RETOUR_ACCEPTED = "0200"  # no errors found
RETOUR_REFUSED_TECHNICAL = "0001"  # message refused for technical reasons (structure, sender)
RETOUR_TARIFF_DIFFERS = "0611"
#: In a retour, a violated rule of the standard is reported with its rule code (TR056, OP072, ...);
#: rules of our own (XSD, IMPORT, PARTY) are reported as 0001.
RULE_CODE_FORMAT = r"(?:TR|OP|CS|IV)\d{3}"
OWN_RULES: frozenset[str] = frozenset({"XSD", "IMPORT", "PARTY"})


def retour_code_for(rule: str) -> str:
    """The code a retour message carries for a violated ``rule`` (see ``RULE_CODE_FORMAT``)."""
    return RETOUR_REFUSED_TECHNICAL if rule in OWN_RULES else rule


#: What a rule or retour code means, for the worklist (the rules of docs/ijw.md and WJ001 codes used).
CODE_DESCRIPTIONS: dict[str, Promise] = {
    RETOUR_ACCEPTED: _("no errors"),
    RETOUR_REFUSED_TECHNICAL: _("refused for technical reasons"),
    RETOUR_TARIFF_DIFFERS: _("the tariff differs"),
    "XSD": _("structure, format or code list"),
    "IMPORT": _("does not match what was sent or requested"),
    "PARTY": _("sender or receiver differs from the contract"),
    "OP033": _("status 2 (change) is not used"),
    "OP072": _("a stop without a start sent before it"),
    "OP179": _("the file is too large"),
    "OP192": _("the file is not UTF-8 without BOM"),
    "TR056": _("the message identification was used before"),
    "TR135": _("the date of the message is in the future"),
    "TR307": _("the start lies outside the allocation period"),
    "TR308": _("the end lies outside the allocation period"),
    "TR321": _("more volume declared than allocated"),
    "TR322": _("a line declares more volume than allocated"),
    "TR332": _("unknown or repeated allocation number, or of another client"),
    "TR338": _("another product than allocated"),
    "TR339": _("another unit than the contract product's"),
    "TR341": _("another unit than allocated"),
    "TR346": _("the amount is not volume times tariff"),
    "TR369": _("more declared than the allocation's budget"),
    "TR378": _("unknown municipality code"),
    "TR384": _("the allocation was deleted"),
    "TR387": _("the declaration period is not one calendar month"),
    "TR388": _("a line lies outside the declaration period"),
    "TR418": _("the tariff differs from the contract tariff"),
}


def code_description(code: str) -> str:
    """The meaning of a rule or retour code; empty for a code not in the table."""
    description = CODE_DESCRIPTIONS.get(code)
    return str(description) if description is not None else ""

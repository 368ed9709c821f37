"""iJw 3.2 messages as plain values: one frozen dataclass per message, no models, no XML.

Only ``ijw`` builds and reads these: ``coachcare.declarations`` hands over plain values of its own
(``declarations.selectors.DeclarationValues``, ``CareEventValues``) and takes a JW325 as
``declarations.services.AnswerLine`` values (``ijw.services``). ``coachcare.ijw.xml.render`` and
``parse`` turn these values into XML and back; ``coachcare.ijw.validation.validate`` checks them
(or the XML) against the rules.

Conventions:
- all dataclasses are keyword-only and frozen; lists keep the order of the XML;
- dates are ``datetime.date``; amounts are integers in euro cents (iJw amounts are cents);
- codes are strings exactly as published (``"82"``, ``"45"``, ``"31"``, ``"0200"``), never ints;
- ``Header.berichtcode`` is the numeric BerichtCode of the message (``schema.BERICHTCODES``);
  build a header with ``header_for("JW323", ...)`` so the code always matches the class.
- no clinical content ever: there is no field for goals, notes or answers (privacy, docs/legal-basis.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from coachcare.ijw.schema import BERICHTCODES, RETOUR_ACCEPTED


@dataclass(frozen=True, kw_only=True)
class Header:
    berichtcode: str
    afzender: str  # municipality code (4 digits) or provider AGB code (8 digits), by direction
    ontvanger: str
    identificatie: str  # BerichtIdentificatie/Identificatie, unique per sender (TR056)
    dagtekening: datetime.date  # not after today (TR135)
    versie: int = 3
    subversie: int = 2


@dataclass(frozen=True, kw_only=True)
class Client:
    bsn: str  # 9 digits, 11-proof; required by the standard (OP079)
    geboortedatum: datetime.date
    achternaam: str
    voornamen: str = ""
    geslacht: str = "0"  # COD046: 0 onbekend, 1 man, 2 vrouw, 9 niet gespecificeerd


# --- JW315 Verzoek om toewijzing (provider -> municipality) ----------------------------------


@dataclass(frozen=True, kw_only=True)
class Verwijzer:
    """Who referred (JZ021 ``type``: 01 gemeente, 02 huisarts, ...) and, optionally, their name."""

    type: str
    naam: str = ""


@dataclass(frozen=True, kw_only=True)
class RequestedProduct:
    referentie_aanbieder: str
    categorie: str  # JZ020
    code: str
    ingangsdatum: datetime.date
    einddatum: datetime.date | None
    volume: int
    verwijzer: Verwijzer
    eenheid: str = "82"  # WJ756
    frequentie: str = "6"  # WMO757: 6 totaal binnen geldigheidsduur toewijzing


@dataclass(frozen=True, kw_only=True)
class AllocationRequest:
    header: Header
    client: Client
    items: list[RequestedProduct]


# --- JW301 Toewijzing (municipality -> provider) ---------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AllocatedProduct:
    toewijzingnummer: str
    referentie_aanbieder: str  # "" when the municipality gives none
    categorie: str
    code: str
    toewijzingsdatum: datetime.date
    ingangsdatum: datetime.date
    einddatum: datetime.date
    volume: int
    eenheid: str
    frequentie: str
    budget_cents: int
    reden_wijziging: str | None = None  # JZ002, e.g. "13" verwijderd


@dataclass(frozen=True, kw_only=True)
class Allocation:
    header: Header
    client: Client
    items: list[AllocatedProduct]


# --- JW305 Start zorg / JW307 Stop zorg (provider -> municipality) ---------------------------


@dataclass(frozen=True, kw_only=True)
class StartRecord:
    toewijzingnummer: str
    categorie: str
    code: str
    begindatum: datetime.date
    status_aanlevering: str = "1"  # 1 new, 3 delete; 2 is not used (OP033)


@dataclass(frozen=True, kw_only=True)
class CareStart:
    header: Header
    client: Client
    items: list[StartRecord]


@dataclass(frozen=True, kw_only=True)
class StopRecord:
    toewijzingnummer: str
    categorie: str
    code: str
    begindatum: datetime.date
    einddatum: datetime.date
    reden_beeindiging: str  # JZ588
    status_aanlevering: str = "1"


@dataclass(frozen=True, kw_only=True)
class CareStop:
    header: Header
    client: Client
    items: list[StopRecord]


# --- JW317 Verzoek om wijziging (provider -> municipality) -----------------------------------


@dataclass(frozen=True, kw_only=True)
class ChangedProduct:
    """A change of an existing allocation (new end date and/or volume) or a new product."""

    referentie_aanbieder: str
    toewijzingnummer: str | None  # the allocation to change; None for a new product
    categorie: str
    code: str
    ingangsdatum: datetime.date
    einddatum: datetime.date | None
    volume: int
    eenheid: str = "82"
    frequentie: str = "6"


@dataclass(frozen=True, kw_only=True)
class ChangeRequest:
    header: Header
    client: Client
    items: list[ChangedProduct]


# --- JW319 Antwoordbericht (municipality -> provider) ----------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequestAnswer:
    """The answer to a JW315/JW317: granted (``toewijzing_nummers``) or rejected (``reden_afwijzing``)."""

    header: Header
    referentie: str  # the identification of the JW315/JW317 answered
    verzoek_antwoord: str  # "1" granted (toewijzing follows), "2" rejected
    toewijzing_nummers: list[str] = field(default_factory=list)
    reden_afwijzing: str | None = None  # code of the reason when rejected


# --- JW323 Declaratie (provider -> municipality) ---------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DeclarationLine:
    referentie: str  # unique per line: the key a JW325 answer refers to
    bsn: str
    toewijzingnummer: str
    categorie: str
    code: str
    begindatum: datetime.date
    einddatum: datetime.date
    geleverd_volume: int
    eenheid: str
    product_tarief_cents: int
    ingediend_bedrag_cents: int  # = geleverd_volume * product_tarief_cents (TR346)
    status_aanlevering: str = "1"
    vorige_referentie: str | None = None  # for a correction (status 3): the line it deletes


@dataclass(frozen=True, kw_only=True)
class Declaration:
    header: Header
    declaratienummer: str
    periode_begin: datetime.date  # first day of a calendar month (TR387)
    periode_eind: datetime.date  # last day of the same month (TR388)
    totaal_bedrag_cents: int
    lines: list[DeclarationLine]
    debet_credit: str = "D"


# --- JW325 Declaratie-antwoord (municipality -> provider) ------------------------------------


@dataclass(frozen=True, kw_only=True)
class LineAnswer:
    referentie: str
    retourcodes: list[str]  # WJ001, "0200" = accepted
    toegekend_bedrag_cents: int


@dataclass(frozen=True, kw_only=True)
class DeclarationAnswer:
    header: Header
    declaratienummer: str
    toegekend_bedrag_cents: int
    lines: list[LineAnswer]
    referentie_declaratie: str = ""  # the identification of the JW323 answered


# --- retour messages JW302/306/308/316/318/320 -----------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RetourItem:
    """The answer on one record of the message answered.

    ``sleutel`` names the record: its ToewijzingNummer (JW302/JW306/JW308) or ReferentieAanbieder
    (JW316/JW318) (``schema.RETOUR_ITEM_KEY``). ``retourcodes``: ``"0200"`` when it was accepted,
    else the codes of what was wrong (``codes.retour_code_for``).
    """

    sleutel: str
    retourcodes: list[str]


@dataclass(frozen=True, kw_only=True)
class Retour:
    """A technical answer: the identification of the message answered, the retour codes of its
    header and, per record, the retour codes of that record (none for JW320: a JW319 has no records)."""

    header: Header
    referentie: str
    retourcodes: list[str]
    items: list[RetourItem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Header and every record without an error (only ``"0200"`` codes)."""
        return all(
            code == RETOUR_ACCEPTED for code in [*self.retourcodes, *(c for i in self.items for c in i.retourcodes)]
        )


Message = (
    AllocationRequest
    | Allocation
    | CareStart
    | CareStop
    | ChangeRequest
    | RequestAnswer
    | Declaration
    | DeclarationAnswer
    | Retour
)

#: message class per message name (retour messages all use ``Retour``).
MESSAGE_CLASSES: dict[str, type] = {
    "JW301": Allocation,
    "JW302": Retour,
    "JW305": CareStart,
    "JW306": Retour,
    "JW307": CareStop,
    "JW308": Retour,
    "JW315": AllocationRequest,
    "JW316": Retour,
    "JW317": ChangeRequest,
    "JW318": Retour,
    "JW319": RequestAnswer,
    "JW320": Retour,
    "JW323": Declaration,
    "JW325": DeclarationAnswer,
}


def header_for(name: str, *, afzender: str, ontvanger: str, identificatie: str, dagtekening: datetime.date) -> Header:
    """A header for message ``name`` ("JW323") with its BerichtCode, version 3.2."""
    return Header(
        berichtcode=BERICHTCODES[name],
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
    )


def message_name(message: Message) -> str:
    """The message name ("JW301") from its header's BerichtCode."""
    for name, code in BERICHTCODES.items():
        if code == message.header.berichtcode:
            return name
    raise ValueError(f"unknown BerichtCode {message.header.berichtcode}")

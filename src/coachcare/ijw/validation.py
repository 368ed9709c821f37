"""ONE validator for iJw messages, outgoing and incoming: ``validate(data_or_message, context=...)``.

It returns a list of ``Violation(rule, path, message)``, empty when the message is valid:

1. the file (bytes only): OP179 (at most 25 MB), OP192 (UTF-8 without BOM), the official XSDs
   when ``IJW_XSD_DIR`` is set (rule ``XSD``), and the structure (``XSD``: required elements, dates,
   numbers; ``coachcare.ijw.xml.parse``);
2. the values: formats and code lists (``XSD``: BSN 11-proof, municipality/AGB codes, WJ756, WMO757,
   JZ020, JZ588, COD046) and the rules of ijw.md: TR056, TR135, TR307/TR308, TR321/TR322,
   TR332, TR338–TR341, TR346, TR369, TR384, TR387/TR388, TR418, OP033, OP072.

Rules about allocations and contracts read a ``ValidationContext`` (plain values): the validator
never queries the database. ``coachcare.ijw.selectors.validation_context_from_db`` builds one.
Without a context, only the rules that need no outside facts are checked (TR135 uses today).
"""

from __future__ import annotations

import datetime
from calendar import monthrange
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from coachcare.core.dates import today as local_today
from coachcare.ijw import schema as s
from coachcare.ijw.messages import (
    Allocation,
    AllocationRequest,
    CareStart,
    CareStop,
    ChangeRequest,
    Client,
    Declaration,
    DeclarationAnswer,
    Header,
    Message,
    RequestAnswer,
    Retour,
    message_name,
)
from coachcare.ijw.xml import IjwParseError, message_name_of, parse


@dataclass(frozen=True)
class Violation:
    rule: str  # "TR346", "OP192", "XSD" (schema-level: structure, format, code list)
    path: str  # where in the message: "/Bericht/Clienten/Client[1]/Prestaties/Prestatie[2]"
    message: str

    def __str__(self) -> str:
        return f"{self.rule} {self.path}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class AllocationFacts:
    """What the validator needs to know about one allocation (toewijzing)."""

    toewijzingnummer: str
    bsn: str
    start_date: datetime.date
    end_date: datetime.date
    volume: int
    budget_cents: int
    categorie: str
    code: str
    eenheid: str
    status: str  # contracts.AllocationStatus value: approved, ended, deleted, ...
    tariff_cents: int  # the contract tariff of the product (TR418)


@dataclass(frozen=True, kw_only=True)
class ValidationContext:
    today: datetime.date
    allocations: Mapping[str, AllocationFacts] = field(default_factory=dict)
    #: contract tariff per (categorie, code), for products without an allocation in ``allocations``.
    contract_tariffs: Mapping[tuple[str, str], int] = field(default_factory=dict)
    #: toewijzingnummers for which a JW305 start was sent (OP072).
    started: frozenset[str] = frozenset()
    #: message identifications already used by this sender or already received (TR056).
    seen_identifications: frozenset[str] = frozenset()
    #: volume and amount already declared per toewijzingnummer before this message (TR321/TR369).
    declared_volume: Mapping[str, int] = field(default_factory=dict)
    declared_cents: Mapping[str, int] = field(default_factory=dict)
    #: set to check the message's sender/receiver against known codes (TR378); empty: not checked.
    municipality_codes: frozenset[str] = frozenset()


def validate(data: bytes | Message, *, context: ValidationContext | None = None) -> list[Violation]:
    """All violations of the file or message; an empty list means valid."""
    if isinstance(data, bytes | bytearray):
        return _validate_bytes(bytes(data), context=context)
    return _validate_message(data, context=context)


def _validate_bytes(data: bytes, *, context: ValidationContext | None) -> list[Violation]:
    violations: list[Violation] = []
    if len(data) > s.MAX_FILE_BYTES:
        # Do not even parse a file that is too big.
        return [Violation("OP179", "/", f"the file is {len(data)} bytes; at most {s.MAX_FILE_BYTES} are allowed")]
    if data.startswith(s.BOM):
        violations.append(Violation("OP192", "/", "the file starts with a byte order mark (BOM)"))
        data = data.removeprefix(s.BOM)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return [*violations, Violation("OP192", "/", f"the file is not UTF-8: {error.reason} at byte {error.start}")]
    head = data[:100].lower()
    if head.startswith(b"<?xml") and b"encoding" in head.split(b"?>")[0] and b"utf-8" not in head.split(b"?>")[0]:
        violations.append(Violation("OP192", "/", "the XML declaration names an encoding other than UTF-8"))
    try:
        name = message_name_of(data)
        xsd_errors = s.validate_with_xsd(data, name=name)
        violations.extend(Violation("XSD", "/", error) for error in xsd_errors or [])
        message = parse(data)
    except IjwParseError as error:
        return [*violations, Violation("XSD", error.path, error.text)]
    return violations + _validate_message(message, context=context)


# --- value and rule checks ----------------------------------------------------------------------


class _Checker:
    def __init__(self, context: ValidationContext | None) -> None:
        self.context = context
        self.today = context.today if context else local_today()
        self.violations: list[Violation] = []

    def add(self, rule: str, path: str, message: str) -> None:
        self.violations.append(Violation(rule, path, message))

    def require(self, ok: bool, rule: str, path: str, message: str) -> None:
        if not ok:
            self.add(rule, path, message)

    def code(self, value: str, allowed: frozenset[str], path: str, list_name: str) -> None:
        self.require(value in allowed, "XSD", path, f"{value!r} is not a code of {list_name}")

    def header(self, header: Header, name: str) -> None:
        p = "/Bericht/Header"
        self.require(
            header.berichtcode == s.BERICHTCODES[name],
            "XSD",
            f"{p}/BerichtCode",
            f"BerichtCode {header.berichtcode} does not belong to {name} ({s.BERICHTCODES[name]})",
        )
        self.require(
            (header.versie, header.subversie) == (s.VERSION, s.SUBVERSION),
            "XSD",
            f"{p}/BerichtVersie",
            f"version {header.versie}.{header.subversie} is not iJw 3.2",
        )
        municipality, provider = (
            (header.ontvanger, header.afzender) if name in s.FROM_PROVIDER else (header.afzender, header.ontvanger)
        )
        municipality_path = f"{p}/{'Ontvanger' if name in s.FROM_PROVIDER else 'Afzender'}"
        provider_path = f"{p}/{'Afzender' if name in s.FROM_PROVIDER else 'Ontvanger'}"
        self.require(
            bool(s.MUNICIPALITY_CODE.match(municipality)),
            "XSD",
            municipality_path,
            f"{municipality!r} is not a municipality code (4 digits)",
        )
        self.require(
            bool(s.AGB_CODE.match(provider)), "XSD", provider_path, f"{provider!r} is not an AGB code (8 digits)"
        )
        if self.context and self.context.municipality_codes:
            self.require(
                municipality in self.context.municipality_codes,
                "TR378",
                municipality_path,
                f"{municipality} is not a known municipality code",
            )
        ident_path = f"{p}/BerichtIdentificatie/Identificatie"
        self.require(
            bool(s.IDENTIFICATION_FORMAT.match(header.identificatie)),
            "XSD",
            ident_path,
            f"{header.identificatie!r} is not a message identification (1 to 12 letters, digits or -)",
        )
        if self.context:
            self.require(
                header.identificatie not in self.context.seen_identifications,
                "TR056",
                ident_path,
                f"the identification {header.identificatie} was used before",
            )
        self.require(
            header.dagtekening <= self.today,
            "TR135",
            f"{p}/BerichtIdentificatie/Dagtekening",
            f"the dagtekening {header.dagtekening.isoformat()} is after today",
        )

    def client(self, client: Client, path: str = "/Bericht/Client") -> None:
        self.bsn(client.bsn, f"{path}/Bsn")
        self.code(client.geslacht, s.GENDERS, f"{path}/Geslacht", "COD046")
        self.require(bool(client.achternaam.strip()), "XSD", f"{path}/Naam", "the family name is empty")
        self.require(
            client.geboortedatum <= self.today, "XSD", f"{path}/Geboortedatum", "the date of birth is in the future"
        )

    def bsn(self, value: str, path: str) -> None:
        self.require(s.bsn_is_valid(value), "XSD", path, "not a valid BSN (9 digits, 11-proof)")

    def product(self, categorie: str, code: str, path: str) -> None:
        self.code(categorie, s.CATEGORIES, f"{path}/Product/Categorie", "JZ020")
        self.require(
            bool(s.PRODUCT_CODE_FORMAT.match(code)), "XSD", f"{path}/Product/Code", f"{code!r} is not a product code"
        )

    def omvang(self, volume: int, eenheid: str, frequentie: str, path: str) -> None:
        self.require(volume >= 1, "XSD", f"{path}/Omvang/Volume", "the volume must be at least 1")
        self.code(eenheid, s.UNITS, f"{path}/Omvang/Eenheid", "WJ756")
        self.code(frequentie, s.FREQUENCIES, f"{path}/Omvang/Frequentie", "WMO757")

    def status(self, value: str, path: str) -> None:
        if value == "2":
            self.add("OP033", path, "status aanlevering 2 (change) is not used: send 3 (delete) and 1 (new)")
        else:
            self.code(value, s.STATUS_ALLOWED, path, "StatusAanlevering (1 or 3)")

    def number(self, value: str, path: str) -> None:
        self.require(
            bool(s.TOEWIJZINGNUMMER_FORMAT.match(value)), "XSD", path, f"{value!r} is not an allocation number"
        )

    def reference(self, value: str, path: str) -> None:
        self.require(bool(s.REFERENCE_FORMAT.match(value)), "XSD", path, f"{value!r} is not a reference")

    def facts(self, number: str) -> AllocationFacts | None:
        return self.context.allocations.get(number) if self.context else None

    def against_allocation(
        self,
        number: str,
        *,
        bsn: str,
        categorie: str,
        code: str,
        begin: datetime.date,
        end: datetime.date | None,
        eenheid: str | None,
        path: str,
    ) -> AllocationFacts | None:
        """The product, unit and period of a delivered service against its allocation."""
        if self.context is None:
            return None
        facts = self.facts(number)
        if facts is None:
            self.add("TR332", f"{path}/ToewijzingNummer", f"there is no allocation {number}")
            return None
        if facts.bsn and facts.bsn != bsn:
            self.add("TR332", f"{path}/ToewijzingNummer", f"allocation {number} belongs to another client")
        if facts.status == "deleted":
            self.add("TR384", f"{path}/ToewijzingNummer", f"allocation {number} was deleted")
        self.require(
            (categorie, code) == (facts.categorie, facts.code),
            "TR338",
            f"{path}/Product",
            f"product {categorie}/{code} differs from the allocated product {facts.categorie}/{facts.code}",
        )
        if eenheid is not None:
            self.require(
                eenheid == facts.eenheid,
                "TR341",
                f"{path}/Eenheid",
                f"unit {eenheid} differs from the allocated unit {facts.eenheid}",
            )
        self.require(
            facts.start_date <= begin <= facts.end_date,
            "TR307",
            f"{path}/Begindatum",
            f"{begin.isoformat()} lies outside the allocation period "
            f"{facts.start_date.isoformat()} to {facts.end_date.isoformat()}",
        )
        if end is not None:
            self.require(
                facts.start_date <= end <= facts.end_date and end >= begin,
                "TR308",
                f"{path}/Einddatum",
                f"{end.isoformat()} lies outside the allocation period "
                f"{facts.start_date.isoformat()} to {facts.end_date.isoformat()} or before the start",
            )
        return facts


def _validate_message(message: Message, *, context: ValidationContext | None) -> list[Violation]:

    check = _Checker(context)
    try:
        name = message_name(message)
    except ValueError as error:
        return [Violation("XSD", "/Bericht/Header/BerichtCode", str(error))]
    check.header(message.header, name)
    match message:
        case AllocationRequest():
            _check_request(check, message)
        case Allocation():
            _check_allocation(check, message)
        case CareStart():
            _check_start(check, message)
        case CareStop():
            _check_stop(check, message)
        case ChangeRequest():
            _check_change(check, message)
        case RequestAnswer():
            _check_answer(check, message)
        case Declaration():
            _check_declaration(check, message)
        case DeclarationAnswer():
            _check_declaration_answer(check, message)
        case Retour():
            _check_retour(check, message, name)
    return check.violations


def _item_path(name: str, index: int, parent: str = "/Bericht/Client") -> str:
    container, item = s.ITEMS[name]
    return f"{parent}/{container}/{item}[{index}]"


def _check_request(check: _Checker, m: AllocationRequest) -> None:
    check.client(m.client)
    for i, p in enumerate(m.items, 1):
        path = _item_path("JW315", i)
        check.reference(p.referentie_aanbieder, f"{path}/ReferentieAanbieder")
        check.product(p.categorie, p.code, path)
        check.omvang(p.volume, p.eenheid, p.frequentie, path)
        if p.einddatum is not None:
            check.require(p.einddatum >= p.ingangsdatum, "XSD", f"{path}/ToewijzingEinddatum", "ends before it starts")
        check.code(p.verwijzer.type, frozenset(s.VERWIJZER_TYPES), f"{path}/Verwijzer/Type", "JZ021")
        check.require(len(p.verwijzer.naam) <= 200, "XSD", f"{path}/Verwijzer/Naam", "the name is longer than 200")


def _check_allocation(check: _Checker, m: Allocation) -> None:
    check.client(m.client)
    seen: set[str] = set()
    for i, p in enumerate(m.items, 1):
        path = _item_path("JW301", i)
        check.number(p.toewijzingnummer, f"{path}/ToewijzingNummer")
        check.require(
            p.toewijzingnummer not in seen,
            "TR332",
            f"{path}/ToewijzingNummer",
            f"allocation number {p.toewijzingnummer} occurs more than once in the message",
        )
        seen.add(p.toewijzingnummer)
        facts = check.facts(p.toewijzingnummer)
        if facts is not None and facts.bsn and facts.bsn != m.client.bsn:
            check.add("TR332", f"{path}/ToewijzingNummer", "this allocation number belongs to another client")
        check.product(p.categorie, p.code, path)
        check.omvang(p.volume, p.eenheid, p.frequentie, path)
        check.require(p.einddatum >= p.ingangsdatum, "XSD", f"{path}/Einddatum", "ends before it starts")
        check.require(p.budget_cents >= 0, "XSD", f"{path}/Budget", "the budget cannot be negative")
        if p.reden_wijziging is not None:
            check.require(
                p.reden_wijziging.isdigit() and len(p.reden_wijziging) == 2,
                "XSD",
                f"{path}/RedenWijziging",
                f"{p.reden_wijziging!r} is not a JZ002 code",
            )


def _check_start(check: _Checker, m: CareStart) -> None:
    check.client(m.client)
    for i, p in enumerate(m.items, 1):
        path = _item_path("JW305", i)
        check.product(p.categorie, p.code, path)
        check.status(p.status_aanlevering, f"{path}/StatusAanlevering")
        if not p.toewijzingnummer:
            continue  # task-based care (taakgericht): no allocation, the product says which care
        check.number(p.toewijzingnummer, f"{path}/ToewijzingNummer")
        check.against_allocation(
            p.toewijzingnummer,
            bsn=m.client.bsn,
            categorie=p.categorie,
            code=p.code,
            begin=p.begindatum,
            end=None,
            eenheid=None,
            path=path,
        )


def _check_stop(check: _Checker, m: CareStop) -> None:
    check.client(m.client)
    for i, p in enumerate(m.items, 1):
        path = _item_path("JW307", i)
        check.product(p.categorie, p.code, path)
        check.status(p.status_aanlevering, f"{path}/StatusAanlevering")
        check.code(p.reden_beeindiging, s.END_REASONS, f"{path}/RedenBeeindiging", "JZ588")
        check.require(p.einddatum >= p.begindatum, "XSD", f"{path}/Einddatum", "ends before it starts")
        if not p.toewijzingnummer:
            continue  # task-based care: no allocation (OP072 is kept by the derivation: no stop without a start)
        check.number(p.toewijzingnummer, f"{path}/ToewijzingNummer")
        if check.context is not None:
            check.require(
                p.toewijzingnummer in check.context.started,
                "OP072",
                f"{path}/ToewijzingNummer",
                f"a stop for allocation {p.toewijzingnummer} without a start (JW305) before it",
            )
        check.against_allocation(
            p.toewijzingnummer,
            bsn=m.client.bsn,
            categorie=p.categorie,
            code=p.code,
            begin=p.begindatum,
            end=p.einddatum,
            eenheid=None,
            path=path,
        )


def _check_change(check: _Checker, m: ChangeRequest) -> None:
    check.client(m.client)
    for i, p in enumerate(m.items, 1):
        path = _item_path("JW317", i)
        check.reference(p.referentie_aanbieder, f"{path}/ReferentieAanbieder")
        if p.toewijzingnummer is not None:
            check.number(p.toewijzingnummer, f"{path}/ToewijzingNummer")
        check.product(p.categorie, p.code, path)
        check.omvang(p.volume, p.eenheid, p.frequentie, path)


def _check_answer(check: _Checker, m: RequestAnswer) -> None:
    path = "/Bericht/Antwoord"
    check.code(m.verzoek_antwoord, s.VERZOEK_ANTWOORD, f"{path}/VerzoekAntwoord", "VerzoekAntwoord (1 or 2)")
    if m.verzoek_antwoord == "2":
        check.require(m.reden_afwijzing is not None, "XSD", f"{path}/RedenAfwijzing", "a rejection needs a reason")
    for i, number in enumerate(m.toewijzing_nummers, 1):
        check.number(number, f"{path}/ToewijzingNummers/ToewijzingNummer[{i}]")


def _check_declaration(check: _Checker, m: Declaration) -> None:
    header = "/Bericht/Header"
    check.code(m.debet_credit, s.DEBET_CREDIT, f"{header}/DeclaratieFactuurTotaalBedrag/DebetCredit", "COD043")
    first, last = m.periode_begin, m.periode_eind
    check.require(
        first.day == 1 and last == first.replace(day=monthrange(first.year, first.month)[1]),
        "TR387",
        f"{header}/DeclaratiePeriode",
        f"the declaration period {first.isoformat()} to {last.isoformat()} is not one calendar month",
    )
    total = sum(line.ingediend_bedrag_cents for line in m.lines)
    check.require(
        abs(total) == m.totaal_bedrag_cents and (m.debet_credit == "C") == (total < 0),
        "TR346",
        f"{header}/DeclaratieFactuurTotaalBedrag",
        f"the total {m.totaal_bedrag_cents} differs from the sum of the lines {total}",
    )
    references: set[str] = set()
    volume: dict[str, int] = defaultdict(int)
    cents: dict[str, int] = defaultdict(int)
    facts_of: dict[str, AllocationFacts] = {}
    for i, line in enumerate(m.lines, 1):
        path = f"/Bericht/Clienten/Client/Prestaties/Prestatie[{i}]"
        check.reference(line.referentie, f"{path}/ReferentieNummer")
        check.require(
            line.referentie not in references,
            "XSD",
            f"{path}/ReferentieNummer",
            f"the reference {line.referentie} occurs more than once",
        )
        references.add(line.referentie)
        check.bsn(line.bsn, f"{path}/Bsn")
        check.number(line.toewijzingnummer, f"{path}/ToewijzingNummer")
        check.product(line.categorie, line.code, path)
        check.code(line.eenheid, s.UNITS, f"{path}/Eenheid", "WJ756")
        check.status(line.status_aanlevering, f"{path}/StatusAanlevering")
        check.require(line.geleverd_volume >= 1, "XSD", f"{path}/GeleverdVolume", "the volume must be at least 1")
        check.require(line.einddatum >= line.begindatum, "XSD", f"{path}/ProductPeriode", "ends before it starts")
        check.require(
            first <= line.begindatum and line.einddatum <= last,
            "TR388",
            f"{path}/ProductPeriode",
            "the product period lies outside the declaration period",
        )
        check.require(
            line.ingediend_bedrag_cents == line.geleverd_volume * line.product_tarief_cents,
            "TR346",
            f"{path}/IngediendBedrag",
            f"{line.ingediend_bedrag_cents} is not GeleverdVolume × ProductTarief "
            f"({line.geleverd_volume} × {line.product_tarief_cents})",
        )
        facts = check.against_allocation(
            line.toewijzingnummer,
            bsn=line.bsn,
            categorie=line.categorie,
            code=line.code,
            begin=line.begindatum,
            end=line.einddatum,
            eenheid=line.eenheid,
            path=path,
        )
        if facts is not None:
            check.require(
                line.geleverd_volume <= facts.volume,
                "TR322",
                f"{path}/GeleverdVolume",
                f"the line's volume {line.geleverd_volume} exceeds the allocated volume {facts.volume}",
            )
        if check.context is not None:
            tariff = facts.tariff_cents if facts else check.context.contract_tariffs.get((line.categorie, line.code))
            if tariff is not None:
                check.require(
                    line.product_tarief_cents == tariff,
                    "TR418",
                    f"{path}/ProductTarief",
                    f"the tariff {line.product_tarief_cents} differs from the contract tariff {tariff}",
                )
        if facts is not None and line.status_aanlevering == "1":
            volume[line.toewijzingnummer] += line.geleverd_volume
            cents[line.toewijzingnummer] += line.ingediend_bedrag_cents
            facts_of[line.toewijzingnummer] = facts
    for number, facts in facts_of.items():
        assert check.context is not None
        total_volume = volume[number] + check.context.declared_volume.get(number, 0)
        check.require(
            total_volume <= facts.volume,
            "TR321",
            f"/Bericht/Clienten/Client/Prestaties (ToewijzingNummer {number})",
            f"declared volume {total_volume} exceeds the allocated volume {facts.volume}",
        )
        total_cents = cents[number] + check.context.declared_cents.get(number, 0)
        check.require(
            total_cents <= facts.budget_cents,
            "TR369",
            f"/Bericht/Clienten/Client/Prestaties (ToewijzingNummer {number})",
            f"declared amount {total_cents} exceeds the allocation's budget {facts.budget_cents}",
        )


def _check_declaration_answer(check: _Checker, m: DeclarationAnswer) -> None:
    for i, line in enumerate(m.lines, 1):
        path = f"/Bericht/Prestaties/Prestatie[{i}]"
        check.reference(line.referentie, f"{path}/ReferentieNummer")
        check.require(bool(line.retourcodes), "XSD", f"{path}/RetourCodes", "at least one retour code is required")
        for j, code in enumerate(line.retourcodes, 1):
            check.require(
                bool(s.RETOURCODE_FORMAT.match(code)),
                "XSD",
                f"{path}/RetourCodes/RetourCode[{j}]",
                f"{code!r} is not a WJ001 code",
            )


def _check_retour_codes(check: _Checker, codes: list[str], path: str) -> None:
    check.require(bool(codes), "XSD", path, "at least one retour code is required")
    for index, code in enumerate(codes, 1):
        check.require(
            bool(s.RETOURCODE_FORMAT.match(code)),
            "XSD",
            f"{path}/RetourCode[{index}]",
            f"{code!r} is not a WJ001 code or a rule code",
        )


def _check_retour(check: _Checker, m: Retour, name: str) -> None:
    """Retour codes in the header and per record; a record's key in the format of what it names."""
    _check_retour_codes(check, m.retourcodes, "/Bericht/Header/RetourCodes")
    answered = s.RETOUR_FOR[name]
    if m.items and answered not in s.RETOUR_ITEM_KEY:
        check.add("XSD", "/Bericht", f"a {name} has no records")
        return
    for index, item in enumerate(m.items, 1):  # the records mirror the message answered, repeats included
        path = _item_path(answered, index, parent="/Bericht")
        key = f"{path}/{s.RETOUR_ITEM_KEY.get(answered, '')}"
        if s.RETOUR_ITEM_KEY.get(answered) == "ToewijzingNummer":
            check.number(item.sleutel, key)
        else:
            check.reference(item.sleutel, key)
        _check_retour_codes(check, item.retourcodes, f"{path}/RetourCodes")

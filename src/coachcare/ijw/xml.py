"""iJw messages to XML and back: ``render(message) -> bytes`` and ``parse(data) -> message``.

Element names and namespaces come from ``coachcare.ijw.schema`` only. ``render`` writes UTF-8
without a BOM (OP192) with an XML declaration; ``parse`` finds the message type from the root
element's namespace and raises ``IjwParseError`` (with the element path) on anything it cannot
read. Parsing is hardened (``read_document``, the one place that reads XML bytes): a document
with a DOCTYPE is refused before parsing and again after (whatever the encoding), so no DTD,
internal or external entity is ever read; no network, no huge trees.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from lxml import etree

from coachcare.ijw import schema as s
from coachcare.ijw.messages import (
    AllocatedProduct,
    Allocation,
    AllocationRequest,
    CareStart,
    CareStop,
    ChangedProduct,
    ChangeRequest,
    Client,
    Declaration,
    DeclarationAnswer,
    DeclarationLine,
    Header,
    LineAnswer,
    Message,
    RequestAnswer,
    RequestedProduct,
    Retour,
    RetourItem,
    StartRecord,
    StopRecord,
    Verwijzer,
    message_name,
)


class IjwParseError(ValueError):
    """The data is not a readable iJw 3.2 message. ``path`` names the element at fault."""

    def __init__(self, message: str, *, path: str = "/") -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.text = message


# --- render ---------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ns = s.namespace(name)
        self.root = etree.Element(f"{{{self.ns}}}{s.ROOT}", nsmap={name.lower(): self.ns, s.BASIS_PREFIX: s.BASIS_NS})

    def tag(self, element: str) -> str:
        return f"{{{s.BASIS_NS if element in s.BASIS_ELEMENTS else self.ns}}}{element}"

    def add(self, parent: Any, element: str, value: object = None) -> Any:
        child = etree.SubElement(parent, self.tag(element))
        if value is not None:
            child.text = s.date_text(value) if isinstance(value, datetime.date) else str(value)
        return child

    def header(self, header: Header, *, retour: Retour | None = None) -> Any:
        node = self.add(self.root, "Header")
        self.add(node, "BerichtCode", header.berichtcode)
        self.add(node, "BerichtVersie", header.versie)
        self.add(node, "BerichtSubversie", header.subversie)
        self.add(node, "Afzender", header.afzender)
        self.add(node, "Ontvanger", header.ontvanger)
        ident = self.add(node, "BerichtIdentificatie")
        # In a retour message BerichtIdentificatie names the message answered (the heenbericht).
        self.add(ident, "Identificatie", retour.referentie if retour else header.identificatie)
        self.add(ident, "Dagtekening", header.dagtekening)
        self._xsd_version(self.add(node, "XsdVersie"))
        if retour is not None:
            self.add(node, "IdentificatieRetour", header.identificatie)
            self.add(node, "DagtekeningRetour", header.dagtekening)
            self._xsd_version(self.add(node, "XsdVersieRetour"))
            if retour.retourcodes:
                codes = self.add(node, "RetourCodes")
                for code in retour.retourcodes:
                    self.add(codes, "RetourCode", code)
        return node

    def _xsd_version(self, node: Any) -> None:
        for element in s.XSD_VERSIONS:
            self.add(node, element, s.XSD_VERSION)

    def client(self, client: Client) -> Any:
        node = self.add(self.root, "Client")
        self.add(node, "Bsn", client.bsn)
        self.add(self.add(node, "Geboortedatum"), "Datum", client.geboortedatum)
        self.add(node, "Geslacht", client.geslacht)
        name = self.add(node, "Naam")
        self.add(self.add(name, "Geslachtsnaam"), "Achternaam", client.achternaam)
        if client.voornamen:
            self.add(name, "Voornamen", client.voornamen)
        return node

    def product(self, parent: Any, categorie: str, code: str) -> None:
        node = self.add(parent, "Product")
        self.add(node, "Categorie", categorie)
        self.add(node, "Code", code)

    def omvang(self, parent: Any, volume: int, eenheid: str, frequentie: str) -> None:
        node = self.add(parent, "Omvang")
        self.add(node, "Volume", volume)
        self.add(node, "Eenheid", eenheid)
        self.add(node, "Frequentie", frequentie)

    def amount(self, parent: Any, element: str, cents: int) -> None:
        node = self.add(parent, element)
        self.add(node, "Bedrag", abs(cents))
        self.add(node, "DebetCredit", "C" if cents < 0 else "D")

    def items(self, parent: Any) -> tuple[Any, str]:
        container, item = s.ITEMS[self.name]
        return self.add(parent, container), item


def _render_allocation_request(w: _Writer, m: AllocationRequest) -> None:
    w.header(m.header)
    items, item = w.items(w.client(m.client))
    for p in m.items:
        node = w.add(items, item)
        w.add(node, "ReferentieAanbieder", p.referentie_aanbieder)
        w.product(node, p.categorie, p.code)
        w.add(node, "ToewijzingIngangsdatum", p.ingangsdatum)
        if p.einddatum is not None:
            w.add(node, "ToewijzingEinddatum", p.einddatum)
        w.omvang(node, p.volume, p.eenheid, p.frequentie)
        verwijzer = w.add(node, "Verwijzer")
        w.add(verwijzer, "Type", p.verwijzer.type)
        if p.verwijzer.naam:
            w.add(verwijzer, "Naam", p.verwijzer.naam)


def _render_allocation(w: _Writer, m: Allocation) -> None:
    w.header(m.header)
    items, item = w.items(w.client(m.client))
    for p in m.items:
        node = w.add(items, item)
        w.add(node, "ToewijzingNummer", p.toewijzingnummer)
        if p.referentie_aanbieder:
            w.add(node, "ReferentieAanbieder", p.referentie_aanbieder)
        w.product(node, p.categorie, p.code)
        w.add(node, "Toewijzingsdatum", p.toewijzingsdatum)
        w.add(node, "Toewijzingstijd", "00:00:00")
        w.add(node, "Ingangsdatum", p.ingangsdatum)
        w.add(node, "Einddatum", p.einddatum)
        if p.reden_wijziging is not None:
            w.add(node, "RedenWijziging", p.reden_wijziging)
        w.omvang(node, p.volume, p.eenheid, p.frequentie)
        w.add(node, "Budget", p.budget_cents)


def _render_care_start(w: _Writer, m: CareStart) -> None:
    w.header(m.header)
    items, item = w.items(w.client(m.client))
    for p in m.items:
        node = w.add(items, item)
        if p.toewijzingnummer:  # empty for task-based care (taakgericht: no allocation)
            w.add(node, "ToewijzingNummer", p.toewijzingnummer)
        w.product(node, p.categorie, p.code)
        w.add(node, "Begindatum", p.begindatum)
        w.add(node, "StatusAanlevering", p.status_aanlevering)


def _render_care_stop(w: _Writer, m: CareStop) -> None:
    w.header(m.header)
    items, item = w.items(w.client(m.client))
    for p in m.items:
        node = w.add(items, item)
        if p.toewijzingnummer:  # empty for task-based care (taakgericht: no allocation)
            w.add(node, "ToewijzingNummer", p.toewijzingnummer)
        w.product(node, p.categorie, p.code)
        w.add(node, "Begindatum", p.begindatum)
        w.add(node, "RedenBeeindiging", p.reden_beeindiging)
        w.add(node, "Einddatum", p.einddatum)
        w.add(node, "StatusAanlevering", p.status_aanlevering)


def _render_change_request(w: _Writer, m: ChangeRequest) -> None:
    w.header(m.header)
    items, item = w.items(w.client(m.client))
    for p in m.items:
        node = w.add(items, item)
        w.add(node, "ReferentieAanbieder", p.referentie_aanbieder)
        if p.toewijzingnummer is not None:
            w.add(node, "ToewijzingNummer", p.toewijzingnummer)
        w.product(node, p.categorie, p.code)
        w.add(node, "GewensteIngangsdatum", p.ingangsdatum)
        if p.einddatum is not None:
            w.add(node, "Einddatum", p.einddatum)
        w.omvang(node, p.volume, p.eenheid, p.frequentie)


def _render_request_answer(w: _Writer, m: RequestAnswer) -> None:
    w.header(m.header)
    node = w.add(w.root, "Antwoord")
    w.add(node, "Referentie", m.referentie)
    w.add(node, "VerzoekAntwoord", m.verzoek_antwoord)
    if m.reden_afwijzing is not None:
        w.add(node, "RedenAfwijzing", m.reden_afwijzing)
    if m.toewijzing_nummers:
        numbers = w.add(node, "ToewijzingNummers")
        for number in m.toewijzing_nummers:
            w.add(numbers, "ToewijzingNummer", number)


def _render_declaration(w: _Writer, m: Declaration) -> None:
    header = w.header(m.header)
    w.add(header, "DeclaratieFactuurNummer", m.declaratienummer)
    period = w.add(header, "DeclaratiePeriode")
    w.add(period, "Begindatum", m.periode_begin)
    w.add(period, "Einddatum", m.periode_eind)
    total = w.add(header, "DeclaratieFactuurTotaalBedrag")
    w.add(total, "Bedrag", m.totaal_bedrag_cents)
    w.add(total, "DebetCredit", m.debet_credit)
    clients = w.add(w.root, "Clienten")
    items: Any = None
    last_bsn: str | None = None
    for line in m.lines:
        if line.bsn != last_bsn:  # consecutive lines of one client share a Client element
            client = w.add(clients, "Client")
            w.add(client, "Bsn", line.bsn)
            items, item = w.items(client)
            last_bsn = line.bsn
        node = w.add(items, item)
        w.add(node, "ReferentieNummer", line.referentie)
        if line.vorige_referentie is not None:
            w.add(node, "VorigReferentieNummer", line.vorige_referentie)
        w.add(node, "ToewijzingNummer", line.toewijzingnummer)
        w.product(node, line.categorie, line.code)
        period = w.add(node, "ProductPeriode")
        w.add(period, "Begindatum", line.begindatum)
        w.add(period, "Einddatum", line.einddatum)
        w.add(node, "GeleverdVolume", line.geleverd_volume)
        w.add(node, "Eenheid", line.eenheid)
        w.add(node, "ProductTarief", line.product_tarief_cents)
        w.amount(node, "IngediendBedrag", line.ingediend_bedrag_cents)
        w.add(node, "StatusAanlevering", line.status_aanlevering)


def _render_declaration_answer(w: _Writer, m: DeclarationAnswer) -> None:
    header = w.header(m.header)
    if m.referentie_declaratie:
        w.add(header, "DeclaratieIdentificatie", m.referentie_declaratie)
    w.add(header, "DeclaratieFactuurNummer", m.declaratienummer)
    w.amount(header, "ToegekendBedrag", m.toegekend_bedrag_cents)
    items, item = w.items(w.root)
    for line in m.lines:
        node = w.add(items, item)
        w.add(node, "ReferentieNummer", line.referentie)
        w.amount(node, "ToegekendBedrag", line.toegekend_bedrag_cents)
        codes = w.add(node, "RetourCodes")
        for code in line.retourcodes:
            w.add(codes, "RetourCode", code)


def _render_retour(w: _Writer, m: Retour) -> None:
    w.header(m.header, retour=m)
    answered = s.RETOUR_FOR[w.name]
    if not m.items or answered not in s.RETOUR_ITEM_KEY:
        return
    container, item = s.ITEMS[answered]
    items = w.add(w.root, container)
    for record in m.items:
        node = w.add(items, item)
        w.add(node, s.RETOUR_ITEM_KEY[answered], record.sleutel)
        codes = w.add(node, "RetourCodes")
        for code in record.retourcodes:
            w.add(codes, "RetourCode", code)


_RENDERERS: dict[type, Callable[[_Writer, Any], None]] = {
    AllocationRequest: _render_allocation_request,
    Allocation: _render_allocation,
    CareStart: _render_care_start,
    CareStop: _render_care_stop,
    ChangeRequest: _render_change_request,
    RequestAnswer: _render_request_answer,
    Declaration: _render_declaration,
    DeclarationAnswer: _render_declaration_answer,
    Retour: _render_retour,
}


def render(message: Message) -> bytes:
    """The message as an iJw XML file: UTF-8 without BOM, with an XML declaration, namespaced."""
    writer = _Writer(message_name(message))
    _RENDERERS[type(message)](writer, message)
    result: bytes = etree.tostring(writer.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return result


# --- parse ----------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ns = s.namespace(name)

    def tag(self, element: str) -> str:
        return f"{{{s.BASIS_NS if element in s.BASIS_ELEMENTS else self.ns}}}{element}"

    @staticmethod
    def path(node: Any) -> str:
        parts = []
        while node is not None:
            parts.append(etree.QName(node).localname)
            node = node.getparent()
        return "/" + "/".join(reversed(parts))

    def node(self, parent: Any, element: str) -> Any:
        child = parent.find(self.tag(element))
        if child is None:
            raise IjwParseError(f"required element {element} is missing", path=f"{self.path(parent)}/{element}")
        return child

    def optional_node(self, parent: Any, element: str) -> Any:
        return parent.find(self.tag(element))

    def nodes(self, parent: Any, element: str) -> list[Any]:
        return list(parent.findall(self.tag(element)))

    def text(self, parent: Any, element: str) -> str:
        value = (self.node(parent, element).text or "").strip()
        if not value:
            raise IjwParseError(f"element {element} is empty", path=f"{self.path(parent)}/{element}")
        return value

    def optional_text(self, parent: Any, element: str) -> str | None:
        child = self.optional_node(parent, element)
        return (child.text or "").strip() if child is not None else None

    def date(self, parent: Any, element: str) -> datetime.date:
        value = self.text(parent, element)
        try:
            return s.date_parse(value)
        except ValueError as error:
            raise IjwParseError(str(error), path=f"{self.path(parent)}/{element}") from None

    def optional_date(self, parent: Any, element: str) -> datetime.date | None:
        return self.date(parent, element) if self.optional_node(parent, element) is not None else None

    def integer(self, parent: Any, element: str) -> int:
        value = self.text(parent, element)
        if not value.lstrip("-").isdigit():
            raise IjwParseError(f"{value!r} is not a whole number", path=f"{self.path(parent)}/{element}")
        return int(value)

    def amount(self, parent: Any, element: str) -> int:
        node = self.node(parent, element)
        cents = self.integer(node, "Bedrag")
        return -cents if self.text(node, "DebetCredit") == "C" else cents

    def header(self, root: Any) -> tuple[Any, Header]:
        node = self.node(root, "Header")
        ident = self.node(node, "BerichtIdentificatie")
        header = Header(
            berichtcode=self.text(node, "BerichtCode"),
            versie=self.integer(node, "BerichtVersie"),
            subversie=self.integer(node, "BerichtSubversie"),
            afzender=self.text(node, "Afzender"),
            ontvanger=self.text(node, "Ontvanger"),
            identificatie=self.text(ident, "Identificatie"),
            dagtekening=self.date(ident, "Dagtekening"),
        )
        return node, header

    def client(self, root: Any) -> tuple[Any, Client]:
        node = self.node(root, "Client")
        name = self.node(node, "Naam")
        client = Client(
            bsn=self.text(node, "Bsn"),
            geboortedatum=self.date(self.node(node, "Geboortedatum"), "Datum"),
            geslacht=self.text(node, "Geslacht"),
            achternaam=self.text(self.node(name, "Geslachtsnaam"), "Achternaam"),
            voornamen=self.optional_text(name, "Voornamen") or "",
        )
        return node, client

    def product(self, parent: Any) -> tuple[str, str]:
        node = self.node(parent, "Product")
        return self.text(node, "Categorie"), self.text(node, "Code")

    def omvang(self, parent: Any) -> tuple[int, str, str]:
        node = self.node(parent, "Omvang")
        return self.integer(node, "Volume"), self.text(node, "Eenheid"), self.text(node, "Frequentie")

    def items(self, parent: Any) -> list[Any]:
        container, item = s.ITEMS[self.name]
        found = self.nodes(self.node(parent, container), item)
        if not found:
            raise IjwParseError(f"at least one {item} is required", path=f"{self.path(parent)}/{container}/{item}")
        return found


def _client_items[T](r: _Reader, root: Any, build: Callable[[Any, str, str], T]) -> tuple[Header, Client, list[T]]:
    """The shape every client message shares: header, client, and one record per product item
    (``build(item, categorie, code)``)."""
    _, header = r.header(root)
    node, client = r.client(root)
    return header, client, [build(item, *r.product(item)) for item in r.items(node)]


def _parse_allocation_request(r: _Reader, root: Any) -> AllocationRequest:
    def item(node: Any, categorie: str, code: str) -> RequestedProduct:
        volume, eenheid, frequentie = r.omvang(node)
        verwijzer = r.node(node, "Verwijzer")
        return RequestedProduct(
            verwijzer=Verwijzer(type=r.text(verwijzer, "Type"), naam=r.optional_text(verwijzer, "Naam") or ""),
            referentie_aanbieder=r.text(node, "ReferentieAanbieder"),
            categorie=categorie,
            code=code,
            ingangsdatum=r.date(node, "ToewijzingIngangsdatum"),
            einddatum=r.optional_date(node, "ToewijzingEinddatum"),
            volume=volume,
            eenheid=eenheid,
            frequentie=frequentie,
        )

    header, client, items = _client_items(r, root, item)
    return AllocationRequest(header=header, client=client, items=items)


def _parse_allocation(r: _Reader, root: Any) -> Allocation:
    def item(node: Any, categorie: str, code: str) -> AllocatedProduct:
        volume, eenheid, frequentie = r.omvang(node)
        return AllocatedProduct(
            toewijzingnummer=r.text(node, "ToewijzingNummer"),
            referentie_aanbieder=r.optional_text(node, "ReferentieAanbieder") or "",
            categorie=categorie,
            code=code,
            toewijzingsdatum=r.date(node, "Toewijzingsdatum"),
            ingangsdatum=r.date(node, "Ingangsdatum"),
            einddatum=r.date(node, "Einddatum"),
            volume=volume,
            eenheid=eenheid,
            frequentie=frequentie,
            budget_cents=r.integer(node, "Budget"),
            reden_wijziging=r.optional_text(node, "RedenWijziging"),
        )

    header, client, items = _client_items(r, root, item)
    return Allocation(header=header, client=client, items=items)


def _parse_care_start(r: _Reader, root: Any) -> CareStart:
    def item(node: Any, categorie: str, code: str) -> StartRecord:
        return StartRecord(
            toewijzingnummer=r.optional_text(node, "ToewijzingNummer") or "",
            categorie=categorie,
            code=code,
            begindatum=r.date(node, "Begindatum"),
            status_aanlevering=r.text(node, "StatusAanlevering"),
        )

    header, client, items = _client_items(r, root, item)
    return CareStart(header=header, client=client, items=items)


def _parse_care_stop(r: _Reader, root: Any) -> CareStop:
    def item(node: Any, categorie: str, code: str) -> StopRecord:
        return StopRecord(
            toewijzingnummer=r.optional_text(node, "ToewijzingNummer") or "",
            categorie=categorie,
            code=code,
            begindatum=r.date(node, "Begindatum"),
            einddatum=r.date(node, "Einddatum"),
            reden_beeindiging=r.text(node, "RedenBeeindiging"),
            status_aanlevering=r.text(node, "StatusAanlevering"),
        )

    header, client, items = _client_items(r, root, item)
    return CareStop(header=header, client=client, items=items)


def _parse_change_request(r: _Reader, root: Any) -> ChangeRequest:
    def item(node: Any, categorie: str, code: str) -> ChangedProduct:
        volume, eenheid, frequentie = r.omvang(node)
        return ChangedProduct(
            referentie_aanbieder=r.text(node, "ReferentieAanbieder"),
            toewijzingnummer=r.optional_text(node, "ToewijzingNummer"),
            categorie=categorie,
            code=code,
            ingangsdatum=r.date(node, "GewensteIngangsdatum"),
            einddatum=r.optional_date(node, "Einddatum"),
            volume=volume,
            eenheid=eenheid,
            frequentie=frequentie,
        )

    header, client, items = _client_items(r, root, item)
    return ChangeRequest(header=header, client=client, items=items)


def _parse_request_answer(r: _Reader, root: Any) -> RequestAnswer:
    _, header = r.header(root)
    node = r.node(root, "Antwoord")
    numbers = r.optional_node(node, "ToewijzingNummers")
    return RequestAnswer(
        header=header,
        referentie=r.text(node, "Referentie"),
        verzoek_antwoord=r.text(node, "VerzoekAntwoord"),
        reden_afwijzing=r.optional_text(node, "RedenAfwijzing"),
        toewijzing_nummers=[
            (number.text or "").strip()
            for number in (r.nodes(numbers, "ToewijzingNummer") if numbers is not None else [])
        ],
    )


def _parse_declaration(r: _Reader, root: Any) -> Declaration:
    node, header = r.header(root)
    period = r.node(node, "DeclaratiePeriode")
    total = r.node(node, "DeclaratieFactuurTotaalBedrag")
    lines = []
    clients = r.nodes(r.node(root, "Clienten"), "Client")
    if not clients:
        raise IjwParseError("at least one Client is required", path="/Bericht/Clienten/Client")
    for client in clients:
        bsn = r.text(client, "Bsn")
        for item in r.items(client):
            categorie, code = r.product(item)
            product_period = r.node(item, "ProductPeriode")
            lines.append(
                DeclarationLine(
                    referentie=r.text(item, "ReferentieNummer"),
                    vorige_referentie=r.optional_text(item, "VorigReferentieNummer"),
                    bsn=bsn,
                    toewijzingnummer=r.text(item, "ToewijzingNummer"),
                    categorie=categorie,
                    code=code,
                    begindatum=r.date(product_period, "Begindatum"),
                    einddatum=r.date(product_period, "Einddatum"),
                    geleverd_volume=r.integer(item, "GeleverdVolume"),
                    eenheid=r.text(item, "Eenheid"),
                    product_tarief_cents=r.integer(item, "ProductTarief"),
                    ingediend_bedrag_cents=r.amount(item, "IngediendBedrag"),
                    status_aanlevering=r.text(item, "StatusAanlevering"),
                )
            )
    return Declaration(
        header=header,
        declaratienummer=r.text(node, "DeclaratieFactuurNummer"),
        periode_begin=r.date(period, "Begindatum"),
        periode_eind=r.date(period, "Einddatum"),
        totaal_bedrag_cents=r.integer(total, "Bedrag"),
        debet_credit=r.text(total, "DebetCredit"),
        lines=lines,
    )


def _parse_declaration_answer(r: _Reader, root: Any) -> DeclarationAnswer:
    node, header = r.header(root)
    lines = []
    for item in r.items(root):
        codes = r.node(item, "RetourCodes")
        lines.append(
            LineAnswer(
                referentie=r.text(item, "ReferentieNummer"),
                toegekend_bedrag_cents=r.amount(item, "ToegekendBedrag"),
                retourcodes=[(code.text or "").strip() for code in r.nodes(codes, "RetourCode")],
            )
        )
    return DeclarationAnswer(
        header=header,
        referentie_declaratie=r.optional_text(node, "DeclaratieIdentificatie") or "",
        declaratienummer=r.text(node, "DeclaratieFactuurNummer"),
        toegekend_bedrag_cents=r.amount(node, "ToegekendBedrag"),
        lines=lines,
    )


def _parse_retour(r: _Reader, root: Any) -> Retour:
    node, heen = r.header(root)
    codes = r.optional_node(node, "RetourCodes")
    header = Header(
        berichtcode=heen.berichtcode,
        versie=heen.versie,
        subversie=heen.subversie,
        afzender=heen.afzender,
        ontvanger=heen.ontvanger,
        identificatie=r.text(node, "IdentificatieRetour"),
        dagtekening=r.date(node, "DagtekeningRetour"),
    )
    answered = s.RETOUR_FOR[r.name]
    items: list[RetourItem] = []
    if answered in s.RETOUR_ITEM_KEY:
        container, item = s.ITEMS[answered]
        records = r.optional_node(root, container)
        for node in r.nodes(records, item) if records is not None else []:
            item_codes = r.node(node, "RetourCodes")
            items.append(
                RetourItem(
                    sleutel=r.text(node, s.RETOUR_ITEM_KEY[answered]),
                    retourcodes=[(code.text or "").strip() for code in r.nodes(item_codes, "RetourCode")],
                )
            )
    return Retour(
        header=header,
        referentie=heen.identificatie,
        retourcodes=[(code.text or "").strip() for code in (r.nodes(codes, "RetourCode") if codes is not None else [])],
        items=items,
    )


_PARSERS: dict[str, Callable[[_Reader, Any], Message]] = {
    "JW301": _parse_allocation,
    "JW305": _parse_care_start,
    "JW307": _parse_care_stop,
    "JW315": _parse_allocation_request,
    "JW317": _parse_change_request,
    "JW319": _parse_request_answer,
    "JW323": _parse_declaration,
    "JW325": _parse_declaration_answer,
    **dict.fromkeys(s.RETOUR_FOR, _parse_retour),
}

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_DOCTYPE = b"<!DOCTYPE"
_DOCTYPE_REFUSED = "a DOCTYPE (document type declaration) is not allowed in an iJw message"


def message_name_of(data: bytes) -> str:
    """The message name ("JW301") of an XML file, from its root element's namespace."""
    return _name_of(read_document(data))


def read_document(data: bytes) -> Any:
    """The root element of ``data``, read safely; ``IjwParseError`` for anything not plain XML.

    iJw messages never have a DOCTYPE, so any is refused: first by looking at the bytes (nothing
    of a DTD is parsed), then on the parsed document (a DOCTYPE in another encoding).
    """
    body = data.removeprefix(s.BOM)
    if _DOCTYPE in body:
        raise IjwParseError(_DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise IjwParseError(f"not well-formed XML: {error}") from None
    if root is None:
        raise IjwParseError("empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise IjwParseError(_DOCTYPE_REFUSED)
    return root


def _name_of(root: Any) -> str:
    qname = etree.QName(root)
    name = s.MESSAGE_BY_NAMESPACE.get(qname.namespace or "")
    if name is None:
        raise IjwParseError(
            f"the root element's namespace {qname.namespace!r} is not an iJw 3.2 message namespace",
            path=f"/{qname.localname}",
        )
    if qname.localname != s.ROOT:
        raise IjwParseError(f"the root element must be {s.ROOT}", path=f"/{qname.localname}")
    return name


def parse(data: bytes) -> Message:
    """Read an iJw 3.2 message. A leading BOM is tolerated here (the validator reports OP192)."""
    root = read_document(data)
    name = _name_of(root)
    return _PARSERS[name](_Reader(name), root)

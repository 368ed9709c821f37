"""One valid sample of every iJw message type (plain values, no database)."""

import datetime

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
    StartRecord,
    StopRecord,
    Verwijzer,
    header_for,
)

AGB = "12345678"
GEMEENTE = "0344"
BSN = "111222333"
DAY = datetime.date(2025, 3, 3)
START = datetime.date(2025, 2, 1)
END = datetime.date(2025, 7, 31)
NUMBER = "0000000042"
TARIFF = 125_000

CLIENT = Client(bsn=BSN, geboortedatum=datetime.date(2010, 5, 6), geslacht="0", achternaam="Jansen", voornamen="Sam")


def from_provider(name: str, identificatie: str = "CC0000000001") -> Header:
    return header_for(name, afzender=AGB, ontvanger=GEMEENTE, identificatie=identificatie, dagtekening=DAY)


def from_municipality(name: str, identificatie: str = "G00000000001") -> Header:
    return header_for(name, afzender=GEMEENTE, ontvanger=AGB, identificatie=identificatie, dagtekening=DAY)


def line(**fields: object) -> DeclarationLine:
    values: dict[str, object] = {
        "referentie": "R1",
        "bsn": BSN,
        "toewijzingnummer": NUMBER,
        "categorie": "45",
        "code": "45A01",
        "begindatum": datetime.date(2025, 2, 1),
        "einddatum": datetime.date(2025, 2, 28),
        "geleverd_volume": 1,
        "eenheid": "82",
        "product_tarief_cents": TARIFF,
        "ingediend_bedrag_cents": TARIFF,
    }
    values.update(fields)
    return DeclarationLine(**values)  # type: ignore[arg-type]


def declaration(lines: list[DeclarationLine] | None = None, **fields: object) -> Declaration:
    lines = lines if lines is not None else [line()]
    values: dict[str, object] = {
        "header": from_provider("JW323"),
        "declaratienummer": "D2025020001",
        "periode_begin": datetime.date(2025, 2, 1),
        "periode_eind": datetime.date(2025, 2, 28),
        "totaal_bedrag_cents": sum(item.ingediend_bedrag_cents for item in lines),
        "lines": lines,
    }
    values.update(fields)
    return Declaration(**values)  # type: ignore[arg-type]


def allocation(**fields: object) -> Allocation:
    item: dict[str, object] = {
        "toewijzingnummer": NUMBER,
        "referentie_aanbieder": "",
        "categorie": "45",
        "code": "45A01",
        "toewijzingsdatum": DAY,
        "ingangsdatum": START,
        "einddatum": END,
        "volume": 2,
        "eenheid": "82",
        "frequentie": "6",
        "budget_cents": 2 * TARIFF,
    }
    item.update(fields)
    return Allocation(
        header=from_municipality("JW301"),
        client=CLIENT,
        items=[AllocatedProduct(**item)],  # type: ignore[arg-type]
    )


def all_messages() -> list[Message]:
    return [
        AllocationRequest(
            header=from_provider("JW315"),
            client=CLIENT,
            items=[
                RequestedProduct(
                    referentie_aanbieder="6f1c2d3e-0000-4000-8000-000000000001",
                    categorie="45",
                    code="45A01",
                    ingangsdatum=START,
                    einddatum=None,
                    volume=1,
                    verwijzer=Verwijzer(type="02", naam="Dr. Huisarts"),
                )
            ],
        ),
        allocation(reden_wijziging="13", referentie_aanbieder="ref-1"),
        CareStart(
            header=from_provider("JW305"),
            client=CLIENT,
            items=[StartRecord(toewijzingnummer=NUMBER, categorie="45", code="45A01", begindatum=START)],
        ),
        CareStop(
            header=from_provider("JW307"),
            client=CLIENT,
            items=[
                StopRecord(
                    toewijzingnummer=NUMBER,
                    categorie="45",
                    code="45A01",
                    begindatum=START,
                    einddatum=datetime.date(2025, 3, 1),
                    reden_beeindiging="31",
                )
            ],
        ),
        ChangeRequest(
            header=from_provider("JW317"),
            client=CLIENT,
            items=[
                ChangedProduct(
                    referentie_aanbieder="ref-2",
                    toewijzingnummer=NUMBER,
                    categorie="45",
                    code="45A01",
                    ingangsdatum=START,
                    einddatum=END,
                    volume=3,
                )
            ],
        ),
        RequestAnswer(
            header=from_municipality("JW319"),
            referentie="CC0000000001",
            verzoek_antwoord="1",
            toewijzing_nummers=[NUMBER, "0000000043"],
        ),
        declaration(lines=[line(), line(referentie="R2", bsn="123456782", ingediend_bedrag_cents=TARIFF)]),
        DeclarationAnswer(
            header=from_municipality("JW325"),
            declaratienummer="D2025020001",
            toegekend_bedrag_cents=TARIFF,
            referentie_declaratie="CC0000000009",
            lines=[
                LineAnswer(referentie="R1", retourcodes=["0200"], toegekend_bedrag_cents=TARIFF),
                LineAnswer(referentie="R2", retourcodes=["0611", "8001"], toegekend_bedrag_cents=0),
            ],
        ),
        *[
            Retour(
                header=(from_provider if name in {"JW302", "JW320"} else from_municipality)(name),
                referentie="X00000000001",
                retourcodes=["0200"],
            )
            for name in ("JW302", "JW306", "JW308", "JW316", "JW318", "JW320")
        ],
    ]

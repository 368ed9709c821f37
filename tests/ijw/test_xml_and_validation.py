"""Render/parse round trips and the validator's rules, without a database."""

import dataclasses
import datetime
from typing import Any

import pytest

from coachcare.ijw import schema
from coachcare.ijw.messages import CareStop, Message, message_name
from coachcare.ijw.validation import AllocationFacts, ValidationContext, validate
from coachcare.ijw.xml import IjwParseError, parse, render
from tests.ijw import samples

TODAY = datetime.date(2025, 3, 10)


def facts(**fields: Any) -> AllocationFacts:
    values: dict[str, Any] = {
        "toewijzingnummer": samples.NUMBER,
        "bsn": samples.BSN,
        "start_date": samples.START,
        "end_date": samples.END,
        "volume": 2,
        "budget_cents": 2 * samples.TARIFF,
        "categorie": "45",
        "code": "45A01",
        "eenheid": "82",
        "status": "approved",
        "tariff_cents": samples.TARIFF,
    }
    values.update(fields)
    return AllocationFacts(**values)


def context(**fields: Any) -> ValidationContext:
    values: dict[str, Any] = {
        "today": TODAY,
        "allocations": {samples.NUMBER: facts()},
        "started": frozenset({samples.NUMBER}),
    }
    values.update(fields)
    return ValidationContext(**values)


def rules(data: bytes | Message, ctx: ValidationContext | None = None) -> set[str]:
    return {violation.rule for violation in validate(data, context=ctx or context())}


@pytest.mark.parametrize("message", samples.all_messages(), ids=lambda m: message_name(m))
def test_round_trip_gives_back_the_same_values(message: Message) -> None:
    data = render(message)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert not data.startswith(schema.BOM)
    assert f"http://www.istandaarden.nl/ijw/3_2/{message_name(message).lower()}/schema".encode() in data
    assert parse(data) == message


@pytest.mark.parametrize("message", samples.all_messages(), ids=lambda m: message_name(m))
def test_every_sample_is_valid(message: Message) -> None:
    ctx = context(allocations={samples.NUMBER: facts(bsn="")})  # the JW323 sample has two clients
    assert validate(render(message), context=ctx) == []


def test_berichtcodes_follow_the_code_list() -> None:
    assert schema.BERICHTCODES["JW301"] == "436"
    assert schema.BERICHTCODES["JW305"] == "438"
    assert schema.BERICHTCODES["JW323"] == "490"
    assert len(set(schema.BERICHTCODES.values())) == len(schema.BERICHTCODES)


def test_parse_error_names_the_missing_element() -> None:
    data = render(samples.declaration()).replace(b"<jw323:GeleverdVolume>1</jw323:GeleverdVolume>", b"")
    with pytest.raises(IjwParseError) as error:
        parse(data)
    assert error.value.path.endswith("Prestatie/GeleverdVolume")
    assert [(v.rule, v.path) for v in validate(data)] == [("XSD", error.value.path)]


def test_unknown_namespace_is_a_parse_error() -> None:
    with pytest.raises(IjwParseError, match="namespace"):
        parse(b"<?xml version='1.0' encoding='UTF-8'?><Bericht xmlns='urn:other'/>")
    with pytest.raises(IjwParseError, match="well-formed"):
        parse(b"<not xml")


def test_bom_is_op192() -> None:
    assert "OP192" in rules(schema.BOM + render(samples.declaration()))


def test_other_encoding_is_op192() -> None:
    data = render(samples.declaration()).replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'")
    assert "OP192" in rules(data)
    assert "OP192" in rules(b"<?xml version='1.0'?><a>\xff\xfe</a>")


def test_file_over_25_mb_is_op179(tmp_path: object) -> None:
    import pathlib

    assert isinstance(tmp_path, pathlib.Path)
    big = tmp_path / "big.xml"
    data = render(samples.declaration())
    padding = b"<!--" + b" " * (schema.MAX_FILE_BYTES + 1) + b"-->"
    big.write_bytes(data.replace(b"?>\n", b"?>\n" + padding + b"\n", 1))
    assert [v.rule for v in validate(big.read_bytes(), context=context())] == ["OP179"]


def test_status_2_is_op033() -> None:
    assert "OP033" in rules(samples.declaration(lines=[samples.line(status_aanlevering="2")]))


def test_stop_without_start_is_op072() -> None:
    stop = next(m for m in samples.all_messages() if isinstance(m, CareStop))
    assert "OP072" in rules(render(stop), context(started=frozenset()))
    assert "OP072" not in rules(render(stop), context())


def test_declaration_rules() -> None:
    bad = samples.declaration(
        lines=[
            samples.line(
                begindatum=datetime.date(2025, 1, 15),  # TR307: before the allocation, TR388: before the month
                geleverd_volume=3,  # TR321/TR322: more than 2 allocated; TR369: over the budget
                product_tarief_cents=130_000,  # TR418
                ingediend_bedrag_cents=1,  # TR346
                code="45A02",  # TR338
                eenheid="04",  # TR341
            )
        ],
        periode_eind=datetime.date(2025, 3, 15),  # TR387
        header=samples.from_provider("JW323", "SEEN"),
    )
    found = rules(bad, context(seen_identifications=frozenset({"SEEN"})))
    expected = {"TR056", "TR307", "TR321", "TR322", "TR338", "TR341", "TR346", "TR387", "TR388", "TR418"}
    assert expected <= found
    over_budget = samples.declaration(
        lines=[samples.line(geleverd_volume=2, ingediend_bedrag_cents=2 * samples.TARIFF)]
    )
    assert "TR369" in rules(over_budget, context(allocations={samples.NUMBER: facts(budget_cents=samples.TARIFF)}))


def test_deleted_allocation_is_tr384_and_future_dagtekening_tr135() -> None:
    message = samples.declaration(
        header=dataclasses.replace(samples.from_provider("JW323"), dagtekening=TODAY.replace(day=11))
    )
    found = rules(message, context(allocations={samples.NUMBER: facts(status="deleted")}))
    assert {"TR384", "TR135"} <= found


def test_duplicate_allocation_number_in_jw301_is_tr332() -> None:
    message = samples.allocation()
    doubled = dataclasses.replace(message, items=[*message.items, *message.items])
    assert "TR332" in rules(doubled)


def test_formats_and_code_lists() -> None:
    message = samples.declaration(lines=[samples.line(bsn="123456789", eenheid="99", categorie="99")])
    violations = validate(message, context=context())
    paths = {(v.rule, v.path.rsplit("/", 1)[-1]) for v in violations}
    assert {("XSD", "Bsn"), ("XSD", "Eenheid"), ("XSD", "Categorie")} <= paths


def test_without_context_only_context_free_rules() -> None:
    assert validate(render(samples.declaration())) == []


# --- no DOCTYPE, no entities ----------------------------------------------------------------------

_DOCTYPES = {
    "harmless": b"<!DOCTYPE Bericht>",
    "internal-entity": b'<!DOCTYPE Bericht [<!ENTITY naam "Jansen">]>',
    "external-entity": b'<!DOCTYPE Bericht [<!ENTITY naam SYSTEM "file:///etc/hostname">]>',
    "external-dtd": b'<!DOCTYPE Bericht SYSTEM "http://127.0.0.1:9/ijw.dtd">',
}


def _with_doctype(doctype: bytes, *, entity: bool) -> bytes:
    data = render(samples.allocation())
    declaration, rest = data.split(b"?>", 1)
    if entity:
        rest = rest.replace(b">Jansen<", b">&naam;<")
    return declaration + b"?>\n" + doctype + rest


@pytest.mark.parametrize("kind", list(_DOCTYPES))
def test_any_doctype_is_refused(kind: str) -> None:
    data = _with_doctype(_DOCTYPES[kind], entity=kind.endswith("entity"))
    with pytest.raises(IjwParseError, match="DOCTYPE"):
        parse(data)
    violations = validate(data, context=context())
    assert [(v.rule, v.path) for v in violations] == [("XSD", "/")]
    assert "DOCTYPE" in violations[0].message


def test_a_doctype_in_another_encoding_is_refused_too() -> None:
    """The byte check cannot see a UTF-16 DOCTYPE: the parsed document is checked as well."""
    text = _with_doctype(_DOCTYPES["harmless"], entity=False).decode()
    text = text.replace("encoding='UTF-8'", "encoding='UTF-16'")
    assert "encoding='UTF-16'" in text
    with pytest.raises(IjwParseError, match="DOCTYPE"):
        parse(text.encode("utf-16"))


def test_the_xsd_check_reads_with_the_same_hardened_reader(tmp_path: Any) -> None:
    (tmp_path / "jw301.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="x"/></xs:schema>'
    )
    with pytest.raises(IjwParseError, match="DOCTYPE"):
        schema.validate_with_xsd(
            _with_doctype(_DOCTYPES["external-entity"], entity=True), name="JW301", directory=tmp_path
        )

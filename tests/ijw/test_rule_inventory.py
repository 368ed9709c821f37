"""Issue 18, closing paragraph: every message type has a round trip and a test per rule it can break.

The inventory is the table "Rule inventory" in ``docs/ijw.md`` (rule × message types). This module
enforces it both ways:

- every rule code the validator or the import emits (a string constant ``TRnnn``/``OPnnn`` in
  ``ijw/validation.py`` or ``ijw/services.py``) is in the inventory and in the code table;
- every (rule, message type) pair of the inventory has a case here that breaks exactly there and
  sees the code (``BREAKS``, without a database, or ``IMPORT_BREAKS``, a database test below);
- every message type has a sample that survives render → parse (``test_xml_and_validation``).

A new rule without a breaking test, or a breaking test for a pair the inventory does not list,
fails ``test_the_inventory_is_complete``.
"""

import ast
import dataclasses
import datetime
import pathlib
import re
from collections.abc import Callable
from typing import Any

import pytest

from coachcare.ijw import codes, schema
from coachcare.ijw import services as ijw_services
from coachcare.ijw import validation as ijw_validation
from coachcare.ijw.messages import (
    Allocation,
    CareStart,
    CareStop,
    Declaration,
    Message,
    message_name,
)
from coachcare.ijw.validation import ValidationContext, validate
from coachcare.ijw.xml import render
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples
from tests.ijw.test_xml_and_validation import TODAY, context, facts

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULE = re.compile(r"^(?:TR|OP|CD)\d{3}$")
ALL = sorted(schema.BERICHTCODES)

Case = Callable[[], tuple[bytes | Message, ValidationContext]]


def inventory() -> set[tuple[str, str]]:
    """(rule, message type) of every row of the table between the markers in docs/ijw.md."""
    text = (ROOT / "docs" / "ijw.md").read_text()
    table = text.split("<!-- rule-inventory -->", 1)[1].split("<!-- /rule-inventory -->", 1)[0]
    pairs: set[tuple[str, str]] = set()
    for row in table.splitlines():
        cells = [cell.strip().strip("`") for cell in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not RULE.match(cells[0]):
            continue
        names = ALL if cells[1] == "all" else [name.strip() for name in cells[1].split(",")]
        pairs.update((cells[0], name) for name in names)
    return pairs


def emitted_rules() -> set[str]:
    """The rule codes the validator and the import can report: string constants, not prose."""
    found: set[str] = set()
    for module in (ijw_validation, ijw_services):
        assert module.__file__ is not None
        tree = ast.parse(pathlib.Path(module.__file__).read_text())
        found.update(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and RULE.match(node.value)
        )
    return found


# --- the samples and how to break them -------------------------------------------------------------


def sample(name: str) -> Message:
    return next(message for message in samples.all_messages() if message_name(message) == name)


def valid_context(**fields: object) -> ValidationContext:
    """A context in which every sample is valid (the JW323 sample has two clients: no BSN check)."""
    values: dict[str, object] = {"allocations": {samples.NUMBER: facts(bsn="")}}
    values.update(fields)
    return context(**values)


def with_facts(name: str, **fields: Any) -> Case:
    return lambda: (sample(name), valid_context(allocations={samples.NUMBER: facts(bsn="", **fields)}))


def with_header(name: str, **fields: Any) -> Case:
    def case() -> tuple[bytes | Message, ValidationContext]:
        message = sample(name)
        return dataclasses.replace(message, header=dataclasses.replace(message.header, **fields)), valid_context()

    return case


def with_items(name: str, **fields: Any) -> Case:
    """The sample with every record (JW305/JW307 item, JW323 line) changed."""

    def case() -> tuple[bytes | Message, ValidationContext]:
        message = sample(name)
        if isinstance(message, Declaration):
            lines = [dataclasses.replace(line, **fields) for line in message.lines]
            total = sum(line.ingediend_bedrag_cents for line in lines)
            return dataclasses.replace(message, lines=lines, totaal_bedrag_cents=total), valid_context()
        assert isinstance(message, CareStart | CareStop | Allocation)
        items: list[Any] = [dataclasses.replace(item, **fields) for item in message.items]
        changed: Any = message
        return dataclasses.replace(changed, items=items), valid_context()

    return case


def too_big(name: str) -> Case:
    return lambda: (render(sample(name)) + b" " * (schema.MAX_FILE_BYTES + 1), valid_context())


def with_bom(name: str) -> Case:
    return lambda: (schema.BOM + render(sample(name)), valid_context())


def seen(name: str) -> Case:
    return lambda: (sample(name), valid_context(seen_identifications=frozenset({sample(name).header.identificatie})))


def unknown_municipality(name: str) -> Case:
    return lambda: (sample(name), valid_context(municipality_codes=frozenset({"9999"})))


def unknown_number(name: str) -> Case:
    return lambda: (sample(name), valid_context(allocations={}))


def duplicated_jw301() -> tuple[bytes | Message, ValidationContext]:
    message = samples.allocation()
    return dataclasses.replace(message, items=[*message.items, *message.items]), valid_context()


def declaration_of(**fields: Any) -> Case:
    return lambda: (samples.declaration(**fields), valid_context())


LATE_START = datetime.date(2025, 2, 15)
EARLY_END = datetime.date(2025, 2, 10)
RECORDS = ("JW305", "JW307", "JW323")

BREAKS: dict[tuple[str, str], Case] = {
    **{("OP179", name): too_big(name) for name in ALL},
    **{("OP192", name): with_bom(name) for name in ALL},
    **{("TR056", name): seen(name) for name in ALL},
    **{("TR135", name): with_header(name, dagtekening=TODAY + datetime.timedelta(days=1)) for name in ALL},
    **{("TR378", name): unknown_municipality(name) for name in ALL},
    **{("OP033", name): with_items(name, status_aanlevering="2") for name in RECORDS},
    ("OP072", "JW307"): lambda: (sample("JW307"), valid_context(started=frozenset())),
    ("TR332", "JW301"): duplicated_jw301,
    **{("TR332", name): unknown_number(name) for name in RECORDS},
    **{("TR384", name): with_facts(name, status="deleted") for name in RECORDS},
    **{("TR338", name): with_facts(name, code="45A02") for name in RECORDS},
    **{("TR307", name): with_facts(name, start_date=LATE_START) for name in RECORDS},
    **{("TR308", name): with_facts(name, end_date=EARLY_END) for name in ("JW307", "JW323")},
    ("TR341", "JW323"): with_facts("JW323", eenheid="04"),
    ("TR321", "JW323"): lambda: (sample("JW323"), valid_context(declared_volume={samples.NUMBER: 1})),
    ("TR322", "JW323"): with_items("JW323", geleverd_volume=3, ingediend_bedrag_cents=3 * samples.TARIFF),
    ("TR346", "JW323"): with_items("JW323", ingediend_bedrag_cents=1),
    ("TR369", "JW323"): with_facts("JW323", budget_cents=samples.TARIFF),
    ("TR387", "JW323"): declaration_of(periode_eind=datetime.date(2025, 2, 27), lines=[]),
    ("TR388", "JW323"): with_items("JW323", begindatum=datetime.date(2025, 1, 15)),
    ("TR418", "JW323"): with_facts("JW323", tariff_cents=samples.TARIFF + 1),
}

#: Rules only the import checks (against the database): the test below that breaks each one.
IMPORT_BREAKS: dict[tuple[str, str], str] = {
    ("TR339", "JW301"): "test_the_import_refuses_a_jw301_in_another_unit_tr339",
}


def test_the_inventory_is_complete() -> None:
    listed = inventory()
    rules_listed = {rule for rule, _name in listed}
    assert emitted_rules() == rules_listed, "a rule the code reports is missing from docs/ijw.md (or the reverse)"
    covered = set(BREAKS) | set(IMPORT_BREAKS)
    assert listed - covered == set(), "a rule of the inventory has no test that breaks it"
    assert covered - listed == set(), "a breaking test for a pair the inventory does not list"
    for test_name in IMPORT_BREAKS.values():
        assert callable(globals().get(test_name)), test_name
    # the code table knows what every rule means (the worklist and the retours show it)
    assert {rule for rule in rules_listed if not codes.code_description(rule)} == set()
    # every message type has a sample for the round trip (test_xml_and_validation)
    assert {message_name(message) for message in samples.all_messages()} == set(schema.BERICHTCODES)


@pytest.mark.parametrize(("rule", "name"), sorted(BREAKS), ids=lambda value: str(value))
def test_each_rule_is_broken_and_seen(rule: str, name: str) -> None:
    data, ctx = BREAKS[(rule, name)]()
    found = {violation.rule for violation in validate(data, context=ctx)}
    assert rule in found
    # the unbroken sample does not report it: the case, not the sample, breaks the rule
    assert rule not in {violation.rule for violation in validate(render(sample(name)), context=valid_context())}


def test_the_import_refuses_a_jw301_in_another_unit_tr339(contracted: Contracted) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    assert requested.product.unit == "82"
    message = samples.allocation(eenheid="04", referentie_aanbieder=str(requested.public_id))
    message = dataclasses.replace(
        message,
        client=dataclasses.replace(samples.CLIENT, bsn=contracted.world.own.bsn),
        header=dataclasses.replace(message.header, ontvanger=contracted.world.provider.agb_code),
    )
    with pytest.raises(ijw_services.IjwRejected) as rejected:
        ijw_services.ijw_import(data=render(message))
    assert [violation.rule for violation in rejected.value.violations] == ["TR339"]
    requested.refresh_from_db()
    assert requested.status == "requested"

"""One table of iJw codes (ijw/codes.py): every code another part of the project writes is in it."""

import pytest

from coachcare.declarations import services as declaration_services
from coachcare.declarations.models import StatusAanlevering
from coachcare.ijw import codes, schema
from coachcare.ijw import services as ijw_services
from coachcare.ijw.messages import MESSAGE_CLASSES, header_for
from coachcare.trajectories.models import EndReason


def test_schema_uses_the_one_table() -> None:
    assert schema.BERICHTCODES is codes.BERICHTCODES
    assert schema.END_REASONS is codes.END_REASONS
    assert schema.RETOUR_FOR is codes.RETOUR_FOR


def test_every_message_has_one_berichtcode_and_retours_answer_known_messages() -> None:
    assert set(MESSAGE_CLASSES) == set(codes.BERICHTCODES)
    assert len(set(codes.BERICHTCODES.values())) == len(codes.BERICHTCODES)
    assert set(codes.RETOUR_FOR.values()) <= set(codes.BERICHTCODES)
    assert set(codes.BERICHTCODES) == codes.FROM_PROVIDER | codes.FROM_MUNICIPALITY
    assert not codes.FROM_PROVIDER & codes.FROM_MUNICIPALITY
    # a retour goes the other way than the message it answers
    for retour, answered in codes.RETOUR_FOR.items():
        assert (retour in codes.FROM_PROVIDER) == (answered in codes.FROM_MUNICIPALITY)


def test_the_codes_other_apps_write_are_in_the_table() -> None:
    assert {reason.value for reason in EndReason} <= codes.END_REASONS  # JZ588 on a JW307
    assert {status.value for status in StatusAanlevering} == codes.STATUS_ALLOWED
    assert declaration_services.UNIT_PIECES_OUTPUT in codes.UNITS


def test_a_declaration_line_keeps_the_first_rejection_else_the_first_code() -> None:
    assert ijw_services._retourcode([codes.RETOUR_ACCEPTED, "0611", "0612"]) == "0611"
    assert ijw_services._retourcode([codes.RETOUR_ACCEPTED]) == codes.RETOUR_ACCEPTED
    assert ijw_services._retourcode([]) == ""


@pytest.mark.parametrize(
    ("rule", "code"), [("TR056", "TR056"), ("OP072", "OP072"), ("XSD", "0001"), ("IMPORT", "0001"), ("PARTY", "0001")]
)
def test_a_rule_becomes_a_retour_code_the_validator_accepts(rule: str, code: str) -> None:
    assert codes.retour_code_for(rule) == code
    assert schema.RETOURCODE_FORMAT.match(code)
    assert codes.code_description(code)


def test_an_unknown_berichtcode_is_refused() -> None:
    with pytest.raises(KeyError):
        header_for("JW399", afzender="0344", ontvanger="12345678", identificatie="X", dagtekening=None)  # type: ignore[arg-type]


def _rule_constants(path: str) -> set[str]:
    """The rule codes (``TRnnn``/``OPnnn``) a module writes: string constants, not prose."""
    import ast
    import pathlib
    import re

    tree = ast.parse(pathlib.Path(path).read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"(?:TR|OP)\d{3}", node.value)
    }


def test_every_code_written_elsewhere_is_one_of_the_table() -> None:
    """Issue 18.5: the values other apps write or compare are checked against the one table."""
    from coachcare.declarations import selectors as declaration_selectors
    from coachcare.demo.synthetic import population
    from coachcare.ijw import messages
    from coachcare.trajectories import panels, state_machine

    assert declaration_selectors.RETOUR_ACCEPTED == codes.RETOUR_ACCEPTED
    assert (population.ACCEPTED, population.TARIFF_DIFFERS) == (codes.RETOUR_ACCEPTED, codes.RETOUR_TARIFF_DIFFERS)
    assert state_machine.EARLY_END_REASONS <= codes.END_REASONS
    assert panels.TEMPORARY_END_REASON in codes.END_REASONS
    for product in (messages.RequestedProduct, messages.ChangedProduct):
        fields = product.__dataclass_fields__
        assert fields["eenheid"].default in codes.UNITS
        assert fields["frequentie"].default in codes.FREQUENCIES
    assert messages.Client.__dataclass_fields__["geslacht"].default in codes.GENDERS
    # the declaration run refuses a module with a rule code: the worklist knows what each one means
    assert declaration_services.__file__ is not None
    refused = _rule_constants(declaration_services.__file__)
    assert refused and {rule for rule in refused if not codes.code_description(rule)} == set()

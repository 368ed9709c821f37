"""The provider answers every imported JW301 with a JW302 and every JW319 with a JW320 (``--reply-dir``)."""

import dataclasses
import datetime
import pathlib
import stat
from io import StringIO

import pytest
from django.core.management import call_command

from coachcare.contracts.models import Allocation
from coachcare.ijw import services
from coachcare.ijw.messages import AllocatedProduct, RequestAnswer, Retour, RetourItem, header_for
from coachcare.ijw.models import OutgoingMessage
from coachcare.ijw.validation import validate
from coachcare.ijw.xml import parse, render
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples
from tests.ijw.conftest import sent_message
from tests.ijw.test_import_export import _jw301_for


def _import(tmp_path: pathlib.Path, data: bytes, name: str = "in.xml") -> tuple[int, str, list[Retour]]:
    """Run ``ijw_import FILE --reply-dir``: exit code, output and the replies in the reply directory."""
    path = tmp_path / name
    path.write_bytes(data)
    stdout = StringIO()
    code = 0
    try:
        call_command("ijw_import", str(path), reply_dir=str(tmp_path / "replies"), stdout=stdout, stderr=stdout)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    replies = []
    for reply in sorted((tmp_path / "replies").glob("*.xml")):
        message = parse(reply.read_bytes())
        assert isinstance(message, Retour)
        replies.append(message)
    return code, stdout.getvalue(), replies


def _mode(path: pathlib.Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_imported_jw301_is_answered_with_a_valid_jw302(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    code, output, replies = _import(tmp_path, _jw301_for(requested))
    assert code == 0
    [reply] = replies
    assert reply.header.berichtcode == "437"  # JW302
    assert (reply.header.afzender, reply.header.ontvanger) == (contracted.world.provider.agb_code, "0344")
    assert reply.referentie == "G00000000001"
    assert reply.retourcodes == ["0200"]
    assert reply.items == [RetourItem(sleutel="T000000001", retourcodes=["0200"])]
    [path] = (tmp_path / "replies").glob("*.xml")
    assert f"reply {path}" in output
    data = path.read_bytes()
    assert services.ijw_validate_file(data=data) == []
    assert render(parse(data)) == data  # round trip
    assert contracted.world.own.bsn.encode() not in data  # a retour carries no BSN
    assert (_mode(path.parent), _mode(path)) == (0o700, 0o600)
    assert OutgoingMessage.objects.filter(berichtcode="437", identification=reply.header.identificatie).exists()


def test_the_same_jw301_again_gets_the_same_jw302(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    _import(tmp_path, _jw301_for(requested))
    first = sorted((tmp_path / "replies").glob("*.xml"))
    code, output, replies = _import(tmp_path, _jw301_for(requested))
    assert code == 0 and "was imported before" in output
    assert sorted((tmp_path / "replies").glob("*.xml")) == first and len(replies) == 1
    assert OutgoingMessage.objects.filter(berichtcode="437").count() == 1


def test_a_refused_jw301_is_answered_with_the_rule_codes_per_record(
    contracted: Contracted, tmp_path: pathlib.Path
) -> None:
    """Header rules (TR135) in the header, rules of a record on that record, our own rules as 0001."""
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    future = datetime.date.today() + datetime.timedelta(days=5)
    item = {
        "toewijzingnummer": "T000000001",
        "referentie_aanbieder": str(requested.public_id),
        "categorie": "45",
        "code": contracted.first.ijw_product_code,
        "toewijzingsdatum": samples.DAY,
        "ingangsdatum": samples.START,
        "einddatum": samples.END,
        "volume": 2,
        "eenheid": "82",
        "frequentie": "6",
        "budget_cents": 1,
    }
    message = parse(_jw301_for(requested))
    message = dataclasses.replace(
        message,
        header=dataclasses.replace(message.header, dagtekening=future),
        items=[AllocatedProduct(**item), AllocatedProduct(**{**item, "frequentie": "9"})],  # type: ignore[arg-type]
    )
    code, output, replies = _import(tmp_path, render(message))
    assert code == 1
    assert "TR135 /Bericht/Header/BerichtIdentificatie/Dagtekening" in output
    [reply] = replies
    assert reply.retourcodes == ["TR135"]
    assert reply.items == [
        RetourItem(sleutel="T000000001", retourcodes=["0200"]),
        # the number occurs twice (TR332) and a frequency not in WMO757 (XSD: our own rule, 0001)
        RetourItem(sleutel="T000000001", retourcodes=["TR332", "0001"]),
    ]
    requested.refresh_from_db()
    assert requested.status == "requested"  # nothing imported


def test_an_unmatched_jw301_is_answered_with_0001_on_the_record(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    data = _jw301_for(requested, referentie_aanbieder="", code=contracted.next.ijw_product_code)
    code, _output, [reply] = _import(tmp_path, data)
    assert code == 1
    assert reply.retourcodes == ["0200"]
    assert reply.items == [RetourItem(sleutel="T000000001", retourcodes=["0001"])]  # IMPORT: own rule


def _jw319(contracted: Contracted, referentie: str) -> bytes:
    return render(
        RequestAnswer(
            header=header_for(
                "JW319",
                afzender="0344",
                ontvanger=contracted.world.provider.agb_code,
                identificatie="G00000000319",
                dagtekening=samples.DAY,
            ),
            referentie=referentie,
            verzoek_antwoord="2",
            reden_afwijzing="01",
        )
    )


def test_a_jw319_is_answered_with_a_jw320(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    sent = sent_message("446", [str(requested.public_id)])
    code, _output, [reply] = _import(tmp_path, _jw319(contracted, sent.identification))
    assert code == 0
    assert (reply.header.berichtcode, reply.referentie, reply.retourcodes, reply.items) == (
        "489",
        "G00000000319",
        ["0200"],
        [],
    )
    [path] = (tmp_path / "replies").glob("*.xml")
    assert services.ijw_validate_file(data=path.read_bytes()) == []
    assert render(parse(path.read_bytes())) == path.read_bytes()


def test_a_jw319_for_an_unknown_request_is_answered_with_0001(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    code, _output, [reply] = _import(tmp_path, _jw319(contracted, "CC0000000404"))
    assert code == 1
    assert (reply.header.berichtcode, reply.retourcodes) == ("489", ["0001"])


def test_no_reply_for_a_retour_or_an_unreadable_file(
    contracted: Contracted, started: tuple[Allocation, OutgoingMessage], tmp_path: pathlib.Path
) -> None:
    _allocation, sent = started
    retour = Retour(
        header=dataclasses.replace(samples.from_municipality("JW306"), ontvanger=contracted.world.provider.agb_code),
        referentie=sent.identification,
        retourcodes=["0200"],
    )
    assert _import(tmp_path, render(retour))[2] == []
    code, _output, replies = _import(tmp_path, b"<not-xml", "bad.xml")
    assert code == 1 and replies == []


# --- the rules a retour can break ------------------------------------------------------------------


def _retour(name: str = "JW302", **fields: object) -> Retour:
    values: dict[str, object] = {
        "header": samples.from_provider(name),
        "referentie": "G00000000001",
        "retourcodes": ["0200"],
        "items": [RetourItem(sleutel="T000000001", retourcodes=["0200"])],
    }
    values.update(fields)
    return Retour(**values)  # type: ignore[arg-type]


def test_a_valid_retour_has_no_violations() -> None:
    assert validate(render(_retour())) == []
    assert validate(render(_retour("JW320", items=[]))) == []


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"retourcodes": []}, "/Bericht/Header/RetourCodes"),
        ({"retourcodes": ["XSD"]}, "/Bericht/Header/RetourCodes/RetourCode[1]"),
        (
            {"items": [RetourItem(sleutel="T000000001", retourcodes=[])]},
            "/Bericht/ToegewezenProducten/ToegewezenProduct[1]/RetourCodes",
        ),
        (
            {"items": [RetourItem(sleutel="T0000000011234", retourcodes=["0200"])]},
            "/Bericht/ToegewezenProducten/ToegewezenProduct[1]/ToewijzingNummer",
        ),
    ],
)
def test_a_retour_breaking_a_rule_is_refused(fields: dict[str, object], path: str) -> None:
    violations = validate(dataclasses.replace(_retour(), **fields))  # type: ignore[arg-type]
    assert [(v.rule, v.path) for v in violations] == [("XSD", path)]


def test_a_jw320_has_no_records() -> None:
    violations = validate(_retour("JW320"))
    assert [(v.rule, v.path) for v in violations] == [("XSD", "/Bericht")]

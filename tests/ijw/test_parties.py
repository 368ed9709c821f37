"""Every incoming message is checked against who sent it and to whom (rule PARTY).

A JW301, JW319, JW325 or retour must come from the municipality, and be addressed to the
provider, of the contract of what it touches; otherwise the whole file is refused with a rule
line, exit 1 and nothing imported.
"""

import dataclasses
import datetime
import pathlib

import pytest
from django.core.management import call_command

from coachcare.contracts.models import Allocation, AllocationChangeRequest, AllocationStatus
from coachcare.declarations.models import Declaration, DeclarationStatus
from coachcare.ijw.messages import DeclarationAnswer, LineAnswer, RequestAnswer, Retour, header_for
from coachcare.ijw.models import IncomingMessage, OutgoingMessage
from coachcare.ijw.xml import parse, render
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples
from tests.ijw.conftest import sent_message
from tests.ijw.test_import_export import _jw301_for

OTHER_MUNICIPALITY = "0363"  # Amsterdam: known, but not the municipality of the contract
OTHER_PROVIDER = "12345678"  # a valid AGB code, not the provider of the contract

WRONG = [
    pytest.param(OTHER_MUNICIPALITY, None, "PARTY /Bericht/Header/Afzender:", id="wrong-sender"),
    pytest.param(None, OTHER_PROVIDER, "PARTY /Bericht/Header/Ontvanger:", id="wrong-receiver"),
]


def _header(contracted: Contracted, name: str, *, afzender: str | None, ontvanger: str | None) -> object:
    return header_for(
        name,
        afzender=afzender or contracted.world.municipality_a.code,
        ontvanger=ontvanger or contracted.world.provider.agb_code,
        identificatie="G00000000099",
        dagtekening=samples.DAY,
    )


def _import(tmp_path: pathlib.Path, data: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "in.xml"
    path.write_bytes(data)
    try:
        call_command("ijw_import", str(path))
    except SystemExit as exit_info:
        return int(exit_info.code or 0), capsys.readouterr().out
    return 0, capsys.readouterr().out


def _readdressed(data: bytes, *, afzender: str | None, ontvanger: str | None) -> bytes:
    message = parse(data)
    header = dataclasses.replace(
        message.header,
        afzender=afzender or message.header.afzender,
        ontvanger=ontvanger or message.header.ontvanger,
    )
    return render(dataclasses.replace(message, header=header))


# --- JW301 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("afzender", "ontvanger", "line"), WRONG)
def test_jw301_for_a_request_from_or_to_someone_else_is_refused(
    contracted: Contracted,
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    afzender: str | None,
    ontvanger: str | None,
    line: str,
) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    data = _jw301_for(requested)  # matched by ReferentieAanbieder (the JW315's public id)
    data = _readdressed(data, afzender=afzender, ontvanger=ontvanger)
    code, out = _import(tmp_path, data, capsys)
    assert code == 1
    assert f"{line} allocation T000000001 " in out
    requested.refresh_from_db()
    assert (requested.status, requested.toewijzing_nummer) == (AllocationStatus.REQUESTED, None)
    assert not IncomingMessage.objects.exists()


@pytest.mark.parametrize(("afzender", "ontvanger", "line"), WRONG)
def test_jw301_changing_an_approved_allocation_of_someone_else_is_refused(
    contracted: Contracted,
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    afzender: str | None,
    ontvanger: str | None,
    line: str,
) -> None:
    approved = AllocationFactory.create(approved=True, client=contracted.world.own, product=contracted.first)
    data = _jw301_for(approved, toewijzingnummer=approved.toewijzing_nummer, referentie_aanbieder="", volume=5)
    data = _readdressed(data, afzender=afzender, ontvanger=ontvanger)
    code, out = _import(tmp_path, data, capsys)
    assert code == 1
    assert line in out
    approved.refresh_from_db()
    assert approved.volume == 1
    assert not IncomingMessage.objects.exists()


# --- JW319 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("afzender", "ontvanger", "line"), WRONG)
def test_jw319_answering_a_request_to_someone_else_is_refused(
    contracted: Contracted,
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    afzender: str | None,
    ontvanger: str | None,
    line: str,
) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    sent = sent_message(samples.from_provider("JW315").berichtcode, [str(requested.public_id)])
    reply = RequestAnswer(
        header=_header(contracted, "JW319", afzender=afzender, ontvanger=ontvanger),  # type: ignore[arg-type]
        referentie=sent.identification,
        verzoek_antwoord="2",
        reden_afwijzing="01",
    )
    code, out = _import(tmp_path, render(reply), capsys)
    assert code == 1
    assert f"{line} the request {sent.identification} " in out
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.REQUESTED
    assert not IncomingMessage.objects.exists()


@pytest.mark.parametrize(("afzender", "ontvanger", "line"), WRONG)
def test_jw319_answering_a_change_request_to_someone_else_is_refused(
    contracted: Contracted,
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    afzender: str | None,
    ontvanger: str | None,
    line: str,
) -> None:
    approved = AllocationFactory.create(approved=True, client=contracted.world.own, product=contracted.first)
    assert approved.end_date is not None
    change = AllocationChangeRequest.objects.create(
        allocation=approved,
        volume=3,
        volume_before=approved.volume,
        end_date_before=approved.end_date,
        reason="Meer modules nodig.",
        requested_by=contracted.world.coach,
        requested_at=datetime.datetime(2025, 2, 10, 10, tzinfo=datetime.UTC),
    )
    sent = sent_message(samples.from_provider("JW317").berichtcode, [str(change.public_id)])
    reply = RequestAnswer(
        header=_header(contracted, "JW319", afzender=afzender, ontvanger=ontvanger),  # type: ignore[arg-type]
        referentie=sent.identification,
        verzoek_antwoord="1",
    )
    code, out = _import(tmp_path, render(reply), capsys)
    assert code == 1
    assert line in out
    change.refresh_from_db()
    assert change.status == "requested"
    assert not IncomingMessage.objects.exists()


# --- JW325 ----------------------------------------------------------------------------------------


def _declaration(contracted: Contracted) -> Declaration:
    return Declaration.objects.create(
        declaratienummer="D2025020001",
        municipality=contracted.world.municipality_a,
        provider=contracted.world.provider,
        period_start=datetime.date(2025, 2, 1),
        period_end=datetime.date(2025, 2, 28),
        status=DeclarationStatus.SUBMITTED,
    )


def _answer(contracted: Contracted, *, afzender: str | None, ontvanger: str | None) -> DeclarationAnswer:
    return DeclarationAnswer(
        header=_header(contracted, "JW325", afzender=afzender, ontvanger=ontvanger),  # type: ignore[arg-type]
        declaratienummer="D2025020001",
        toegekend_bedrag_cents=0,
        lines=[LineAnswer(referentie="R1", retourcodes=["0200"], toegekend_bedrag_cents=0)],
    )


@pytest.mark.parametrize(("afzender", "ontvanger", "line"), WRONG)
def test_jw325_answering_a_declaration_to_someone_else_is_refused(
    contracted: Contracted,
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    afzender: str | None,
    ontvanger: str | None,
    line: str,
) -> None:
    declaration = _declaration(contracted)
    code, out = _import(tmp_path, render(_answer(contracted, afzender=afzender, ontvanger=ontvanger)), capsys)
    assert code == 1
    assert f"{line} declaration D2025020001 " in out
    declaration.refresh_from_db()
    assert (declaration.status, declaration.answered_at) == (DeclarationStatus.SUBMITTED, None)
    assert not IncomingMessage.objects.exists()


def test_jw325_from_the_right_parties_answers_the_declaration(
    contracted: Contracted, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declaration = _declaration(contracted)
    code, out = _import(tmp_path, render(_answer(contracted, afzender=None, ontvanger=None)), capsys)
    assert (code, out.splitlines()[-1]) == (0, "imported JW325 G00000000099")
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.ANSWERED


def test_jw325_for_an_unknown_declaration_is_refused(
    contracted: Contracted, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _import(tmp_path, render(_answer(contracted, afzender=None, ontvanger=None)), capsys)
    assert code == 1
    assert "IMPORT /Bericht/Header/DeclaratieFactuurNummer: no declaration D2025020001 was sent" in out
    assert not IncomingMessage.objects.exists()


# --- retour ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("afzender", "ontvanger", "line"), WRONG)
def test_retour_for_a_message_to_someone_else_is_refused(
    contracted: Contracted,
    started: tuple[Allocation, OutgoingMessage],
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    afzender: str | None,
    ontvanger: str | None,
    line: str,
) -> None:
    _allocation, sent = started
    retour = Retour(
        header=_header(contracted, "JW306", afzender=afzender, ontvanger=ontvanger),  # type: ignore[arg-type]
        referentie=sent.identification,
        retourcodes=["0200"],
    )
    code, out = _import(tmp_path, render(retour), capsys)
    assert code == 1
    assert f"{line} the message {sent.identification} " in out
    assert not IncomingMessage.objects.exists()


def test_retour_from_the_right_parties_is_recorded(
    contracted: Contracted,
    started: tuple[Allocation, OutgoingMessage],
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _allocation, sent = started
    retour = Retour(
        header=_header(contracted, "JW306", afzender=None, ontvanger=None),  # type: ignore[arg-type]
        referentie=sent.identification,
        retourcodes=["0200"],
    )
    code, _out = _import(tmp_path, render(retour), capsys)
    assert code == 0
    assert IncomingMessage.objects.get().refers_to == sent.identification


def test_retour_for_a_message_never_sent_is_refused(
    contracted: Contracted, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    retour = Retour(
        header=_header(contracted, "JW306", afzender=None, ontvanger=None),  # type: ignore[arg-type]
        referentie="CC0000000404",
        retourcodes=["0200"],
    )
    code, out = _import(tmp_path, render(retour), capsys)
    assert code == 1
    assert "IMPORT /Bericht/Header/BerichtIdentificatie/Identificatie: no message CC0000000404 was sent" in out
    assert not IncomingMessage.objects.exists()


def test_the_right_parties_still_import(
    contracted: Contracted, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    code, _out = _import(tmp_path, _jw301_for(requested), capsys)
    assert code == 0
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.APPROVED


@pytest.mark.parametrize(("afzender", "ontvanger", "line"), WRONG)
def test_ijw_validate_reports_the_same_rule_line(
    contracted: Contracted,
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    afzender: str | None,
    ontvanger: str | None,
    line: str,
) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    path = tmp_path / "in.xml"
    path.write_bytes(_readdressed(_jw301_for(requested), afzender=afzender, ontvanger=ontvanger))
    with pytest.raises(SystemExit) as exit_info:
        call_command("ijw_validate", str(path))
    assert exit_info.value.code == 1
    assert f"{line} allocation T000000001 " in capsys.readouterr().out
    path.write_bytes(_jw301_for(requested))
    call_command("ijw_validate", str(path))
    assert capsys.readouterr().out.strip() == "valid"

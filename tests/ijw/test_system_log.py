"""NEN 7513: the iJw commands run without a user, yet every client they read or change is logged
(who: system, on behalf of the OS user; what; when; which client; from where)."""

import dataclasses
import pathlib
import socket

import pytest
from django.core.management import call_command

from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.contracts.models import Allocation, AllocationChangeRequest
from coachcare.ijw.messages import RequestAnswer, Retour, header_for
from coachcare.ijw.models import OutgoingMessage
from coachcare.ijw.system_log import ijw_import_logged, ijw_message_client_ids
from coachcare.ijw.xml import parse, render
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples
from tests.ijw import test_import_export as flows

AP = AccessPoint.system("ijw_import")
_export, _jw301_for, _write = flows._export, flows._jw301_for, flows._write
care, change = flows.care, flows.change  # the fixtures of the import/export tests


def _system_entries(**filters: object) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(username="system", **filters).order_by("id"))


def test_an_import_logs_the_client_it_changes(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    path = _write(tmp_path, _jw301_for(requested))

    call_command("ijw_import", str(path))

    [entry] = _system_entries()
    assert (entry.event, entry.action) == ("update", "ijw.import.JW301")
    assert entry.client_public_id == requested.client.public_id
    assert (entry.user_id, entry.role, entry.channel) == (None, "system", "command")
    assert entry.access_point == f"manage.py ijw_import on {socket.gethostname()}"
    assert entry.on_behalf_of.startswith("OS user ")
    assert entry.timestamp is not None

    call_command("ijw_import", str(path))  # imported before: nothing changes, nothing is logged
    assert len(_system_entries()) == 1


def test_a_rejected_file_logs_nothing(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    path = _write(tmp_path, _jw301_for(requested, frequentie="9"))
    with pytest.raises(SystemExit):
        call_command("ijw_import", str(path))
    assert _system_entries() == []


def test_an_export_logs_every_client_in_the_files(
    contracted: Contracted, care: Allocation, tmp_path: pathlib.Path
) -> None:
    files = _export(contracted, tmp_path / "out")
    own = contracted.world.own.public_id

    entries = _system_entries()
    assert sorted(entry.action for entry in entries) == ["ijw.export.JW305", "ijw.export.JW307", "ijw.export.JW315"]
    assert {(entry.event, entry.client_public_id, entry.channel) for entry in entries} == {("export", own, "command")}
    assert all(entry.access_point.startswith("manage.py ijw_export on ") for entry in entries)
    # The clients are read from the files that left: the same set as their BSNs.
    assert set().union(*(ijw_message_client_ids(message=parse(path.read_bytes())) for path in files)) == {own}

    _export(contracted, tmp_path / "again")  # a re-export is an export too
    assert len(_system_entries()) == 6


def test_an_export_of_nothing_logs_nothing(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    assert _export(contracted, tmp_path) == []
    assert _system_entries() == []


def test_an_answer_to_a_change_request_logs_its_client(
    contracted: Contracted, change: AllocationChangeRequest, tmp_path: pathlib.Path
) -> None:
    _export(contracted, tmp_path)
    sent = OutgoingMessage.objects.get(berichtcode="486")
    reply = RequestAnswer(
        header=header_for(
            "JW319",
            afzender=contracted.world.municipality_a.code,
            ontvanger=contracted.world.provider.agb_code,
            identificatie="G00000000319",
            dagtekening=samples.DAY,
        ),
        referentie=sent.identification,
        verzoek_antwoord="1",
    )
    ijw_import_logged(data=render(reply), access_point=AP)
    [entry] = _system_entries(action="ijw.import.JW319")
    assert (entry.event, entry.client_public_id) == ("update", contracted.world.own.public_id)


def test_a_retour_changes_no_client_data_and_logs_nothing(
    contracted: Contracted, started: tuple[Allocation, OutgoingMessage]
) -> None:
    header = dataclasses.replace(samples.from_municipality("JW306"), ontvanger=contracted.world.provider.agb_code)
    retour = Retour(header=header, referentie=started[1].identification, retourcodes=["0200"])
    ijw_import_logged(data=render(retour), access_point=AP)
    assert _system_entries() == []


def test_a_bsn_of_another_provider_is_not_taken_for_ours(contracted: Contracted) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    message = parse(_jw301_for(requested))
    assert ijw_message_client_ids(message=message) == {contracted.world.own.public_id}
    other = dataclasses.replace(message, header=samples.from_municipality("JW301"))
    assert ijw_message_client_ids(message=other) == set()  # addressed to another AGB code

"""ijw_import / ijw_export / ijw_validate against the database."""

import dataclasses
import datetime
import os
import pathlib
import stat
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from coachcare.audit.services import AccessPoint
from coachcare.clients.models import ClientNote
from coachcare.contracts.models import Allocation, AllocationChangeRequest, AllocationStatus
from coachcare.contracts.services import change_request_apply
from coachcare.core.dates import month_bounds
from coachcare.declarations import services as declaration_services
from coachcare.declarations.models import Declaration, DeclarationStatus
from coachcare.declarations.services import AnswerLine
from coachcare.ijw import services
from coachcare.ijw.messages import (
    AllocatedProduct,
    AllocationRequest,
    ChangeRequest,
    DeclarationAnswer,
    LineAnswer,
    RequestAnswer,
    Retour,
    header_for,
)
from coachcare.ijw.models import IncomingMessage, OutgoingMessage
from coachcare.ijw.xml import parse, render
from coachcare.trajectories.models import Goal, Trajectory
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples
from tests.trajectories.factories import ModuleRunFactory, TrajectoryFactory

MARKER = "KLINISCH-GEHEIM-7731"
MONTH = "2025-02"


def _jw301_for(allocation: Allocation, **fields: object) -> bytes:
    client = allocation.client
    item: dict[str, object] = {
        "toewijzingnummer": "T000000001",
        "referentie_aanbieder": str(allocation.public_id),
        "categorie": allocation.product.ijw_product_category,
        "code": allocation.product.ijw_product_code,
        "toewijzingsdatum": samples.DAY,
        "ingangsdatum": samples.START,
        "einddatum": samples.END,
        "volume": 2,
        "eenheid": "82",
        "frequentie": "6",
        "budget_cents": 2 * allocation.product.tariff_cents,
    }
    item.update(fields)
    message = samples.allocation()
    assert allocation.contract.municipality is not None
    message = dataclasses.replace(
        message,
        header=header_for(
            "JW301",
            afzender=allocation.contract.municipality.code,
            ontvanger=allocation.contract.provider.agb_code,
            identificatie="G00000000001",
            dagtekening=samples.DAY,
        ),
        client=dataclasses.replace(samples.CLIENT, bsn=client.bsn),
        items=[AllocatedProduct(**item)],  # type: ignore[arg-type]
    )
    return render(message)


def _write(tmp_path: pathlib.Path, data: bytes, name: str = "in.xml") -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_jw301_approves_the_request_once(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    path = _write(tmp_path, _jw301_for(requested))
    call_command("ijw_import", str(path))
    requested.refresh_from_db()
    assert (requested.status, requested.toewijzing_nummer, requested.volume) == ("approved", "T000000001", 2)
    assert (requested.start_date, requested.end_date) == (samples.START, samples.END)
    call_command("ijw_import", str(path))  # the same file again changes nothing
    assert IncomingMessage.objects.count() == 1
    requested.refresh_from_db()
    assert requested.toewijzing_nummer == "T000000001"


def test_jw301_matches_by_client_and_product_and_deletes(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    call_command("ijw_import", str(_write(tmp_path, _jw301_for(requested, referentie_aanbieder=""))))
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.APPROVED
    data = _jw301_for(requested, reden_wijziging="13")
    data = data.replace(b"G00000000001", b"G00000000002")
    call_command("ijw_import", str(_write(tmp_path, data, "delete.xml")))
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.DELETED


def test_a_bad_file_is_not_imported(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    data = _jw301_for(requested, frequentie="9", eenheid="99")
    path = _write(tmp_path, b"\xef\xbb\xbf" + data)
    with pytest.raises(SystemExit) as exit_info:
        call_command("ijw_import", str(path))
    assert exit_info.value.code == 1
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.REQUESTED
    assert IncomingMessage.objects.count() == 0


def test_bad_file_lists_every_rule(
    contracted: Contracted, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    data = _jw301_for(requested, frequentie="9")
    future = (datetime.date.today() + datetime.timedelta(days=5)).isoformat().encode()
    data = data.replace(b"<ijw:Dagtekening>" + samples.DAY.isoformat().encode(), b"<ijw:Dagtekening>" + future)
    path = _write(tmp_path, b"\xef\xbb\xbf" + data)
    with pytest.raises(SystemExit):
        call_command("ijw_validate", str(path))
    out = capsys.readouterr().out
    assert "OP192 /:" in out
    assert "TR135 /Bericht/Header/BerichtIdentificatie/Dagtekening:" in out
    assert "XSD /Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]/Omvang/Frequentie:" in out


def test_unmatched_jw301_is_rejected_as_a_whole(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    data = _jw301_for(requested, referentie_aanbieder="", code=contracted.next.ijw_product_code)
    with pytest.raises(services.IjwRejected) as rejected:
        services.ijw_import(data=data)
    assert rejected.value.violations[0].rule == "IMPORT"
    assert not IncomingMessage.objects.exists()


def test_jw325_goes_to_the_declarations_app(contracted: Contracted) -> None:
    world = contracted.world
    Declaration.objects.create(
        declaratienummer="D1",
        municipality=world.municipality_a,
        provider=world.provider,
        period_start=datetime.date(2025, 2, 1),
        period_end=datetime.date(2025, 2, 28),
    )
    answer = DeclarationAnswer(
        header=dataclasses.replace(samples.from_municipality("JW325"), ontvanger=world.provider.agb_code),
        declaratienummer="D1",
        toegekend_bedrag_cents=100,
        lines=[LineAnswer(referentie="R1", retourcodes=["0200"], toegekend_bedrag_cents=100)],
    )
    applied: list[dict[str, object]] = []
    real = declaration_services.declaration_answer_apply

    def spy(**values: Any) -> Any:
        applied.append(values)
        return real(**values)

    with mock.patch.object(declaration_services, "declaration_answer_apply", side_effect=spy):
        first = services.ijw_import(data=render(answer))
        again = services.ijw_import(data=render(answer))
    # Plain values go down to declarations, once (the same file again changes nothing).
    assert applied == [
        {"declaratienummer": "D1", "lines": [AnswerLine(reference="R1", retourcode="0200", awarded_cents=100)]}
    ]
    assert (first.already_imported, again.already_imported) == (False, True)
    assert Declaration.objects.get(declaratienummer="D1").status == DeclarationStatus.ANSWERED


def test_retour_is_recorded(contracted: Contracted, started: tuple[Allocation, OutgoingMessage]) -> None:
    _allocation, sent = started
    header = dataclasses.replace(samples.from_municipality("JW306"), ontvanger=contracted.world.provider.agb_code)
    retour = Retour(header=header, referentie=sent.identification, retourcodes=["0200"])
    services.ijw_import(data=render(retour))
    record = IncomingMessage.objects.get()
    assert (record.berichtcode, record.refers_to, record.retour_codes) == ("439", sent.identification, ["0200"])


@pytest.fixture
def care(contracted: Contracted) -> Allocation:
    """An allocation requested, started and stopped in February 2025 for ``own``, with clinical notes."""
    world = contracted.world
    allocation = AllocationFactory.create(
        approved=True,
        client=world.own,
        product=contracted.first,
        start_date=datetime.date(2025, 2, 1),
        end_date=datetime.date(2025, 7, 31),
        requested_at=datetime.datetime(2025, 2, 3, 10, tzinfo=datetime.UTC),
    )
    AllocationFactory.create(
        client=world.own,
        product=contracted.next,
        requested_at=datetime.datetime(2025, 2, 4, 10, tzinfo=datetime.UTC),
    )
    trajectory = TrajectoryFactory.create(
        closed=True,
        client=world.own,
        referred_on=datetime.date(2025, 1, 20),
        method_version=contracted.modules[0].method_version,
        closed_on=datetime.date(2025, 2, 25),
    )
    ModuleRunFactory.create(
        trajectory=trajectory,
        module=contracted.modules[0],
        allocation=allocation,
        started_on=datetime.date(2025, 2, 5),
        due_on=datetime.date(2025, 4, 1),
        finished_on=datetime.date(2025, 2, 20),
    )
    Goal.objects.create(trajectory=trajectory, order=1, text=f"doel {MARKER}", scale=f'{{"0": "{MARKER}"}}')
    ClientNote.objects.create(client=world.own, author=world.coach, text=f"notitie {MARKER}")
    return allocation


def _export(contracted: Contracted, out: pathlib.Path) -> list[pathlib.Path]:
    call_command("ijw_export", municipality=contracted.world.municipality_a.code, period=MONTH, out=str(out))
    return sorted(out.glob("*.xml"))


def test_export_writes_valid_files_without_clinical_content(
    contracted: Contracted, care: Allocation, tmp_path: pathlib.Path
) -> None:
    files = _export(contracted, tmp_path / "out")
    codes = sorted(path.name.split("_")[0] for path in files)
    assert codes == ["438", "440", "446"]  # JW305, JW307, JW315 (JW323 when the declarations app has a run)
    for path in files:
        data = path.read_bytes()
        assert MARKER.encode() not in data
        assert contracted.world.own.bsn.encode() in data  # OP079: the BSN is required
        message = parse(data)
        assert path.name == f"{message.header.berichtcode}_{message.header.identificatie}.xml"
        assert services.ijw_validate_file(data=data) == []
    assert OutgoingMessage.objects.count() == 3


def _mode(path: pathlib.Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_export_files_are_private_to_the_exporting_user(
    contracted: Contracted, care: Allocation, tmp_path: pathlib.Path
) -> None:
    """The files carry BSNs: directory 0700 and files 0600, whatever the umask."""
    old_umask = os.umask(0o022)
    try:
        out = tmp_path / "new" / "out"
        files = _export(contracted, out)
    finally:
        os.umask(old_umask)
    assert files
    assert _mode(out) == 0o700
    assert {_mode(path) for path in files} == {0o600}


def test_reexport_into_an_open_directory_makes_it_and_its_files_private(
    contracted: Contracted, care: Allocation, tmp_path: pathlib.Path
) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o755)
    out.chmod(0o755)
    first = _export(contracted, out)
    for path in first:
        path.chmod(0o644)  # e.g. copied in by hand before
    second = _export(contracted, out)
    assert [p.name for p in first] == [p.name for p in second]
    assert _mode(out) == 0o700
    assert {_mode(path) for path in second} == {0o600}


def test_reexport_reuses_identifications(contracted: Contracted, care: Allocation, tmp_path: pathlib.Path) -> None:
    first = _export(contracted, tmp_path / "a")
    second = _export(contracted, tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert OutgoingMessage.objects.count() == 3


def test_export_then_import_round_trip(contracted: Contracted, care: Allocation, tmp_path: pathlib.Path) -> None:
    for path in _export(contracted, tmp_path):
        message = parse(path.read_bytes())
        assert render(message) == path.read_bytes()


def test_export_period_must_be_a_month(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("ijw_export", municipality="0344", period="2025-13", out=str(tmp_path))


# --- JW317 change requests ------------------------------------------------------------------


@pytest.fixture
def change(contracted: Contracted, care: Allocation) -> AllocationChangeRequest:
    """A change request (more volume, later end date) asked in February 2025 on ``care``."""
    return AllocationChangeRequest.objects.create(
        allocation=care,
        volume=3,
        end_date=datetime.date(2025, 9, 30),
        volume_before=care.volume,
        end_date_before=datetime.date(2025, 7, 31),
        reason="Meer modules nodig.",
        requested_by=contracted.world.coach,
        requested_at=datetime.datetime(2025, 2, 10, 10, tzinfo=datetime.UTC),
    )


def test_export_writes_a_valid_jw317_per_change_request(
    contracted: Contracted, change: AllocationChangeRequest, tmp_path: pathlib.Path
) -> None:
    files = _export(contracted, tmp_path / "out")
    jw317 = [path for path in files if path.name.startswith("486_")]
    assert len(jw317) == 1
    data = jw317[0].read_bytes()
    assert services.ijw_validate_file(data=data) == []
    assert MARKER.encode() not in data and b"Meer modules" not in data
    message = parse(data)
    assert isinstance(message, ChangeRequest)
    assert render(message) == data
    [item] = message.items
    assert item.referentie_aanbieder == str(change.public_id)
    assert item.toewijzingnummer == change.allocation.toewijzing_nummer
    assert (item.volume, item.einddatum) == (3, datetime.date(2025, 9, 30))


def test_reexport_of_a_change_request_is_the_same_file_even_after_the_decision(
    contracted: Contracted, change: AllocationChangeRequest, tmp_path: pathlib.Path
) -> None:
    first = _export(contracted, tmp_path / "a")
    change_request_apply(change=change, approve=True)
    second = _export(contracted, tmp_path / "b")
    # (the JW315 of ``care`` shows the allocation's current volume, so only the JW317 is compared)
    [before] = [p for p in first if p.name.startswith("486_")]
    [after] = [p for p in second if p.name.startswith("486_")]
    assert (before.name, before.read_bytes()) == (after.name, after.read_bytes())
    assert OutgoingMessage.objects.filter(berichtcode="486").count() == 1


@pytest.mark.parametrize(("answer", "status", "volume"), [("1", "approved", 3), ("2", "rejected", 1)])
def test_jw319_answering_a_jw317_decides_the_change(
    contracted: Contracted,
    change: AllocationChangeRequest,
    tmp_path: pathlib.Path,
    answer: str,
    status: str,
    volume: int,
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
        verzoek_antwoord=answer,
        reden_afwijzing="01" if answer == "2" else None,
    )
    result = services.ijw_import(data=render(reply))
    change.refresh_from_db()
    change.allocation.refresh_from_db()
    assert change.status == status
    assert change.allocation.volume == volume
    assert result.notes


def test_a_request_made_at_half_past_midnight_belongs_to_the_amsterdam_month(
    contracted: Contracted, tmp_path: pathlib.Path
) -> None:
    """Asked at 00:30 on 1 March in Amsterdam (23:30 UTC on 28 February): the March JW315, starting 1 March."""
    Trajectory.objects.create(
        client=contracted.world.own,
        municipality_id=contracted.world.own.municipality_id,
        referrer_kind="huisarts",
        referred_on=datetime.date(2025, 2, 20),
        method_version=contracted.modules[0].method_version,
    )
    AllocationFactory.create(
        client=contracted.world.own,
        product=contracted.first,
        requested_at=datetime.datetime(2025, 2, 28, 23, 30, tzinfo=datetime.UTC),
    )
    municipality = contracted.world.municipality_a
    february = services.ijw_export(
        municipality=municipality, period="2025-02", out_dir=tmp_path / "feb", access_point=AccessPoint.system("test")
    )
    assert not [path for path in february.files if path.name.startswith("446_")]
    march = services.ijw_export(
        municipality=municipality, period="2025-03", out_dir=tmp_path / "mar", access_point=AccessPoint.system("test")
    )
    [jw315] = [path for path in march.files if path.name.startswith("446_")]
    message = parse(jw315.read_bytes())
    assert isinstance(message, AllocationRequest)
    assert message.items[0].ingangsdatum == datetime.date(2025, 3, 1)


@pytest.mark.parametrize("period", ["2025-2", "2025-13", "202502", "2025-02-01", " 2025-02"])
def test_a_period_that_is_not_yyyy_mm_is_refused(period: str) -> None:
    with pytest.raises(ValueError):
        month_bounds(period)

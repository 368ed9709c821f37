"""The money flows one way: contracts → declarations → ijw. The iJw export builds the JW323 from the
declarations app's plain values, logs the clients it exports in its own transaction and marks the
declarations submitted; the declarations app imports nothing of ijw."""

import ast
import pathlib
from unittest import mock

import pytest

from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.declarations.models import DeclarationStatus
from coachcare.ijw import services as ijw_services
from coachcare.ijw.messages import Declaration as Jw323
from coachcare.ijw.models import OutgoingMessage
from coachcare.ijw.xml import parse
from tests.declarations.conftest import PERIOD, Delivering
from tests.declarations.test_services import ON, run_month

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "coachcare"
AP = AccessPoint.system("ijw_export")


def _jw323_files(out: pathlib.Path) -> list[pathlib.Path]:
    return [path for path in sorted(out.glob("*.xml")) if isinstance(parse(path.read_bytes()), Jw323)]


def test_the_export_writes_the_jw323_logs_its_clients_and_submits(
    delivering: Delivering, tmp_path: pathlib.Path
) -> None:
    world = delivering.world
    delivering.delivered(world.own)
    delivering.delivered(world.team)
    [declaration] = run_month(delivering).declarations

    result = ijw_services.ijw_export(
        municipality=world.municipality_a, period=PERIOD, out_dir=tmp_path, access_point=AP, today=ON
    )

    assert [held.name for held in result.held if held.name == "JW323"] == []  # (a JW307 without its JW305 is held)
    [path] = _jw323_files(tmp_path)
    message = parse(path.read_bytes())
    assert isinstance(message, Jw323)
    assert message.declaratienummer == declaration.declaratienummer
    entries = AccessLogEntry.objects.filter(username="system", action="ijw.export.JW323")
    assert {(entry.event, entry.client_public_id) for entry in entries} == {
        ("export", world.own.public_id),
        ("export", world.team.public_id),
    }
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.SUBMITTED


def test_the_log_is_written_in_the_export_transaction(delivering: Delivering, tmp_path: pathlib.Path) -> None:
    """When the access log cannot be written, nothing of the export stays: no record, no file, no submit."""
    delivering.delivered(delivering.world.own)
    [declaration] = run_month(delivering).declarations

    with (
        mock.patch.object(ijw_services, "access_log_record_system", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        ijw_services.ijw_export(
            municipality=delivering.world.municipality_a, period=PERIOD, out_dir=tmp_path, access_point=AP, today=ON
        )

    assert not OutgoingMessage.objects.exists()
    assert not list(tmp_path.glob("*.xml"))
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DRAFT


@pytest.mark.parametrize("app", ["contracts", "declarations"])
def test_the_money_imports_nothing_of_ijw(app: str) -> None:
    for path in (SRC / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("coachcare.ijw"), f"{path}:{node.lineno}"
            if isinstance(node, ast.Import):
                assert all(not alias.name.startswith("coachcare.ijw") for alias in node.names), path


def test_ijw_reaches_declarations_without_importlib() -> None:
    for path in (SRC / "ijw").rglob("*.py"):
        assert "importlib" not in path.read_text(), path

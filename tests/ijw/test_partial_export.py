"""A faulty message never holds back the rest: ijw_export holds it (worklist) and writes the others."""

import datetime
import pathlib
from io import StringIO

import pytest
from django.core.management import call_command

from coachcare.contracts.models import Allocation
from coachcare.ijw import services
from coachcare.ijw.models import HeldMessage, OutgoingMessage
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.trajectories.factories import ModuleRunFactory, TrajectoryFactory

MONTH = "2025-02"


@pytest.fixture
def stop_without_start(contracted: Contracted) -> Allocation:
    """A module run started in January (no JW305 sent yet) and stopped in February: its JW307 breaks
    OP072. Two other clients' requests of February are fine (two JW315)."""
    world = contracted.world
    allocation = AllocationFactory.create(
        approved=True,
        client=world.own,
        product=contracted.first,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 7, 31),
        requested_at=datetime.datetime(2025, 1, 3, 10, tzinfo=datetime.UTC),
    )
    ModuleRunFactory.create(
        trajectory=TrajectoryFactory.create(
            closed=True,
            client=world.own,
            referred_on=datetime.date(2024, 12, 20),
            method_version=contracted.modules[0].method_version,
            closed_on=datetime.date(2025, 2, 25),
        ),
        module=contracted.modules[0],
        allocation=allocation,
        started_on=datetime.date(2025, 1, 10),
        due_on=datetime.date(2025, 4, 1),
        finished_on=datetime.date(2025, 2, 20),
    )
    TrajectoryFactory.create(  # the referrer of the second client's request (the JW315 Verwijzer)
        client=world.team,
        referrer_kind="huisarts",
        referred_on=datetime.date(2025, 2, 1),
        method_version=contracted.modules[0].method_version,
    )
    for client, day in ((world.own, 4), (world.team, 5)):
        AllocationFactory.create(
            client=client,
            product=contracted.next,
            requested_at=datetime.datetime(2025, 2, day, 10, tzinfo=datetime.UTC),
        )
    return allocation


def _export(contracted: Contracted, out: pathlib.Path, period: str = MONTH) -> tuple[int, str]:
    stdout = StringIO()
    try:
        call_command(
            "ijw_export", municipality=contracted.world.municipality_a.code, period=period, out=str(out), stdout=stdout
        )
    except SystemExit as exit_:
        return int(exit_.code or 0), stdout.getvalue()
    return 0, stdout.getvalue()


def test_one_faulty_message_is_held_and_the_two_valid_ones_are_written(
    contracted: Contracted, stop_without_start: Allocation, tmp_path: pathlib.Path
) -> None:
    code, output = _export(contracted, tmp_path)
    files = sorted(path.name.split("_")[0] for path in tmp_path.glob("*.xml"))
    assert files == ["446", "446"]  # the two JW315; the JW307 is held
    assert code == 2  # HELD_EXIT_CODE: some held, the rest written
    assert "2 written, 1 held" in output
    own = contracted.world.own
    held = HeldMessage.objects.get()
    assert (held.berichtcode, held.municipality_code, held.period) == ("440", "0344", MONTH)
    assert held.client_public_ids == [str(own.public_id)]
    assert held.rule_codes == ["OP072"]
    assert f"held JW307 (client {own.public_id}): OP072 /Bericht/Client/StopProducten/StopProduct[1]" in output
    assert own.bsn not in output
    assert own.bsn not in str(held.violations)
    # a held message uses no identification and leaves no record of a message sent
    assert sorted(OutgoingMessage.objects.values_list("identification", flat=True)) == [
        "CC0000000001",
        "CC0000000002",
    ]
    assert services.identification_next() == "CC0000000003"


def test_rerun_holds_the_same_message_once_and_writes_the_same_files(
    contracted: Contracted, stop_without_start: Allocation, tmp_path: pathlib.Path
) -> None:
    _export(contracted, tmp_path / "a")
    first_held = HeldMessage.objects.get()
    code, output = _export(contracted, tmp_path / "b")
    assert code == 2 and "2 written, 1 held" in output
    again = HeldMessage.objects.get()
    assert again.first_held_at == first_held.first_held_at
    assert [p.read_bytes() for p in sorted((tmp_path / "a").glob("*.xml"))] == [
        p.read_bytes() for p in sorted((tmp_path / "b").glob("*.xml"))
    ]
    assert OutgoingMessage.objects.count() == 2


def test_the_held_message_is_written_once_the_problem_is_fixed(
    contracted: Contracted, stop_without_start: Allocation, tmp_path: pathlib.Path
) -> None:
    _export(contracted, tmp_path / "feb")
    assert HeldMessage.objects.count() == 1
    # the fix: January is exported, with the JW305 of the start
    code, output = _export(contracted, tmp_path / "jan", period="2025-01")
    assert code == 0 and "0 held" in output
    assert [p.name.split("_")[0] for p in (tmp_path / "jan").glob("*.xml")].count("438") == 1
    code, output = _export(contracted, tmp_path / "feb")
    assert code == 0
    assert "3 written, 0 held" in output
    assert sorted(p.name.split("_")[0] for p in (tmp_path / "feb").glob("*.xml")) == ["440", "446", "446"]
    assert not HeldMessage.objects.exists()


def test_a_held_jw305_holds_its_jw307_too(
    contracted: Contracted, stop_without_start: Allocation, tmp_path: pathlib.Path
) -> None:
    """The start of January is faulty (outside the allocation period): both start and stop are held."""
    Allocation.objects.filter(pk=stop_without_start.pk).update(start_date=datetime.date(2025, 1, 15))
    code, _output = _export(contracted, tmp_path / "jan", period="2025-01")
    assert code == 2
    assert HeldMessage.objects.get().rule_codes == ["TR307"]
    code, _output = _export(contracted, tmp_path / "feb")
    assert code == 2
    assert set(HeldMessage.objects.values_list("period", "berichtcode")) == {("2025-01", "438"), ("2025-02", "440")}

"""Issue 18.5: a faulty JW323 line holds back its own client only; the valid lines are written."""

import datetime
import pathlib
from io import StringIO

import pytest
from django.core.management import call_command

from coachcare.contracts.models import ContractProduct
from coachcare.declarations import services as declaration_services
from coachcare.declarations.models import Declaration, DeclarationLine, DeclarationStatus
from coachcare.ijw import services
from coachcare.ijw.messages import Declaration as DeclarationMessage
from coachcare.ijw.models import HeldMessage, OutgoingMessage
from coachcare.ijw.schema import BERICHTCODES
from coachcare.ijw.xml import parse
from coachcare.trajectories.models import ModuleRun
from tests.contracts.conftest import TARIFF_FIRST, TARIFF_NEXT, Contracted
from tests.contracts.factories import AllocationFactory
from tests.trajectories.factories import ModuleRunFactory, TrajectoryFactory

MONTH = "2025-02"
JW323 = BERICHTCODES["JW323"]


@pytest.fixture
def declared(contracted: Contracted) -> Declaration:
    """Two clients, each with a module delivered in February under an approved allocation (own: the
    first product, team: the next), declared in one draft declaration of two lines."""
    world = contracted.world
    for client, product, module in ((world.own, contracted.first, 0), (world.team, contracted.next, 1)):
        allocation = AllocationFactory.create(
            approved=True,
            client=client,
            product=product,
            start_date=datetime.date(2025, 1, 1),
            end_date=datetime.date(2025, 7, 31),
            requested_at=datetime.datetime(2024, 12, 20, 10, tzinfo=datetime.UTC),
        )
        ModuleRunFactory.create(
            trajectory=TrajectoryFactory.create(
                client=client,
                referrer_kind="huisarts",
                referred_on=datetime.date(2025, 1, 20),
                method_version=contracted.modules[module].method_version,
            ),
            module=contracted.modules[module],
            allocation=allocation,
            state=ModuleRun.State.FINISHED,
            started_on=datetime.date(2025, 2, 3),
            due_on=datetime.date(2025, 4, 1),
            finished_on=datetime.date(2025, 2, 20),
        )
    result = declaration_services.declaration_run(
        municipality=world.municipality_a, period=MONTH, on=datetime.date(2025, 3, 5)
    )
    assert result.lines_created == 2
    return result.declarations[0]


def _export(contracted: Contracted, out: pathlib.Path) -> tuple[int, str]:
    stdout = StringIO()
    try:
        call_command(
            "ijw_export", municipality=contracted.world.municipality_a.code, period=MONTH, out=str(out), stdout=stdout
        )
    except SystemExit as exit_:
        return int(exit_.code or 0), stdout.getvalue()
    return 0, stdout.getvalue()


def _declarations_written(out: pathlib.Path) -> list[DeclarationMessage]:
    messages = [parse(path.read_bytes()) for path in sorted(out.glob(f"{JW323}_*.xml"))]
    return [message for message in messages if isinstance(message, DeclarationMessage)]


def _files(out: pathlib.Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.glob("*.xml"))}


def test_a_faulty_line_holds_its_client_and_the_valid_lines_are_written(
    contracted: Contracted, declared: Declaration, tmp_path: pathlib.Path
) -> None:
    world = contracted.world
    # after the run, the contract tariff of the next product changes: the team client's line breaks TR418
    ContractProduct.objects.filter(pk=contracted.next.pk).update(tariff_cents=TARIFF_NEXT + 100)
    code, output = _export(contracted, tmp_path)
    assert code == 2
    # JW305 and JW307 of both clients are written, and one JW323 with the valid line only
    assert "5 written, 1 held" in output
    assert f"held JW323 (client {world.team.public_id}): TR418 " in output
    assert world.team.bsn not in output and world.own.bsn not in output
    [written] = _declarations_written(tmp_path)
    assert [line.bsn for line in written.lines] == [world.own.bsn]
    assert written.totaal_bedrag_cents == TARIFF_FIRST
    assert services.ijw_validate_file(data=next(tmp_path.glob(f"{JW323}_*.xml")).read_bytes()) == []
    # the declaration written holds the valid line and is submitted; the faulty line waits in a new draft
    declared.refresh_from_db()
    assert (declared.status, declared.total_cents, declared.lines.count()) == (
        DeclarationStatus.SUBMITTED,
        TARIFF_FIRST,
        1,
    )
    split_off = Declaration.objects.exclude(pk=declared.pk).get()
    assert (split_off.status, split_off.total_cents) == (DeclarationStatus.DRAFT, TARIFF_NEXT)
    assert list(split_off.lines.values_list("client_id", flat=True)) == [world.team.pk]
    # on the administration's worklist: the client, the rule code and the path, never a BSN
    held = HeldMessage.objects.get()
    assert (held.berichtcode, held.client_public_ids, held.rule_codes) == (
        JW323,
        [str(world.team.public_id)],
        ["TR418"],
    )
    assert world.team.bsn not in str(held.violations)


def test_the_held_client_is_declared_once_after_the_fix_and_a_rerun_changes_nothing(
    contracted: Contracted, declared: Declaration, tmp_path: pathlib.Path
) -> None:
    world = contracted.world
    ContractProduct.objects.filter(pk=contracted.next.pk).update(tariff_cents=TARIFF_NEXT + 100)
    _export(contracted, tmp_path / "a")
    first_held = HeldMessage.objects.get()
    # nothing fixed: the same files again (no new identification), the same held row, no new declaration
    code, output = _export(contracted, tmp_path / "b")
    assert code == 2 and "5 written, 1 held" in output
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert HeldMessage.objects.get().first_held_at == first_held.first_held_at
    assert Declaration.objects.count() == 2
    sent = OutgoingMessage.objects.count()
    # the fix: the tariff is the contract's again; the split-off declaration is written and submitted
    ContractProduct.objects.filter(pk=contracted.next.pk).update(tariff_cents=TARIFF_NEXT)
    code, output = _export(contracted, tmp_path / "c")
    assert code == 0 and "6 written, 0 held" in output
    assert not HeldMessage.objects.exists()
    written = _declarations_written(tmp_path / "c")
    assert sorted(line.bsn for message in written for line in message.lines) == sorted([world.own.bsn, world.team.bsn])
    assert OutgoingMessage.objects.count() == sent + 1  # only the fixed JW323 is new
    assert set(Declaration.objects.values_list("status", flat=True)) == {DeclarationStatus.SUBMITTED}
    # every module declared once, whatever the number of exports
    assert DeclarationLine.objects.count() == 2
    assert sum(Declaration.objects.values_list("total_cents", flat=True)) == TARIFF_FIRST + TARIFF_NEXT
    code, output = _export(contracted, tmp_path / "d")
    assert code == 0 and "6 written, 0 held" in output
    assert _files(tmp_path / "c") == _files(tmp_path / "d")
    assert OutgoingMessage.objects.count() == sent + 1


def test_a_declaration_whose_every_client_is_faulty_is_held_per_client_and_untouched(
    contracted: Contracted, declared: Declaration, tmp_path: pathlib.Path
) -> None:
    world = contracted.world
    ContractProduct.objects.filter(pk__in=[contracted.first.pk, contracted.next.pk]).update(tariff_cents=1)
    code, output = _export(contracted, tmp_path)
    assert code == 2 and "4 written, 2 held" in output
    assert not _declarations_written(tmp_path)
    assert sorted(client for held in HeldMessage.objects.all() for client in held.client_public_ids) == sorted(
        [str(world.own.public_id), str(world.team.public_id)]
    )
    declared.refresh_from_db()
    assert (declared.status, declared.lines.count(), Declaration.objects.count()) == (DeclarationStatus.DRAFT, 2, 1)


def test_only_a_draft_is_split(contracted: Contracted, declared: Declaration) -> None:
    from django.core.exceptions import ValidationError

    line = declared.lines.order_by("id").last()
    assert line is not None
    with pytest.raises(ValidationError):
        every = list(declared.lines.values_list("reference", flat=True))
        declaration_services.declaration_split(declaratienummer=declared.declaratienummer, references=every)
    declaration_services.declarations_submit(declaratienummers=[declared.declaratienummer])
    with pytest.raises(ValidationError):
        declaration_services.declaration_split(declaratienummer=declared.declaratienummer, references=[line.reference])

"""The woonplaatsbeginsel: a move ends the allocations at the old municipality (JW307, JZ588 35),
requests at the new one (JW315 to its code) and keeps the trajectory (docs/trajectories.md, "A move")."""

import datetime
import pathlib

import pytest
from django.core.exceptions import ValidationError

from coachcare.access import policy
from coachcare.access.policy import AccessDenied
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client, MunicipalityChange
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import Allocation, AllocationStatus
from coachcare.core.dates import today
from coachcare.declarations.models import CareStart, CareStop
from coachcare.declarations.services import care_events_sync
from coachcare.ijw import services as ijw_services
from coachcare.ijw.messages import AllocationRequest
from coachcare.ijw.messages import CareStop as CareStopMessage
from coachcare.ijw.xml import parse, render
from coachcare.trajectories import services
from coachcare.trajectories.models import ModuleRun, Status, Trajectory
from tests.conftest import World
from tests.trajectories.conftest import MODULES
from tests.trajectories.test_flow import refresh
from tests.trajectories.test_temporary_end import running

AP = AccessPoint(channel="web", address="127.0.0.1")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def moving(contracted: World) -> World:
    """Municipality B has a contract too; the own client's first module runs under A's allocation,
    started 20 days ago (referred 60 days ago)."""
    world = contracted
    contract = contract_services.contract_create(
        municipality=world.municipality_b,
        provider=world.provider,
        valid_from=today() - datetime.timedelta(days=365),
    )
    for code in MODULES:
        contract_services.contract_product_add(contract=contract, module_code=code, tariff_cents=125_000)
    return world


def _backdated(world: World) -> Trajectory:
    trajectory = running(world)
    Client.objects.filter(pk=world.own.pk).update(referred_on=today() - datetime.timedelta(days=60))
    Trajectory.objects.filter(pk=trajectory.pk).update(referred_on=today() - datetime.timedelta(days=60))
    run = ModuleRun.objects.get(trajectory=trajectory)
    assert run.allocation is not None
    Allocation.objects.filter(pk=run.allocation.pk).update(start_date=today() - datetime.timedelta(days=40))
    ModuleRun.objects.filter(pk=run.pk).update(started_on=today() - datetime.timedelta(days=20))
    world.own.refresh_from_db()
    return refresh(trajectory)


def _export(world: World, municipality_code: str, months: set[str], out: pathlib.Path) -> list[bytes]:
    municipality = world.municipality_a if municipality_code == world.municipality_a.code else world.municipality_b
    files: list[bytes] = []
    for period in sorted(months):
        result = ijw_services.ijw_export(
            municipality=municipality, period=period, out_dir=out / municipality_code / period, access_point=AP
        )
        assert result.held == [], result.held
        files += [path.read_bytes() for path in result.files]
    return files


def test_a_move_ends_at_the_old_municipality_requests_at_the_new_one_and_keeps_the_trajectory(
    moving: World, tmp_path: pathlib.Path
) -> None:
    world = moving
    trajectory = _backdated(world)
    old_run = ModuleRun.objects.get(trajectory=trajectory)
    assert old_run.allocation_id is not None
    old_allocation = Allocation.objects.get(pk=old_run.allocation_id)
    used_before = old_allocation.volume_used
    on = today() - datetime.timedelta(days=5)

    result = services.client_move(
        actor=world.coach, client=world.own, municipality=world.municipality_b, on=on, access_point=AP
    )

    world.own.refresh_from_db()
    assert world.own.municipality == world.municipality_b
    change = MunicipalityChange.objects.get(client=world.own)
    assert (change.kind, change.from_municipality, change.to_municipality, change.effective_on) == (
        "move",
        world.municipality_a,
        world.municipality_b,
        on,
    )
    # The trajectory runs on: same trajectory, same status, no new one; the new municipality is responsible.
    moved = refresh(trajectory)
    assert Trajectory.objects.filter(client=world.own).count() == 1
    assert (moved.status, moved.municipality_id) == (Status.MODULE_RUNNING, world.municipality_b.pk)
    # The old allocation ends the day before the move; the unit is given back (not delivered there).
    old_allocation.refresh_from_db()
    assert (old_allocation.status, old_allocation.end_date) == (AllocationStatus.ENDED, on - DAY)
    assert old_allocation.volume_used == used_before - 1
    assert result.ended == [old_allocation] and result.withdrawn == []
    old_run.refresh_from_db()
    assert (old_run.state, old_run.finished_on, old_run.stop_reason) == (ModuleRun.State.INTERRUPTED, on - DAY, "35")
    new_run = ModuleRun.objects.get(trajectory=trajectory, state=ModuleRun.State.RUNNING)
    assert (new_run.module_id, new_run.started_on, new_run.allocation_id) == (old_run.module_id, on, None)
    # A request (JW315) at the new municipality for the running module.
    [request] = result.requested
    assert (request.status, request.contract.municipality, request.product.module_code) == (
        AllocationStatus.REQUESTED,
        world.municipality_b,
        MODULES[0],
    )
    assert AccessLogEntry.objects.filter(action="client.move", client_public_id=world.own.public_id).count() == 1

    # JW307 to the old municipality with reason 35, and JW315 to the new one: rendered and parsed back.
    care_events_sync()
    stop = CareStop.objects.get(module_run=old_run)
    assert (stop.reden, stop.einddatum) == ("35", on - DAY)
    start = CareStart.objects.get(module_run=old_run)
    months = {start.begindatum.strftime("%Y-%m"), stop.einddatum.strftime("%Y-%m")}
    old_messages = [parse(data) for data in _export(world, world.municipality_a.code, months, tmp_path)]
    [jw307] = [m for m in old_messages if isinstance(m, CareStopMessage)]
    assert jw307.header.ontvanger == world.municipality_a.code
    assert [(i.reden_beeindiging, i.einddatum) for i in jw307.items] == [("35", on - DAY)]
    assert parse(render(jw307)) == jw307
    new_messages = [
        parse(data) for data in _export(world, world.municipality_b.code, {today().strftime("%Y-%m")}, tmp_path)
    ]
    [jw315] = [m for m in new_messages if isinstance(m, AllocationRequest)]
    assert jw315.header.ontvanger == world.municipality_b.code
    assert [i.referentie_aanbieder for i in jw315.items] == [str(request.public_id)]
    assert parse(render(jw315)) == jw315

    # Granted by the new municipality: the running module is started and declared under it.
    contract_services.allocation_approve(
        actor=world.toegang_other,
        allocation=request,
        volume=1,
        start_date=on,
        end_date=on + datetime.timedelta(days=180),
        access_point=AP,
    )
    services.module_finish(actor=world.coach, trajectory=moved, access_point=AP)
    new_run.refresh_from_db()
    assert new_run.allocation_id == request.pk
    care_events_sync()
    started = CareStart.objects.get(module_run=new_run).allocation
    assert started is not None and started.contract.municipality == world.municipality_b


def test_the_old_municipality_keeps_only_its_own_period(moving: World) -> None:
    world = moving
    _backdated(world)
    services.client_move(
        actor=world.coach,
        client=world.own,
        municipality=world.municipality_b,
        on=today() - datetime.timedelta(days=5),
        access_point=AP,
    )
    old = policy.allocations_visible_to(world.toegang)
    new = policy.allocations_visible_to(world.toegang_other)
    assert {a.contract.municipality_id for a in old} == {world.municipality_a.pk}
    assert {a.contract.municipality_id for a in new} == {world.municipality_b.pk}
    assert not policy.clients_visible_to(world.toegang).filter(pk=world.own.pk).exists()


def test_a_move_is_refused_for_the_family_and_the_municipality_and_checked(moving: World) -> None:
    world = moving
    _backdated(world)
    for actor in (world.toegang, world.ouder, world.beheerder, world.coach_other_team):
        with pytest.raises(AccessDenied):
            services.client_move(
                actor=actor, client=world.own, municipality=world.municipality_b, on=today(), access_point=AP
            )
    with pytest.raises(ValidationError) as exc_info:
        services.client_move(
            actor=world.coach, client=world.own, municipality=world.municipality_a, on=today() + DAY, access_point=AP
        )
    assert {"municipality", "on"} <= set(exc_info.value.message_dict)
    assert not MunicipalityChange.objects.exists()
    world.own.refresh_from_db()
    assert world.own.municipality == world.municipality_a

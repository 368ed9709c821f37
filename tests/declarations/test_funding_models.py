"""Issue 18.1: the declaration run per funding model, and task-based care with start and stop only."""

import datetime
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone

from coachcare.audit.services import AccessPoint
from coachcare.coaching.models import Appointment, Attendance
from coachcare.contracts.models import ContractProduct, FundingModel
from coachcare.declarations import selectors, services
from coachcare.declarations.models import CareStart, CareStop, DeclarationLine
from coachcare.ijw import services as ijw_services
from coachcare.ijw.messages import CareStart as CareStartMessage
from coachcare.ijw.messages import CareStop as CareStopMessage
from coachcare.ijw.validation import validate
from coachcare.ijw.xml import parse, render
from coachcare.method.codes import Unit
from coachcare.trajectories.models import ModuleRun
from tests.declarations.conftest import IN_PERIOD, PERIOD, Delivering

ON = datetime.date(2025, 4, 15)
HOURLY = 12_500


def _session(run: ModuleRun, day: datetime.date, minutes: int, attendance: str = Attendance.ATTENDED) -> None:
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    coach = run.trajectory.client.coach
    assert coach is not None
    Appointment.objects.create(
        client=run.trajectory.client,
        trajectory=run.trajectory,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=minutes),
        title="Gesprek",
        created_by=coach,
        attendance=attendance,
    )


def _product(delivering: Delivering, funding_model: str, **fields: object) -> ContractProduct:
    product = delivering.contracted.first
    product.funding_model = funding_model
    for name, value in fields.items():
        setattr(product, name, value)
    product.save()
    contract = product.contract
    contract.valid_from = datetime.date(2024, 1, 1)
    contract.save(update_fields=["valid_from"])
    return product


def test_units_delivered_per_unit_of_time() -> None:
    sessions = [(datetime.date(2025, 3, 3), 50), (datetime.date(2025, 3, 3), 95), (datetime.date(2025, 3, 5), 20)]

    assert services.units_delivered(unit=Unit.MINUTE, sessions=sessions) == 165
    assert services.units_delivered(unit=Unit.HOUR, sessions=sessions) == 1 + 2 + 1  # nearest hour, at least 1
    assert services.units_delivered(unit=Unit.DAY_PART, sessions=sessions) == 3
    assert services.units_delivered(unit=Unit.DAY_AND_NIGHT, sessions=sessions) == 2  # days with a session
    assert services.units_delivered(unit=Unit.PIECES_EFFORT, sessions=sessions) == 3
    assert services.units_delivered(unit=Unit.HOUR, sessions=[]) == 0


def test_effort_based_module_is_declared_per_hour_of_the_sessions_held(delivering: Delivering) -> None:
    product = _product(delivering, FundingModel.EFFORT, unit=Unit.HOUR, tariff_cents=HOURLY, volume_per_module=10)
    allocation = delivering.allocation(delivering.world.own, product, volume=10, budget_cents=10 * HOURLY)
    run = delivering.run(allocation=allocation)
    _session(run, datetime.date(2025, 2, 3), 60)
    _session(run, datetime.date(2025, 2, 10), 120)
    _session(run, datetime.date(2025, 3, 3), 60)
    _session(run, datetime.date(2025, 3, 4), 60, attendance=Attendance.NOT_ATTENDED)  # not held: not declared
    _session(run, datetime.date(2025, 1, 20), 60)  # before the module started

    result = services.declaration_run(municipality=delivering.world.municipality_a, period=PERIOD, on=ON)

    [line] = DeclarationLine.objects.all()
    assert (line.volume, line.unit, line.tariff_cents, line.amount_cents) == (4, "04", HOURLY, 4 * HOURLY)
    assert result.declarations[0].total_cents == 4 * HOURLY
    [message] = ijw_services.declaration_messages_for(
        municipality=delivering.world.municipality_a, period=PERIOD, on=ON
    )
    [jw323] = message.lines
    assert (jw323.geleverd_volume, jw323.eenheid, jw323.ingediend_bedrag_cents) == (4, "04", 4 * HOURLY)
    assert not validate(message)
    assert parse(render(message)) == message  # round trip of a JW323 line in hours


def test_effort_based_volume_and_budget_are_not_exceeded(delivering: Delivering) -> None:
    product = _product(delivering, FundingModel.EFFORT, unit=Unit.HOUR, tariff_cents=HOURLY, volume_per_module=2)
    allocation = delivering.allocation(delivering.world.own, product, volume=2, budget_cents=2 * HOURLY)
    run = delivering.run(allocation=allocation)
    _session(run, datetime.date(2025, 3, 3), 180)
    empty = delivering.run(allocation=delivering.allocation(delivering.world.team, product, volume=2))

    result = services.declaration_run(municipality=delivering.world.municipality_a, period=PERIOD, on=ON)

    assert {(refusal.module_run_id, refusal.rule) for refusal in result.refusals} == {
        (run.pk, "TR321"),
        (empty.pk, services.NO_DELIVERY),
    }
    assert not DeclarationLine.objects.exists()


def test_task_based_module_is_never_declared_but_starts_and_stops(delivering: Delivering) -> None:
    product = _product(delivering, FundingModel.TASK, tariff_cents=0)
    run = delivering.run(allocation=None)  # task-based: no allocation
    output = delivering.allocation(delivering.world.team, delivering.contracted.next)  # output-based
    delivering.run(allocation=output, module_index=1)

    synced = services.care_events_sync(on=ON)
    result = services.declaration_run(municipality=delivering.world.municipality_a, period=PERIOD, on=ON)

    assert (synced.starts_created, synced.stops_created) == (2, 2)
    start = CareStart.objects.get(module_run=run)
    stop = CareStop.objects.get(module_run=run)
    assert (start.allocation_id, start.product_id) == (None, product.pk)
    assert (stop.allocation_id, stop.product_id, stop.reden, stop.einddatum) == (None, product.pk, "31", IN_PERIOD)
    # only the module under an allocation is declared; the task-based one is paid from the lump sum
    assert DeclarationLine.objects.filter(module_run=run).count() == 0
    assert result.lines_created == 1


def test_task_based_start_and_stop_go_out_as_jw305_and_jw307_without_a_number(delivering: Delivering) -> None:
    product = _product(delivering, FundingModel.TASK, tariff_cents=0)
    run = delivering.run(allocation=None, started_on=datetime.date(2025, 3, 2))

    starts, stops = selectors.care_events_in_period(
        municipality=delivering.world.municipality_a, first=datetime.date(2025, 3, 1), last=datetime.date(2025, 3, 31)
    )
    assert starts == stops == []  # nothing synced yet
    services.care_events_sync(on=ON)
    starts, stops = selectors.care_events_in_period(
        municipality=delivering.world.municipality_a, first=datetime.date(2025, 3, 1), last=datetime.date(2025, 3, 31)
    )
    assert [(event.toewijzing_nummer, event.product_code) for event in starts] == [("", product.ijw_product_code)]
    assert [(event.toewijzing_nummer, event.reden) for event in stops] == [("", "31")]

    with tempfile.TemporaryDirectory() as directory:
        result = ijw_services.ijw_export(
            municipality=delivering.world.municipality_a,
            period=PERIOD,
            out_dir=Path(directory),
            access_point=AccessPoint.system("test"),
            today=ON,
        )
        messages = [parse(path.read_bytes()) for path in result.files]

    assert not result.held
    kinds = {type(message).__name__ for message in messages}
    assert kinds == {"CareStart", "CareStop"}  # no JW315, no JW323 for task-based care
    for message in messages:
        assert isinstance(message, CareStartMessage | CareStopMessage)
        [item] = message.items
        assert item.toewijzingnummer == ""
        assert (item.categorie, item.code) == (product.ijw_product_category, product.ijw_product_code)
        assert message.client.bsn == run.trajectory.client.bsn
        assert b"ToewijzingNummer" not in render(message)
        assert parse(render(message)) == message


def test_a_task_based_module_outside_the_contract_period_gets_no_start(delivering: Delivering) -> None:
    _product(delivering, FundingModel.TASK, tariff_cents=0)
    delivering.run(allocation=None, started_on=datetime.date(2023, 6, 1), finished_on=datetime.date(2023, 8, 1))

    assert services.care_events_sync(on=ON).starts_created == 0


@pytest.mark.parametrize("funding_model", [FundingModel.OUTPUT, FundingModel.EFFORT])
def test_the_allocated_models_are_never_started_without_an_allocation(
    delivering: Delivering, funding_model: str
) -> None:
    _product(delivering, funding_model, unit="82" if funding_model == FundingModel.OUTPUT else "04")
    delivering.run(allocation=None)

    assert services.care_events_sync(on=ON).starts_created == 0


def test_a_faulty_task_based_start_and_stop_are_held_per_client_and_the_others_written(
    delivering: Delivering,
) -> None:
    """Issue 18.5 for task-based care: the JW305/JW307 of one client with a faulty product are held,
    the other client's are written."""
    good = _product(delivering, FundingModel.TASK, tariff_cents=0)
    faulty = delivering.contracted.next
    ContractProduct.objects.filter(pk=faulty.pk).update(
        funding_model=FundingModel.TASK,
        tariff_cents=0,
        ijw_product_code="AB-12",  # five characters (the column), not the iJw format
    )
    world = delivering.world
    delivering.run(allocation=None, client=world.own, started_on=datetime.date(2025, 3, 2))
    delivering.run(allocation=None, client=world.team, started_on=datetime.date(2025, 3, 3), module_index=1)

    with tempfile.TemporaryDirectory() as directory:
        result = ijw_services.ijw_export(
            municipality=world.municipality_a,
            period=PERIOD,
            out_dir=Path(directory),
            access_point=AccessPoint.system("test"),
            today=ON,
        )
        messages = [parse(path.read_bytes()) for path in result.files]

    assert sorted(type(message).__name__ for message in messages) == ["CareStart", "CareStop"]
    assert {message.client.bsn for message in messages if isinstance(message, CareStartMessage | CareStopMessage)} == {
        world.own.bsn
    }
    assert all(item.code == good.ijw_product_code for m in messages for item in getattr(m, "items", []))
    assert sorted(held.name for held in result.held) == ["JW305", "JW307"]
    assert {client for held in result.held for client in held.client_public_ids} == {str(world.team.public_id)}
    assert {v.rule for held in result.held for v in held.violations} == {"XSD"}

"""Start and stop of care follow from the trajectory; the monthly declaration declares delivered modules only."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coachcare.contracts.models import AllocationStatus
from coachcare.declarations import selectors, services
from coachcare.declarations.models import CareStart, CareStop, Declaration, DeclarationLine, DeclarationStatus
from coachcare.declarations.tasks import care_events_sync_task
from coachcare.ijw import services as ijw_services
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.contracts.conftest import TARIFF_FIRST, TARIFF_NEXT
from tests.declarations.conftest import IN_PERIOD, PERIOD, Delivering

ON = datetime.date(2025, 4, 15)


def run_month(delivering: Delivering, period: str = PERIOD) -> services.DeclarationRunResult:
    return services.declaration_run(municipality=delivering.world.municipality_a, period=period, on=ON)


# --- start and stop ---------------------------------------------------------------------------------


def test_every_run_with_an_allocation_gets_a_start_and_a_finished_run_a_stop_31(delivering: Delivering) -> None:
    finished = delivering.delivered()
    running = delivering.run(allocation=delivering.allocation(delivering.world.team), finished_on=None)
    delivering.run(allocation=None, client=delivering.world.other_team, finished_on=None)  # no allocation

    result = services.care_events_sync(on=ON)

    assert (result.starts_created, result.stops_created) == (2, 1)
    start = CareStart.objects.get(module_run=finished)
    assert (start.begindatum, start.status_aanlevering, start.allocation_id) == (
        finished.started_on,
        "1",
        finished.allocation_id,
    )
    stop = CareStop.objects.get(module_run=finished)
    assert (stop.begindatum, stop.einddatum, stop.reden) == (finished.started_on, IN_PERIOD, "31")
    assert not CareStop.objects.filter(module_run=running).exists()


def test_sync_is_idempotent(delivering: Delivering) -> None:
    delivering.delivered()
    services.care_events_sync(on=ON)

    again = services.care_events_sync(on=ON)

    assert (again.starts_created, again.stops_created) == (0, 0)
    assert (CareStart.objects.count(), CareStop.objects.count()) == (1, 1)


def test_a_trajectory_closed_early_stops_the_running_module_with_its_end_reason(delivering: Delivering) -> None:
    run = delivering.run(allocation=delivering.allocation(delivering.world.own), finished_on=None)
    Trajectory.objects.filter(pk=run.trajectory_id).update(
        status="closed", end_reason="32", closed_on=datetime.date(2025, 3, 20)
    )

    services.care_events_sync(on=ON)

    stop = CareStop.objects.get(module_run=run)
    assert (stop.einddatum, stop.reden) == (datetime.date(2025, 3, 20), "32")


def test_nothing_starts_or_stops_in_the_future(delivering: Delivering) -> None:
    delivering.delivered()

    result = services.care_events_sync(on=datetime.date(2025, 1, 31))

    assert (result.starts_created, result.stops_created) == (0, 0)


def test_no_stop_without_a_start_op072(delivering: Delivering) -> None:
    run = delivering.delivered(started_on=datetime.date(2025, 2, 1))

    # the start lies after "on": no start, hence no stop either
    services.care_events_sync(on=datetime.date(2025, 1, 15))

    assert not CareStop.objects.filter(module_run=run).exists()


def test_the_task_runs_the_sync() -> None:
    assert care_events_sync_task.name.endswith("care_events_sync_task")


@pytest.mark.django_db
def test_the_task_body_is_idempotent(delivering: Delivering) -> None:
    delivering.delivered()
    first = care_events_sync_task.call()
    second = care_events_sync_task.call()

    assert first == {"starts_created": 1, "stops_created": 1}
    assert second == {"starts_created": 0, "stops_created": 0}


# --- the monthly run -----------------------------------------------------------------------------------


def test_only_delivered_modules_are_declared_at_the_contract_tariff(delivering: Delivering) -> None:
    world = delivering.world
    delivered = delivering.delivered(world.own)
    finished_not_evaluated = delivering.delivered(world.team, state=ModuleRun.State.FINISHED)
    delivering.run(allocation=delivering.allocation(world.own), finished_on=None, sequence=2)  # running
    delivering.delivered(world.own, finished_on=datetime.date(2025, 4, 2))  # next month
    next_product = delivering.allocation(world.team, product=delivering.contracted.next, budget_cents=TARIFF_NEXT)
    other_product = delivering.run(allocation=next_product, module_index=1)

    result = run_month(delivering)

    assert len(result.declarations) == 1
    declaration = result.declarations[0]
    assert declaration.status == DeclarationStatus.DRAFT
    assert (declaration.period_start, declaration.period_end) == (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    lines = {line.module_run_id: line for line in declaration.lines.all()}
    assert set(lines) == {delivered.pk, finished_not_evaluated.pk, other_product.pk}
    for run_id, tariff in [(delivered.pk, TARIFF_FIRST), (other_product.pk, TARIFF_NEXT)]:
        line = lines[run_id]
        assert (line.volume, line.unit, line.tariff_cents, line.amount_cents) == (1, "82", tariff, tariff)
    assert declaration.total_cents == 2 * TARIFF_FIRST + TARIFF_NEXT
    assert len(declaration.declaratienummer) == 12


def test_rerunning_declares_nothing_twice_and_only_new_deliveries(delivering: Delivering) -> None:
    delivering.delivered(delivering.world.own)
    first = run_month(delivering)

    again = run_month(delivering)
    assert again.nothing_new and again.lines_created == 0

    late = delivering.delivered(delivering.world.team)
    third = run_month(delivering)

    assert [line.module_run_id for line in third.declarations[0].lines.all()] == [late.pk]
    assert third.declarations[0].declaratienummer != first.declarations[0].declaratienummer
    assert DeclarationLine.objects.count() == 2


def test_a_module_run_cannot_be_declared_twice_by_constraint(delivering: Delivering) -> None:
    run = delivering.delivered()
    line = run_month(delivering).declarations[0].lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclarationLine.objects.create(
            declaration=line.declaration,
            reference="X1",
            module_run=run,
            allocation=line.allocation,
            client=line.client,
            product=line.product,
            begindatum=line.begindatum,
            einddatum=line.einddatum,
            tariff_cents=line.tariff_cents,
            amount_cents=line.amount_cents,
        )


def test_the_amount_is_volume_times_tariff_by_constraint_tr346(delivering: Delivering) -> None:
    line = (delivering.delivered(), run_month(delivering).declarations[0].lines.get())[1]
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclarationLine.objects.filter(pk=line.pk).update(amount_cents=line.tariff_cents + 1)


@pytest.mark.parametrize(
    ("allocation_fields", "run_fields", "rule"),
    [
        ({"status": AllocationStatus.DELETED}, {}, "TR384"),
        ({"start_date": datetime.date(2025, 2, 15)}, {}, "TR307"),
        ({"end_date": datetime.date(2025, 3, 5)}, {}, "TR308"),
        ({"budget_cents": TARIFF_FIRST - 1}, {}, "TR369"),
    ],
)
def test_bad_data_is_refused_with_the_rule(
    delivering: Delivering, allocation_fields: dict[str, object], run_fields: dict[str, object], rule: str
) -> None:
    allocation = delivering.allocation(delivering.world.own)
    type(allocation).objects.filter(pk=allocation.pk).update(**allocation_fields)
    run = delivering.run(allocation=allocation, **run_fields)  # type: ignore[arg-type]

    result = run_month(delivering)

    assert result.nothing_new
    assert [(refusal.module_run_id, refusal.rule) for refusal in result.refusals] == [(run.pk, rule)]


def test_the_allocated_volume_is_not_exceeded_tr321(delivering: Delivering) -> None:
    allocation = delivering.allocation(delivering.world.own, volume=1, budget_cents=10 * TARIFF_FIRST)
    first = delivering.run(allocation=allocation)
    second = delivering.run(allocation=allocation, trajectory=first.trajectory, sequence=2, module_index=1)

    result = run_month(delivering)

    assert [line.module_run_id for line in result.declarations[0].lines.all()] == [first.pk]
    assert [(refusal.module_run_id, refusal.rule) for refusal in result.refusals] == [(second.pk, "TR321")]


def test_a_bad_or_future_period_is_refused(delivering: Delivering) -> None:
    for period in ["2025-3", "2025-13", "march", "2025-05"]:
        with pytest.raises(ValidationError):
            services.declaration_run(municipality=delivering.world.municipality_a, period=period, on=ON)


def test_the_run_creates_the_starts_and_stops_first(delivering: Delivering) -> None:
    run = delivering.delivered()
    run_month(delivering)
    assert CareStart.objects.filter(module_run=run).exists()
    assert CareStop.objects.filter(module_run=run).exists()


# --- messages and answers -----------------------------------------------------------------------------


def test_the_export_values_are_administrative_data_only(delivering: Delivering) -> None:
    delivering.delivered()
    declaration = run_month(delivering).declarations[0]

    [values] = selectors.declaration_values_for(municipality=delivering.world.municipality_a, period=PERIOD)

    assert (values.declaratienummer, values.total_cents) == (declaration.declaratienummer, TARIFF_FIRST)
    assert (values.provider_agb, values.municipality_code) == (
        delivering.world.provider.agb_code,
        delivering.world.municipality_a.code,
    )
    [line] = values.lines
    assert (line.client_public_id, line.bsn) == (delivering.world.own.public_id, delivering.world.own.bsn)
    assert set(vars(line)) == {
        "reference", "client_public_id", "bsn", "toewijzing_nummer", "product_category", "product_code",
        "begindatum", "einddatum", "volume", "unit", "tariff_cents", "amount_cents",
    }  # fmt: skip


def test_the_jw323_message_carries_administrative_data_only(delivering: Delivering) -> None:
    run = delivering.delivered()
    declaration = run_month(delivering).declarations[0]

    [message] = ijw_services.declaration_messages_for(
        municipality=delivering.world.municipality_a, period=PERIOD, on=ON
    )

    assert message.declaratienummer == declaration.declaratienummer
    assert message.header.afzender == delivering.world.provider.agb_code
    assert message.header.ontvanger == delivering.world.municipality_a.code
    assert message.totaal_bedrag_cents == TARIFF_FIRST
    [line] = message.lines
    assert line.bsn == delivering.world.own.bsn
    assert line.toewijzingnummer == run.allocation.toewijzing_nummer  # type: ignore[union-attr]
    assert (line.geleverd_volume, line.eenheid, line.ingediend_bedrag_cents) == (1, "82", TARIFF_FIRST)
    assert set(vars(line)) <= {
        "referentie", "bsn", "toewijzingnummer", "categorie", "code", "begindatum", "einddatum",
        "geleverd_volume", "eenheid", "product_tarief_cents", "ingediend_bedrag_cents", "status_aanlevering",
        "vorige_referentie",
    }  # fmt: skip


def test_the_jw323_message_passes_the_ijw_validation(delivering: Delivering) -> None:
    validation = pytest.importorskip("coachcare.ijw.validation")
    delivering.delivered(delivering.world.own)
    delivering.delivered(delivering.world.team)
    run_month(delivering)
    [message] = ijw_services.declaration_messages_for(
        municipality=delivering.world.municipality_a, period=PERIOD, on=ON
    )

    assert not validation.validate(message)


def answer_for(codes: dict[str, tuple[str, int]]) -> list[services.AnswerLine]:
    return [
        services.AnswerLine(reference=reference, retourcode=code, awarded_cents=amount)
        for reference, (code, amount) in codes.items()
    ]


def test_an_answer_is_stored_per_line_and_idempotently(delivering: Delivering) -> None:
    delivering.delivered(delivering.world.own)
    delivering.delivered(delivering.world.team)
    declaration = run_month(delivering).declarations[0]
    services.declaration_submit(declaration=declaration)
    accepted, differs = declaration.lines.order_by("id")
    answer = answer_for(
        {accepted.reference: ("0200", TARIFF_FIRST), differs.reference: ("0611", 0), "UNKNOWN": ("0200", 1)},
    )

    first = services.declaration_answer_apply(declaratienummer=declaration.declaratienummer, lines=answer)
    second = services.declaration_answer_apply(declaratienummer=declaration.declaratienummer, lines=answer)

    assert first.lines_updated == second.lines_updated == 2
    assert first.unknown_references == ["UNKNOWN"]
    assert first.client_public_ids == {delivering.world.own.public_id, delivering.world.team.public_id}
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.ANSWERED
    assert declaration.awarded_cents == TARIFF_FIRST
    assert dict(declaration.lines.values_list("reference", "retourcode")) == {
        accepted.reference: "0200",
        differs.reference: "0611",
    }


def test_an_answer_to_an_unknown_declaration_is_refused(delivering: Delivering) -> None:
    delivering.delivered()
    declaration = run_month(delivering).declarations[0]
    number = declaration.declaratienummer
    Declaration.objects.filter(pk=declaration.pk).update(declaratienummer="OTHER")
    with pytest.raises(ValidationError):
        services.declaration_answer_apply(declaratienummer=number, lines=answer_for({}))

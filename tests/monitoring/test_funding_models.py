"""Issue 18.1 in monitoring: a task-based module costs its budget share; lump sums in the forecast."""

import datetime

from django.db.models import Sum

from coachcare.contracts import services as contract_services
from coachcare.contracts.models import Contract, FundingModel
from coachcare.declarations.models import CareStart
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.conftest import World
from tests.contracts.factories import ContractProductFactory
from tests.method.factories import MethodVersionFactory, ModuleFactory

D = datetime.date


def _task_runs(world: World, count: int) -> tuple[list[ModuleRun], int]:
    """``count`` task-based module runs started in 2025 under one contract with a planned 2025 budget."""
    version = MethodVersionFactory.create(is_current=True)
    module = ModuleFactory.create(method_version=version, code="CC-TAAK")
    product = ContractProductFactory.create(
        contract__municipality=world.municipality_a,
        contract__provider=world.provider,
        contract__valid_from=D(2024, 1, 1),
        module_code="CC-TAAK",
        funding_model=FundingModel.TASK,
        tariff_cents=0,
    )
    contract_services.contract_budget_plan(contract=product.contract, year=2025, planned_cents=900_000)
    runs = []
    for index in range(count):
        trajectory = Trajectory.objects.create(
            client=world.own,
            municipality_id=world.own.municipality_id,
            coach=world.coach,
            referrer_kind="gemeente",
            referred_on=D(2025, 1, 1),
            method_version=version,
        )
        run = ModuleRun.objects.create(
            trajectory=trajectory,
            module=module,
            sequence=1,
            state=ModuleRun.State.EVALUATED,
            started_on=D(2025, 2, 1 + index),
            due_on=D(2025, 4, 1),
            finished_on=D(2025, 3, 1),
        )
        CareStart.objects.create(product=product, module_run=run, begindatum=run.started_on)
        runs.append(run)
    return runs, product.contract_id


def test_a_task_based_module_costs_its_share_of_the_planned_budget(world: World) -> None:
    runs, _contract_id = _task_runs(world, 3)

    costs = (
        ModuleRun.objects.filter(pk__in=[run.pk for run in runs])
        .annotate(cost=ind.module_cost_expression())
        .aggregate(total=Sum("cost"))
    )

    assert costs["total"] == 900_000  # three modules, each a third of the year's budget


def test_the_forecast_counts_lump_sum_instalments(world: World) -> None:
    _runs, contract_id = _task_runs(world, 1)
    contract = Contract.objects.get(pk=contract_id)
    [january, *_rest] = contract_services.lump_sum_schedule_create(contract=contract, year=2025, instalments=12)
    contract_services.lump_sum_instalment_mark_paid(instalment=january, paid_on=D(2025, 1, 20))

    forecast = selectors.forecast_build(
        municipality_id=world.municipality_a.pk, on=D(2025, 4, 10), months_back=3, months_ahead=0
    )

    by_month = {month.month: month for month in forecast.months}
    assert by_month[D(2025, 1, 1)].expected_cents == 75_000  # 900 000 / 12
    assert by_month[D(2025, 1, 1)].actual_cents == 75_000  # paid in January
    assert by_month[D(2025, 2, 1)].expected_cents == 75_000
    assert by_month[D(2025, 2, 1)].actual_cents == 0  # planned, not paid

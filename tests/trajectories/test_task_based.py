"""Issue 18.1: a task-based (taakgericht) module starts without an allocation; start and stop are still reported."""

import pytest
from django.core.exceptions import ValidationError

from coachcare.audit.services import AccessPoint
from coachcare.contracts.models import Allocation, ContractProduct, FundingModel
from coachcare.core.dates import today
from coachcare.declarations import services as declaration_services
from coachcare.declarations.models import CareStart, CareStop
from coachcare.trajectories import services
from coachcare.trajectories.models import Status, Trajectory
from tests.conftest import World
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import intake_baseline

AP = AccessPoint(channel="web", address="127.0.0.1")


def refresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)


def test_task_based_trajectory_runs_without_an_allocation(contracted: World) -> None:
    world = contracted
    ContractProduct.objects.update(funding_model=FundingModel.TASK, tariff_cents=0)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )

    with pytest.raises(ValidationError) as refused:  # no JW315 per young person
        services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    assert refused.value.code == "task_funded"

    services.trajectory_allocate(actor=world.coach, trajectory=refresh(trajectory), access_point=AP)
    trajectory = refresh(trajectory)
    assert trajectory.status == Status.ALLOCATED
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="care", given_by=person, access_point=AP
        )
    services.trajectory_start_intake(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = refresh(trajectory)
    goal = services.goal_add(
        actor=world.coach,
        trajectory=trajectory,
        text="Op tijd op school",
        scale={-2: "a", -1: "b", 0: "c", 1: "d", 2: "e"},
        access_point=AP,
    )
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 3)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )

    run = services.module_start(
        actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP
    )
    services.module_finish(actor=world.coach, trajectory=refresh(trajectory), access_point=AP)
    declaration_services.care_events_sync(on=today())

    assert run.allocation_id is None
    assert not Allocation.objects.filter(client=world.own).exists()
    start = CareStart.objects.get(module_run=run)
    stop = CareStop.objects.get(module_run=run)
    assert start.allocation_id is None and start.product is not None
    assert start.product.module_code == MODULES[0]
    assert (stop.reden, stop.product_id) == ("31", start.product_id)

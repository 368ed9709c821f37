"""A world whose young person (``own``) follows a running module, with a goal scored at intake."""

import dataclasses
import datetime
from collections.abc import Iterator

import pytest
from django.utils import translation

from coachcare.audit.services import AccessPoint
from coachcare.contracts import services as contract_services
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from coachcare.measures.services import questionnaire_builtin_install
from coachcare.trajectories import services
from coachcare.trajectories.models import Goal, ModuleRun, Trajectory
from tests.conftest import World
from tests.trajectories.ratings import intake_baseline

AP = AccessPoint(channel="web", address="127.0.0.1")
MODULES = ["CC-KENNISMAKING", "CC-DAGRITME", "CC-COMMUNICATIE-THUIS", "CC-ZELFSTANDIG-VERDER"]
SCALE = {-2: "veel slechter", -1: "zoals nu", 0: "verwacht", 1: "beter", 2: "veel beter"}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclasses.dataclass
class Running:
    world: World
    trajectory: Trajectory
    run: ModuleRun
    goal: Goal
    parenting_goal: Goal


def _refresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)


def start_first_module(world: World) -> tuple[Trajectory, ModuleRun, Goal, Goal]:
    """Referral, allocation (granted by the municipality), consent, intake, goals, plan, first module."""
    method_demo_package_install()
    questionnaire_builtin_install()
    contract = contract_services.contract_create(
        municipality=world.municipality_a,
        provider=world.provider,
        valid_from=today() - datetime.timedelta(days=30),
        mandate=True,
        yearly_budget_cents=10_000_000,
    )
    for code in MODULES:
        contract_services.contract_product_add(contract=contract, module_code=code, tariff_cents=125_000)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    allocation = services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    contract_services.allocation_approve(
        actor=world.toegang,
        allocation=allocation,
        volume=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=180),
        access_point=AP,
    )
    services.trajectory_allocate(actor=world.coach, trajectory=_refresh(trajectory), access_point=AP)
    trajectory = _refresh(trajectory)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="care", given_by=person, access_point=AP
        )
    services.trajectory_start_intake(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = _refresh(trajectory)
    goal = services.goal_add(
        actor=world.coach, trajectory=trajectory, text="Op tijd op school komen", scale=SCALE, access_point=AP
    )
    parenting = services.goal_add(
        actor=world.coach,
        trajectory=_refresh(trajectory),
        text="Rustig praten aan tafel",
        scale=SCALE,
        kind=Goal.Kind.PARENTING,
        access_point=AP,
    )
    trajectory = _refresh(trajectory)
    intake_baseline(
        actor=world.coach,
        trajectory=trajectory,
        scores={goal.pk: (-1, 3), parenting.pk: (-1, 4)},
        access_point=AP,
    )
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="plan", given_by=person, access_point=AP
        )
    run = services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[0], access_point=AP)
    return _refresh(trajectory), run, goal, parenting


@pytest.fixture
def running(world: World) -> Running:
    trajectory, run, goal, parenting = start_first_module(world)
    return Running(world=world, trajectory=trajectory, run=run, goal=goal, parenting_goal=parenting)


@pytest.fixture(autouse=True)
def _english_ui(settings) -> None:  # type: ignore[no-untyped-def]
    """These tests read English UI text; the Dutch default is covered by tests/core and the browser tests."""
    settings.LANGUAGE_CODE = "en"

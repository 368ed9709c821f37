"""API fixtures: a world with trajectories, goals, module runs, answers and allocations, and tokens."""

import dataclasses
import datetime
import json
from collections.abc import Callable

import pytest
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.api.services import api_token_create
from coachcare.clients.models import Client
from coachcare.coaching.models import Appointment
from coachcare.contracts.models import Allocation
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from coachcare.measures.models import QuestionnaireDefinition, QuestionnaireResponse
from coachcare.measures.services import questionnaire_builtin_install
from coachcare.messaging.models import Message, Thread
from coachcare.method.models import MethodVersion, Module
from coachcare.trajectories.models import Goal, GoalScore, ModuleRun, Status, Trajectory
from tests.conftest import World
from tests.contracts.factories import AllocationFactory, ContractFactory, ContractProductFactory

Headers = dict[str, str]


@dataclasses.dataclass
class ApiWorld:
    world: World
    trajectories: dict[str, Trajectory]
    runs: dict[str, ModuleRun]
    goals: dict[str, Goal]
    responses: dict[str, QuestionnaireResponse]
    allocations: dict[str, Allocation]
    appointments: dict[str, Appointment]
    threads: dict[str, Thread]


def make_trajectory(client: Client, module: Module, *, coach: User | None = None) -> tuple[Trajectory, ModuleRun, Goal]:
    trajectory = Trajectory.objects.create(
        client=client,
        municipality_id=client.municipality_id,
        coach=coach or client.coach,
        status=Status.MODULE_RUNNING,
        referrer_kind="gemeente",
        referred_on=today(),
        method_version=module.method_version,
        next_action="evaluate_module",
        next_action_due=today() + datetime.timedelta(days=30),
    )
    run = ModuleRun.objects.create(
        trajectory=trajectory,
        module=module,
        sequence=1,
        state=ModuleRun.State.RUNNING,
        started_on=today(),
        due_on=today() + datetime.timedelta(days=42),
    )
    goal = Goal.objects.create(
        trajectory=trajectory, order=1, text="Op tijd naar school", scale=json.dumps({"0": "elke dag op tijd"})
    )
    scorer = trajectory.coach or client.coach
    assert scorer is not None
    GoalScore.objects.create(goal=goal, gas=-1, gbo=4, convention="standard", scored_by=scorer)
    return trajectory, run, goal


def make_appointment(client: Client, by: User, *, with_parents: bool = False) -> Appointment:
    starts = timezone.now() + datetime.timedelta(days=2)
    return Appointment.objects.create(
        client=client,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        title="Gesprek",
        location="Kantoor",
        with_parents=with_parents,
        created_by=by,
    )


def make_thread(client: Client, author: User, *, parent: User | None = None, messages: int = 1) -> Thread:
    kind = Thread.Kind.PARENT if parent else Thread.Kind.YOUTH
    thread = Thread.objects.create(client=client, kind=kind, parent=parent)
    for i in range(messages):
        Message.objects.create(thread=thread, author=author, body=f"Bericht {i} <b>niet vet</b>")
    return thread


def make_response(client: Client, by: User) -> QuestionnaireResponse:
    definition = QuestionnaireDefinition.objects.filter(is_active=True).order_by("id").first()
    assert definition is not None
    return QuestionnaireResponse.objects.create(
        definition=definition,
        client=client,
        context="intake",
        answers=json.dumps({"q1": 2, "q2": "soms"}),
        total=2.0,
        status=QuestionnaireResponse.Status.SUBMITTED,
        submitted_by=by,
        submitted_at=timezone.now(),
    )


@pytest.fixture
def api_world(world: World) -> ApiWorld:
    method_demo_package_install()
    questionnaire_builtin_install()
    version = MethodVersion.objects.get(is_current=True)
    module = Module.objects.filter(method_version=version).order_by("sequence").first()
    assert module is not None
    trajectories, runs, goals, responses, allocations = {}, {}, {}, {}, {}
    for key in ("own", "team", "other_team"):
        client = world.client(key)
        trajectories[key], runs[key], goals[key] = make_trajectory(client, module)
        responses[key] = make_response(client, world.coach)
    contract_a = ContractFactory.create(municipality=world.municipality_a, provider=world.provider)
    contract_b = ContractFactory.create(municipality=world.municipality_b, provider=world.provider)
    allocations["own"] = AllocationFactory.create(
        client=world.own, product=ContractProductFactory.create(contract=contract_a), requested_by=world.coach
    )
    allocations["other_team"] = AllocationFactory.create(
        client=world.other_team,
        product=ContractProductFactory.create(contract=contract_b),
        requested_by=world.coach_other_team,
    )
    appointments = {
        "own": make_appointment(world.own, world.coach),
        "own_parents": make_appointment(world.own, world.coach, with_parents=True),
        "other_team": make_appointment(world.other_team, world.coach_other_team),
    }
    threads = {
        "youth": make_thread(world.own, world.coach),
        "parent": make_thread(world.own, world.coach, parent=world.ouder),
        "other_team": make_thread(world.other_team, world.coach_other_team),
    }
    return ApiWorld(
        world=world,
        trajectories=trajectories,
        runs=runs,
        goals=goals,
        responses=responses,
        allocations=allocations,
        appointments=appointments,
        threads=threads,
    )


@pytest.fixture
def bearer(db: None) -> Callable[[User], Headers]:
    """``bearer(user)``: request headers with a fresh token of ``user``."""

    def _bearer(user: User) -> Headers:
        return {"Authorization": f"Bearer {api_token_create(user=user, name='test').raw}"}

    return _bearer

"""The step panel never contradicts itself (issue 16.9): for every state (and guard variation) the
panel offers a step only when the state machine would accept it, and says why otherwise."""

import datetime
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import Allocation
from coachcare.core.dates import today
from coachcare.trajectories import panels, services, state_machine
from coachcare.trajectories.models import Agreement, Evaluation, FollowUp, Goal, ModuleRun, Trajectory
from tests.conftest import World
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import evaluate, intake_baseline
from tests.trajectories.test_flow import grant, refresh, run_to_intake, scale

AP = AccessPoint(channel="web", address="127.0.0.1")
Login = Callable[[User], HttpClient]


def opened(world: World) -> Trajectory:
    return services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="huisarts", access_point=AP)


def requested(world: World) -> Trajectory:
    trajectory = opened(world)
    services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    return refresh(trajectory)


def granted_not_received(world: World) -> Trajectory:
    trajectory = requested(world)
    contract_services.allocation_approve(
        actor=world.toegang,
        allocation=Allocation.objects.get(client=world.own),
        volume=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=180),
        access_point=AP,
    )
    return refresh(trajectory)


def allocated(world: World) -> Trajectory:
    return grant(world, opened(world))


def intake_without_goal(world: World) -> Trajectory:
    return run_to_intake(world)


def intake_ready(world: World) -> Trajectory:
    trajectory = run_to_intake(world)
    goal = services.goal_add(actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), access_point=AP)
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 3)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )
    return refresh(trajectory)


def running(world: World) -> Trajectory:
    trajectory = intake_ready(world)
    services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[0], access_point=AP)
    return refresh(trajectory)


def to_evaluate(world: World) -> Trajectory:
    trajectory = running(world)
    services.module_finish(actor=world.coach, trajectory=trajectory, access_point=AP)
    return refresh(trajectory)


def _scored(world: World, after: tuple[int, int]) -> tuple[Trajectory, Evaluation]:
    trajectory = to_evaluate(world)
    goal = Goal.objects.get(trajectory=trajectory)
    evaluation = evaluate(actor=world.coach, trajectory=trajectory, scores={goal.pk: after}, access_point=AP)
    return refresh(trajectory), evaluation


def advised(world: World) -> Trajectory:
    return _scored(world, (0, 6))[0]


def _decided(world: World, decision: str, module: str = "") -> Trajectory:
    trajectory, evaluation = _scored(world, (0, 6))
    services.evaluation_decide(
        actor=world.coach, evaluation=evaluation, decision=decision, next_module_code=module, reason="Besproken",
        access_point=AP,
    )  # fmt: skip
    return refresh(trajectory)


def decided_continue(world: World) -> Trajectory:
    return _decided(world, "continue", MODULES[1])


def waiting_for_approval(world: World) -> Trajectory:
    return _decided(world, "stop")


def closed(world: World) -> Trajectory:
    trajectory = _decided(world, "stop")
    evaluation = Evaluation.objects.get(module_run__trajectory=trajectory)
    services.evaluation_approve(actor=world.teamleider, evaluation=evaluation, approve=True, access_point=AP)
    return services.trajectory_close(
        actor=world.coach, trajectory=refresh(trajectory), end_reason="31", access_point=AP
    )


STATES = {
    "referred": opened,
    "referred_waiting": requested,
    "referred_granted": granted_not_received,
    "allocated": allocated,
    "intake_without_goal": intake_without_goal,
    "intake_ready": intake_ready,
    "module_running": running,
    "module_evaluation_to_score": to_evaluate,
    "module_evaluation_advised": advised,
    "module_evaluation_continue": decided_continue,
    "module_evaluation_waiting": waiting_for_approval,
    "closed": closed,
}


def panel_of(trajectory: Trajectory) -> dict[str, object]:
    trajectory = refresh(trajectory)
    goals = list(Goal.objects.filter(trajectory=trajectory).order_by("order"))
    run = ModuleRun.objects.filter(trajectory=trajectory).order_by("-sequence").first()
    evaluation = Evaluation.objects.filter(module_run=run).first() if run else None
    follow_ups = list(FollowUp.objects.filter(trajectory=trajectory))
    return panels._panel(trajectory, goals, run, evaluation, follow_ups)


def offers_plan(panel: dict[str, object]) -> bool:
    form = panel.get("agreement_form")
    return form is not None and any(c[0] == Agreement.Kind.PLAN for c in form.fields["kind"].choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize("state", STATES)
def test_the_panel_offers_only_what_the_state_machine_accepts(contracted: World, state: str) -> None:
    trajectory = refresh(STATES[state](contracted))
    panel = panel_of(trajectory)
    on = today()

    def accepts(name: str, **params: object) -> bool:
        return not state_machine.transition_check(trajectory=trajectory, name=name, on=on, params=params)

    code = services.first_module_code(trajectory)
    # A step is offered exactly when the state machine would take it; otherwise the panel says why.
    assert (panel.get("allocate_form") is not None) == (
        trajectory.status == "referred" and accepts("allocate", module_code=code)
    )
    assert (panel.get("intake_form") is not None) == (trajectory.status == "allocated" and accepts("start_intake"))
    for name in ("allocate", "start_intake", "start_module", "continue_module"):
        if name in panel["refused"]:  # type: ignore[operator]
            assert panel["refused"][name]  # type: ignore[index]
            assert not accepts(name, module_code=panel.get("module_code") or code)
    if panel.get("module_form") is not None:
        name = "start_module" if trajectory.status == "intake" else "continue_module"
        module = panel["module_form"].initial.get("module_code") or panel["module_form"].fields["module_code"].initial  # type: ignore[attr-defined]
        reasons = state_machine.transition_check(
            trajectory=trajectory, name=name, on=on, params={"module_code": module}
        )
        if panel.get("grant_at_start"):  # the mandate grants the allocation as the module starts
            reasons = [
                r for r in reasons if r != state_machine.allocation_for_module(trajectory, on, {"module_code": module})
            ]
        assert reasons == []
    # Plan agreement only with at least one goal.
    if offers_plan(panel):
        assert state_machine.plan_has_goal(trajectory, on, {}) is None
    # A request that waits is not requested again, and nothing claims it was granted.
    if panel.get("allocation_waiting"):
        assert panel.get("allocation_form") is None and panel.get("allocate_form") is None
    # Advice only while the gate is open.
    assert (panel["advice"] is not None) == (
        trajectory.status == "module_evaluation" and state != "module_evaluation_to_score"
    )
    if trajectory.status == "closed":
        for key in ("module_form", "allocation_form", "allocate_form", "decision_form", "close_form"):
            assert panel.get(key) is None


def test_a_plan_cannot_be_agreed_to_before_any_goal(contracted: World) -> None:
    from django.core.exceptions import ValidationError

    trajectory = intake_without_goal(contracted)
    assert not offers_plan(panel_of(trajectory))
    with pytest.raises(ValidationError, match="at least one goal"):
        services.agreement_record(
            actor=contracted.coach, trajectory=trajectory, kind="plan", given_by=contracted.jongere, access_point=AP
        )


@pytest.mark.parametrize("state", STATES)
def test_the_client_file_links_only_steps_that_are_possible(contracted: World, login: Login, state: str) -> None:
    trajectory = refresh(STATES[state](contracted))
    html = (
        login(contracted.coach)
        .get(reverse("clients:detail", kwargs={"public_id": contracted.own.public_id}))
        .content.decode()
    )
    on = today()
    allocate = reverse("trajectories:allocate", kwargs={"public_id": trajectory.public_id})
    if f'action="{allocate}"' in html:
        assert not state_machine.transition_check(
            trajectory=trajectory,
            name="allocate",
            on=on,
            params={"module_code": services.first_module_code(trajectory)},
        )
    intake = reverse("trajectories:start_intake", kwargs={"public_id": trajectory.public_id})
    if f'action="{intake}"' in html:
        assert not state_machine.transition_check(trajectory=trajectory, name="start_intake", on=on)
    decide = reverse("trajectories:decide", kwargs={"public_id": trajectory.public_id})
    assert (f'action="{decide}"' in html) == (state == "module_evaluation_advised")
    # Closed: no advice, no module steps.
    if state == "closed":
        module_start = reverse("trajectories:module_start", kwargs={"public_id": trajectory.public_id})
        assert f'action="{module_start}"' not in html
        assert "coachcare-advice" not in html

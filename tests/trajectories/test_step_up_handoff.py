"""A step up at the module gate closes with JZ588 38 or 39, never 31, and is handed off warmly:
the municipality's access team is told after commit, without clinical content (issue 7)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.tasks import default_task_backend

from coachcare.audit.services import AccessPoint
from coachcare.safeguarding.models import HandoffNotice
from coachcare.safeguarding.tasks import handoff_notify_task
from coachcare.trajectories import services
from coachcare.trajectories.models import Evaluation, Trajectory
from coachcare.trajectories.state_machine import TransitionRefused
from tests.conftest import World
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import evaluate, intake_baseline
from tests.trajectories.test_flow import refresh, run_to_intake, scale

AP = AccessPoint(channel="web", address="127.0.0.1")


def evaluated(world: World, decision: str) -> Trajectory:
    """A trajectory after its first module, with the coach's decision taken and (if it deviates) approved."""
    trajectory = run_to_intake(world)
    goal = services.goal_add(actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), access_point=AP)
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 3)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )
    services.module_start(actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP)
    services.module_finish(actor=world.coach, trajectory=refresh(trajectory), access_point=AP)
    evaluation = evaluate(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-2, 2)}, access_point=AP)
    evaluation = services.evaluation_decide(
        actor=world.coach, evaluation=evaluation, decision=decision, reason="Geheime klinische reden", access_point=AP
    )
    if evaluation.approval == Evaluation.Approval.PENDING:
        services.evaluation_approve(actor=world.teamleider, evaluation=evaluation, approve=True, access_point=AP)
    return refresh(trajectory)


@pytest.mark.parametrize("reason", ["31", "32", "34"])
def test_a_step_up_never_closes_according_to_plan_or_as_a_plain_early_end(contracted: World, reason: str) -> None:
    trajectory = evaluated(contracted, "step_up")
    with pytest.raises(TransitionRefused) as refused:
        services.trajectory_close(actor=contracted.coach, trajectory=trajectory, end_reason=reason, access_point=AP)
    assert any("38" in why and "39" in why for why in refused.value.reasons)
    assert refresh(trajectory).status == "module_evaluation"
    assert not HandoffNotice.objects.exists()


@pytest.mark.parametrize("reason", ["38", "39"])
def test_a_step_up_closes_with_38_or_39_and_tells_the_access_team(
    contracted: World, reason: str, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    world = contracted
    world.toegang.email = "toegang@example.org"
    world.toegang.save()
    world.toegang_other.email = "toegang-b@example.org"  # another municipality: not told
    world.toegang_other.save()
    trajectory = evaluated(world, "step_up")
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.trajectory_close(actor=world.coach, trajectory=trajectory, end_reason=reason, access_point=AP)
    assert (closed.status, closed.end_reason) == ("closed", reason)
    notice = HandoffNotice.objects.get(trajectory=closed)
    enqueued = [r for r in default_task_backend.results if r.task.name == "handoff_notify_task"]  # type: ignore[attr-defined]
    assert enqueued and enqueued[-1].args == [notice.pk]
    assert handoff_notify_task.call(notice.pk) == 1
    assert handoff_notify_task.call(notice.pk) == 0  # idempotent
    [sent] = mail.outbox
    assert sent.to == ["toegang@example.org"]
    text = f"{sent.subject}\n{sent.body}"
    assert f"/clients/{world.own.public_id}/" in sent.body and reason in sent.body
    for secret in ("Geheime", "klinische", "Doel", world.own.bsn, world.own.given_name, world.own.family_name):
        assert secret not in text


def test_a_planned_stop_still_closes_with_31_and_is_not_handed_off(contracted: World) -> None:
    trajectory = evaluated(contracted, "stop")
    closed = services.trajectory_close(actor=contracted.coach, trajectory=trajectory, end_reason="31", access_point=AP)
    assert closed.end_reason == "31"
    assert not HandoffNotice.objects.exists()


def test_the_close_form_after_a_step_up_proposes_38(contracted: World) -> None:
    from coachcare.trajectories import panels, selectors

    trajectory = evaluated(contracted, "step_up")
    timeline = selectors.client_timeline(actor=contracted.coach, public_id=trajectory.client.public_id, access_point=AP)
    panel = panels.file_context(timeline=timeline, can_write=True)
    assert panel["panel"]["close_form"].fields["end_reason"].initial == "38"

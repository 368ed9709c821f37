"""JZ588 20 "tijdelijk beëindigd": resumable within COACHCARE_TEMPORARY_END_RESUME_DAYS; the
module running at the closure is interrupted (stop 20, not declared, unit given back, may start
again); and the municipality's regisseur gets a content-free notice at step up and closure."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from coachcare.access.policy import AccessDenied
from coachcare.audit.services import AccessPoint
from coachcare.contracts.models import Allocation
from coachcare.core.dates import today
from coachcare.declarations.models import CareStart, CareStop
from coachcare.declarations.services import care_events_sync
from coachcare.safeguarding.models import RegisseurNotice
from coachcare.safeguarding.tasks import regisseur_notify_task
from coachcare.trajectories import services
from coachcare.trajectories.models import FollowUp, ModuleRun, Status, Trajectory
from coachcare.trajectories.state_machine import TransitionRefused
from tests.conftest import World
from tests.mail import SmtpInbox
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import intake_baseline
from tests.trajectories.test_flow import refresh, run_to_intake, scale
from tests.trajectories.test_step_up_handoff import evaluated

AP = AccessPoint(channel="web", address="127.0.0.1")


def running(world: World) -> Trajectory:
    """A trajectory with its first module running."""
    trajectory = run_to_intake(world)
    goal = services.goal_add(actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), access_point=AP)
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 3)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )
    services.module_start(actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP)
    return refresh(trajectory)


def _close(world: World, trajectory: Trajectory, reason: str = "20") -> Trajectory:
    return services.trajectory_close(actor=world.coach, trajectory=trajectory, end_reason=reason, access_point=AP)


def test_a_temporary_end_resumes_and_the_interrupted_module_stops_with_20(contracted: World) -> None:
    world = contracted
    trajectory = running(world)
    run = ModuleRun.objects.get(trajectory=trajectory)
    assert run.allocation is not None
    used = Allocation.objects.get(pk=run.allocation.pk).volume_used
    closed = _close(world, trajectory)
    assert FollowUp.objects.filter(trajectory=closed).count() == 2

    resumed = services.trajectory_resume(
        actor=world.coach, trajectory=closed, reason="Terug uit opname", access_point=AP
    )

    assert (resumed.status, resumed.end_reason, resumed.closed_on) == (Status.INTAKE, "", None)
    assert resumed.transitions.filter(name="resume", from_status=Status.CLOSED, to_status=Status.INTAKE).exists()
    run.refresh_from_db()
    assert (run.state, run.finished_on) == (ModuleRun.State.INTERRUPTED, closed.closed_on)
    assert Allocation.objects.get(pk=run.allocation.pk).volume_used == used - 1  # the unit is given back
    assert not FollowUp.objects.filter(trajectory=resumed).exists()
    care_events_sync()
    stop = CareStop.objects.get(module_run=run)
    assert (stop.reden, stop.einddatum) == ("20", closed.closed_on)
    # the same module starts again: a new run, a new start (JW305)
    again = services.module_start(actor=world.coach, trajectory=resumed, module_code=MODULES[0], access_point=AP)
    assert again.sequence == 2 and refresh(resumed).status == Status.MODULE_RUNNING
    care_events_sync()
    assert CareStart.objects.filter(module_run=again).exists()


def test_a_trajectory_resumes_until_the_last_day_of_the_period_and_not_after(contracted: World, settings: Any) -> None:
    world = contracted
    settings.COACHCARE_TEMPORARY_END_RESUME_DAYS = 91
    closed = _close(world, running(world))
    Trajectory.objects.filter(pk=closed.pk).update(closed_on=today() - datetime.timedelta(days=92))
    with pytest.raises(TransitionRefused) as refused:
        services.trajectory_resume(actor=world.coach, trajectory=refresh(closed), reason="Terug", access_point=AP)
    assert any("91" in why for why in refused.value.reasons)
    Trajectory.objects.filter(pk=closed.pk).update(closed_on=today() - datetime.timedelta(days=91))
    resumed = services.trajectory_resume(actor=world.coach, trajectory=refresh(closed), reason="Terug", access_point=AP)
    assert resumed.status == Status.INTAKE


@pytest.mark.parametrize("reason", ["32", "34", "35"])
def test_only_a_temporary_end_resumes(contracted: World, reason: str) -> None:
    closed = _close(contracted, running(contracted), reason)
    with pytest.raises(TransitionRefused):
        services.trajectory_resume(actor=contracted.coach, trajectory=closed, reason="Terug", access_point=AP)
    assert refresh(closed).status == Status.CLOSED


def test_resuming_needs_a_reason_and_a_treating_professional(contracted: World) -> None:
    closed = _close(contracted, running(contracted))
    with pytest.raises(ValidationError):
        services.trajectory_resume(actor=contracted.coach, trajectory=closed, reason=" ", access_point=AP)
    with pytest.raises(AccessDenied):
        services.trajectory_resume(actor=contracted.toegang, trajectory=closed, reason="Terug", access_point=AP)
    assert refresh(closed).status == Status.CLOSED


def test_the_regisseur_is_recorded_by_the_professionals_or_the_access_team(contracted: World) -> None:
    world = contracted
    trajectory = run_to_intake(world)
    for actor in (world.coach, world.toegang):
        trajectory = services.trajectory_regisseur_set(
            actor=actor, trajectory=trajectory, name="R. Regie", email="regie@gemeente.example", access_point=AP
        )
    assert (trajectory.regisseur_name, trajectory.regisseur_email) == ("R. Regie", "regie@gemeente.example")
    for outsider in (world.toegang_other, world.beleid, world.jongere):
        with pytest.raises(AccessDenied):
            services.trajectory_regisseur_set(
                actor=outsider, trajectory=trajectory, name="X", phone="1", access_point=AP
            )
    with pytest.raises(ValidationError) as error:
        services.trajectory_regisseur_set(actor=world.coach, trajectory=trajectory, name="R", access_point=AP)
    assert "email" in error.value.message_dict


@pytest.mark.parametrize(("decision", "reason", "kind"), [("step_up", "38", "step_up"), ("stop", "31", "closure")])
def test_the_regisseur_gets_a_content_free_notice_at_step_up_and_closure(
    contracted: World,
    smtp_server: SmtpInbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
    decision: str,
    reason: str,
    kind: str,
) -> None:
    world = contracted
    trajectory = evaluated(world, decision)
    services.trajectory_regisseur_set(
        actor=world.coach, trajectory=trajectory, name="R. Regie", email="regie@gemeente.example", access_point=AP
    )
    with django_capture_on_commit_callbacks(execute=True):
        closed = _close(world, refresh(trajectory), reason)
    notice = RegisseurNotice.objects.get(trajectory=closed)
    assert (notice.kind, notice.end_reason) == (kind, reason)
    assert regisseur_notify_task.call(notice.pk) == 1
    assert regisseur_notify_task.call(notice.pk) == 0  # idempotent
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["regie@gemeente.example"]
    text = f"{received.subject}\n{received.body}"
    assert reason in received.body and f"/clients/{world.own.public_id}/" in received.body
    for secret in ("Geheime", "klinische", "Doel", world.own.bsn, world.own.given_name, world.own.family_name):
        assert secret not in text


def test_no_regisseur_no_notice(contracted: World) -> None:
    _close(contracted, running(contracted), "34")
    assert not RegisseurNotice.objects.exists()

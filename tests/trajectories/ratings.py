"""Scoring a module evaluation in tests as it happens in real life: the young person first gives
each goal their own mark in the portal, then the coach scores the GAS levels (issue 16.2/16.6)."""

from collections.abc import Mapping

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.trajectories import services
from coachcare.trajectories.models import Evaluation, GoalRatingSkipped, GoalScore, ModuleRun, Trajectory


def evaluate(
    *, actor: User, trajectory: Trajectory, scores: Mapping[int, tuple[int, int]], access_point: AccessPoint
) -> Evaluation:
    """``scores``: goal id to (GAS level by the coach, the young person's own mark)."""
    trajectory.refresh_from_db()
    young_person = trajectory.client.user
    assert young_person is not None, "the young person needs an account to rate their goals"
    run = services.current_run(trajectory)
    if run is not None and run.state == ModuleRun.State.FINISHED:  # scored again: the marks stand
        services.goal_ratings_submit(
            actor=young_person,
            trajectory=trajectory,
            ratings={goal_id: gbo for goal_id, (_gas, gbo) in scores.items()},
            access_point=access_point,
        )
        trajectory.refresh_from_db()
    return services.evaluation_score(
        actor=actor,
        trajectory=trajectory,
        gas={goal_id: gas for goal_id, (gas, _gbo) in scores.items()},
        access_point=access_point,
    )


def intake_baseline(
    *,
    actor: User,
    trajectory: Trajectory,
    scores: Mapping[int, tuple[int, int]],
    module_run: None = None,
    access_point: AccessPoint,
) -> list[GoalScore]:
    """The baseline as it happens in real life: the young person rates each goal in the portal
    ("hoe sta je er nu voor?"), then the coach records the GAS levels. ``scores``: goal id to (GAS
    level by the coach, the young person's own mark). A young person without an account cannot
    rate: the coach records why ("no_account")."""
    trajectory.refresh_from_db()
    young_person = trajectory.client.user
    if young_person is not None:
        services.goal_ratings_submit(
            actor=young_person,
            trajectory=trajectory,
            ratings={goal_id: gbo for goal_id, (_gas, gbo) in scores.items()},
            access_point=access_point,
        )
        trajectory.refresh_from_db()
        return services.goal_scores_record(
            actor=actor,
            trajectory=trajectory,
            gas={goal_id: gas for goal_id, (gas, _gbo) in scores.items()},
            access_point=access_point,
        )
    return services.goal_scores_record(
        actor=actor,
        trajectory=trajectory,
        gas={goal_id: gas for goal_id, (gas, _gbo) in scores.items()},
        not_rated_choice=GoalRatingSkipped.Reason.NO_ACCOUNT,
        access_point=access_point,
    )

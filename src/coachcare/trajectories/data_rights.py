"""Data rights of the trajectories app (``core/data_rights.py``): trajectories, goals, goal scores,
modules, evaluations and decisions, the steps taken and the consents; the young person and a parent
get them while the policy gives them the clinical file. Destruction deletes the goals, scores,
evaluations, consents (with the scans of paper consents) and consent exceptions, and empties the
reasons of steps, the follow-up answers and the outcome values.
"""

import json

from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.actions import role_label
from coachcare.clients.models import Client
from coachcare.core.data_rights import Section, destroyer_register, display_name, section_register
from coachcare.trajectories.models import (
    Agreement,
    ConsentException,
    Evaluation,
    FollowUp,
    Goal,
    GoalRating,
    GoalRatingSkipped,
    GoalScore,
    ModuleRun,
    Trajectory,
    TrajectoryTransition,
)

#: The words for the steps of the trajectory's state machine (``trajectories.state_machine.TRANSITIONS``).
STEP_LABELS: dict[str, Promise] = {
    "allocate": gettext_lazy("allocation received"),
    "start_intake": gettext_lazy("intake started"),
    "start_module": gettext_lazy("module started"),
    "continue_module": gettext_lazy("next module started"),
    "finish_module": gettext_lazy("module finished"),
    "close": gettext_lazy("trajectory closed"),
    "begin_follow_up": gettext_lazy("follow-up started"),
    "archive": gettext_lazy("archived"),
}


def step_label(name: str) -> str:
    label = STEP_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def _trajectories(client: Client) -> models.QuerySet[Trajectory]:
    return Trajectory.objects.filter(client=client).order_by("created_at", "id")


def trajectories(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "trajectory": trajectory.public_id,
            "status": trajectory.get_status_display(),
            "referred_on": trajectory.referred_on,
            "referred_by": trajectory.get_referrer_kind_display(),
            "referral_route": trajectory.get_referral_route_display(),
            "referrer_name": trajectory.referrer_name,
            "coach": display_name(trajectory.coach),
            "plan_revision": trajectory.plan_revision,
            "closed_on": trajectory.closed_on,
            "end_reason": trajectory.get_end_reason_display() if trajectory.end_reason else "",
            "final_gas_t": trajectory.final_gas_t,
            "final_gbo_mean": trajectory.final_gbo_mean,
            "satisfaction_score": trajectory.satisfaction_score,
        }
        for trajectory in _trajectories(client).select_related("coach")
    ]
    return _("Trajectories"), rows


def goals(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "trajectory": goal.trajectory.public_id,
            "number": goal.order,
            "kind": goal.get_kind_display(),
            "goal": goal.text,
            "scale": json.loads(goal.scale) if goal.scale else {},
            "weight": goal.weight,
            "written_at": goal.created_at,
        }
        for goal in Goal.objects.filter(trajectory__client=client).select_related("trajectory")
    ]
    return _("Goals"), rows


def goal_scores(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "trajectory": score.goal.trajectory.public_id,
            "goal_number": score.goal.order,
            "moment": _("module %(number)s") % {"number": score.module_run.sequence}
            if score.module_run
            else _("intake"),
            "gas_level": score.gas,
            "gbo_score": score.gbo,
            "scored_by": display_name(score.scored_by),
            "scored_at": score.scored_at,
        }
        for score in GoalScore.objects.filter(goal__trajectory__client=client).select_related(
            "goal__trajectory", "module_run", "scored_by"
        )
    ]
    return _("Goal scores"), rows


def goal_ratings(client: Client, requester: User) -> Section | None:
    """The requester's own marks for the goals at the intake and before each evaluation (issue
    16.2): their answers, so only their own (the young person's, or a parent's as second informant),
    as diary entries and assignment answers."""
    rows = [
        {
            "trajectory": rating.goal.trajectory.public_id,
            "goal_number": rating.goal.order,
            "moment": _("module %(number)s") % {"number": rating.module_run.sequence}
            if rating.module_run
            else _("intake"),
            "rating": rating.rating,
            "rated_at": rating.rated_at,
        }
        for rating in GoalRating.objects.filter(goal__trajectory__client=client, rated_by=requester).select_related(
            "goal__trajectory", "module_run"
        )
    ]
    return _("My marks for my goals"), rows


def modules(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "trajectory": run.trajectory.public_id,
            "number": run.sequence,
            "module": run.module.code,
            "state": run.get_state_display(),
            "started_on": run.started_on,
            "due_on": run.due_on,
            "finished_on": run.finished_on,
        }
        for run in ModuleRun.objects.filter(trajectory__client=client).select_related("trajectory", "module")
    ]
    return _("Modules"), rows


def evaluations(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "trajectory": evaluation.module_run.trajectory.public_id,
            "module_number": evaluation.module_run.sequence,
            "advice": evaluation.get_advice_display(),
            "decision": evaluation.get_decision_display() if evaluation.decision else "",
            "decision_reason": evaluation.decision_reason,
            "decided_by": display_name(evaluation.decided_by),
            "decided_at": evaluation.decided_at,
            "approval": evaluation.get_approval_display(),
            "approval_note": evaluation.approval_note,
        }
        for evaluation in Evaluation.objects.filter(module_run__trajectory__client=client).select_related(
            "module_run__trajectory", "decided_by"
        )
    ]
    return _("Evaluations and decisions"), rows


def status_changes(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "trajectory": transition.trajectory.public_id,
            "step": step_label(transition.name),
            "from": transition.get_from_status_display(),
            "to": transition.get_to_status_display(),
            "role": role_label(transition.by_role),
            "at": transition.at,
            "reason": transition.reason,
        }
        for transition in TrajectoryTransition.objects.filter(trajectory__client=client).select_related("trajectory")
    ]
    return _("Steps in the trajectory"), rows


def agreements(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "trajectory": agreement.trajectory.public_id,
            "kind": agreement.get_kind_display(),
            "plan_revision": agreement.plan_revision,
            "given_by": display_name(agreement.given_by),
            "given_as": agreement.given_as,
            "given_at": agreement.given_at,
            "revoked_at": agreement.revoked_at,
        }
        for agreement in Agreement.objects.filter(trajectory__client=client).select_related("trajectory", "given_by")
    ]
    return _("Consent and agreements"), rows


# --- destruction ---------------------------------------------------------------------------------


def destroy_trajectory_content(client: Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    _total, per_model = GoalScore.objects.filter(goal__trajectory__client=client).delete()
    counts["trajectories.GoalScore"] = per_model.get("trajectories.GoalScore", 0)
    _total, per_model = GoalRating.objects.filter(goal__trajectory__client=client).delete()
    counts["trajectories.GoalRating"] = per_model.get("trajectories.GoalRating", 0)
    _total, per_model = GoalRatingSkipped.objects.filter(trajectory__client=client).delete()
    counts["trajectories.GoalRatingSkipped"] = per_model.get("trajectories.GoalRatingSkipped", 0)
    _total, per_model = Goal.objects.filter(trajectory__client=client).delete()
    counts["trajectories.Goal"] = per_model.get("trajectories.Goal", 0)
    _total, per_model = Evaluation.objects.filter(module_run__trajectory__client=client).delete()
    counts["trajectories.Evaluation"] = per_model.get("trajectories.Evaluation", 0)
    agreements = Agreement.objects.filter(trajectory__client=client)
    scans = [(agreement.scan.storage, agreement.scan.name) for agreement in agreements.exclude(scan="")]
    _total, per_model = agreements.delete()
    counts["trajectories.Agreement"] = per_model.get("trajectories.Agreement", 0)

    def delete_scans() -> None:
        for storage, name in scans:
            if name:
                storage.delete(name)  # the scan of a consent on paper is really removed from disk

    if scans:
        transaction.on_commit(delete_scans)
        counts["trajectories.Agreement.scan"] = len(scans)
    _total, per_model = ConsentException.objects.filter(trajectory__client=client).delete()
    counts["trajectories.ConsentException"] = per_model.get("trajectories.ConsentException", 0)
    counts["trajectories.TrajectoryTransition.reason"] = TrajectoryTransition.objects.filter(
        trajectory__client=client
    ).update(reason="")
    counts["trajectories.FollowUp.needed_care_again"] = FollowUp.objects.filter(trajectory__client=client).update(
        needed_care_again=None
    )
    counts["trajectories.Trajectory.outcomes"] = Trajectory.objects.filter(client=client).update(
        final_gas_t=None, final_gbo_mean=None, satisfaction_score=None
    )
    return counts


for _order, _key, _function in (
    (50, "trajectories", trajectories),
    (60, "goals", goals),
    (70, "goal_scores", goal_scores),
    (80, "modules", modules),
    (90, "evaluations", evaluations),
    (100, "status_changes", status_changes),
    (110, "agreements", agreements),
):
    section_register(key=_key, order=_order, young_person=_function, parent=_function)
section_register(key="goal_ratings", order=75, young_person=goal_ratings, parent=goal_ratings)
destroyer_register(
    key="trajectory_content",
    covers=(
        "trajectories.Goal",
        "trajectories.GoalScore",
        "trajectories.GoalRating",
        "trajectories.GoalRatingSkipped",
        "trajectories.Evaluation",
        "trajectories.TrajectoryTransition",
        "trajectories.Agreement",
        "trajectories.ConsentException",
        "trajectories.FollowUp",
    ),
    function=destroy_trajectory_content,
)

"""The trajectory as an explicit state machine: every transition and its guards, in one place.

    referred -> allocated -> intake -> module running -> module evaluation
                                            ^                  |
                                            +---- continue ----+---- stop / step up -> closed
    any active status --(early end, JZ588 32-39)--> closed -> follow-up -> archived

A transition names its source statuses, its target and its guards. A guard returns ``None`` when
it holds or a reason (in words a coach understands) when it does not. ``transition_check`` tells
whether a transition is possible now; ``transition_apply`` refuses a forbidden one with its
reasons and records every applied one with who, when and why (``TrajectoryTransition``).
Services in ``trajectories.services`` call these; nothing else changes a trajectory's status.
"""

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access.consent import ConsentGap, GivenConsent, consent_gap
from coachcare.accounts.models import User
from coachcare.clients import services as client_services
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts.models import FundingModel
from coachcare.trajectories.deadlines import step_due
from coachcare.trajectories.models import (
    ACTIVE_STATUSES,
    Agreement,
    ConsentException,
    Evaluation,
    Goal,
    GoalScore,
    ModuleRun,
    Status,
    Trajectory,
    TrajectoryTransition,
)

EARLY_END_REASONS = frozenset({"02", "20", "32", "33", "34", "35", "36", "37", "38", "39"})

Guard = Callable[[Trajectory, datetime.date, Mapping[str, Any]], str | None]


class TransitionRefused(Exception):
    """A forbidden transition, with every reason why (shown to the coach as they are)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


class StaleTrajectory(Exception):
    """Someone else changed the trajectory since it was read: nothing was overwritten."""


# --- guards -------------------------------------------------------------------------------------


def eligible(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """Eligible for youth care on the referral date (``clients.services.client_youth_care_eligibility``:
    the method's ages, and from 18 only verlengde jeugdhulp), and a resident of a municipality with a
    valid contract."""

    client = trajectory.client
    eligibility = client_services.client_youth_care_eligibility(
        birth_date=client.birth_date, on=trajectory.referred_on, client=client
    )
    if not eligibility.eligible:
        return eligibility.message
    if not contract_selectors.municipality_is_contracted(
        municipality=client.municipality, provider=client.provider, on=on
    ):
        return _("%(municipality)s has no valid contract with this provider.") % {
            "municipality": client.municipality.name
        }
    return None


def consent_exception_approved(trajectory: Trajectory) -> bool:
    """Whether the team lead approved care without the parents' consent (art. 7.3.4 lid 4)."""
    return ConsentException.objects.filter(trajectory=trajectory, status=ConsentException.Status.APPROVED).exists()


def _given(trajectory: Trajectory, kind: str, **filters: Any) -> set[GivenConsent]:
    return set(
        Agreement.objects.filter(trajectory=trajectory, kind=kind, revoked_at__isnull=True, **filters).values_list(
            "given_by_id", "given_as", "carer_id"
        )
    )


def consent_gap_for(trajectory: Trajectory, kind: str, on: datetime.date) -> ConsentGap:
    """What is missing of the ``kind`` consent (care, plan at its current revision, summary)."""
    filters = {"plan_revision": trajectory.plan_revision} if kind == Agreement.Kind.PLAN else {}
    return consent_gap(
        client=trajectory.client,
        on=on,
        given=_given(trajectory, kind, **filters),
        exception_approved=consent_exception_approved(trajectory),
    )


def nobody_with_gezag_reason(trajectory: Trajectory) -> str:
    """What exactly is missing when a young person under 16 has nobody with gezag registered."""
    pending = ConsentException.objects.filter(trajectory=trajectory, status=ConsentException.Status.PENDING).exists()
    if pending:
        return _(
            "No parent or voogd with gezag is registered, and the exception of art. 7.3.4 lid 4 "
            "waits for the team lead's approval."
        )
    return _(
        "No parent or voogd with gezag is registered for this young person under 16: record a parent, "
        "a voogd or a gecertificeerde instelling in the family section, or record the exception of "
        "art. 7.3.4 lid 4 for the team lead to approve."
    )


def consent_for_care(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """The consent the age rules require (12-15: young person and every family member with gezag,
    or the GI that is the voogd, unless the exception of art. 7.3.4 lid 4 is approved; 16+: alone).
    A young person under 16 with nobody with gezag registered cannot start care."""
    gap = consent_gap_for(trajectory, Agreement.Kind.CARE, on)
    if gap.nobody_with_gezag:
        return nobody_with_gezag_reason(trajectory)
    missing = []
    if gap.young_person:
        missing.append(_("the young person"))
    missing += [carer.display_name for carer in gap.carers]
    if missing:
        return _("Consent to care is missing from: %(who)s.") % {"who": ", ".join(str(m) for m in missing)}
    return None


def plan_agreed(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """Goals exist, each scored at intake, and the plan at its current revision is agreed to."""
    goals = list(Goal.objects.filter(trajectory=trajectory).values_list("id", flat=True))
    if not goals:
        return _("Write at least one goal with the young person.")
    scored = GoalScore.objects.filter(goal_id__in=goals, module_run__isnull=True).count()
    if scored < len(goals):
        return _("Score every goal at intake (GAS and GBO) first.")
    gap = consent_gap_for(trajectory, Agreement.Kind.PLAN, on)
    if gap.young_person:
        return _("The young person has not yet agreed to the current plan.")
    if gap.nobody_with_gezag:
        return nobody_with_gezag_reason(trajectory)
    if gap.carers:
        return _("A parent with gezag has not yet agreed to the current plan.")
    return None


def plan_has_goal(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """A plan can only be agreed to once it has at least one goal (checked when the agreement is
    recorded, and by the panel before it offers the plan agreement)."""
    if not Goal.objects.filter(trajectory=trajectory).exists():
        return _("Write at least one goal with the young person before the plan can be agreed to.")
    return None


def allocation_for_module(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """An approved allocation (toewijzing) that covers the module on this date, unless the contract
    pays the module from its lump sum (task-based, taakgericht: no allocation per young person)."""

    module_code = params.get("module_code")
    if not module_code:
        return _("Choose the module.")
    if (
        contract_selectors.contract_product_for(
            client=trajectory.client, module_code=module_code, on=on, funding_model=FundingModel.TASK
        )
        is not None
    ):
        return None
    if contract_selectors.allocation_covering(client=trajectory.client, module_code=module_code, on=on) is None:
        return _("There is no allocation (toewijzing) that covers module %(code)s today.") % {"code": module_code}
    return None


def gate_passed(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """After a module: a decision was taken and, if it deviates from the advice, approved."""
    last_run = ModuleRun.objects.filter(trajectory=trajectory).order_by("-sequence").first()
    if last_run is None:
        return None
    evaluation = Evaluation.objects.filter(module_run=last_run).first()
    if evaluation is None or not evaluation.decision:
        return _("Evaluate the module and take a decision first.")
    if evaluation.approval == Evaluation.Approval.PENDING:
        return _("The decision deviates from the advice and waits for the team lead's approval.")
    if evaluation.approval == Evaluation.Approval.REJECTED:
        return _("The team lead did not approve the decision: take a new decision.")
    expected = params.get("gate_decision")
    if expected and evaluation.decision not in expected:
        return _("The decision at the last evaluation was '%(decision)s'.") % {
            "decision": evaluation.get_decision_display()
        }
    if params.get("module_code") and evaluation.decision_next_module_code not in ("", params["module_code"]):
        return _("The decision named module %(code)s as the next one.") % {"code": evaluation.decision_next_module_code}
    return None


def end_reason_given(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    reason = params.get("end_reason", "")
    if not reason:
        return _("Choose the end reason (iJw JZ588).")
    if reason == "31" and trajectory.status != Status.MODULE_EVALUATION:
        return _("'Ended according to plan' follows a module evaluation.")
    if reason != "31" and reason not in EARLY_END_REASONS:
        return _("Unknown end reason %(code)s.") % {"code": reason}
    return None


def closed_by_gate(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """A planned closure (31) needs an approved stop decision; an early end does not. A step up is
    never "according to plan": it closes with 38 or 39 (``step_up_hands_off``)."""
    if params.get("end_reason") != "31":
        return None
    return gate_passed(trajectory, on, {"gate_decision": {"stop"}})


#: JZ588 end reasons of a step up: 38 continued at another provider, 39 outflow to another domain
#: (and 02, should the young person have died). The access team is told (``safeguarding``).
STEP_UP_END_REASONS = frozenset({"38", "39"})


def step_up_hands_off(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """After a step-up decision at the module gate the trajectory closes with end reason 38 or 39
    (the warm hand-off to other care), never 31 "according to plan" or another early end."""
    if trajectory.status != Status.MODULE_EVALUATION:
        return None
    last_run = ModuleRun.objects.filter(trajectory=trajectory).order_by("-sequence").first()
    evaluation = Evaluation.objects.filter(module_run=last_run).first() if last_run is not None else None
    if evaluation is None or evaluation.decision != "step_up":
        return None
    if evaluation.approval in {Evaluation.Approval.PENDING, Evaluation.Approval.REJECTED}:
        return None  # the decision does not stand (yet): gate_passed says why where it matters
    if params.get("end_reason") in STEP_UP_END_REASONS | {"02"}:
        return None
    return _(
        "The decision was to step up to more specialised care: close with end reason 38 (continued at another "
        "provider) or 39 (outflow to another domain)."
    )


def temporarily_ended_within_period(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    """Only a trajectory ended with JZ588 20 "tijdelijk beëindigd" resumes, and only within
    ``COACHCARE_TEMPORARY_END_RESUME_DAYS`` after its closure (a later return is a new referral)."""
    if trajectory.end_reason != "20" or trajectory.closed_on is None:
        return _("Only a trajectory ended temporarily (end reason 20) can be resumed.")
    days = settings.COACHCARE_TEMPORARY_END_RESUME_DAYS
    if on > trajectory.closed_on + datetime.timedelta(days=days):
        return _("The trajectory ended temporarily more than %(days)s days ago: register the young person again.") % {
            "days": days
        }
    return None


def follow_up_due(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    if not trajectory.follow_ups.filter(due_on__lte=on).exists():
        return _("No follow-up contact is due yet.")
    return None


def follow_ups_done(trajectory: Trajectory, on: datetime.date, params: Mapping[str, Any]) -> str | None:
    if trajectory.follow_ups.exclude(state="done").exists():
        return _("Record the follow-up contacts first.")
    return None


# --- the table ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[Status]
    target: Status
    guards: tuple[Guard, ...]
    next_action: str  # its due date: ``deadlines.step_due`` unless the service gives one


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("allocate", frozenset({Status.REFERRED}), Status.ALLOCATED,
                   (eligible, allocation_for_module), "intake"),
        Transition("start_intake", frozenset({Status.ALLOCATED}), Status.INTAKE,
                   (consent_for_care,), "agree_plan"),
        Transition("start_module", frozenset({Status.INTAKE}), Status.MODULE_RUNNING,
                   (consent_for_care, plan_agreed, allocation_for_module), "evaluate_module"),
        Transition("continue_module", frozenset({Status.MODULE_EVALUATION}), Status.MODULE_RUNNING,
                   (consent_for_care, plan_agreed, allocation_for_module, gate_passed), "evaluate_module"),
        Transition("finish_module", frozenset({Status.MODULE_RUNNING}), Status.MODULE_EVALUATION,
                   (), "decide"),
        Transition("close", frozenset(ACTIVE_STATUSES), Status.CLOSED,
                   (end_reason_given, closed_by_gate, step_up_hands_off), "follow_up"),
        Transition("resume", frozenset({Status.CLOSED, Status.FOLLOW_UP}), Status.INTAKE,
                   (temporarily_ended_within_period, eligible), "agree_plan"),
        Transition("begin_follow_up", frozenset({Status.CLOSED}), Status.FOLLOW_UP,
                   (follow_up_due,), "follow_up"),
        Transition("archive", frozenset({Status.FOLLOW_UP}), Status.ARCHIVED,
                   (follow_ups_done,), ""),
    ]
}  # fmt: skip


def _why(name: str, params: Mapping[str, Any]) -> str:
    """The recorded reason when the person gives none: what the step was about."""
    if params.get("module_code"):
        return _("module %(code)s") % {"code": params["module_code"]}
    if params.get("end_reason"):
        return _("end reason %(code)s (JZ588)") % {"code": params["end_reason"]}
    if name == "begin_follow_up":
        return _("a follow-up contact fell due")
    return ""


def transition_check(
    *, trajectory: Trajectory, name: str, on: datetime.date, params: Mapping[str, Any] | None = None
) -> list[str]:
    """The reasons a transition cannot happen now (empty: it can)."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return [_("Unknown step '%(name)s'.") % {"name": name}]
    if trajectory.status not in transition.sources:
        return [
            _("This step is not possible while the trajectory is '%(status)s'.")
            % {"status": trajectory.get_status_display()}
        ]
    reasons = []
    for guard in transition.guards:
        reason = guard(trajectory, on, params or {})
        if reason:
            reasons.append(reason)
    return reasons


def transition_apply(
    *,
    trajectory: Trajectory,
    name: str,
    actor: User | None,
    on: datetime.date,
    reason: str = "",
    params: Mapping[str, Any] | None = None,
    next_action_due: datetime.date | None = None,
) -> TrajectoryTransition:
    """Apply a transition after checking it; refuse with reasons; never overwrite a newer state.

    Must run inside the caller's transaction (services wrap it with their own side effects).
    ``actor`` is None for steps the system takes itself (a follow-up falling due).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition_apply must run inside a transaction.")
    reasons = transition_check(trajectory=trajectory, name=name, on=on, params=params)
    if reasons:
        raise TransitionRefused(reasons)
    transition = TRANSITIONS[name]
    due = next_action_due
    if due is None:
        due = step_due(next_action=transition.next_action, since=on)
    updated = Trajectory.objects.filter(pk=trajectory.pk, version=trajectory.version).update(
        status=transition.target,
        version=F("version") + 1,
        next_action=transition.next_action,
        next_action_due=due,
    )
    if updated != 1:
        raise StaleTrajectory(_("Someone else changed this trajectory in the meantime. Reload and try again."))
    record = TrajectoryTransition.objects.create(
        trajectory=trajectory,
        name=name,
        from_status=trajectory.status,
        to_status=transition.target,
        by=actor,
        by_role=actor.role if actor is not None else "system",
        at=timezone.now(),
        reason=reason or _why(name, params or {}),
    )
    trajectory.status = transition.target
    trajectory.version += 1
    trajectory.next_action = transition.next_action
    trajectory.next_action_due = due
    return record

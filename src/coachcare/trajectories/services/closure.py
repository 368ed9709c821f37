"""Closure and follow-up: the trajectory closes, follow-up contacts fall due and are recorded."""

import dataclasses
import datetime
import functools
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.contracts import services as contract_services
from coachcare.core.dates import add_months, today
from coachcare.measures.models import Informant
from coachcare.measures.selectors import closure_responses_get
from coachcare.safeguarding import services as safeguarding_services
from coachcare.trajectories.models import (
    Agreement,
    FollowUp,
    ModuleRun,
    Status,
    Trajectory,
)
from coachcare.trajectories.outcome_inputs import outcome_inputs_changed
from coachcare.trajectories.services._shared import _care_events_changed, _locked, _measurements, _require_writer
from coachcare.trajectories.state_machine import consent_gap_for, transition_apply

FOLLOW_UP_MONTHS = (6, 12)


SATISFACTION_QUESTIONNAIRE = "tevredenheid"
#: The parents' version of the satisfaction questionnaire (``measures/data/tevredenheid-ouder.json``).
SATISFACTION_QUESTIONNAIRE_PARENT = "tevredenheid-ouder"
CLOSURE_QUESTIONNAIRES = (SATISFACTION_QUESTIONNAIRE, SATISFACTION_QUESTIONNAIRE_PARENT)
#: An answer of 4 or 5 ("mee eens", "helemaal mee eens") to "… kan nu zonder hulp verder" counts as yes.
WITHOUT_HELP_FROM = 4


def _closure_outcomes(trajectory: Trajectory) -> dict[str, Any]:
    """The outcome answers the young person and a parent gave themselves at closure
    (``measures.selectors.closure_responses_get``): the satisfaction score, the usefulness item
    ("nut") and whether they can carry on without help, per informant."""
    responses = closure_responses_get(trajectory_public_id=trajectory.public_id, codes=CLOSURE_QUESTIONNAIRES)
    youth, parent = responses.get(Informant.JONGERE), responses.get(Informant.OUDER)

    def without_help(response: Any) -> bool | None:
        value = response.subscales.get("zonder-hulp") if response is not None else None
        return None if value is None else value >= WITHOUT_HELP_FROM

    return {
        "satisfaction_score": youth.total if youth is not None else None,
        "useful_youth": youth.subscales.get("nut") if youth is not None else None,
        "useful_parent": parent.subscales.get("nut") if parent is not None else None,
        "without_help_youth": without_help(youth),
        "without_help_parent": without_help(parent),
    }


def trajectory_close(
    *,
    actor: User,
    trajectory: Trajectory,
    end_reason: str,
    access_point: AccessPoint,
    without_help: bool | None = None,
    not_answered_reason: str = "",
    reason: str = "",
) -> Trajectory:
    """Close with the iJw end reason; keep the final scores and the outcome answers the young
    person and a parent gave themselves in the portal (the coach never enters them: answers a
    professional entered do not count); schedule the 6- and 12-month follow-ups.

    ``without_help`` is the coach's own judgement whether the young person can carry on without
    help (indicator 3.1, informant professional); ``not_answered_reason`` why the young person did
    not fill in the satisfaction questionnaire."""
    # Late: trajectories.tasks imports this services package (the task calls follow_up_mark_due).
    from coachcare.trajectories.tasks import follow_up_due_task

    _require_writer(actor, trajectory.client)
    on = today()
    with transaction.atomic():
        locked = _locked(trajectory)
        measurements = _measurements(locked)
        final = measurements[-1] if measurements else None
        first_due = add_months(on, FOLLOW_UP_MONTHS[0])
        closure = transition_apply(
            trajectory=locked,
            name="close",
            reason=reason,
            actor=actor,
            on=on,
            params={"end_reason": end_reason},
            next_action_due=first_due,
        )
        outcomes = _closure_outcomes(locked)
        Trajectory.objects.filter(pk=locked.pk).update(
            **outcomes,
            without_help_professional=without_help,
            not_answered_reason="" if outcomes["satisfaction_score"] is not None else not_answered_reason.strip(),
            end_reason=end_reason,
            closed_on=on,
            final_gas_t=round(final.gas_t, 2) if final else None,
            final_gbo_mean=round(final.gbo_mean, 2) if final and final.gbo_mean is not None else None,
        )
        follow_ups = FollowUp.objects.bulk_create(
            [FollowUp(trajectory=locked, months=months, due_on=add_months(on, months)) for months in FOLLOW_UP_MONTHS]
        )
        for follow_up in follow_ups:
            run_after = timezone.make_aware(datetime.datetime.combine(follow_up.due_on, datetime.time(7, 0)))
            transaction.on_commit(
                functools.partial(follow_up_due_task.using(run_after=run_after).enqueue, follow_up.pk)
            )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.close",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
        _care_events_changed()
        # A step up (38/39): the municipality's access team is told after commit (warm hand-off).
        safeguarding_services.handoff_record(trajectory_id=locked.pk, end_reason=end_reason)
        # The municipality's regisseur, when recorded, gets a content-free notice of this closure.
        safeguarding_services.regisseur_notice_record(
            trajectory_id=locked.pk,
            transition_id=closure.pk,
            end_reason=end_reason,
            has_regisseur=bool(locked.regisseur_email),
        )
        outcome_inputs_changed(trajectory_ids=[locked.pk])
    locked.refresh_from_db()
    return locked


def trajectory_resume(*, actor: User, trajectory: Trajectory, reason: str, access_point: AccessPoint) -> Trajectory:
    """Resume a trajectory ended temporarily (JZ588 20) within ``COACHCARE_TEMPORARY_END_RESUME_DAYS``
    (state machine transition ``resume``, guard ``temporarily_ended_within_period``).

    The trajectory returns to the intake (plan, then a module); the module that was running at the
    closure becomes *interrupted*: not delivered and not declared, its stop (JW307, reason 20) on the
    closure date, its allocation unit given back, and it may be started again (a new JW305). The
    scheduled follow-ups of the closure are cancelled; the closure stays in the transitions.
    """
    _require_writer(actor, trajectory.client)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the trajectory resumes.")]})
    on = today()
    with transaction.atomic():
        locked = _locked(trajectory)
        closed_on = locked.closed_on
        transition_apply(trajectory=locked, name="resume", reason=reason, actor=actor, on=on)
        interrupted = ModuleRun.objects.filter(trajectory=locked, state=ModuleRun.State.RUNNING).select_related(
            "allocation"
        )
        for run in interrupted:
            if run.allocation is not None:
                contract_services.allocation_release(allocation=run.allocation)
        interrupted.update(state=ModuleRun.State.INTERRUPTED, finished_on=closed_on)
        FollowUp.objects.filter(trajectory=locked).exclude(state=FollowUp.State.DONE).delete()
        Trajectory.objects.filter(pk=locked.pk).update(
            end_reason="", closed_on=None, final_gas_t=None, final_gbo_mean=None, satisfaction_score=None
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.resume",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
        _care_events_changed()
        outcome_inputs_changed(trajectory_ids=[locked.pk])
    locked.refresh_from_db()
    return locked


def follow_up_mark_due(*, follow_up_id: int, on: datetime.date | None = None) -> bool:
    """Background task body: the follow-up contact is due. Idempotent: running it twice changes nothing."""
    on = on or today()
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().select_related("trajectory").filter(pk=follow_up_id).first()
        if follow_up is None or follow_up.state != FollowUp.State.SCHEDULED or follow_up.due_on > on:
            return False
        FollowUp.objects.filter(pk=follow_up.pk).update(state=FollowUp.State.DUE)
        trajectory = Trajectory.objects.select_for_update().get(pk=follow_up.trajectory_id)
        if trajectory.status == Status.CLOSED:
            transition_apply(
                trajectory=trajectory, name="begin_follow_up", actor=None, on=on, next_action_due=follow_up.due_on
            )
        else:
            Trajectory.objects.filter(pk=trajectory.pk).update(
                next_action="follow_up", next_action_due=follow_up.due_on
            )
    return True


def follow_up_record(
    *, actor: User, follow_up: FollowUp, needed_care_again: bool, access_point: AccessPoint
) -> FollowUp:
    """The coach records whether the young person needed care again; after the last one, archive."""

    trajectory = follow_up.trajectory
    _require_writer(actor, trajectory.client)
    if follow_up.state != FollowUp.State.DUE:
        raise ValidationError(_("This follow-up contact is not due yet."))
    with transaction.atomic():
        FollowUp.objects.filter(pk=follow_up.pk).update(
            state=FollowUp.State.DONE,
            needed_care_again=needed_care_again,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        locked = _locked(trajectory)
        remaining = FollowUp.objects.filter(trajectory=locked).exclude(state=FollowUp.State.DONE)
        if not remaining.exists():
            transition_apply(trajectory=locked, name="archive", actor=actor, on=today())
        else:
            nxt = remaining.order_by("due_on").first()
            assert nxt is not None
            Trajectory.objects.filter(pk=locked.pk).update(next_action="follow_up", next_action_due=nxt.due_on)
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.follow_up",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
        outcome_inputs_changed(trajectory_ids=[locked.pk])
    follow_up.refresh_from_db()
    return follow_up


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClosingSummary:
    released: bool
    missing_consent: list[str]
    text: str


def closing_summary_get(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> ClosingSummary:
    """A short summary for the referrer, released only with the consent the age rules require."""
    _require_writer(actor, trajectory.client)
    if trajectory.status not in {Status.CLOSED, Status.FOLLOW_UP, Status.ARCHIVED}:
        raise ValidationError(_("The closing summary exists once the trajectory is closed."))
    gap = consent_gap_for(trajectory, Agreement.Kind.SUMMARY, today())
    missing = []
    if gap.young_person:
        missing.append(trajectory.client.full_name)
    missing += [carer.display_name for carer in gap.carers]
    if gap.nobody_with_gezag:
        missing.append(_("a parent or voogd with gezag"))
    runs = list(ModuleRun.objects.filter(trajectory=trajectory).select_related("module").order_by("sequence"))
    lines = [
        _("Closing summary for the referrer"),
        _("Young person: %(name)s, referred on %(date)s.")
        % {"name": trajectory.client.full_name, "date": trajectory.referred_on.isoformat()},
        _("Modules followed: %(modules)s.") % {"modules": ", ".join(run.module.name for run in runs) or "-"},
        _("Ended on %(date)s, reason: %(reason)s.")
        % {
            "date": trajectory.closed_on.isoformat() if trajectory.closed_on else "-",
            "reason": trajectory.get_end_reason_display(),
        },
        _("Goals: %(count)s; final mean GBO score %(gbo)s (0 to 10), final GAS T-score %(gas)s (50 = as expected).")
        % {
            "count": trajectory.goals.count(),
            "gbo": trajectory.final_gbo_mean if trajectory.final_gbo_mean is not None else "-",
            "gas": trajectory.final_gas_t if trajectory.final_gas_t is not None else "-",
        },
    ]
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="trajectory.closing_summary",
        client_ids=[trajectory.client.public_id],
        access_point=access_point,
    )
    return ClosingSummary(released=not missing, missing_consent=missing, text="\n".join(lines))

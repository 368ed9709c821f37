"""Writes of the portal: assignment answers, feedback, diary check-ins and appointments.

Each service checks the access policy and writes the NEN 7513 access log, in one transaction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.coaching.models import Appointment, AssignmentAnswer, DiaryEntry
from coachcare.method.models import Assignment
from coachcare.trajectories.models import ModuleRun, Trajectory

ANSWER_MAX_LENGTH = 10_000
DIARY_MAX_LENGTH = 5_000
FEEDBACK_MAX_LENGTH = 5_000


def _log(actor: User, client: Client, action: str, event: str, access_point: AccessPoint) -> None:
    access_log_record(actor=actor, event=event, action=action, client_ids=[client.public_id], access_point=access_point)


def _clean_answer(assignment: Assignment, text: str) -> str:
    value = text.strip()
    if len(value) > ANSWER_MAX_LENGTH:
        raise ValidationError({"text": [_("Your answer is too long.")]})
    if assignment.answer_kind == Assignment.AnswerKind.CHOICE and value and value not in assignment.choices:
        raise ValidationError({"text": [_("Choose one of the options.")]})
    return value


def assignment_answer_save(
    *,
    actor: User,
    module_run: ModuleRun,
    assignment: Assignment,
    text: str,
    submit: bool,
    access_point: AccessPoint,
) -> AssignmentAnswer:
    """Save the young person's answer as a draft, or submit it (then it can no longer change).

    Only for an assignment of the module that is running; only the young person themself.
    """
    client = module_run.trajectory.client
    if not policy.can_write_own_work(actor, client):
        raise policy.AccessDenied(_("Only the young person answers their own assignments."))
    if module_run.state != ModuleRun.State.RUNNING:
        raise ValidationError(_("This module is no longer running."))
    if assignment.module_id != module_run.module_id:
        raise ValidationError(_("This assignment is not part of the module."))
    value = _clean_answer(assignment, text)
    if submit and not value:
        raise ValidationError({"text": [_("Write or choose an answer before you submit it.")]})
    now = timezone.now()
    with transaction.atomic():
        answer = (
            AssignmentAnswer.objects.select_for_update().filter(module_run=module_run, assignment=assignment).first()
        )
        if answer is not None and answer.status == AssignmentAnswer.Status.SUBMITTED:
            raise ValidationError(_("You already submitted this answer; it cannot be changed."))
        if answer is None:
            answer = AssignmentAnswer(client=client, module_run=module_run, assignment=assignment)
        answer.text = value
        answer.saved_at = now
        if submit:
            answer.status = AssignmentAnswer.Status.SUBMITTED
            answer.submitted_at = now
        answer.save()
        _log(
            actor,
            client,
            "portal.assignment.submit" if submit else "portal.assignment.draft",
            Event.UPDATE,
            access_point,
        )
    return answer


def assignment_feedback_give(
    *, actor: User, answer: AssignmentAnswer, feedback: str, access_point: AccessPoint
) -> AssignmentAnswer:
    """The coach's feedback on a submitted answer; the young person sees it with their answer."""
    client = answer.client
    if not policy.can_give_feedback(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    if answer.status != AssignmentAnswer.Status.SUBMITTED:
        raise ValidationError(_("Feedback is given on a submitted answer."))
    text = feedback.strip()
    if not text:
        raise ValidationError({"feedback": [_("Write your feedback.")]})
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise ValidationError({"feedback": [_("The feedback is too long.")]})
    with transaction.atomic():
        answer.feedback = text
        answer.feedback_by = actor
        answer.feedback_at = timezone.now()
        answer.save(update_fields=["feedback", "feedback_by", "feedback_at"])
        _log(actor, client, "portal.assignment.feedback", Event.UPDATE, access_point)
    return answer


def diary_entry_add(*, actor: User, client: Client, mood: int, text: str = "", access_point: AccessPoint) -> DiaryEntry:
    """A check-in: mood 1 to 5 and optional text, by the young person themself."""
    if not policy.can_write_own_work(actor, client):
        raise policy.AccessDenied(_("Only the young person writes in their own diary."))
    if mood not in DiaryEntry.Mood.values:
        raise ValidationError({"mood": [_("Choose how you feel, from 1 to 5.")]})
    value = text.strip()
    if len(value) > DIARY_MAX_LENGTH:
        raise ValidationError({"text": [_("The text is too long.")]})
    with transaction.atomic():
        entry = DiaryEntry.objects.create(
            client=client, mood=mood, text=value, created_at=timezone.now(), created_by=actor
        )
        _log(actor, client, "portal.diary.add", Event.CREATE, access_point)
    return entry


def appointment_create(
    *,
    actor: User,
    client: Client,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    kind: str,
    location: str,
    title: str,
    with_parents: bool = False,
    trajectory: Trajectory | None = None,
    access_point: AccessPoint,
) -> Appointment:
    """Plan an appointment with the young person (and, when invited, the parents)."""
    if not policy.can_manage_appointments(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The appointment must end after it starts.")]
    if kind not in Appointment.Kind.values:
        errors["kind"] = [_("Choose online or in person.")]
    if not title.strip():
        errors["title"] = [_("Give the appointment a title.")]
    if trajectory is not None and trajectory.client_id != client.pk:
        errors["trajectory"] = [_("This trajectory belongs to someone else.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        appointment = Appointment.objects.create(
            client=client,
            trajectory=trajectory,
            starts_at=starts_at,
            ends_at=ends_at,
            kind=kind,
            location=location.strip(),
            title=title.strip(),
            with_parents=with_parents,
            created_by=actor,
        )
        _log(actor, client, "portal.appointment.create", Event.CREATE, access_point)
    return appointment

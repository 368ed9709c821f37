"""Writes of the portal: assignment answers, feedback, diary check-ins and appointments.

Each service checks the access policy and writes the NEN 7513 access log, in one transaction.
"""

import dataclasses
import datetime
import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.coaching import selectors
from coachcare.coaching.models import Appointment, AssignmentAnswer, Attendance, DiaryEntry
from coachcare.method.models import Assignment
from coachcare.trajectories.models import ModuleRun, Trajectory

ANSWER_MAX_LENGTH = 10_000
DIARY_MAX_LENGTH = 5_000
FEEDBACK_MAX_LENGTH = 5_000
#: The reminder e-mail goes out when the oldest waiting item is this old ...
REMINDER_AFTER = datetime.timedelta(days=3)
#: ... and at most once in this period per person.
REMINDER_INTERVAL = datetime.timedelta(days=7)

#: The daily reminder run goes out in the morning (local time), not at night.
REMINDER_RUN_TIME = datetime.time(10, 0)

logger = logging.getLogger(__name__)


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
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="portal.assignment.submit" if submit else "portal.assignment.draft",
            client_ids=[client.public_id],
            access_point=access_point,
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
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="portal.assignment.feedback",
            client_ids=[client.public_id],
            access_point=access_point,
        )
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
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="portal.diary.add",
            client_ids=[client.public_id],
            access_point=access_point,
        )
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
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="portal.appointment.create",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return appointment


def appointment_attendance_record(
    *, actor: User, appointment: Appointment, attended: bool, access_point: AccessPoint
) -> Appointment:
    """The coach records whether a session that has begun was attended (evidence of delivery for
    the municipality's materiële controle: only the date and this, never the content)."""
    if not policy.can_write_clinical(actor, appointment.client):
        raise policy.AccessDenied(_("Only the young person's coach or team leader records attendance."))
    if appointment.starts_at > timezone.now():
        raise ValidationError(_("Attendance is recorded once the session has begun."))
    appointment.attendance = Attendance.ATTENDED if attended else Attendance.NOT_ATTENDED
    with transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(attendance=appointment.attendance)
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="appointment.attendance",
            client_ids=[appointment.client.public_id],
            access_point=access_point,
        )
    return appointment


def assignment_feedback_mark_read(*, actor: User, client: Client) -> int:
    """The young person opened their module: the feedback on its answers is no longer new."""
    if client.user_id != actor.pk:
        return 0
    return selectors.new_feedback_answers(client=client).update(feedback_read_at=timezone.now())


# --- the "something is waiting for you" reminder ---------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReminderRun:
    on: datetime.date
    #: Young people and parents with an active account and an e-mail address, not reminded this week.
    checked: int
    #: Reminded (with ``dry_run``: would be reminded).
    sent: int
    #: The mail server refused; tried again on the next run.
    failed: int
    dry_run: bool


def _reminder_send(user: User) -> None:
    """The content-free e-mail: the first name and a link to the site, never what is waiting."""
    context = {"name": user.first_name, "link": settings.COACHCARE_BASE_URL.rstrip("/") + reverse("core:home")}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Something is waiting for you in coachcare")
        greeting = _("Hi %(name)s,") % context if user.first_name else _("Hi,")
        body = (
            greeting
            + "\n\n"
            + _(
                "Something is waiting for you in coachcare. Log in to see what it is: %(link)s\n\n"
                "You get this e-mail at most once a week. This e-mail was sent automatically."
            )
            % context
        )
    send_mail(subject, body, None, [user.email])


def reminders_send(*, on: datetime.date, dry_run: bool = False) -> ReminderRun:
    """E-mail every young person and parent (active account, e-mail address) whose oldest waiting
    item (``selectors.waiting_for``) is ``REMINDER_AFTER`` old on ``on``, at most once per
    ``REMINDER_INTERVAL`` (``User.last_reminded_at``). Idempotent: a second run on the same day
    sends nothing. A refused e-mail leaves ``last_reminded_at`` as it was, so the next run retries."""
    not_since = timezone.make_aware(
        datetime.datetime.combine(on - REMINDER_INTERVAL + datetime.timedelta(days=1), datetime.time.min)
    )
    candidates = list(
        User.objects.filter(role__in=[Role.JONGERE, Role.OUDER], is_active=True)
        .exclude(email="")
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=not_since))
        .order_by("id")
    )
    access_point = AccessPoint.system("reminders_send")
    sent = failed = 0
    for user in candidates:
        items = selectors.waiting_for(actor=user, access_point=access_point, on=on)
        if not items or min(item.since for item in items) > on - REMINDER_AFTER:
            continue
        if dry_run:
            sent += 1
            continue
        with transaction.atomic():
            locked = User.objects.select_for_update().filter(pk=user.pk).values_list("last_reminded_at", flat=True)
            last = locked.first()
            if last is not None and last >= not_since:
                continue  # reminded by a run at the same time
            try:
                _reminder_send(user)
            except (smtplib.SMTPException, OSError):
                logger.warning("reminder e-mail to user %s refused", user.pk, exc_info=True)
                failed += 1
                continue
            User.objects.filter(pk=user.pk).update(last_reminded_at=timezone.now())
            sent += 1
    return ReminderRun(on=on, checked=len(candidates), sent=sent, failed=failed, dry_run=dry_run)


def _next_reminder_run(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    run_after = timezone.make_aware(datetime.datetime.combine(local.date(), REMINDER_RUN_TIME))
    if run_after <= now:
        run_after = timezone.make_aware(
            datetime.datetime.combine(local.date() + datetime.timedelta(days=1), REMINDER_RUN_TIME)
        )
    return run_after


def reminders_schedule(*, now: datetime.datetime | None = None) -> tuple[str, datetime.datetime]:
    """Make sure one run of the daily reminder task is queued (the next ``REMINDER_RUN_TIME``);
    returns (task id, run after). Idempotent: with the database task backend, a run already waiting
    in the queue is returned and nothing is queued. Should two callers race and queue two runs, the
    second sends nothing (``reminders_send`` reminds a person at most once a week). Needs a backend
    that supports ``run_after``; otherwise run ``manage.py reminders_send`` daily from cron."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from coachcare.coaching.tasks import reminders_send_task  # the task calls this module

    backend = reminders_send_task.get_backend()
    if not backend.supports_defer:
        raise ImproperlyConfigured(
            "The task backend cannot run a task later (run_after): schedule `manage.py reminders_send` "
            "daily with cron or a systemd timer instead."
        )
    if isinstance(backend, DatabaseBackend):
        waiting = (
            DBTaskResult.objects.filter(task_path=reminders_send_task.module_path, status=TaskResultStatus.READY)
            .order_by("run_after")
            .first()
        )
        if waiting is not None:
            return str(waiting.id), waiting.run_after
    run_after = _next_reminder_run(now or timezone.now())
    result = reminders_send_task.using(run_after=run_after).enqueue(on=timezone.localdate(run_after).isoformat())
    return str(result.id), run_after

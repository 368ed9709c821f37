"""Writes of the portal: assignment answers, feedback, diary check-ins and appointments.

Each service checks the access policy and writes the NEN 7513 access log, in one transaction.
"""

import dataclasses
import datetime
import json
import logging

from django.conf import settings
from django.core import signing
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
from coachcare.accounts.services import identity_forget
from coachcare.audit.services import AccessPoint, Channel, Event, access_log_record, access_log_record_system
from coachcare.clients.models import Client, GezagRelation
from coachcare.coaching import selectors
from coachcare.coaching.models import Appointment, AssignmentAnswer, Attendance, DiaryEntry, FormDraft
from coachcare.core.mail import MAIL_ERRORS
from coachcare.method.models import Assignment
from coachcare.trajectories.models import ModuleRun, Trajectory
from coachcare.trajectories.outcome_inputs import outcome_inputs_changed

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
        if trajectory is not None:  # it may be the first contact (the waiting times)
            outcome_inputs_changed(trajectory_ids=[trajectory.pk])
    return appointment


def _appointment_changeable(actor: User, appointment: Appointment) -> None:
    if not policy.can_manage_appointments(actor, appointment.client):
        raise policy.AccessDenied(_("You cannot change this file."))
    if appointment.cancelled_at is not None:
        raise ValidationError(_("This appointment has been cancelled."))
    if not policy.appointment_movable(appointment, now=timezone.now()):
        raise ValidationError(_("This appointment is over; plan a new one instead."))


def _appointment_notify_on_commit(appointment: Appointment) -> None:
    from coachcare.coaching.tasks import appointment_notify_task  # the task calls this module

    appointment_id, sequence = appointment.pk, appointment.sequence
    transaction.on_commit(lambda: appointment_notify_task.enqueue(appointment_id=appointment_id, sequence=sequence))


def appointment_move(
    *,
    actor: User,
    appointment: Appointment,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    kind: str | None = None,
    location: str | None = None,
    access_point: AccessPoint,
) -> Appointment:
    """Move an appointment (and, when given, change online/in person and the location). The
    calendar file keeps its UID with SEQUENCE + 1; the young person (and invited parents) get a
    notice without content (``appointment_notify``), after commit."""
    _appointment_changeable(actor, appointment)
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The appointment must end after it starts.")]
    if starts_at < timezone.now():
        errors["starts_at"] = [_("Move the appointment to a moment in the future.")]
    if kind is not None and kind not in Appointment.Kind.values:
        errors["kind"] = [_("Choose online or in person.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().select_related("client").get(pk=appointment.pk)
        _appointment_changeable(actor, locked)
        locked.starts_at, locked.ends_at = starts_at, ends_at
        if kind is not None:
            locked.kind = kind
        if location is not None:
            locked.location = location.strip()
        locked.sequence += 1
        locked.save(update_fields=["starts_at", "ends_at", "kind", "location", "sequence"])
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="portal.appointment.move",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
        if locked.trajectory_id is not None:  # the first contact may change (the waiting times)
            outcome_inputs_changed(trajectory_ids=[locked.trajectory_id])
        _appointment_notify_on_commit(locked)
    return locked


def appointment_cancel(*, actor: User, appointment: Appointment, access_point: AccessPoint) -> Appointment:
    """Cancel an appointment. It stays listed as cancelled; its calendar file becomes METHOD:CANCEL
    with SEQUENCE + 1, and the young person (and invited parents) get a notice without content."""
    _appointment_changeable(actor, appointment)
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().select_related("client").get(pk=appointment.pk)
        _appointment_changeable(actor, locked)
        locked.cancelled_at = timezone.now()
        locked.sequence += 1
        locked.save(update_fields=["cancelled_at", "sequence"])
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="portal.appointment.cancel",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
        if locked.trajectory_id is not None:  # the first contact may change (the waiting times)
            outcome_inputs_changed(trajectory_ids=[locked.trajectory_id])
        _appointment_notify_on_commit(locked)
    return locked


def _appointment_recipients(appointment: Appointment) -> list[User]:
    """The young person and, for an appointment with the parents, the invited parents who may see
    it today: active accounts with an e-mail address."""
    client = appointment.client
    candidates: list[User] = [client.user] if client.user is not None else []
    if appointment.with_parents:
        candidates += [
            relation.parent
            for relation in GezagRelation.objects.filter(client=client, parent__isnull=False).select_related("parent")
            if relation.parent is not None
        ]
    recipients: list[User] = []
    for user in candidates:
        if not user.is_active or not user.email or user in recipients:
            continue
        scope = policy.appointment_scope(user, client)
        if scope == policy.AppointmentScope.ALL or (
            scope == policy.AppointmentScope.WITH_PARENTS and appointment.with_parents
        ):
            recipients.append(user)
    return recipients


def appointment_notify(*, appointment_id: int, sequence: int) -> int:
    """E-mail the young person (and invited parents) that an appointment was moved or cancelled.

    No content: not the title, the place, the time or the kind of care, and never in the subject;
    only that an appointment changed and where to log in (the portal shows it and offers the
    updated calendar file). Idempotent: sent once per ``sequence`` (``notified_sequence``); an
    older change that was overtaken by a newer one is not sent. Returns the number of e-mails."""
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("client__user")
            .filter(pk=appointment_id)
            .first()
        )
        if appointment is None or appointment.notified_sequence >= sequence or appointment.sequence != sequence:
            return 0
        link = settings.COACHCARE_BASE_URL.rstrip("/") + reverse("coaching:home")
        sent = 0
        with translation.override(settings.LANGUAGE_CODE):
            if appointment.cancelled_at is not None:
                subject = _("An appointment has been cancelled")
                body = _(
                    "Hello,\n\nAn appointment in coachcare has been cancelled. Log in to see which one and "
                    "to remove it from your calendar: %(link)s\n\nThis e-mail was sent automatically."
                )
            else:
                subject = _("An appointment has been moved")
                body = _(
                    "Hello,\n\nAn appointment in coachcare has been moved. Log in to see the new time and "
                    "to update your calendar: %(link)s\n\nThis e-mail was sent automatically."
                )
            for user in _appointment_recipients(appointment):
                send_mail(subject, body % {"link": link}, None, [user.email])
                sent += 1
        appointment.notified_sequence = sequence
        appointment.save(update_fields=["notified_sequence"])
        access_log_record_system(
            event=Event.READ,
            action="portal.appointment.notify",
            client_ids=[appointment.client.public_id],
            access_point=AccessPoint.system("appointment_notify", channel=Channel.TASK),
        )
    return sent


def appointment_attendance_record(
    *, actor: User, appointment: Appointment, attended: bool, access_point: AccessPoint
) -> Appointment:
    """The coach records whether a session that has begun was attended (evidence of delivery for
    the municipality's materiële controle: only the date and this, never the content)."""
    if not policy.can_write_clinical(actor, appointment.client):
        raise policy.AccessDenied(_("Only the young person's coach or team leader records attendance."))
    if appointment.cancelled_at is not None:
        raise ValidationError(_("This appointment has been cancelled."))
    if not policy.appointment_attendance_open(appointment, now=timezone.now()):
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


def assignment_feedback_mark_read(*, actor: User, client: Client, running_only: bool = True) -> int:
    """The young person opened their module (``running_only``) or their whole trajectory: the
    feedback shown there is no longer new."""
    if client.user_id != actor.pk:
        return 0
    if not selectors.new_feedback_answer_ids(client=client, running_only=running_only):
        return 0  # mostly nothing is new: one prepared read instead of compiling the update
    answers = selectors.new_feedback_answers(client=client, running_only=running_only)
    return answers.update(feedback_read_at=timezone.now())


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
            except MAIL_ERRORS:
                logger.warning("reminder e-mail to user %s refused", user.pk, exc_info=True)
                failed += 1
                continue
            User.objects.filter(pk=user.pk).update(last_reminded_at=timezone.now())
            identity_forget(user_ids=[user.pk])  # update() bypasses save(): the cached identity is stale
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


# --- drafts of forms sent after the session expired ------------------------------------------------

DRAFT_SALT = "coachcare.coaching.draft"
#: A draft is restored within this time; older drafts are deleted unread.
DRAFT_KEEP = datetime.timedelta(days=7)
#: The longest text kept per field (the forms themselves allow less).
DRAFT_FIELD_MAX_LENGTH = 20_000


@dataclasses.dataclass(frozen=True, kw_only=True)
class DraftTicket:
    """What a form's hidden ``_draft`` field carries, signed: whose form it is, for which client,
    which posted fields to keep and where the form is shown again."""

    user_id: int
    client_id: int
    form: str
    fields: tuple[str, ...]
    path: str


def draft_ticket_sign(*, actor: User, client: Client, form: str, fields: list[str], path: str) -> str:
    """The signed ticket a form carries so that what is sent after the session expired can be kept
    for ``actor`` (``draft_keep``). Only the server can make one; it holds no content."""
    return signing.dumps(
        {"u": actor.pk, "c": client.pk, "f": form, "n": list(fields), "p": path}, salt=DRAFT_SALT, compress=True
    )


def draft_ticket_read(*, token: str) -> DraftTicket | None:
    """The ticket of a posted form, or ``None`` when it is missing, forged or older than a session
    can live (``SESSION_COOKIE_AGE``) plus a day."""
    max_age = settings.SESSION_COOKIE_AGE + 24 * 60 * 60
    try:
        value = signing.loads(token, salt=DRAFT_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    try:
        return DraftTicket(
            user_id=int(value["u"]),
            client_id=int(value["c"]),
            form=str(value["f"])[:100],
            fields=tuple(str(name) for name in value["n"]),
            path=str(value["p"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def draft_keep(*, ticket: DraftTicket, data: dict[str, str], access_point: AccessPoint) -> FormDraft | None:
    """Keep what was sent from a form after the writer's session expired, encrypted, for the writer
    named in the signed ticket (one draft per writer and form: a newer one replaces it). Nothing is
    kept for an inactive account, a form without text, or a writer who may no longer write there.
    Drafts nobody came back for within ``DRAFT_KEEP`` are deleted on the way."""
    drafts_expired_delete()
    user = User.objects.filter(pk=ticket.user_id, is_active=True).first()
    client = Client.objects.filter(pk=ticket.client_id).first()
    if user is None or client is None or not policy.can_keep_draft(user, client):
        return None
    kept = {name: str(data.get(name, ""))[:DRAFT_FIELD_MAX_LENGTH] for name in ticket.fields}
    if not any(value.strip() for value in kept.values()):
        return None
    with transaction.atomic():
        draft, _created = FormDraft.objects.update_or_create(
            user=user,
            form=ticket.form,
            defaults={"client": client, "data": json.dumps(kept), "saved_at": timezone.now()},
        )
        access_log_record(
            actor=user,
            event=Event.CREATE,
            action="portal.draft.keep",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return draft


def draft_take(*, actor: User, form: str, access_point: AccessPoint) -> dict[str, str] | None:
    """The writer's kept draft of ``form`` (posted field name -> text), deleted as it is handed back
    to be shown in the form again; ``None`` when there is none (or it is older than ``DRAFT_KEEP``)."""
    if not actor.is_authenticated:
        return None
    with transaction.atomic():
        draft = FormDraft.objects.select_for_update().filter(user=actor, form=form).select_related("client").first()
        if draft is None:
            return None
        draft.delete()
        if draft.saved_at < timezone.now() - DRAFT_KEEP or not policy.can_keep_draft(actor, draft.client):
            return None
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="portal.draft.restore",
            client_ids=[draft.client.public_id],
            access_point=access_point,
        )
    value = json.loads(draft.data)
    return {str(name): str(text) for name, text in value.items()} if isinstance(value, dict) else None


def drafts_expired_delete(*, now: datetime.datetime | None = None) -> int:
    """Delete drafts nobody came back for within ``DRAFT_KEEP``. Returns the number deleted."""
    deleted, _per_model = FormDraft.objects.filter(saved_at__lt=(now or timezone.now()) - DRAFT_KEEP).delete()
    return deleted

"""The young person's own work in the portal: assignment answers, diary check-ins, and appointments.

Answers, feedback and diary text are clinical content and encrypted at rest. Appointments are
administrative (when, where, with whom), so a calendar file can carry them. Writes go through
``coachcare.coaching.services`` only.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class AssignmentAnswer(models.Model):
    """The young person's answer to one assignment of a module run: a draft until submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="assignment_answers")
    module_run = models.ForeignKey(
        "trajectories.ModuleRun", on_delete=models.CASCADE, related_name="assignment_answers"
    )
    assignment = models.ForeignKey("method.Assignment", on_delete=models.PROTECT, related_name="answers")
    text = EncryptedTextField(_("answer"), blank=True, help_text="Free text, or the chosen option.")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    saved_at = models.DateTimeField(_("saved at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    feedback = EncryptedTextField(_("feedback"), blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    #: When the young person opened the module page after the latest feedback ("new" until then).
    feedback_read_at = models.DateTimeField(_("feedback read at"), null=True, blank=True)

    class Meta:
        ordering = ["module_run", "assignment__order"]
        verbose_name = _("assignment answer")
        verbose_name_plural = _("assignment answers")
        constraints = [
            models.UniqueConstraint(fields=["module_run", "assignment"], name="coaching_answer_once_per_run"),
        ]
        indexes = [
            models.Index(fields=["status", "feedback_at", "submitted_at"], name="coaching_answer_wait_idx"),
        ]

    def __str__(self) -> str:
        return f"answer {self.public_id} ({self.status})"


class DiaryEntry(models.Model):
    """A check-in by the young person: a mood from 1 (very bad) to 5 (very good) and optional text."""

    class Mood(models.IntegerChoices):
        VERY_BAD = 1, _("Very bad")
        BAD = 2, _("Not so good")
        OKAY = 3, _("Okay")
        GOOD = 4, _("Good")
        VERY_GOOD = 5, _("Very good")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="diary_entries")
    mood = models.PositiveSmallIntegerField(_("mood"), choices=Mood.choices)
    text = EncryptedTextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("written at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        constraints = [
            models.CheckConstraint(condition=Q(mood__gte=1, mood__lte=5), name="coaching_diary_mood_range"),
        ]
        indexes = [models.Index(fields=["client", "-created_at"], name="coaching_diary_client_idx")]

    def __str__(self) -> str:
        return f"diary entry {self.public_id}"


class Attendance(models.TextChoices):
    ATTENDED = "attended", _("attended")
    NOT_ATTENDED = "not_attended", _("not attended")


class Appointment(models.Model):
    """A session with the coach. Administrative: no clinical content in title or location."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("in person")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="appointments")
    trajectory = models.ForeignKey(
        "trajectories.Trajectory", null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OFFLINE)
    location = models.CharField(_("location"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    with_parents = models.BooleanField(_("parents are invited"), default=False)
    #: Whether the session was held with the young person (the municipality's materiële controle
    #: sees only this and the date: ``declarations.selectors.delivery_evidence_for``).
    attendance = models.CharField(
        _("attendance"), max_length=12, choices=Attendance.choices, blank=True, default="", db_default=""
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: The iCalendar SEQUENCE: raised by every move and by the cancellation (RFC 5545 3.8.7.4).
    sequence = models.PositiveIntegerField(_("version"), default=0, db_default=0)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    #: The ``sequence`` the young person (and invited parents) were last e-mailed about.
    notified_sequence = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="coaching_appointment_order"),
        ]
        indexes = [
            models.Index(fields=["client", "starts_at"], name="coaching_appt_client_idx"),
            # The first contact per trajectory (waiting times, monitoring.indicators.waiting_rows):
            # one index probe per trajectory instead of reading all its appointments.
            models.Index(
                fields=["trajectory", "starts_at"],
                condition=Q(cancelled_at__isnull=True),
                name="coaching_appt_first_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.public_id}"


class FormDraft(models.Model):
    """Text that was sent from a form after the writer's session had expired, kept so that nothing
    typed is lost: restored into the same form after the writer logs in again (and then deleted).

    Clinical content (a diary entry, an answer, a message), so encrypted like the real field and
    destroyed with the client file. Keyed to the writer and the form (``coachcare.coaching.drafts``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="form_drafts")
    #: Which form: ``diary``, ``answer:<module run>:<order>``, ``message:<thread>``.
    form = models.CharField(_("form"), max_length=100)
    #: The posted fields as JSON (name -> text), encrypted.
    data = EncryptedTextField(_("text"))
    saved_at = models.DateTimeField(_("saved at"))

    class Meta:
        verbose_name = _("form draft")
        verbose_name_plural = _("form drafts")
        constraints = [models.UniqueConstraint(fields=["user", "form"], name="coaching_draft_once_per_form")]

    def __str__(self) -> str:
        return f"draft {self.form}"

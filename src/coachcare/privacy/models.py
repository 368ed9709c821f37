"""Data rights: requests to destroy a file (Jeugdwet 7.3.9), the record that a file's content was
destroyed (on request, or because the retention period of Jeugdwet 7.3.8 ended), holds that keep a
file longer than the retention period, and the daily runs of the retention job.

None of these models has a foreign key to the client: they must survive the destroyed content (and
a later removal of the client row), so they hold the client's random ``public_id`` only, like the
NEN 7513 access log. People are kept as a snapshot (username and role), not as a foreign key.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class DestructionRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        REFUSED = "refused", _("refused")
        DONE = "done", _("done")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client_public_id = models.UUIDField(db_index=True)
    requested_by_user_id = models.BigIntegerField(null=True, blank=True)
    requested_by_username = models.CharField(max_length=150)
    requested_by_role = models.CharField(max_length=20)
    requested_at = models.DateTimeField()
    deadline = models.DateField(help_text="Jeugdwet 7.3.9: within three months of the request.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by_username = models.CharField(max_length=150, blank=True)
    decided_by_role = models.CharField(max_length=20, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = EncryptedTextField(
        _("reason"),
        blank=True,
        help_text=_("Required for a refusal: the legal provision or the other person's substantial interest."),
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("destruction request")
        verbose_name_plural = _("destruction requests")
        constraints = [
            models.UniqueConstraint(
                fields=["client_public_id"],
                condition=models.Q(status="open"),
                name="destruction_one_open_request_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"destruction request {self.public_id} ({self.status})"


class DestructionRecord(models.Model):
    """That a file's clinical content was destroyed: why, who asked, who did it, when, what and how much.

    ``categories`` maps a category (a model, or a model's field) to the number of rows destroyed
    or emptied. It never holds any of the destroyed content.

    Two reasons: the young person's request (Jeugdwet 7.3.9; ``request`` and ``requested_by_*``
    are set, the team lead executed) or the end of the retention period (Jeugdwet 7.3.8; no
    request, no requester, executed by ``system``, ``end_of_care`` is the day the 20 years were
    counted from).
    """

    class Reason(models.TextChoices):
        REQUEST = "request", _("at the young person's request")
        RETENTION = "retention", _("retention period ended")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.REQUEST)
    request = models.OneToOneField(
        DestructionRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="record"
    )
    client_public_id = models.UUIDField(db_index=True)
    requested_by_username = models.CharField(max_length=150, blank=True)
    requested_by_role = models.CharField(max_length=20, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    end_of_care = models.DateField(
        null=True, blank=True, help_text="Retention only: the end of care the 20 years were counted from."
    )
    executed_by_username = models.CharField(max_length=150)
    executed_by_role = models.CharField(max_length=20)
    executed_at = models.DateTimeField()
    categories = models.JSONField(default=dict)

    class Meta:
        ordering = ["-executed_at", "-id"]
        verbose_name = _("destruction record")
        verbose_name_plural = _("destruction records")

    def __str__(self) -> str:
        return f"destruction record {self.public_id}"


class RetentionHold(models.Model):
    """Keep a file longer than the retention period (Jeugdwet 7.3.8: "langer als dat nodig is").

    While a hold runs (``until`` on or after the day of the retention run) the retention job does
    not destroy the file, whatever the end of care. Typical reasons: a judicial measure or legal
    proceedings, a complaint or disciplinary case, a request of the young person to keep the file.
    The reason can name such a measure, so it is encrypted. A hold is never deleted: it is ended by
    setting ``until`` (``privacy.services.retention_hold_place`` / ``retention_hold_change``).
    A hold does not stop a destruction *request*: the team lead weighs that request on its own
    merits (docs/data-rights.md).
    """

    public_id = models.UUIDField(_("number"), default=uuid.uuid4, unique=True, editable=False)
    client_public_id = models.UUIDField(
        _("client"), db_index=True, help_text=_("The public id of the young person's file (as in its address).")
    )
    reason = EncryptedTextField(
        _("reason"), help_text=_("Why the file must be kept longer: the legal provision, measure or proceedings.")
    )
    until = models.DateField(_("keep until"), help_text=_("The file is kept at least until this day."))
    placed_by_username = models.CharField(_("placed by (user name)"), max_length=150)
    placed_by_role = models.CharField(_("placed by (role)"), max_length=20)
    placed_at = models.DateTimeField(
        _("placed on"),
    )
    changed_by_username = models.CharField(_("changed by (user name)"), max_length=150, blank=True)
    changed_at = models.DateTimeField(_("changed on"), null=True, blank=True)

    class Meta:
        ordering = ["-until", "-id"]
        verbose_name = _("retention hold")
        verbose_name_plural = _("retention holds")

    def __str__(self) -> str:
        return f"retention hold {self.public_id} until {self.until:%Y-%m-%d}"


class RetentionRun(models.Model):
    """One scheduled daily run of the retention job (``privacy.tasks.retention_apply_task``).

    At most one row per day (``run_on`` is unique): that is what keeps two copies of the daily
    task from being queued. ``task_id`` is the queued task; ``result`` holds counts only.
    """

    run_on = models.DateField(_("run on"), unique=True)
    run_after = models.DateTimeField(
        _("not before"),
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    scheduled_at = models.DateTimeField(
        _("scheduled on"),
    )
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        ordering = ["-run_on"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"retention run {self.run_on:%Y-%m-%d}"

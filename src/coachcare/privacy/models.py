"""Data rights: requests to destroy a file (Jeugdwet 7.3.9) and the record that it was done.

Neither model has a foreign key to the client: both must survive the destroyed content (and a
later removal of the client row), so they hold the client's random ``public_id`` only, like the
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
    """That a file's clinical content was destroyed: who asked, who did it, when, what and how much.

    ``categories`` maps a category (a model, or a model's field) to the number of rows destroyed
    or emptied. It never holds any of the destroyed content.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.OneToOneField(DestructionRequest, on_delete=models.PROTECT, related_name="record")
    client_public_id = models.UUIDField(db_index=True)
    requested_by_username = models.CharField(max_length=150)
    requested_by_role = models.CharField(max_length=20)
    requested_at = models.DateTimeField()
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

"""What was exchanged: the files read (``IncomingMessage``) and written (``OutgoingMessage``).

Only administrative traces: message name, identification, sha256 and allocation numbers; the
XML itself (which carries the BSN) is not stored.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncomingMessage(models.Model):
    """A message read by ``ijw_import``. The same file twice is recognised by its sha256."""

    berichtcode = models.CharField(_("message code"), max_length=3)
    identification = models.CharField(_("identification"), max_length=12)
    sender = models.CharField(_("sender"), max_length=8)
    sha256 = models.CharField(max_length=64, unique=True)
    #: for a retour message: the identification of the message answered, with its retour codes.
    refers_to = models.CharField(_("answers message"), max_length=36, blank=True)
    retour_codes = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("incoming iJw message")
        verbose_name_plural = _("incoming iJw messages")
        constraints = [
            models.UniqueConstraint(fields=["sender", "identification"], name="ijw_incoming_unique_identification"),
        ]

    def __str__(self) -> str:
        return f"{self.berichtcode} {self.identification}"


class OutgoingMessage(models.Model):
    """A message written by ``ijw_export``: its identification is never used twice (TR056).

    ``content_key`` is the sha256 of the message without identification and dagtekening: a
    re-export of the same content reuses the identification and dagtekening, so it writes the
    same file again instead of a second message.
    """

    berichtcode = models.CharField(_("message code"), max_length=3)
    identification = models.CharField(_("identification"), max_length=12, unique=True)
    dagtekening = models.DateField(_("dagtekening"))
    municipality_code = models.CharField(_("municipality"), max_length=4)
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    content_key = models.CharField(max_length=64, unique=True)
    sha256 = models.CharField(max_length=64)
    toewijzing_nummers = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing iJw message")
        verbose_name_plural = _("outgoing iJw messages")
        indexes = [models.Index(fields=["municipality_code", "period"], name="ijw_outgoing_period_idx")]

    def __str__(self) -> str:
        return f"{self.berichtcode} {self.identification}"

"""What was exchanged: the files read (``IncomingMessage``) and written (``OutgoingMessage``).

Only administrative traces: message name, identification, sha256 and allocation numbers; the
XML itself (which carries the BSN) is not stored.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from coachcare.ijw.codes import MESSAGE_BY_CODE


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


class HeldMessage(models.Model):
    """An outgoing message ``ijw_export`` did not write because it broke a rule (the worklist).

    One row per message kept back (per municipality, month, message kind and what it is about);
    the export writes every other message. The next export of the same month writes it when the
    problem is fixed and then deletes the row. Only rule codes, element paths and the client's
    public id are kept: never a BSN, a name or the rule's text (which may quote a value).
    """

    berichtcode = models.CharField(_("message code"), max_length=3)
    municipality_code = models.CharField(_("municipality"), max_length=4)
    provider_agb = models.CharField(_("care provider"), max_length=8)
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    #: sha256 of message kind, municipality, month and the keys it is about (allocation numbers,
    #: request ids, declaration number): the same message held again is the same row.
    subject_key = models.CharField(max_length=64, unique=True)
    client_public_ids = models.JSONField(_("clients"), default=list, blank=True)
    #: ``[[rule, path], ...]``, e.g. ``[["OP072", "/Bericht/Client/StopProducten/StopProduct[1]/ToewijzingNummer"]]``
    violations = models.JSONField(_("rule codes"), default=list)
    first_held_at = models.DateTimeField(_("held since"))
    held_at = models.DateTimeField(_("last held"))

    class Meta:
        ordering = ["municipality_code", "period", "berichtcode", "id"]
        verbose_name = _("held iJw message")
        verbose_name_plural = _("held iJw messages")
        indexes = [models.Index(fields=["municipality_code", "period"], name="ijw_held_period_idx")]

    def __str__(self) -> str:
        return f"{self.berichtcode} {self.municipality_code} {self.period}"

    @property
    def message_name(self) -> str:
        return MESSAGE_BY_CODE.get(self.berichtcode, self.berichtcode)

    @property
    def rule_codes(self) -> list[str]:
        return list(dict.fromkeys(rule for rule, _path in self.violations))


class RetourRecord(models.Model):
    """One record of a retour message (JW306/308/316/318) on a message we sent: accepted or refused.

    ``record_key`` is the allocation number (JW305/JW307) or our reference (JW315/JW317) of the
    record answered; empty for the header (a whole message refused). Refused records are the
    provider administration's worklist.
    """

    incoming = models.ForeignKey(IncomingMessage, on_delete=models.CASCADE, related_name="retour_records")
    answered_berichtcode = models.CharField(_("message answered"), max_length=3)
    answered_identification = models.CharField(_("identification answered"), max_length=12)
    municipality_code = models.CharField(_("municipality"), max_length=4)
    provider_agb = models.CharField(_("care provider"), max_length=8)
    record_key = models.CharField(_("record"), max_length=36, blank=True)
    retour_codes = models.JSONField(_("retour codes"), default=list)
    accepted = models.BooleanField(_("accepted"))

    class Meta:
        ordering = ["-incoming__received_at", "id"]
        verbose_name = _("iJw retour record")
        verbose_name_plural = _("iJw retour records")

    def __str__(self) -> str:
        return f"{self.answered_identification} {self.record_key or '-'}"

    @property
    def answered_message_name(self) -> str:
        return MESSAGE_BY_CODE.get(self.answered_berichtcode, self.answered_berichtcode)

"""What the provider tells and bills the municipality about delivered care (iJw JW305, JW307, JW323).

- ``CareStart`` (JW305 start zorg) and ``CareStop`` (JW307 stop zorg) are derived from the
  trajectory data by ``coachcare.declarations.services.care_events_sync``: nobody types them.
  One start per module run that has an allocation, or whose module is task-based (taakgericht:
  no allocation, the contract product instead); one stop per started run that finished or whose
  trajectory closed (OP072: never a stop without a start).
- ``Declaration`` (JW323 declaratie): one provider's invoice to one municipality for one calendar
  month (TR387/TR388), with one ``DeclarationLine`` per delivered module: output-based volume 1
  of unit 82; effort-based the units of time of the sessions held (unit of the product). Nothing
  is declared for a task-based module (the lump sum pays).
  A module run is declared at most once (unique constraint). The JW325 answer is stored per line.

Only administrative data lives here (client, allocation, product, dates, volume, amounts):
nothing said or written in care. Writes go through ``coachcare.declarations.services``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coachcare.trajectories.models import EndReason


class StatusAanlevering(models.TextChoices):
    """iJw status aanlevering (OP033): 1 new, 3 delete; 2 is not used."""

    NEW = "1", _("new")
    DELETE = "3", _("delete")


class CareStart(models.Model):
    """JW305: care under an allocation started (one per module run)."""

    #: Empty for a task-based (taakgericht) module: no allocation per young person; ``product`` says which.
    allocation = models.ForeignKey(
        "contracts.Allocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_starts",
        verbose_name=_("allocation"),
    )
    product = models.ForeignKey(
        "contracts.ContractProduct",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contract product"),
    )
    module_run = models.OneToOneField(
        "trajectories.ModuleRun", on_delete=models.PROTECT, related_name="care_start", verbose_name=_("module run")
    )
    begindatum = models.DateField(_("start date"))
    status_aanlevering = models.CharField(
        _("status"), max_length=1, choices=StatusAanlevering.choices, default=StatusAanlevering.NEW
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["begindatum", "id"]
        verbose_name = _("start of care")
        verbose_name_plural = _("starts of care")
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation__isnull=False) | Q(product__isnull=False),
                name="care_start_has_allocation_or_product",
            ),
        ]
        indexes = [models.Index(fields=["sent_at"], name="care_start_unsent_idx")]

    def __str__(self) -> str:
        return f"start of care for module run {self.module_run_id}"


class CareStop(models.Model):
    """JW307: care under an allocation stopped, with the iJw reason (JZ588)."""

    #: Empty for a task-based (taakgericht) module: no allocation per young person; ``product`` says which.
    allocation = models.ForeignKey(
        "contracts.Allocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_stops",
        verbose_name=_("allocation"),
    )
    product = models.ForeignKey(
        "contracts.ContractProduct",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contract product"),
    )
    module_run = models.OneToOneField(
        "trajectories.ModuleRun", on_delete=models.PROTECT, related_name="care_stop", verbose_name=_("module run")
    )
    begindatum = models.DateField(_("start date"))
    einddatum = models.DateField(_("end date"))
    reden = models.CharField(_("reason (JZ588)"), max_length=2, choices=EndReason.choices)
    status_aanlevering = models.CharField(
        _("status"), max_length=1, choices=StatusAanlevering.choices, default=StatusAanlevering.NEW
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["einddatum", "id"]
        verbose_name = _("stop of care")
        verbose_name_plural = _("stops of care")
        constraints = [
            models.CheckConstraint(condition=Q(einddatum__gte=F("begindatum")), name="care_stop_period_ordered"),
            models.CheckConstraint(
                condition=Q(allocation__isnull=False) | Q(product__isnull=False),
                name="care_stop_has_allocation_or_product",
            ),
        ]
        indexes = [models.Index(fields=["sent_at"], name="care_stop_unsent_idx")]

    def __str__(self) -> str:
        return f"stop of care for module run {self.module_run_id}"


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    ANSWERED = "answered", _("answered")


class Declaration(models.Model):
    """A JW323 declaratie: one provider, one municipality, one calendar month."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    declaratienummer = models.CharField(_("declaration number"), max_length=12, unique=True)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("municipality"),
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="declarations", verbose_name=_("provider")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.DRAFT
    )
    total_cents = models.PositiveBigIntegerField(_("total (cents)"), default=0)
    awarded_cents = models.PositiveBigIntegerField(_("awarded (cents)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "municipality__name", "declaratienummer"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="declaration_period_ordered"),
        ]
        indexes = [
            models.Index(fields=["municipality", "-period_start"], name="declaration_municipality_idx"),
            models.Index(fields=["provider", "-period_start"], name="declaration_provider_idx"),
        ]

    def __str__(self) -> str:
        return f"declaration {self.declaratienummer}"


class DeclarationLine(models.Model):
    """One delivered module (prestatie): volume × tariff under one allocation (volume 1 of unit 82
    output-based; effort-based the units of time of the sessions held, in the product's unit)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lines")
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    module_run = models.OneToOneField(
        "trajectories.ModuleRun", on_delete=models.PROTECT, related_name="declaration_line"
    )
    allocation = models.ForeignKey("contracts.Allocation", on_delete=models.PROTECT, related_name="declaration_lines")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="declaration_lines")
    product = models.ForeignKey("contracts.ContractProduct", on_delete=models.PROTECT, related_name="+")
    begindatum = models.DateField(_("delivered from"))
    einddatum = models.DateField(_("delivered until"))
    volume = models.PositiveIntegerField(_("volume"), default=1)
    unit = models.CharField(_("unit (WJ756)"), max_length=2, default="82")
    tariff_cents = models.PositiveIntegerField(_("tariff (cents)"))
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    retourcode = models.CharField(_("return code (WJ001)"), max_length=4, blank=True)
    awarded_cents = models.PositiveBigIntegerField(_("awarded (cents)"), null=True, blank=True)

    class Meta:
        ordering = ["declaration", "id"]
        verbose_name = _("declaration line")
        verbose_name_plural = _("declaration lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents=F("volume") * F("tariff_cents")), name="declaration_line_amount_tr346"
            ),
            models.CheckConstraint(condition=Q(einddatum__gte=F("begindatum")), name="declaration_line_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"line {self.reference}"

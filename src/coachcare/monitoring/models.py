"""Monitoring: the story behind the numbers, forecast alerts and the municipality's reference cost.

Nothing here holds client data: annotations are administrative or aggregate commentary (plain
text, escaped on output), alerts name a municipality and a month, reference costs are money.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Annotation(models.Model):
    """Commentary on one indicator over one period, by municipality or provider staff."""

    municipality = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("municipality"),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("provider"),
    )
    indicator_code = models.CharField(_("indicator"), max_length=40)
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period until"))
    text = models.TextField(
        _("comment"),
        max_length=2000,
        help_text=_("Administrative or aggregate commentary only: never anything about an individual young person."),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator_code", "-period_to", "-created_at"]
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        indexes = [
            models.Index(fields=["municipality", "period_to"], name="annotation_municipality_idx"),
            models.Index(fields=["provider", "period_to"], name="annotation_provider_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")), name="annotation_period_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(municipality__isnull=False) | models.Q(provider__isnull=False),
                name="annotation_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.period_from}–{self.period_to}"


class ForecastAlert(models.Model):
    """Spending deviated from the forecast in one month: at most one per municipality and month."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="forecast_alerts"
    )
    month = models.DateField(help_text="First day of the month.")
    expected_cents = models.BigIntegerField()
    actual_cents = models.BigIntegerField()
    deviation = models.FloatField(help_text="(actual - expected) / expected")
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="forecast_alert_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"forecast alert {self.municipality_id} {self.month:%Y-%m}"


class ReferenceCost(models.Model):
    """What a successful trajectory costs elsewhere (the municipality's own benchmark, in cents)."""

    municipality = models.OneToOneField(
        "municipalities.Municipality",
        on_delete=models.CASCADE,
        related_name="reference_cost",
        verbose_name=_("municipality"),
    )
    amount_cents = models.PositiveBigIntegerField(_("reference cost per successful trajectory (cents)"))
    description = models.CharField(
        _("source of the reference"), max_length=300, blank=True, help_text=_("For example: regular youth care, 2025.")
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reference cost")
        verbose_name_plural = _("reference costs")

    def __str__(self) -> str:
        return f"reference cost {self.municipality_id}"

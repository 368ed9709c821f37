import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    """A gemeente, identified by its CBS code (4 digits, as used in iJw messages)."""

    code = models.CharField(
        _("CBS code"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("A CBS municipality code has 4 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class MunicipalityMerger(models.Model):
    """A municipal merger (gemeentelijke herindeling): from ``effective_on`` the old municipality is
    part of ``new`` (the legal successor). One row per old code; recorded by the command
    ``municipality_merge`` (``trajectories.services.municipality_merge``, docs/legal-basis.md)."""

    old = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, related_name="merged_into", verbose_name=_("old municipality")
    )
    new = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="merged_from", verbose_name=_("new municipality")
    )
    effective_on = models.DateField(_("from the day"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "old__code"]
        verbose_name = _("municipal merger")
        verbose_name_plural = _("municipal mergers")

    def __str__(self) -> str:
        return f"{self.old_id} -> {self.new_id} on {self.effective_on}"


class Region(models.Model):
    """A jeugdregio: municipalities that buy youth care together (one regional contract per provider).

    Which municipalities belong to it is a matter of periods (``RegionMembership``): a municipality
    belongs to at most one region on any date. The lead municipality (centrumgemeente) holds the
    regional contracts and its staff see the region's dashboard (``access.policy``).
    """

    public_id = models.UUIDField(_("number"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    lead_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="led_regions",
        verbose_name=_("lead municipality"),
        help_text=_("The centrumgemeente that contracts on behalf of the region and sees its dashboard."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("youth care region")
        verbose_name_plural = _("youth care regions")

    def __str__(self) -> str:
        return self.name


class RegionMembership(models.Model):
    """A municipality belongs to a region from ``valid_from`` until ``valid_to`` (inclusive; empty:
    no end). Periods of one municipality never overlap, whatever the region
    (``municipalities.services.region_membership_check``)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("region"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="region_memberships", verbose_name=_("municipality")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no end date."))

    class Meta:
        ordering = ["region", "municipality__name", "valid_from"]
        verbose_name = _("region membership")
        verbose_name_plural = _("region memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="region_membership_period_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["municipality", "valid_from"], name="region_membership_idx")]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.region} ({self.valid_from:%Y-%m-%d})"

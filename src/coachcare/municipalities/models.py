from django.core.validators import RegexValidator
from django.db import models
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

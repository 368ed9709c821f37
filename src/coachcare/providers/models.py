from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.Model):
    """A youth-care provider (zorgaanbieder), identified by its AGB code (8 digits)."""

    agb_code = models.CharField(
        _("AGB code"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^\d{8}$", _("An AGB code has 8 digits."))],
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="teams", verbose_name=_("provider"))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["provider__name", "name"]
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="team_unique_name_per_provider")]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return f"{self.provider.name}: {self.name}"

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

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

#: A phone number as people write it: digits with spaces or hyphens, optionally starting with +.
PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9][0-9 -]{5,18}[0-9]$", _("Enter a phone number of digits, spaces and hyphens, e.g. 030 123 45 67.")
)


def phone_dial_string(number: str) -> str:
    """``number`` without spaces and hyphens, for a ``tel:`` link."""
    return "".join(c for c in number if c.isdigit() or c == "+")


class GateDeviation(models.TextChoices):
    """The kinds of gate decision that differ from the advice (``trajectories.gate.gate_deviations``)."""

    STOP_AGAINST_ADVICE = "stop_against_advice", _("stopping while the advice is to continue or step up")
    SKIP_STEP_UP = "skip_step_up", _("not stepping up while the advice is to step up")
    CONTINUE_AGAINST_STOP = "continue_against_stop", _("continuing while the advice is to stop")
    OTHER_MODULE = "other_module", _("continuing with another module than the advised one")
    STEP_UP_AGAINST_ADVICE = "step_up_against_advice", _("stepping up while the advice is to stop or continue")


#: By default the team lead approves only the two decisions that risk ending care too early.
DEFAULT_GATE_APPROVALS = [GateDeviation.STOP_AGAINST_ADVICE.value, GateDeviation.SKIP_STEP_UP.value]


def default_gate_approvals() -> list[str]:
    return list(DEFAULT_GATE_APPROVALS)


class Provider(models.Model):
    """A youth-care provider (zorgaanbieder), identified by its AGB code (8 digits)."""

    agb_code = models.CharField(
        _("AGB code"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^\d{8}$", _("An AGB code has 8 digits."))],
    )
    name = models.CharField(_("name"), max_length=200)
    # Shown to the provider's young people and parents on the crisis page (/hulp/): who answers
    # outside office hours. Blank: the page shows only the national numbers.
    out_of_hours_phone = models.CharField(
        _("out-of-hours phone number"),
        max_length=20,
        blank=True,
        default="",
        # A database default too: bulk loaders that name their columns (synthetic) need not know it.
        db_default="",
        validators=[PHONE_VALIDATOR],
        help_text=_("Shown to young people and parents on the crisis page, e.g. 030 123 45 67."),
    )
    #: Which gate decisions against the advice wait for the team lead (docs/trajectories.md).
    gate_approval_required = models.JSONField(
        _("gate decisions that need the team lead's approval"),
        default=default_gate_approvals,
        db_default=DEFAULT_GATE_APPROVALS,
        blank=True,
        help_text=_("Codes of GateDeviation; the others are recorded as deviations but need no approval."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    @property
    def out_of_hours_tel(self) -> str:
        """The out-of-hours number as a ``tel:`` target: digits and a leading plus only."""
        return phone_dial_string(self.out_of_hours_phone)


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

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    JONGERE = "jongere", _("young person")
    OUDER = "ouder", _("parent")
    COACH = "coach", _("coach")
    TEAMLEIDER = "teamleider", _("team lead")
    GEMEENTE_TOEGANG = "gemeente-toegang", _("municipality access team")
    GEMEENTE_BELEID = "gemeente-beleid", _("municipality policy and budget")
    BEHEERDER = "beheerder", _("administrator")
    #: The service account of an external e-health module (Koppeltaal): no screens, no password;
    #: an API token that reads only the FHIR Tasks of its modules (``access.policy.api_scope``).
    MODULE_VENDOR = "module-vendor", _("e-health module (service account)")


#: Roles that must log in with a second factor (rules.md: professionals use two factors).
PROFESSIONAL_ROLES = frozenset(
    {Role.COACH, Role.TEAMLEIDER, Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID, Role.BEHEERDER}
)
MUNICIPALITY_ROLES = frozenset({Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID})
PROVIDER_ROLES = frozenset({Role.COACH, Role.TEAMLEIDER})


def _values_in_order(roles: frozenset[Role]) -> list[str]:
    """Role values in declaration order: a frozenset's order changes per process (hash seed), and
    the check constraints built from it must be stable or ``makemigrations --check`` flaps."""
    return [role.value for role in Role if role in roles]


class User(AbstractUser):
    """A person who logs in. One role per account; organisation links depend on the role."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("provider"),
    )
    team = models.ForeignKey(
        "providers.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("team"),
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("municipality"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="user_role_valid"),
            models.CheckConstraint(
                condition=~models.Q(role__in=_values_in_order(MUNICIPALITY_ROLES))
                | models.Q(municipality__isnull=False),
                name="user_municipality_role_has_municipality",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=_values_in_order(PROVIDER_ROLES))
                | (models.Q(provider__isnull=False) & models.Q(team__isnull=False)),
                name="user_provider_role_has_team",
            ),
        ]

    @property
    def is_professional(self) -> bool:
        return self.role in PROFESSIONAL_ROLES

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

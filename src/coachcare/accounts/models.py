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


#: Roles an organisation's administrator invites: a provider's administrator its coaches and team
#: leads, a municipality's administrator its access and policy staff.
STAFF_INVITATION_ROLES = PROVIDER_ROLES | MUNICIPALITY_ROLES


class Invitation(models.Model):
    """An invitation to create an account: e-mailed as a single-use link that expires.

    Only the SHA-256 hash of the token is stored; the token itself is only in the e-mailed link.
    Who it is for (``kind``):

    - ``jongere``: the young person of ``client``; accepting links ``Client.user``.
    - ``ouder``: a parent or carer of ``client``; accepting records the gezag relation with
      ``parent_has_gezag``. (Hook for the family records: when the parent/carer records exist, the
      invitation points at that record and accepting sets its account instead.)
    - ``staff``: a coach or team lead of ``team`` (its provider in ``provider``), or access or policy
      staff of ``municipality``.

    A resend revokes the invitation and makes a new one, so an old link is dead.
    """

    class Kind(models.TextChoices):
        YOUNG_PERSON = "jongere", _("young person")
        PARENT = "ouder", _("parent or carer")
        STAFF = "staff", _("staff")

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("invited as"), max_length=10, choices=Kind.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    first_name = models.CharField(_("first name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("client"),
    )
    parent_has_gezag = models.BooleanField(_("has parental authority"), null=True, blank=True)
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("providers.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(
        "municipalities.Municipality", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("invited on"))
    expires_at = models.DateTimeField(_("expires on"))
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("account created"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            models.Index(fields=["client", "kind", "-created_at"], name="invitation_client_idx"),
            models.Index(fields=["provider", "-created_at"], name="invitation_provider_idx"),
            models.Index(fields=["municipality", "-created_at"], name="invitation_municipality_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=["jongere", "ouder"]) | models.Q(client__isnull=False),
                name="invitation_family_has_client",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="staff")
                | models.Q(team__isnull=False, provider__isnull=False)
                | models.Q(municipality__isnull=False),
                name="invitation_staff_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.kind})"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

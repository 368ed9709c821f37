from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
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


#: Roles that must log in with a second factor (docs/legal-basis.md: professionals use two factors).
PROFESSIONAL_ROLES = frozenset(
    {Role.COACH, Role.TEAMLEIDER, Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID, Role.BEHEERDER}
)
MUNICIPALITY_ROLES = frozenset({Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID})
PROVIDER_ROLES = frozenset({Role.COACH, Role.TEAMLEIDER})


def _values_in_order(roles: frozenset[Role]) -> list[str]:
    """Role values in declaration order: a frozenset's order changes per process (hash seed), and
    the check constraints built from it must be stable or ``makemigrations --check`` flaps."""
    return [role.value for role in Role if role in roles]


class UserManager(DjangoUserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> "User":
        """``manage.py createsuperuser`` on the server, the only way to a superuser (never the web):
        an administrator account, as every account has a role."""
        extra_fields.setdefault("role", Role.BEHEERDER)
        return super().create_superuser(username, email, password, **extra_fields)


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
    #: When the content-free "something is waiting for you" e-mail was last sent (at most weekly).
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

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


# --- Four-eyes changes of accounts (docs/security.md, "The administration site") -------------------


class UserChangeRequest(models.Model):
    """A change of someone else's account that one administrator requests and another approves.

    Role and organisation changes, a password set by someone else and a second-factor reset take
    effect only on approval (``accounts.services.user_change_request_approve``). A new password is
    kept as a hash, never in plain text. Requests are never deleted: they are the record of who
    asked and who decided, next to the NEN 7513 log entries the services write.
    """

    class Kind(models.TextChoices):
        ROLE = "role", _("role and organisation")
        PASSWORD = "password", _("password")
        SECOND_FACTOR = "second_factor", _("second factor reset")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("account")
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="change_requests_made", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    new_role = models.CharField(_("new role"), max_length=20, choices=Role.choices, blank=True)
    new_team = models.ForeignKey(
        "providers.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("new team"),
    )
    new_municipality = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("new municipality"),
    )
    #: The new password as Django's password hash (``make_password``); emptied once decided.
    password_hash = models.CharField(_("password hash"), max_length=128, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_requests_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account change request")
        verbose_name_plural = _("account change requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("target")), name="userchangerequest_not_on_oneself"
            ),
            models.CheckConstraint(
                # Nobody decides on their own account; nobody approves their own request (they may
                # withdraw it: rejected by the requester).
                condition=models.Q(decided_by__isnull=True)
                | (
                    ~models.Q(decided_by=models.F("target"))
                    & (~models.Q(status="approved") | ~models.Q(decided_by=models.F("requested_by")))
                ),
                name="userchangerequest_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["target", "kind"],
                condition=models.Q(status="pending"),
                name="userchangerequest_one_pending_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target} ({self.get_status_display()})"


#: Roles an organisation's administrator invites: a provider's administrator its coaches and team
#: leads, a municipality's administrator its access and policy staff.
STAFF_INVITATION_ROLES = PROVIDER_ROLES | MUNICIPALITY_ROLES


class Invitation(models.Model):
    """An invitation to create an account: e-mailed as a single-use link that expires.

    Only the SHA-256 hash of the token is stored; the token itself is only in the e-mailed link.
    Who it is for (``kind``):

    - ``jongere``: the young person of ``client``; accepting links ``Client.user``.
    - ``ouder``: the family member ``relation`` (a ``clients.GezagRelation`` of ``client`` with
      gezag, who uses the portal); accepting links the new account to that record
      (``clients.services.carer_account_link``), it never makes a new one.
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
    relation = models.ForeignKey(
        "clients.GezagRelation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("family member"),
    )
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
                condition=~models.Q(kind="ouder") | models.Q(relation__isnull=False),
                name="invitation_parent_has_relation",
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

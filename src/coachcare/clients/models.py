import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class EarlierCareKind(models.TextChoices):
    """The evidence of youth care before 18 recorded at referral (verlengde jeugdhulp, docs/legal-basis.md)."""

    STARTED = "started", _("youth care started before 18")
    DECIDED = "decided", _("youth care decided before 18")


class Client(models.Model):
    """A young person in care (jongere). Administrative data lives here; clinical data elsewhere.

    The BSN is stored encrypted; ``bsn_hash`` (keyed HMAC) makes it unique and findable without
    decrypting. URLs use ``public_id`` (a random UUID) so neither the BSN nor a guessable number
    ever appears in a URL.
    """

    public_id = models.UUIDField(_("number"), default=uuid.uuid4, unique=True, editable=False)
    bsn = EncryptedTextField(_("BSN"))
    bsn_hash = models.CharField(_("BSN hash"), max_length=64, editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("municipality of residence"),
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="clients", verbose_name=_("provider")
    )
    team = models.ForeignKey("providers.Team", on_delete=models.PROTECT, related_name="clients", verbose_name=_("team"))
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
        verbose_name=_("coach"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_record",
        verbose_name=_("account of the young person"),
    )
    referred_on = models.DateField(_("referral date"))
    #: Evidence of youth care that started or was decided before the 18th birthday, recorded at
    #: referral (``clients.services.client_youth_care_eligibility``; docs/legal-basis.md,
    #: "Youth care from 18"). Administrative data: the kind, the date, when it ended (empty: it still
    #: runs) and its source (for example "beschikking gemeente Utrecht 12-03-2024"), never content.
    earlier_care_kind = models.CharField(
        _("youth care before 18"),
        max_length=10,
        choices=EarlierCareKind.choices,
        blank=True,
        default="",
        db_default="",
    )
    earlier_care_on = models.DateField(_("youth care before 18 started or decided on"), null=True, blank=True)
    earlier_care_ended_on = models.DateField(_("youth care before 18 ended on"), null=True, blank=True)
    earlier_care_source = models.CharField(
        _("source of the youth care before 18"), max_length=300, blank=True, default="", db_default=""
    )
    #: Contact details of the young person (validated by ``clients.services.contact_details_clean``;
    #: the mobile number in E.164, for example +31612345678). Administrative data.
    email = models.EmailField(_("e-mail address"), blank=True, default="", db_default="")
    mobile = models.CharField(_("mobile number"), max_length=16, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("registered in the system on"), auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            # One file per young person per provider; another provider keeps its own file, and a
            # coach cannot learn from a refusal that the young person is in care elsewhere.
            models.UniqueConstraint(fields=["provider", "bsn_hash"], name="client_unique_bsn_per_provider"),
        ]
        indexes = [
            models.Index(fields=["bsn_hash"], name="client_bsn_hash_idx"),
            # Lists are ordered by name within a caseload, team or municipality: these indexes
            # serve both the filter and the order, so a page is a range scan, not a sort.
            models.Index(fields=["coach", "family_name", "given_name", "id"], name="client_coach_idx"),
            models.Index(fields=["team", "family_name", "given_name", "id"], name="client_team_idx"),
            models.Index(fields=["municipality", "family_name", "given_name", "id"], name="client_municipality_idx"),
            # Aggregates per age band (indicators, dashboards) read only these columns: an
            # index-only scan instead of visiting every client row of the municipality or team.
            models.Index(fields=["municipality", "birth_date"], name="client_municipality_age_idx"),
            models.Index(fields=["team", "birth_date"], name="client_team_age_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class GezagRelation(models.Model):
    """A family member or carer of a young person (gezinslid): a parent, a voogd (a person or a
    gecertificeerde instelling), a foster carer, with or without parental authority (gezag).

    The record exists without an account: ``parent`` links the person's parent account once they
    use the portal. Whether they have gezag on a day is ``has_gezag`` within ``gezag_from`` to
    ``gezag_ends_on`` (the day gezag ends: from that day on it no longer counts); the access policy
    asks it through ``access.policy.gezag_on`` and every change is kept in ``GezagChange``.
    The BSN is optional, stored encrypted with a keyed hash like the client's.
    """

    class Kind(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        PARENT = "parent", _("other parent")
        GUARDIAN = "guardian", _("voogd (a person)")
        GI = "gi", _("voogd: gecertificeerde instelling (GI)")
        FOSTER_CARER = "foster_carer", _("foster carer")
        OTHER = "other", _("other")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="gezag_relations")
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="gezag_relations",
        verbose_name=_("parent account"),
    )
    kind = models.CharField(
        _("relation"), max_length=20, choices=Kind.choices, default=Kind.PARENT, db_default=Kind.PARENT
    )
    given_name = models.CharField(_("given name"), max_length=100, blank=True, default="", db_default="")
    family_name = models.CharField(_("family name"), max_length=150, blank=True, default="", db_default="")
    organisation_name = models.CharField(
        _("name of the organisation"), max_length=200, blank=True, default="", db_default=""
    )
    has_gezag = models.BooleanField(_("has parental authority"), default=True)
    gezag_from = models.DateField(_("gezag from"), null=True, blank=True)
    gezag_ends_on = models.DateField(_("gezag ends on"), null=True, blank=True)
    gezag_source = models.CharField(_("source document"), max_length=300, blank=True, default="", db_default="")
    email = models.EmailField(_("e-mail address"), blank=True, default="", db_default="")
    mobile = models.CharField(_("mobile number"), max_length=16, blank=True, default="", db_default="")
    bsn = EncryptedTextField(_("BSN"), blank=True, default="", db_default="")
    bsn_hash = models.CharField(max_length=64, blank=True, editable=False, default="", db_default="")
    uses_portal = models.BooleanField(_("uses the portal"), default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "id"]
        constraints = [models.UniqueConstraint(fields=["client", "parent"], name="gezag_unique_parent_client")]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return f"gezinslid {self.pk} -> client {self.client_id}"

    @property
    def display_name(self) -> str:
        """The organisation for a GI, otherwise the person's name (or their account's)."""
        if self.kind == self.Kind.GI and self.organisation_name:
            return self.organisation_name
        name = f"{self.given_name} {self.family_name}".strip()
        if not name and self.parent is not None:
            name = self.parent.display_name
        return name or str(self.get_kind_display())


class GezagChange(models.Model):
    """One recorded change of a family member's gezag: what, from which day, on which document."""

    relation = models.ForeignKey(GezagRelation, on_delete=models.CASCADE, related_name="gezag_changes")
    has_gezag = models.BooleanField(_("has parental authority"))
    effective_on = models.DateField(_("effective from"))
    source_document = models.CharField(_("source document"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["relation", "effective_on", "id"]

    def __str__(self) -> str:
        return f"gezag change {self.pk} of relation {self.relation_id}"


class ParentAccessDecision(models.Model):
    """Decisions that change a parent's access to the clinical file (docs/legal-basis.md, consent and access by age).

    - RESTRICTED: for a young person of 12 to 15, the coach limits the parent's inzage because it
      would harm the young person; a reason is required.
    - CONSENTED: a young person of 16 or older allows the parent to see the file.
    A decision stops counting when it is revoked.
    """

    class Kind(models.TextChoices):
        RESTRICTED = "restricted", _("access restricted by the coach")
        CONSENTED = "consented", _("access allowed by the young person")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="parent_access_decisions")
    parent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = EncryptedTextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "parent"], name="parent_access_idx")]

    def __str__(self) -> str:
        return f"{self.kind} parent {self.parent_id} client {self.client_id}"


class ClientNote(models.Model):
    """A coach's note in the client file: clinical content, encrypted at rest."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"note {self.pk} on client {self.client_id}"


class FileSeen(models.Model):
    """When a professional last opened a client's file: what happened after it is "new" on their
    caseload, their "vandaag" page and the file's header (``home.selectors.client_signals``).

    A convenience mark, not the access log: the NEN 7513 log keeps every opening (``audit``); this
    keeps only the latest one per person and client and is overwritten on each opening.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(_("last opened at"))

    class Meta:
        verbose_name = _("file last opened")
        verbose_name_plural = _("files last opened")
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="clients_file_seen_once")]

    def __str__(self) -> str:
        return f"client {self.client_id} seen by {self.user_id}"


class MunicipalityChange(models.Model):
    """One change of a young person's municipality of residence (woonplaatsbeginsel,
    docs/legal-basis.md): a move (``trajectories.services.client_move``, by the treating professionals)
    or a municipal merger (herindeling, command ``municipality_merge``). The history stays: each row
    says from which municipality to which one, from which day. ``Client.municipality`` changes only
    through these two services."""

    class Kind(models.TextChoices):
        MOVE = "move", _("move")
        MERGER = "merger", _("municipal merger (herindeling)")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="municipality_changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    effective_on = models.DateField(_("from the day"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "effective_on", "id"]
        verbose_name = _("change of municipality")
        verbose_name_plural = _("changes of municipality")

    def __str__(self) -> str:
        return f"client {self.client_id}: {self.from_municipality_id} -> {self.to_municipality_id} ({self.kind})"

"""The money: what a municipality buys from a provider (contract, products, tariffs) and grants.

- ``Contract``: one municipality, one provider, a period and an optional yearly
  budget. A municipality–provider pair has at most one contract valid on any date (checked in
  ``coachcare.contracts.services.contract_check``). A regional contract is made by a region
  (jeugdregio) instead: one tariff list for its members, each of which takes part through its own
  contract row (``part_of``) with a budget share per year (``RegionalBudgetShare``).
- ``ContractProduct``: a module of the method catalogue (by its code) bought under a contract, with
  its funding model (outputgericht, inspanningsgericht, taakgericht), its iJw product (category,
  code, unit, frequency) and tariff in cents.
- ``ContractBudgetYear``: the planned budget per calendar year (the budget path);
  ``LumpSumInstalment``: the instalments of a task-based lump sum, planned or paid.
- ``Allocation`` (toewijzing): what the municipality grants one client: volume (units of 82 =
  modules), period and budget. Requested by the provider (iJw JW315), approved by the municipality
  (JW301), or approved at once under the contract's mandate. Only administrative data: the
  municipality never learns what is said in care.
- ``Contract.allocation_system`` (``AllocationSystem``): where allocations are decided. In
  coachcare the access team grants in coachcare and coachcare's toewijzing number IS the
  municipality's; in the municipality's own system allocations arrive only as an imported JW301.
  A module started under the mandate gets no number of coachcare's own in either mode: it waits
  for the municipality's (JW301, or the access team's grant in coachcare) before it is declared.

Amounts are integers in euro cents (iJw amounts are in cents too, TR346). Writes go through
``coachcare.contracts.services``.
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coachcare.method.codes import Unit


class FundingModel(models.TextChoices):
    """How the municipality pays for one contract product (docs/contracts.md, "Funding models")."""

    OUTPUT = "outputgericht", _("output-based (a tariff per module)")
    EFFORT = "inspanningsgericht", _("effort-based (a tariff per unit of time)")
    TASK = "taakgericht", _("task-based (a lump sum per period)")


#: Units (WJ756) an effort-based product may be bought in: time, or pieces of effort (84).
EFFORT_UNITS = (Unit.MINUTE, Unit.HOUR, Unit.DAY_AND_NIGHT, Unit.DAY_PART, Unit.PIECES_EFFORT)


class Frequency(models.TextChoices):
    """Frequentie (iJw code list WMO757): how the allocated volume is meant."""

    PER_DAY = "1", _("per day")
    PER_WEEK = "2", _("per week")
    PER_MONTH = "4", _("per month")
    TOTAL = "6", _("in total within the allocation's period")


class AllocationSystem(models.TextChoices):
    """Where the allocations (toewijzingen) under a contract are decided: the system of record."""

    COACHCARE = "coachcare", _("in coachcare (the municipality's access team decides here)")
    MUNICIPALITY = "municipality", _("in the municipality's own system (allocations arrive as JW301)")


class Contract(models.Model):
    #: Empty for a regional contract (``region``): the contract of a jeugdregio with one tariff list
    #: for its members. Each member municipality takes part through a contract of its own with
    #: ``part_of`` set, without products or a budget (its budget is its ``RegionalBudgetShare``).
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
    )
    region = models.ForeignKey(
        "municipalities.Region",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("youth care region"),
        null=True,
        blank=True,
        help_text=_("A regional contract: made by the region instead of one municipality."),
    )
    part_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="parts",
        verbose_name=_("part of the regional contract"),
        null=True,
        blank=True,
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("provider")
    )
    mandate = models.BooleanField(
        _("mandate"),
        default=False,
        help_text=_(
            "Within the yearly budget, the next modules start on the coach's decision at the module "
            "evaluation without a new request; the municipality is informed."
        ),
    )
    allocation_system = models.CharField(
        _("allocations decided"),
        max_length=12,
        choices=AllocationSystem.choices,
        default=AllocationSystem.COACHCARE,
        # Also in the database: the synthetic country and other bulk inserts leave the column out.
        db_default=AllocationSystem.COACHCARE,
        help_text=_(
            "In coachcare: the municipality's access team grants requests in coachcare. In the "
            "municipality's own system: requests go out as JW315 and allocations arrive only as an "
            "imported JW301; granting in coachcare is off."
        ),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no end date."))
    yearly_budget_cents = models.PositiveBigIntegerField(
        _("yearly budget (cents)"),
        null=True,
        blank=True,
        help_text=_(
            "Required for a mandate; a cap on allocations per calendar year. A planned budget of a year "
            "(budget path) takes its place for that year."
        ),
    )
    created_at = models.DateTimeField(_("made on"), auto_now_add=True)

    class Meta:
        ordering = ["municipality__name", "provider__name", "-valid_from"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="contract_period_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(municipality__isnull=False, region__isnull=True)
                | Q(municipality__isnull=True, region__isnull=False),
                name="contract_municipality_xor_region",
                violation_error_message=_("A contract is made by one municipality or by one region."),
            ),
            models.CheckConstraint(
                condition=Q(part_of__isnull=True) | Q(municipality__isnull=False),
                name="contract_part_is_municipal",
                violation_error_message=_("Only a municipality's contract is part of a regional contract."),
            ),
            models.CheckConstraint(
                condition=Q(mandate=False) | Q(yearly_budget_cents__isnull=False) | Q(part_of__isnull=False),
                name="contract_mandate_has_budget",
                violation_error_message=_("A mandate only works within a yearly budget: fill in the budget."),
            ),
        ]
        indexes = [models.Index(fields=["municipality", "provider", "valid_from"], name="contract_pair_idx")]

    def __str__(self) -> str:
        party = self.municipality or self.region
        return f"{party.name if party else '?'} – {self.provider.name} ({self.valid_from:%Y-%m-%d})"


class RegionalBudgetShare(models.Model):
    """A member municipality's share of a regional contract's yearly budget in one year: an amount
    or a percentage. The shares of a year add up to the budget (``contracts.services.regional_budget_shares_set``);
    a member's allocations are checked against its share."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="budget_shares", verbose_name=_("regional contract")
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"), null=True, blank=True)
    percentage = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["contract", "year", "municipality__name"]
        verbose_name = _("budget share")
        verbose_name_plural = _("budget shares")
        constraints = [
            models.UniqueConstraint(fields=["contract", "municipality", "year"], name="budget_share_unique"),
            models.CheckConstraint(
                condition=Q(amount_cents__isnull=False, percentage__isnull=True)
                | Q(amount_cents__isnull=True, percentage__isnull=False),
                name="budget_share_amount_xor_percentage",
                violation_error_message=_("Give an amount or a percentage, not both."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}"


class ContractProduct(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="products", verbose_name=_("contract")
    )
    module_code = models.CharField(_("module code"), max_length=40)
    ijw_product_category = models.CharField(
        _("iJw product category (JZ020)"),
        max_length=2,
        validators=[RegexValidator(r"^\d{2}$", _("A product category has 2 digits."))],
    )
    ijw_product_code = models.CharField(_("iJw product code"), max_length=5)
    funding_model = models.CharField(
        _("funding model"), max_length=20, choices=FundingModel.choices, default=FundingModel.OUTPUT
    )
    unit = models.CharField(_("unit (WJ756)"), max_length=2, choices=Unit.choices, default=Unit.PIECES_OUTPUT)
    frequency = models.CharField(
        _("frequency (WMO757)"), max_length=1, choices=Frequency.choices, default=Frequency.TOTAL
    )
    #: Effort-based: the volume (in ``unit``) asked for one module; output-based: 1 (one module).
    volume_per_module = models.PositiveIntegerField(
        _("volume per module"), default=1, validators=[MinValueValidator(1)]
    )
    #: Per module (output), per unit (effort); task-based products have no tariff (0).
    tariff_cents = models.PositiveIntegerField(_("tariff (cents)"), default=0)

    class Meta:
        ordering = ["contract", "module_code"]
        verbose_name = _("contract product")
        verbose_name_plural = _("contract products")
        constraints = [
            models.UniqueConstraint(fields=["contract", "module_code"], name="contract_product_unique_module"),
            models.CheckConstraint(
                condition=Q(tariff_cents__gt=0) | Q(funding_model="taakgericht"),
                name="contract_product_tariff_positive",
            ),
            models.CheckConstraint(
                condition=~Q(funding_model="outputgericht") | Q(unit="82"),
                name="contract_product_output_unit_82",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module_code} ({self.ijw_product_category}/{self.ijw_product_code})"


class ContractBudgetYear(models.Model):
    """The planned budget of one contract in one calendar year: together the budget path over several
    years (e.g. declining by 5% a year). Takes the place of ``Contract.yearly_budget_cents`` for that year."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="budget_years", verbose_name=_("contract")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    planned_cents = models.PositiveBigIntegerField(_("planned budget (cents)"))

    class Meta:
        ordering = ["contract", "year"]
        verbose_name = _("planned budget per year")
        verbose_name_plural = _("planned budgets per year")
        constraints = [
            models.UniqueConstraint(fields=["contract", "year"], name="contract_budget_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.year}: {self.planned_cents}"


class InstalmentStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    PAID = "paid", _("paid")


class LumpSumInstalment(models.Model):
    """One instalment of a task-based (taakgericht) lump sum: the municipality pays the contract's
    budget of a year in parts per period, whatever the number of young people helped."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("contract")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    status = models.CharField(
        _("status"), max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.PLANNED
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "period_start"]
        verbose_name = _("lump-sum instalment")
        verbose_name_plural = _("lump-sum instalments")
        constraints = [
            models.UniqueConstraint(fields=["contract", "period_start"], name="lump_sum_instalment_unique_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="lump_sum_instalment_period_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False), name="lump_sum_instalment_paid_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period_start}: {self.amount_cents} ({self.status})"


class AllocationStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    ENDED = "ended", _("ended")
    DELETED = "deleted", _("deleted")  # iJw RedenWijziging 13


#: Statuses whose budget counts as granted (against the contract's yearly budget).
GRANTED_STATUSES = (AllocationStatus.APPROVED, AllocationStatus.ENDED)


class Allocation(models.Model):
    """A toewijzing: the municipality grants one client a volume of one product in a period."""

    public_id = models.UUIDField(_("number"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="allocations", verbose_name=_("client")
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("contract")
    )
    product = models.ForeignKey(
        ContractProduct, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("product")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AllocationStatus.choices, default=AllocationStatus.REQUESTED
    )
    toewijzing_nummer = models.CharField(_("allocation number"), max_length=10, unique=True, null=True, blank=True)
    volume = models.PositiveIntegerField(_("volume"), default=1)
    volume_used = models.PositiveIntegerField(_("volume used"), default=0)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    budget_cents = models.PositiveBigIntegerField(_("budget (cents)"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    via_mandate = models.BooleanField(_("granted under the mandate"), default=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(volume_used__lte=F("volume")), name="allocation_used_within_volume"),
            models.CheckConstraint(
                # A module started under the mandate waits for the municipality's number (JW301):
                # approved without a number, never declared until the number has arrived.
                condition=~Q(status="approved")
                | (
                    (Q(toewijzing_nummer__isnull=False) | Q(via_mandate=True))
                    & Q(start_date__isnull=False)
                    & Q(end_date__isnull=False)
                    & Q(budget_cents__isnull=False)
                ),
                name="allocation_approved_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="allocation_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status"], name="allocation_client_status_idx"),
            models.Index(fields=["contract", "status", "start_date"], name="allocation_contract_idx"),
            # Newest first across a large municipality (the API's allocation list, ``requested_at``
            # and ``id`` descending): read from the end of this index instead of sorting 150,000 rows.
            models.Index(fields=["requested_at", "id"], name="allocation_requested_idx"),
        ]

    def __str__(self) -> str:
        return f"allocation {self.toewijzing_nummer or self.public_id} ({self.status})"

    @property
    def awaits_decision(self) -> bool:
        """A request (JW315) the municipality has not decided on yet."""
        return self.status == AllocationStatus.REQUESTED

    @property
    def awaits_municipality_number(self) -> bool:
        """Started under the mandate, the municipality's toewijzing (its number) not yet arrived."""
        return self.via_mandate and self.status == AllocationStatus.APPROVED and not self.toewijzing_nummer


class AllocationNotice(models.Model):
    """An outbox of messages to the municipality (for now: allocations granted under the mandate).

    The municipality is informed of every mandate allocation: the next ``ijw_export`` of its
    month writes a JW315 for it and sets ``sent_at`` (``services.allocation_notices_mark_sent``).
    """

    class Kind(models.TextChoices):
        MANDATE_APPROVAL = "mandate_approval", _("allocation granted under the mandate")

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notice to the municipality")
        verbose_name_plural = _("notices to the municipality")
        indexes = [models.Index(fields=["sent_at"], name="allocation_notice_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for allocation {self.allocation_id}"


class NumberSequence(models.Model):
    """A named counter (for toewijzing numbers), incremented under a row lock."""

    name = models.CharField(max_length=40, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class ChangeRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class AllocationChangeRequest(models.Model):
    """A verzoek om wijziging (iJw JW317): the provider asks to change an approved allocation.

    More volume and/or a later (or earlier) end date, with an administrative reason (never
    clinical content). The municipality decides; an approval updates the allocation.
    """

    public_id = models.UUIDField(_("number"), default=uuid.uuid4, unique=True, editable=False)
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("allocation")
    )
    volume = models.PositiveIntegerField(_("requested volume"), null=True, blank=True)
    end_date = models.DateField(_("requested end date"), null=True, blank=True)
    #: The allocation as it was when the change was asked (the JW317 shows the unchanged part).
    volume_before = models.PositiveIntegerField(_("volume before"))
    end_date_before = models.DateField(_("end date before"))
    reason = models.TextField(_("reason"), help_text=_("Administrative only: never clinical content."))
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("allocation change request")
        verbose_name_plural = _("allocation change requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(volume__isnull=False) | Q(end_date__isnull=False),
                name="allocation_change_has_change",
            ),
            models.CheckConstraint(
                condition=Q(volume__isnull=True) | Q(volume__gte=1),
                name="allocation_change_volume_positive",
            ),
        ]
        indexes = [models.Index(fields=["allocation", "status"], name="allocation_change_status_idx")]

    def __str__(self) -> str:
        return f"change request {self.public_id} ({self.status})"

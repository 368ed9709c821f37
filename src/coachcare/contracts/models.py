"""The money: what a municipality buys from a provider (contract, products, tariffs) and grants.

- ``Contract``: one municipality, one provider, a funding model, a period and an optional yearly
  budget. A municipality–provider pair has at most one contract valid on any date (checked in
  ``coachcare.contracts.services.contract_check``). A regional contract is made by a region
  (jeugdregio) instead: one tariff list for its members, each of which takes part through its own
  contract row (``part_of``) with a budget share per year (``RegionalBudgetShare``).
- ``ContractProduct``: a module of the method catalogue (by its code) bought under a contract, with
  its iJw product (category, code, unit) and tariff in cents.
- ``Allocation`` (toewijzing): what the municipality grants one client: volume (units of 82 =
  modules), period and budget. Requested by the provider (iJw JW315), approved by the municipality
  (JW301), or approved at once under the contract's mandate. Only administrative data: the
  municipality never learns what is said in care.

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
    PER_MODULE = "per_module", _("per module (tariff per module)")
    POPULATION_BUDGET = "population_budget", _("population budget (fixed yearly budget)")


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
    funding_model = models.CharField(_("funding model"), max_length=20, choices=FundingModel.choices)
    mandate = models.BooleanField(
        _("mandate"),
        default=False,
        help_text=_(
            "Within the yearly budget, the next modules start on the coach's decision at the module "
            "evaluation without a new request; the municipality is informed."
        ),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no end date."))
    yearly_budget_cents = models.PositiveBigIntegerField(
        _("yearly budget (cents)"),
        null=True,
        blank=True,
        help_text=_("Required for a population budget and for a mandate; a cap on allocations per calendar year."),
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
                condition=~Q(funding_model="population_budget")
                | Q(yearly_budget_cents__isnull=False)
                | Q(part_of__isnull=False),
                name="contract_population_budget_has_budget",
                violation_error_message=_("A population budget contract needs a yearly budget."),
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
    unit = models.CharField(_("unit (WJ756)"), max_length=2, choices=Unit.choices, default=Unit.PIECES_OUTPUT)
    tariff_cents = models.PositiveIntegerField(_("tariff (cents)"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["contract", "module_code"]
        verbose_name = _("contract product")
        verbose_name_plural = _("contract products")
        constraints = [
            models.UniqueConstraint(fields=["contract", "module_code"], name="contract_product_unique_module"),
            models.CheckConstraint(condition=Q(tariff_cents__gt=0), name="contract_product_tariff_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.module_code} ({self.ijw_product_category}/{self.ijw_product_code})"


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
                condition=~Q(status="approved")
                | (
                    Q(toewijzing_nummer__isnull=False)
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


class AllocationNotice(models.Model):
    """An outbox of messages to the municipality (for now: allocations granted under the mandate).

    The municipality is informed of every mandate allocation. The iJw message itself is sent by a
    later step that picks up notices with ``sent_at`` empty.
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

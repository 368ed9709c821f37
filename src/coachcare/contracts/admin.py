"""Contracts and tariffs are kept by the administrator; allocations are read-only here.

The checks are the services' (``contract_check``, ``contract_product_check``): the forms call them.
"""

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from coachcare.audit.admin_mixins import AccessLoggedAdminMixin
from coachcare.contracts import services
from coachcare.contracts.models import (
    Allocation,
    AllocationChangeRequest,
    AllocationSystem,
    Contract,
    ContractBudgetYear,
    ContractProduct,
    FundingModel,
    LumpSumInstalment,
)
from coachcare.method.codes import Unit


class ContractForm(forms.ModelForm[Contract]):
    class Meta:
        model = Contract
        fields = (
            "municipality",
            "region",
            "provider",
            "mandate",
            "allocation_system",
            "valid_from",
            "valid_to",
            "yearly_budget_cents",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left empty: decided in coachcare, as before the setting existed.
        self.fields["allocation_system"].required = False

    def clean_allocation_system(self) -> str:
        return str(self.cleaned_data.get("allocation_system") or AllocationSystem.COACHCARE)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("region") is not None:
            return self._clean_regional(cleaned)
        required = ("municipality", "provider", "valid_from")
        if all(cleaned.get(name) is not None for name in required):
            try:
                services.contract_check(
                    municipality=cleaned["municipality"],
                    provider=cleaned["provider"],
                    mandate=bool(cleaned.get("mandate")),
                    valid_from=cleaned["valid_from"],
                    valid_to=cleaned.get("valid_to"),
                    yearly_budget_cents=cleaned.get("yearly_budget_cents"),
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned

    def _clean_regional(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        """A regional contract (jeugdregio): made by the region, not by one municipality."""
        if cleaned.get("municipality") is not None:
            self.add_error("municipality", _("A contract is made by one municipality or by one region."))
        required = ("region", "provider", "valid_from")
        if all(cleaned.get(name) is not None for name in required):
            try:
                services.regional_contract_check(
                    region=cleaned["region"],
                    provider=cleaned["provider"],
                    mandate=bool(cleaned.get("mandate")),
                    valid_from=cleaned["valid_from"],
                    valid_to=cleaned.get("valid_to"),
                    yearly_budget_cents=cleaned.get("yearly_budget_cents"),
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


class ContractProductForm(forms.ModelForm[ContractProduct]):
    class Meta:
        model = ContractProduct
        fields = (
            "module_code",
            "funding_model",
            "ijw_product_category",
            "ijw_product_code",
            "unit",
            "frequency",
            "volume_per_module",
            "tariff_cents",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("module_code") and cleaned.get("ijw_product_category"):
            try:
                services.contract_product_check(
                    module_code=cleaned["module_code"],
                    ijw_product_category=cleaned["ijw_product_category"],
                    tariff_cents=cleaned.get("tariff_cents"),
                    funding_model=cleaned.get("funding_model") or FundingModel.OUTPUT,
                    unit=cleaned.get("unit") or Unit.PIECES_OUTPUT,
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


class ContractProductInline(admin.TabularInline[ContractProduct, Contract]):
    model = ContractProduct
    form = ContractProductForm
    extra = 1


class ContractBudgetYearInline(admin.TabularInline[ContractBudgetYear, Contract]):
    """The budget path: the planned budget per calendar year."""

    model = ContractBudgetYear
    extra = 1


class LumpSumInstalmentInline(admin.TabularInline[LumpSumInstalment, Contract]):
    """The instalments of a task-based lump sum (made by ``lump_sum_schedule_create``); read-only."""

    model = LumpSumInstalment
    extra = 0
    fields = ("period_start", "period_end", "amount_cents", "status", "paid_on")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    form = ContractForm
    list_display = ("municipality", "region", "provider", "mandate", "valid_from", "valid_to")
    list_filter = ("products__funding_model", "mandate", "allocation_system", "municipality")
    list_select_related = ("municipality", "region", "provider")
    search_fields = ("municipality__name", "region__name", "provider__name")
    inlines = [ContractProductInline, ContractBudgetYearInline, LumpSumInstalmentInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """A regional contract gives every member of the region its part (``regional_contract_parts_sync``)."""
        super().save_related(request, form, formsets, change)
        if form.instance.region_id is not None:
            services.regional_contract_parts_sync(contract=form.instance)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


ALLOCATION_FIELDS = (
    "public_id",
    "client",
    "contract",
    "product",
    "status",
    "toewijzing_nummer",
    "volume",
    "volume_used",
    "start_date",
    "end_date",
    "budget_cents",
    "via_mandate",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
    "rejection_reason",
)


@admin.register(Allocation)
class AllocationAdmin(AccessLoggedAdminMixin, admin.ModelAdmin[Allocation]):
    """Read-only: allocations change only through the services (request, decision, consumption)."""

    list_display = ("toewijzing_nummer", "client", "product", "status", "start_date", "end_date", "via_mandate")
    list_filter = ("status", "via_mandate")
    list_select_related = ("client", "product")
    fields = ALLOCATION_FIELDS
    readonly_fields = ALLOCATION_FIELDS
    list_per_page = 50
    show_full_result_count = False

    access_log_action = "admin.allocation"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("client__bsn", "client__bsn_hash")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


CHANGE_REQUEST_FIELDS = (
    "public_id",
    "allocation",
    "volume",
    "end_date",
    "volume_before",
    "end_date_before",
    "reason",
    "status",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
)


@admin.register(AllocationChangeRequest)
class AllocationChangeRequestAdmin(AccessLoggedAdminMixin, admin.ModelAdmin[AllocationChangeRequest]):
    """Read-only: change requests are made and decided through the services (iJw JW317/JW319)."""

    list_display = ("public_id", "allocation", "volume", "end_date", "status", "requested_at")
    list_filter = ("status",)
    list_select_related = ("allocation",)
    fields = CHANGE_REQUEST_FIELDS
    readonly_fields = CHANGE_REQUEST_FIELDS
    list_per_page = 50
    show_full_result_count = False

    access_log_action = "admin.allocation_change_request"

    def client_public_id_of(self, obj: Any) -> UUID:
        result: UUID = obj.allocation.client.public_id
        return result

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related("allocation__client")
            .defer("allocation__client__bsn", "allocation__client__bsn_hash")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

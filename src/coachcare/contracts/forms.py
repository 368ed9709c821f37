import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.contracts.models import Allocation
from coachcare.contracts.services import MANDATE_PERIOD_MONTHS, REJECTION_REASON_MAX_LENGTH
from coachcare.core.dates import add_months, today


class ApproveForm(forms.Form):
    """Granting a request. The rules live in ``coachcare.contracts.services.allocation_approve``."""

    volume = forms.IntegerField(
        label=_("Volume (modules, or units of time for an effort-based product)"),
        min_value=1,
        max_value=99_999,
        initial=1,
        widget=forms.NumberInput(),
    )
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}))
    budget = forms.DecimalField(
        label=_("Budget in euros"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        help_text=_("Leave empty for volume × tariff."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    @classmethod
    def with_defaults(cls, *, volume: int = 1) -> "ApproveForm":
        """``volume``: as requested (1 module, or the units of time of an effort-based product)."""
        start = today()
        return cls(
            initial={"volume": volume, "start_date": start, "end_date": add_months(start, MANDATE_PERIOD_MONTHS)}
        )

    @classmethod
    def for_mandate_start(cls, allocation: Allocation) -> "ApproveForm":
        """Confirming a module started under the mandate: its period, volume and budget as started."""
        return cls(
            initial={
                "volume": allocation.volume,
                "start_date": allocation.start_date,
                "end_date": allocation.end_date,
                "budget": None if allocation.budget_cents is None else Decimal(allocation.budget_cents) / 100,
            }
        )

    def budget_cents(self) -> int | None:
        budget = self.cleaned_data.get("budget")
        return None if budget is None else int(budget * 100)

    def service_arguments(self) -> dict[str, Any]:
        start: datetime.date = self.cleaned_data["start_date"]
        end: datetime.date = self.cleaned_data["end_date"]
        return {
            "volume": self.cleaned_data["volume"],
            "start_date": start,
            "end_date": end,
            "budget_cents": self.budget_cents(),
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=REJECTION_REASON_MAX_LENGTH,
        help_text=_(
            "An administrative reason only, for example “no contract for this module”. Never clinical details."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

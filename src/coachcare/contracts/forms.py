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


# --- the back office's budget screens (issue 18.1): the rules live in ``contracts.services`` ------------


def _euros(label: Any, *, required: bool = True) -> forms.DecimalField:
    """An amount in euros ("1.250,00" or "1250"); the service checks it (never negative, ...)."""
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


class BudgetYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    planned = _euros(_("Planned budget in euros"))

    def service_arguments(self) -> dict[str, Any]:
        return {"year": self.cleaned_data["year"], "planned_cents": _cents(self.cleaned_data["planned"])}


class InstalmentForm(forms.Form):
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period until"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = _euros(_("Amount in euros"))

    def service_arguments(self) -> dict[str, Any]:
        return {
            "period_start": self.cleaned_data["period_start"],
            "period_end": self.cleaned_data["period_end"],
            "amount_cents": _cents(self.cleaned_data["amount"]),
        }


class ScheduleForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    instalments = forms.TypedChoiceField(
        label=_("Instalments"),
        coerce=int,
        choices=[(12, _("12 (monthly)")), (4, _("4 (quarterly)")), (2, _("2 (half-yearly)")), (1, _("1 (yearly)"))],
        initial=12,
    )


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))


class SharesForm(forms.Form):
    """Per member of a regional contract in one year: an amount in euros or a percentage (or
    neither: the member draws on the regional remainder)."""

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            self.fields[f"amount_{member.pk}"] = _euros(
                _("%(municipality)s: amount in euros") % {"municipality": member.name}, required=False
            )
            self.fields[f"percentage_{member.pk}"] = forms.DecimalField(
                label=_("%(municipality)s: percentage") % {"municipality": member.name},
                required=False,
                max_digits=5,
                decimal_places=2,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(m, self[f"amount_{m.pk}"], self[f"percentage_{m.pk}"]) for m in self.members]

    def shares(self) -> dict[Any, tuple[int | None, Decimal | None]]:
        """The shares given (members left empty have none)."""
        result = {}
        for member in self.members:
            amount = self.cleaned_data.get(f"amount_{member.pk}")
            percentage = self.cleaned_data.get(f"percentage_{member.pk}")
            if amount is not None or percentage is not None:
                result[member] = (_cents(amount), percentage)
        return result

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.monitoring import indicators as ind


class FilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    module = forms.ChoiceField(label=_("Module"), required=False)
    age_band = forms.ChoiceField(
        label=_("Age at referral"),
        required=False,
        choices=[("", _("All ages")), *((code, label) for code, (label, _lo, _hi) in ind.AGE_BANDS.items())],
    )

    def __init__(self, *args: object, modules: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["module"].choices = [("", _("All modules")), *modules]  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"filter-{name}")

    def period(self, on: datetime.date) -> tuple[datetime.date, datetime.date]:
        """Default: the last four quarters, the current one included."""
        data = self.cleaned_data if self.is_valid() else {}
        default_from, _today = ind.default_period(on)
        date_to = data.get("date_to") or on
        date_from = data.get("date_from") or default_from
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return date_from, date_to


class AnnotationForm(forms.Form):
    indicator_code = forms.ChoiceField(label=_("Figure"), choices=[(i.code, i.name) for i in ind.INDICATORS])
    period_from = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("Period until"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label=_("The story behind the number"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Administrative or aggregate commentary only; never anything about an individual young person."),
    )
    shared_with = forms.TypedChoiceField(
        label=_("Shared with the municipality"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "The municipality's staff read a shared comment beside the figure, with your name and organisation. "
            "Write no client details in it: no names, ages, dates or events of a young person or family."
        ),
    )

    def __init__(self, *args: object, share_choices: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if share_choices:
            self.fields["shared_with"].choices = [("", _("Not shared")), *share_choices]  # type: ignore[attr-defined]
        else:
            del self.fields["shared_with"]


class ReferenceCostForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Reference cost per successful trajectory (euro)"), min_value=1, decimal_places=2, max_digits=12
    )
    description = forms.CharField(label=_("Source of the reference"), max_length=300, required=False)
